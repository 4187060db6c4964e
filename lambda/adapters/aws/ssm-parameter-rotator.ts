import { createHash } from 'node:crypto';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  LabelParameterVersionCommand,
  type ParameterTier,
  PutParameterCommand,
  SSMClient,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm';
import { PortError } from '../../core/errors.js';
import { inspectSecretValue, rotateSecretValue, type SecretKeyInfo } from '../../core/keygen/secret-value.js';
import type { CallRecord } from '../../core/ports.js';
import type { PublicJwk } from '../../core/tokens/model.js';
import { awsErrorName, callRecordOf, sendForPort } from './errors.js';

export interface ParameterRotationRequest {
  /** Parameter name (not ARN). */
  readonly name: string;
  /** The action (plan step) this rotation belongs to; the idempotency label is derived from it. */
  readonly actionId: string;
  /**
   * The parameter version the plan saw. When given, a rotation is only recognised as already
   * done if the labelled version is newer than this one.
   */
  readonly expectedVersion?: number;
}

/** The outcome of one rotation: ids, versions and key ids, never the value. */
export type ParameterRotationResult = CallRecord & {
  readonly name: string;
  /** The label that marks the version this action wrote. */
  readonly label: string;
  /** The version the new key replaced. */
  readonly beforeVersion: number;
  /** The version holding the new key. */
  readonly afterVersion: number;
  readonly algorithm: string;
  readonly kid?: string;
  /** The new public key with its kid, for the JWKS; absent for HMAC keys. */
  readonly publicJwk?: PublicJwk;
  /** Set when `expectedVersion` was given: whether someone wrote the parameter since the plan. */
  readonly changedSincePlan?: boolean;
} & (
    | {
        readonly status: 'rotated';
        readonly previousKid?: string;
        /** False when LabelParameterVersion failed; a retry will then rotate once more (harmless). */
        readonly labelled: boolean;
        /** Versions written by others between our read and our write, which our write replaced. */
        readonly overwrittenVersions: number;
        /** The parameter was a plain `String`; the new key is written as `SecureString`. */
        readonly typeChanged: boolean;
      }
    | { readonly status: 'already-rotated' }
  );

export interface SsmParameterRotatorOptions {
  /** @default new SSMClient(clientConfig) */
  readonly client?: SSMClient;
  readonly clientConfig?: SSMClientConfig;
}

/**
 * The label that marks the version an action wrote: `sever-` and 32 hex characters of
 * SHA-256(actionId). Labels may not start with a digit, `aws` or `ssm`, and allow at most 100
 * characters of `[a-zA-Z0-9_.-]`; action ids contain `/` and `:`, hence the hash.
 *
 * @example
 * ```ts
 * parameterRotationLabel('case-1/rotate-parameter/arn:aws:ssm:…'); // 'sever-9b1f…'
 * ```
 */
export const parameterRotationLabel = (actionId: string): string =>
  `sever-${createHash('sha256').update(actionId).digest('hex').slice(0, 32)}`;

// Asking for `name:label` when no version carries the label.
const LABEL_MISSING = new Set(['ParameterNotFound', 'ParameterVersionNotFound', 'ParameterVersionLabelNotFound']);

/**
 * Rotates a signing key held in an SSM parameter: reads it (decrypted), generates a key of the
 * same algorithm in the same shape (see `core/keygen/secret-value.ts`) and overwrites the
 * parameter as a `SecureString` under the same KMS key.
 *
 * ## Idempotency
 *
 * SSM has no conditional write, and PutParameter cannot attach a label in the same call, so the
 * rotator marks its work afterwards: the version it wrote gets the label
 * {@link parameterRotationLabel}(actionId) via LabelParameterVersion. Before rotating it asks
 * for `name:label`:
 *
 * - The label is on the **latest** version (and, when `expectedVersion` is given, that version
 *   is newer than it): this action's rotation happened and nobody wrote since. Nothing is
 *   written; the result is `already-rotated`, with `beforeVersion` = labelled − 1 (versions
 *   are consecutive, so that is the version the rotation replaced).
 * - The label is missing, or on an older version: rotate. This covers a first run, a crash
 *   between PutParameter and LabelParameterVersion, and a later write by someone else. The last
 *   case matters: a value written after Sever's rotation may have been written by the very
 *   engineer being removed, so it is rotated again; LabelParameterVersion then moves the label
 *   to the new version. A labelled version that is not newer than `expectedVersion` belongs to
 *   a parameter that was deleted and recreated, and is rotated too.
 *
 * Every uncertain case therefore ends in one extra rotation, never in a skipped one: a second
 * fresh key costs a parameter version; a skipped rotation would leave a key the engineer knew.
 *
 * The KMS key is copied from DescribeParameters because PutParameter without `KeyId` silently
 * switches to `alias/aws/ssm`, whose policy is usually broader than the original key's; if the
 * KeyId cannot be read the rotation stops instead. Tier, data type and description are copied
 * too, so the overwrite changes nothing but the value.
 *
 * Needs `ssm:GetParameter`, `ssm:DescribeParameters`, `ssm:PutParameter`,
 * `ssm:LabelParameterVersion` and KMS Decrypt/Encrypt/GenerateDataKey on the parameter's key.
 *
 * @example
 * ```ts
 * const rotator = new SsmParameterRotator();
 * const result = await rotator.rotate({ name: '/payments/signing-key', actionId: step.id, expectedVersion: 7 });
 * if (result.publicJwk) await jwks.publish(location, result.publicJwk);
 * ```
 */
export class SsmParameterRotator {
  readonly #client: SSMClient;

