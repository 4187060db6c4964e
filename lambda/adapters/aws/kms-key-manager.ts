import {
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  GetPublicKeyCommand,
  type KeySpec,
  type KeyUsageType,
  KMSClient,
  type KMSClientConfig,
  ListKeysCommand,
  ListResourceTagsCommand,
  type ListResourceTagsCommandOutput,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { PortError } from '../../core/errors.js';
import type { CallRecord, KeyManager, KeyRecord, NewKeyRequest } from '../../core/ports.js';
import { awsErrorName, awsRequestId, callPort, callRecordOf, sendForPort, toPortError } from './errors.js';

export interface KmsKeyManagerOptions {
  /** @default new KMSClient(clientConfig) */
  readonly client?: KMSClient;
  readonly clientConfig?: KMSClientConfig;
}

/** Key states in which the key is already on its way out: disabling or scheduling it again is moot. */
const DELETING_STATES: ReadonlySet<string> = new Set(['PendingDeletion', 'PendingReplicaDeletion']);

/** KMS's maximum page sizes, so a scan takes as few calls as KMS allows. */
const LIST_KEYS_PAGE = 1000;
const LIST_TAGS_PAGE = 50;

/**
 * The KMS side of key rotation: creates the replacement key, reads its public half, moves the
 * alias, revokes the engineer's grants, and disables and schedules the old key for deletion.
 *
 * Translation at the boundary: `NotFoundException` on RevokeGrant is "already done"; on
 * DisableKey and ScheduleKeyDeletion a `KMSInvalidStateException` is "already done" only after
 * DescribeKey confirms the key is pending deletion (any other state, such as `Unavailable` in a
 * disconnected custom key store, stays a failure). A missing key or alias elsewhere is a
 * permanent `ERR_FAILED`: the plan saw it, so its absence needs a person.
 *
 * Needs `kms:CreateKey`, `kms:TagResource` (tags on create), `kms:ListKeys`,
 * `kms:ListResourceTags`, `kms:DescribeKey`, `kms:GetPublicKey`, `kms:UpdateAlias` (on the alias
 * and both keys), `kms:RevokeGrant`, `kms:DisableKey` and `kms:ScheduleKeyDeletion`.
 *
 * @example
 * ```ts
 * const keys = new KmsKeyManager();
 * const created = await keys.createKey({ keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY', policy, description, tags });
 * await keys.updateAlias('alias/payments-signing', created.keyId);
 * ```
 */
export class KmsKeyManager implements KeyManager {
  readonly #client: KMSClient;

  constructor(options: KmsKeyManagerOptions = {}) {
    this.#client = options.client ?? new KMSClient(options.clientConfig ?? {});
  }

  /**
   * Never bypasses the policy lockout safety check: a replacement key whose policy locks
   * everyone out must fail here, not become an unmanageable key.
   */
  async createKey(request: NewKeyRequest): Promise<CallRecord & KeyRecord> {
    const context = { operation: 'kms:CreateKey', resource: `new ${request.keySpec} ${request.keyUsage} key` };
    const output = await sendForPort(context, () =>
      this.#client.send(
        new CreateKeyCommand({
          KeySpec: request.keySpec as KeySpec,
          KeyUsage: request.keyUsage as KeyUsageType,
          Policy: request.policy,
          Description: request.description,
          Tags: Object.entries(request.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
          BypassPolicyLockoutSafetyCheck: false,
        }),
      ),
    );
    const keyArn = output.KeyMetadata?.Arn;
    const keyId = output.KeyMetadata?.KeyId;
    if (keyArn === undefined || keyId === undefined) {
      throw missingField(context.operation, 'KeyMetadata.Arn/KeyId', awsRequestId(output));
    }
    return { ...callRecordOf(output), keyArn, keyId };
  }

  /**
   * Scans every key in the account and region for the tag. KMS has no tag search, so this costs
   * one ListKeys call per 1,000 keys plus one ListResourceTags call per key examined (it stops
   * at the first match): an account with 3,000 keys can take 3,000+ calls and, under the
   * account's shared KMS request quota, many seconds. That is acceptable only because core calls
   * it once, when resuming a rotation that crashed between CreateKey and recording the new key.
   *
   * Keys whose tags Sever may not read (a key policy that does not allow it) or that vanished
   * mid-scan are skipped: the key being looked for is one Sever created and tagged itself.
   * Throttling or outages abort the scan with a retryable error.
   */
  async findKeyByTag(tagKey: string, tagValue: string): Promise<KeyRecord | undefined> {
    const seen = new Set<string>();
    let marker: string | undefined;
    do {
      const page = await sendForPort({ operation: 'kms:ListKeys' }, () =>
        this.#client.send(new ListKeysCommand({ Limit: LIST_KEYS_PAGE, ...(marker ? { Marker: marker } : {}) })),
      );
      for (const entry of page.Keys ?? []) {
        if (entry.KeyId === undefined || entry.KeyArn === undefined) continue;
        if (await this.#hasTag(entry.KeyId, tagKey, tagValue)) return { keyArn: entry.KeyArn, keyId: entry.KeyId };
      }
      marker = page.Truncated === true ? page.NextMarker : undefined;
      if (marker !== undefined) {
        if (seen.has(marker)) throw new PortError('ERR_FAILED', 'kms:ListKeys returned a marker it had already returned');
        seen.add(marker);
      }
    } while (marker !== undefined);
    return undefined;
  }

  async #hasTag(keyId: string, tagKey: string, tagValue: string): Promise<boolean> {
    let marker: string | undefined;
    do {
      let page: ListResourceTagsCommandOutput;
      try {
        page = await this.#client.send(
          new ListResourceTagsCommand({ KeyId: keyId, Limit: LIST_TAGS_PAGE, ...(marker ? { Marker: marker } : {}) }),
        );
      } catch (error) {
        const name = awsErrorName(error);
        if (name === 'AccessDeniedException' || name === 'NotFoundException') return false;
        throw toPortError(error, { operation: 'kms:ListResourceTags', resource: keyId });
      }
      if ((page.Tags ?? []).some((tag) => tag.TagKey === tagKey && tag.TagValue === tagValue)) return true;
      marker = page.Truncated === true && page.NextMarker !== marker ? page.NextMarker : undefined;
    } while (marker !== undefined);
    return false;
  }

  async describeKeyState(keyId: string): Promise<string> {
    const output = await sendForPort({ operation: 'kms:DescribeKey', resource: keyId }, () =>
      this.#client.send(new DescribeKeyCommand({ KeyId: keyId })),
    );
    const state = output.KeyMetadata?.KeyState;
    if (state === undefined) throw missingField('kms:DescribeKey', 'KeyMetadata.KeyState', awsRequestId(output));
    return state;
  }

  async getPublicKey(
    keyId: string,
  ): Promise<CallRecord & { readonly publicKey: Uint8Array; readonly signingAlgorithms: readonly string[] }> {
    const output = await sendForPort({ operation: 'kms:GetPublicKey', resource: keyId }, () =>
      this.#client.send(new GetPublicKeyCommand({ KeyId: keyId })),
    );
    if (output.PublicKey === undefined) throw missingField('kms:GetPublicKey', 'PublicKey', awsRequestId(output));
    return { ...callRecordOf(output), publicKey: output.PublicKey, signingAlgorithms: [...(output.SigningAlgorithms ?? [])] };
  }

  updateAlias(aliasName: string, targetKeyId: string): Promise<CallRecord> {
    return callPort({ operation: 'kms:UpdateAlias', resource: `${aliasName} → ${targetKeyId}` }, () =>
      this.#client.send(new UpdateAliasCommand({ AliasName: aliasName, TargetKeyId: targetKeyId })),
    );
  }

  revokeGrant(keyId: string, grantId: string): Promise<CallRecord> {
    return callPort({ operation: 'kms:RevokeGrant', resource: `grant ${grantId} on ${keyId}`, goneMeansDone: true }, () =>
      this.#client.send(new RevokeGrantCommand({ KeyId: keyId, GrantId: grantId })),
    );
  }

  async disableKey(keyId: string): Promise<CallRecord> {
    const operation = 'kms:DisableKey';
    try {
      return callRecordOf(await this.#client.send(new DisableKeyCommand({ KeyId: keyId })));
    } catch (error) {
      throw await this.#alreadyDeleting(error, operation, keyId);
    }
  }

  async scheduleKeyDeletion(keyId: string, pendingWindowInDays: number): Promise<CallRecord & { readonly deletionDate?: string }> {
    const operation = 'kms:ScheduleKeyDeletion';
    try {
      const output = await this.#client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: pendingWindowInDays }));
      return {
        ...callRecordOf(output),
        ...(output.DeletionDate === undefined ? {} : { deletionDate: output.DeletionDate.toISOString() }),
      };
    } catch (error) {
      throw await this.#alreadyDeleting(error, operation, keyId);
    }
  }

  /**
   * KMS answers DisableKey and ScheduleKeyDeletion on a key pending deletion with
   * KMSInvalidStateException, the same exception it uses for unusable states. Only a
   * DescribeKey that shows a deleting state turns it into "already done".
   */
  async #alreadyDeleting(error: unknown, operation: string, keyId: string): Promise<unknown> {
    const translated = toPortError(error, { operation, resource: keyId });
    if (awsErrorName(error) !== 'KMSInvalidStateException') return translated;
    const described = await sendForPort({ operation: 'kms:DescribeKey', resource: keyId }, () =>
      this.#client.send(new DescribeKeyCommand({ KeyId: keyId })),
    );
    const state = described.KeyMetadata?.KeyState;
    if (state === undefined || !DELETING_STATES.has(state)) return translated;
    const when = described.KeyMetadata?.DeletionDate;
    return new PortError(
      'ERR_ALREADY_DONE',
      `${operation} on ${keyId}: the key is already ${state}${when ? ` (deletion date ${when.toISOString()})` : ''}`,
      'KMSInvalidStateException',
      awsRequestId(error),
    );
  }
}

function missingField(operation: string, field: string, requestId: string | undefined): PortError {
  return new PortError('ERR_FAILED', `${operation} returned no ${field}`, undefined, requestId);
}
