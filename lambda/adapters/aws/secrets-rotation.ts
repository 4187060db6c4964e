import { createHash } from 'node:crypto';
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { PortError } from '../../core/errors.js';
import { inspectSecretValue, rotateSecretValue, verifyRotatedSecret } from '../../core/keygen/secret-value.js';
import type { CallRecord } from '../../core/ports.js';
import type { PublicJwk } from '../../core/tokens/model.js';
import { awsErrorName, callAws, callRecordOf, sendForPort, toPortError, translateAwsError } from './errors.js';

/** The four steps Secrets Manager invokes a rotation function with, in order. */
export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

export type RotationStepErrorCode =
  /** DescribeSecret says rotation is not enabled: something other than Secrets Manager invoked us. */
  | 'ERR_ROTATION_NOT_ENABLED'
  /** The version named by the token is not staged AWSPENDING (and, in createSecret, nothing stale explains why). */
  | 'ERR_ROTATION_VERSION_NOT_PENDING'
  /** The secret version holds `SecretBinary`; signing keys are rotated only as `SecretString`. */
  | 'ERR_SECRET_NOT_STRING';

/**
 * A rotation step refused to run. Throwing fails the invocation, which makes Secrets Manager
 * mark the rotation failed and leave AWSCURRENT where it was.
 */
export class RotationStepError extends Error {
  override readonly name = 'RotationStepError';
  readonly code: RotationStepErrorCode;