  constructor(options: SsmParameterRotatorOptions = {}) {
    this.#client = options.client ?? new SSMClient(options.clientConfig ?? {});
  }

  /** Rotates the parameter once per action; see the class comment for how repeats are detected. */
  async rotate(request: ParameterRotationRequest): Promise<ParameterRotationResult> {
    const { name, actionId, expectedVersion } = request;
    const label = parameterRotationLabel(actionId);
    const read = await sendForPort({ operation: 'ssm:GetParameter', resource: name }, () =>
      this.#client.send(new GetParameterCommand({ Name: name, WithDecryption: true })),
    );
    const value = read.Parameter?.Value;
    const version = read.Parameter?.Version;
    if (typeof value !== 'string' || typeof version !== 'number') {
      throw new PortError('ERR_FAILED', `ssm:GetParameter on ${name} returned no value or version`);
    }
    const changed = expectedVersion === undefined ? {} : { changedSincePlan: version !== expectedVersion };

    const labelledVersion = await this.#labelledVersion(name, label);
    if (labelledVersion === version && (expectedVersion === undefined || labelledVersion > expectedVersion)) {
      const info = await inspectSecretValue(value, { source: `parameter ${name}` });
      return {
        ...callRecordOf(read),
        name,
        label,
        status: 'already-rotated',
        beforeVersion: labelledVersion - 1,
        afterVersion: labelledVersion,
        ...keyFields(info),
        ...changed,
      };
    }

    const metadata = await this.#metadata(name);
    const wasSecure = read.Parameter?.Type === 'SecureString';
    if (wasSecure && metadata.KeyId === undefined) {
      throw new PortError(
        'ERR_FAILED',
        `ssm:DescribeParameters on ${name} did not report its KMS key; refusing to overwrite it under the default key`,
      );
    }
    // Generated before any write: a parameter Sever cannot rotate is left exactly as it was.
    const rotated = await rotateSecretValue(value, { source: `parameter ${name}` });
    const put = await sendForPort({ operation: 'ssm:PutParameter', resource: name }, () =>
      this.#client.send(
        new PutParameterCommand({
          Name: name,
          Value: rotated.value,
          Type: 'SecureString',
          Overwrite: true,
          ...(wasSecure ? { KeyId: metadata.KeyId } : {}),
          ...(metadata.Tier === undefined ? {} : { Tier: metadata.Tier }),
          ...(metadata.DataType === undefined ? {} : { DataType: metadata.DataType }),
          ...(metadata.Description === undefined ? {} : { Description: metadata.Description }),
        }),
      ),
    );
    const afterVersion = put.Version;
    if (typeof afterVersion !== 'number') {
      throw new PortError('ERR_FAILED', `ssm:PutParameter on ${name} returned no version`, undefined, callRecordOf(put).requestId);
    }
    const labelled = await this.#label(name, afterVersion, label);
    return {
      ...callRecordOf(put),
      name,
      label,
      status: 'rotated',
      beforeVersion: version,
      afterVersion,
      ...keyFields(rotated.after),
      ...(rotated.before.kid === undefined ? {} : { previousKid: rotated.before.kid }),
      labelled,
      overwrittenVersions: Math.max(0, afterVersion - version - 1),
      typeChanged: !wasSecure,
      ...changed,
    };
  }

  /** The `StoredKeyRotator.rotateParameter` port: the version that now holds the new key. */
  async rotateParameter(name: string, stepId: string): Promise<CallRecord & { readonly version: number }> {
    const result = await this.rotate({ name, actionId: stepId });
    return { ...(result.requestId === undefined ? {} : { requestId: result.requestId }), version: result.afterVersion };
  }

  async #labelledVersion(name: string, label: string): Promise<number | undefined> {
    try {
      // No decryption: only the version number is needed.
      const output = await this.#client.send(new GetParameterCommand({ Name: `${name}:${label}` }));
      return output.Parameter?.Version;
    } catch (error) {
      if (LABEL_MISSING.has(awsErrorName(error) ?? '')) return undefined;
      return sendForPort({ operation: 'ssm:GetParameter', resource: `${name}:${label}` }, () => Promise.reject(error));
    }
  }

  async #metadata(name: string): Promise<{ KeyId?: string; Tier?: ParameterTier; DataType?: string; Description?: string }> {
    const output = await sendForPort({ operation: 'ssm:DescribeParameters', resource: name }, () =>
      this.#client.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }] })),
    );
    const found = (output.Parameters ?? []).find((parameter) => parameter.Name === name);
    if (found === undefined) return {};
    return {
      ...(found.KeyId === undefined ? {} : { KeyId: found.KeyId }),
      ...(found.Tier === undefined ? {} : { Tier: found.Tier }),
      ...(found.DataType === undefined ? {} : { DataType: found.DataType }),
      ...(found.Description === undefined ? {} : { Description: found.Description }),
    };
  }

  /** Attaches the action's label; a failure is reported in the result, not thrown, since the key already changed. */
  async #label(name: string, version: number, label: string): Promise<boolean> {
    try {
      const output = await this.#client.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: version, Labels: [label] }));
      return (output.InvalidLabels ?? []).length === 0;
    } catch {
      return false;
    }
  }
}

const keyFields = (info: SecretKeyInfo): { algorithm: string; kid?: string; publicJwk?: PublicJwk } => ({
  algorithm: info.algorithmName,
  ...(info.kid === undefined ? {} : { kid: info.kid }),
  ...(info.publicJwk === undefined || info.kid === undefined ? {} : { publicJwk: { ...info.publicJwk, kid: info.kid } }),
});