  constructor(code: RotationStepErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** What {@link PendingKeyPublisher} is told about the key it receives. */
export interface PendingKeyContext {
  /** The secret's ARN (as DescribeSecret reports it). */
  readonly secretId: string;
  /** The version that holds the new key (the rotation's ClientRequestToken). */
  readonly versionId: string;
  /** The secret's tags, e.g. `sever:jwks` naming where verifiers fetch public keys. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Port called in `setSecret` with the new public key, so verifiers learn it before it signs
 * anything. Must be idempotent: a retried step publishes the same key again.
 */
export type PendingKeyPublisher = (publicJwk: PublicJwk, context: PendingKeyContext) => Promise<void>;

/** What one step did. Ids and algorithm names only: safe to log. */
export interface RotationStepOutcome {
  readonly step: RotationStep;
  readonly secretId: string;
  readonly versionId: string;
  readonly outcome:
    | 'created'
    /** createSecret found the pending version already written (a retry, or a concurrent invocation won). */
    | 'already-created'
    | 'published'
    /** setSecret with no {@link PendingKeyPublisher} configured. */
    | 'no-publisher'
    /** setSecret for a key without a public part (HMAC). */
    | 'no-public-key'
    | 'tested'
    | 'finished'
    /** The version is already AWSCURRENT: a repeated step after the rotation finished. */
    | 'already-current';
  /** createSecret removed AWSPENDING from this older version, left behind by a failed rotation. */
  readonly removedStalePendingFrom?: string;
  /** finishSecret moved AWSCURRENT away from this version (it is now AWSPREVIOUS). */
  readonly previousVersionId?: string;
  readonly algorithm?: string;
  readonly kid?: string;
  readonly previousKid?: string;
}

/** The outcome of {@link SecretsManagerRotation.triggerSecretRotation}. */
export type SecretRotationTrigger = CallRecord & {
  readonly secretId: string;
  readonly clientRequestToken: string;
} & (
    | {
        readonly status: 'started';
        readonly versionId: string;
        /** `sever` when this call also set the secret's rotation function to Sever's. */
        readonly rotationFunction: 'existing' | 'sever';
      }
    /** The version with this token already went through rotation (it is AWSCURRENT or AWSPREVIOUS). */
    | { readonly status: 'completed'; readonly versionId: string }
    | {
        readonly status: 'in-progress';
        /** True when the rotation in progress is this token's; false when another rotation blocks it. */
        readonly ownRotation: boolean;
        /** The version staged AWSPENDING, when DescribeSecret showed one. */
        readonly pendingVersionId?: string;
      }
  );

export interface SecretsManagerRotationOptions {
  /** @default new SecretsManagerClient(clientConfig) */
  readonly client?: SecretsManagerClient;
  readonly clientConfig?: SecretsManagerClientConfig;
  /** Called in setSecret with the new public key. @default none: setSecret does nothing */
  readonly onPending?: PendingKeyPublisher;
  /**
   * Sever's rotation function. Used by the trigger only for secrets that have no rotation
   * function yet; a secret with its own keeps it. @default none
   */
  readonly rotationLambdaArn?: string;
}

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';
const PREVIOUS = 'AWSPREVIOUS';

/**
 * The ClientRequestToken for the rotation an action starts: the same action always asks for
 * the same rotation, so a retried trigger can never start a second one. 64 hex characters
 * (Secrets Manager accepts 32–64), the same derivation the executor uses for `rotate-secret`.
 *
 * @example
 * ```ts
 * rotationClientRequestToken('case-1/rotate-secret/arn:aws:secretsmanager:…'); // '3f1c…' (64 chars)
 * ```
 */
export const rotationClientRequestToken = (actionId: string): string => createHash('sha256').update(actionId).digest('hex').slice(0, 64);

// Secrets Manager reports both with InvalidRequestException; only the wording tells them apart
// from other invalid requests.
const IN_PROGRESS_MESSAGE = /rotation is already in progress|previous rotation isn.?t complete/i;

const isRotationInProgress = (error: unknown): boolean =>
  awsErrorName(error) === 'InvalidRequestException' && IN_PROGRESS_MESSAGE.test(String((error as { message?: unknown }).message ?? ''));

const tagsOf = (metadata: DescribeSecretCommandOutput): Record<string, string> =>
  Object.fromEntries((metadata.Tags ?? []).flatMap(({ Key, Value }) => (Key === undefined ? [] : [[Key, Value ?? '']])));

const versionWith = (stages: Record<string, string[]>, stage: string, except?: string): string | undefined =>
  Object.entries(stages).find(([versionId, labels]) => versionId !== except && labels.includes(stage))?.[0];

/**
 * Secrets Manager rotation for secrets that hold a signing key, both sides of it:
 *
 * - the rotation function's four steps ({@link createSecret} … {@link finishSecret}), which
 *   generate a key of the same algorithm and format (see `core/keygen/secret-value.ts`), stage
 *   it AWSPENDING, publish its public part, test it and promote it to AWSCURRENT;
 * - the trigger ({@link triggerSecretRotation}, {@link rotateSecret}) that starts a rotation
 *   from a case, idempotently.
 *
 * Every step first checks what AWS's rotation template checks (rotation enabled; the token's
 * version staged AWSPENDING; nothing to do once it is AWSCURRENT), so a repeated invocation
 * is harmless. Secret values are only passed between Secrets Manager and core; they never
 * appear in errors, outcomes or logs.
 *
 * Needs `secretsmanager:DescribeSecret`, `GetSecretValue`, `PutSecretValue`,
 * `UpdateSecretVersionStage` for the steps, `RotateSecret` and `DescribeSecret` for the trigger,
 * and the KMS permissions the secret's key requires.
 *
 * @example
 * ```ts
 * const rotation = new SecretsManagerRotation({ onPending: (jwk, ctx) => jwks.publish(locationOf(ctx.tags), jwk) });
 * await rotation.runStep(event.Step, event.SecretId, event.ClientRequestToken);
 * ```
 */
export class SecretsManagerRotation {
  readonly #client: SecretsManagerClient;
  readonly #onPending: PendingKeyPublisher | undefined;
  readonly #rotationLambdaArn: string | undefined;

  constructor(options: SecretsManagerRotationOptions = {}) {
    this.#client = options.client ?? new SecretsManagerClient(options.clientConfig ?? {});
    this.#onPending = options.onPending;
    this.#rotationLambdaArn = options.rotationLambdaArn;
  }

  /** Runs one step. `rotationToken` is the event's RotationToken, passed on to PutSecretValue. */
  runStep(step: RotationStep, secretId: string, token: string, rotationToken?: string): Promise<RotationStepOutcome> {
    switch (step) {
      case 'createSecret':
        return this.createSecret(secretId, token, rotationToken);
      case 'setSecret':
        return this.setSecret(secretId, token);
      case 'testSecret':
        return this.testSecret(secretId, token);
      case 'finishSecret':
        return this.finishSecret(secretId, token);
    }
  }

  /**
   * Writes a new key, staged AWSPENDING under `token`. Does nothing when that version already
   * has a value. AWSPENDING left on an older version by a failed rotation is removed first, so
   * the stale key (which the departed engineer may have read) can never be promoted.
   */
  async createSecret(secretId: string, token: string, rotationToken?: string): Promise<RotationStepOutcome> {
    const state = await this.#checkState('createSecret', secretId, token);
    if (state.done) return state.done;
    const current = await this.#readString(secretId, { VersionStage: CURRENT }, 'AWSCURRENT');

    if (state.stalePendingVersionId === undefined) {
      try {
        await this.#client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: PENDING }));
        return { step: 'createSecret', secretId, versionId: token, outcome: 'already-created' };
      } catch (error) {
        if (awsErrorName(error) !== 'ResourceNotFoundException') {
          throw this.#translate(error, 'GetSecretValue', `${secretId} (version ${token}, AWSPENDING)`);
        }
      }
    }

    // Generate before touching any label: a secret Sever cannot rotate is left exactly as it was.
    const rotated = await rotateSecretValue(current, { source: `secret ${secretId} (AWSCURRENT)` });

    if (state.stalePendingVersionId !== undefined) {
      const staleVersion = state.stalePendingVersionId;
      await callAws({ service: 'secretsmanager', operation: 'UpdateSecretVersionStage', resource: secretId }, () =>
        this.#client.send(
          new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: PENDING, RemoveFromVersionId: staleVersion }),
        ),
      );
    }

    try {
      await this.#client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: token,
          SecretString: rotated.value,
          VersionStages: [PENDING],
          ...(rotationToken === undefined ? {} : { RotationToken: rotationToken }),
        }),
      );
    } catch (error) {
      // Another invocation for the same token wrote its own value first; that one stands.
      if (awsErrorName(error) === 'ResourceExistsException') {
        return { step: 'createSecret', secretId, versionId: token, outcome: 'already-created' };
      }
      throw this.#translate(error, 'PutSecretValue', secretId);
    }
    return {
      step: 'createSecret',
      secretId,
      versionId: token,
      outcome: 'created',
      ...(state.stalePendingVersionId === undefined ? {} : { removedStalePendingFrom: state.stalePendingVersionId }),
      algorithm: rotated.after.algorithmName,
      ...(rotated.after.kid === undefined ? {} : { kid: rotated.after.kid }),
      ...(rotated.before.kid === undefined ? {} : { previousKid: rotated.before.kid }),
    };
  }

  /**
   * A signing key has no external system to update; instead the new public key goes to the
   * {@link PendingKeyPublisher}, so verifiers know it before the key becomes AWSCURRENT.
   */
  async setSecret(secretId: string, token: string): Promise<RotationStepOutcome> {
    const state = await this.#checkState('setSecret', secretId, token);
    if (state.done) return state.done;
    if (this.#onPending === undefined) return { step: 'setSecret', secretId, versionId: token, outcome: 'no-publisher' };
    const pending = await this.#readString(secretId, { VersionId: token, VersionStage: PENDING }, 'AWSPENDING');
    const info = await inspectSecretValue(pending, { source: `secret ${secretId} (AWSPENDING)` });
    const base = { step: 'setSecret' as const, secretId, versionId: token, algorithm: info.algorithmName };
    if (info.publicJwk === undefined || info.kid === undefined) return { ...base, outcome: 'no-public-key' };
    const arn = state.metadata.ARN ?? secretId;
    await this.#onPending({ ...info.publicJwk, kid: info.kid }, { secretId: arn, versionId: token, tags: tagsOf(state.metadata) });
    return { ...base, outcome: 'published', kid: info.kid };
  }

  /**
   * Checks the pending value against the current one: same shape, format and algorithm, a
   * different key, and the new key signs and verifies.
   */
  async testSecret(secretId: string, token: string): Promise<RotationStepOutcome> {
    const state = await this.#checkState('testSecret', secretId, token);
    if (state.done) return state.done;
    const pending = await this.#readString(secretId, { VersionId: token, VersionStage: PENDING }, 'AWSPENDING');
    const current = await this.#readString(secretId, { VersionStage: CURRENT }, 'AWSCURRENT');
    const info = await verifyRotatedSecret(current, pending, {
      currentSource: `secret ${secretId} (AWSCURRENT)`,
      pendingSource: `secret ${secretId} (AWSPENDING)`,
    });
    return {
      step: 'testSecret',
      secretId,
      versionId: token,
      outcome: 'tested',
      algorithm: info.algorithmName,
      ...(info.kid === undefined ? {} : { kid: info.kid }),
    };
  }

  /** Moves AWSCURRENT to the pending version; Secrets Manager moves AWSPREVIOUS along. */
  async finishSecret(secretId: string, token: string): Promise<RotationStepOutcome> {
    const state = await this.#checkState('finishSecret', secretId, token);
    if (state.done) return state.done;
    const currentVersionId = versionWith(state.stages, CURRENT, token);
    await callAws({ service: 'secretsmanager', operation: 'UpdateSecretVersionStage', resource: secretId }, () =>
      this.#client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: CURRENT,
          MoveToVersionId: token,
          ...(currentVersionId === undefined ? {} : { RemoveFromVersionId: currentVersionId }),
        }),
      ),
    );
    return {
      step: 'finishSecret',
      secretId,
      versionId: token,
      outcome: 'finished',
      ...(currentVersionId === undefined ? {} : { previousVersionId: currentVersionId }),
    };
  }

  /**
   * Starts the rotation for one action. The ClientRequestToken is derived from `actionId`
   * ({@link rotationClientRequestToken}), so calling again for the same action never starts a
   * second rotation. A rotation Secrets Manager refuses because another one is in progress
   * comes back as `{ status: 'in-progress', ownRotation: false }`, never as success.
   *
   * @example
   * ```ts
   * const result = await rotation.triggerSecretRotation({ secretId: arn, actionId: step.id });
   * if (result.status === 'in-progress' && !result.ownRotation) retryLater();
   * ```
   */
  triggerSecretRotation(request: { readonly secretId: string; readonly actionId: string }): Promise<SecretRotationTrigger> {
    return this.#trigger(request.secretId, rotationClientRequestToken(request.actionId));
  }

  /**
   * The `StoredKeyRotator.rotateSecret` port: `token` is the ClientRequestToken. Another
   * rotation blocking this one is a retryable `ERR_CONFLICT` here, because the case is not done
   * until a key generated after the revocation is current.
   */
  async rotateSecret(secretArn: string, token: string): Promise<CallRecord & { readonly status: 'started' | 'in-progress' }> {
    const result = await this.#trigger(secretArn, token);
    const record = result.requestId === undefined ? {} : { requestId: result.requestId };
    if (result.status === 'in-progress' && !result.ownRotation) {
      throw new PortError(
        'ERR_CONFLICT',
        `secretsmanager:RotateSecret on ${secretArn}: another rotation is in progress` +
          (result.pendingVersionId === undefined ? '' : ` (version ${result.pendingVersionId} is AWSPENDING)`) +
          '; retry once it completes, or remove its AWSPENDING label if it failed',
        'InvalidRequestException',
        result.requestId,
      );
    }
    return { ...record, status: result.status === 'in-progress' ? 'in-progress' : 'started' };
  }

  async #trigger(secretId: string, token: string): Promise<SecretRotationTrigger> {
    const metadata = await sendForPort({ operation: 'secretsmanager:DescribeSecret', resource: secretId }, () =>
      this.#client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
    const stages = metadata.VersionIdsToStages ?? {};
    const own = stages[token] ?? [];
    const base = { secretId, clientRequestToken: token, ...callRecordOf(metadata) };
    // Only a finished rotation of this token is skipped. One still AWSPENDING is asked for again:
    // if it failed, RotateSecret is what makes Secrets Manager reattempt it, and the fixed
    // version id means it can never become a second rotation.
    if (own.includes(CURRENT) || own.includes(PREVIOUS)) return { ...base, status: 'completed', versionId: token };

    const configureSever = metadata.RotationLambdaARN === undefined;
    if (configureSever && this.#rotationLambdaArn === undefined) {
      throw new PortError(
        'ERR_FAILED',
        `secretsmanager:RotateSecret on ${secretId}: the secret has no rotation function and no Sever rotation function is configured`,
      );
    }
    try {
      const output = await this.#client.send(
        new RotateSecretCommand({
          SecretId: secretId,
          ClientRequestToken: token,
          RotateImmediately: true,
          ...(configureSever ? { RotationLambdaARN: this.#rotationLambdaArn } : {}),
        }),
      );
      return {
        ...base,
        ...callRecordOf(output),
        status: 'started',
        versionId: output.VersionId ?? token,
        rotationFunction: configureSever ? 'sever' : 'existing',
      };
    } catch (error) {
      if (isRotationInProgress(error)) {
        const pendingVersionId = versionWith(stages, PENDING);
        return {
          ...base,
          ...callRecordOf(error),
          status: 'in-progress',
          ownRotation: pendingVersionId === token,
          ...(pendingVersionId === undefined ? {} : { pendingVersionId }),
        };
      }
      throw toPortError(error, { operation: 'secretsmanager:RotateSecret', resource: secretId });
    }
  }

  /**
   * DescribeSecret and the checks every step makes. `done` is set when the step has nothing to
   * do because the version is already AWSCURRENT.
   */
  async #checkState(
    step: RotationStep,
    secretId: string,
    token: string,
  ): Promise<{
    metadata: DescribeSecretCommandOutput;
    stages: Record<string, string[]>;
    done?: RotationStepOutcome;
    stalePendingVersionId?: string;
  }> {
    const metadata = await callAws({ service: 'secretsmanager', operation: 'DescribeSecret', resource: secretId }, () =>
      this.#client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
    if (metadata.RotationEnabled !== true) {
      throw new RotationStepError('ERR_ROTATION_NOT_ENABLED', `${step}: secret ${secretId} does not have rotation enabled`);
    }
    const stages = metadata.VersionIdsToStages ?? {};
    const own = stages[token] ?? [];
    if (own.includes(CURRENT)) {
      return { metadata, stages, done: { step, secretId, versionId: token, outcome: 'already-current' } };
    }
    if (own.includes(PENDING)) return { metadata, stages };
    const stale = versionWith(stages, PENDING, token);
    if (step === 'createSecret' && stale !== undefined) return { metadata, stages, stalePendingVersionId: stale };
    throw new RotationStepError(
      'ERR_ROTATION_VERSION_NOT_PENDING',
      `${step}: version ${token} of secret ${secretId} is not staged AWSPENDING` +
        (own.length === 0 ? ' (the secret has no such version)' : ` (it has ${own.join(', ')})`),
    );
  }

  async #readString(
    secretId: string,
    selector: { readonly VersionStage: string; readonly VersionId?: string },
    label: string,
  ): Promise<string> {
    const output = await callAws({ service: 'secretsmanager', operation: 'GetSecretValue', resource: `${secretId} (${label})` }, () =>
      this.#client.send(new GetSecretValueCommand({ SecretId: secretId, ...selector })),
    );
    if (typeof output.SecretString !== 'string') {
      throw new RotationStepError(
        'ERR_SECRET_NOT_STRING',
        `secret ${secretId} (${label}) holds SecretBinary; signing keys are rotated only as SecretString`,
      );
    }
    return output.SecretString;
  }

  #translate(error: unknown, operation: string, resource: string): unknown {
    return translateAwsError(error, { service: 'secretsmanager', operation, resource });
  }
}
