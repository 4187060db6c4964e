import type { LedgerEntry, LedgerEntryInput } from './ledger/types.js';

/**
 * The ports core needs from the outside world. `lambda/adapters/aws` fills them with SDK v3
 * clients, `lambda/adapters/sandbox` with the embedded account. Core never imports an adapter.
 * Adapters raise `PortError` (./errors.ts) so core can tell "already done" from "retry" from "stop".
 */

export interface Clock {
  now(): Date;
}

/** Append-only, hash-chained record of every case. */
export interface Ledger {
  /** Appends one entry at the end of its case's chain. Never overwrites. */
  append(entry: LedgerEntryInput): Promise<LedgerEntry>;
  /** Every entry of a case, in `seq` order. */
  readCase(caseId: string): Promise<LedgerEntry[]>;
}

/** What an AWS call returned that is worth recording. */
export interface CallRecord {
  /** AWS request id, or the sandbox's equivalent. */
  readonly requestId?: string;
}

/** IAM users and everything that lets them sign in or call AWS. */
export interface CredentialStore {
  putUserPolicy(userName: string, policyName: string, policy: string): Promise<CallRecord>;
  updateAccessKey(userName: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<CallRecord>;
  deleteAccessKey(userName: string, accessKeyId: string): Promise<CallRecord>;
  deleteLoginProfile(userName: string): Promise<CallRecord>;
  deleteSshPublicKey(userName: string, sshPublicKeyId: string): Promise<CallRecord>;
  deleteSigningCertificate(userName: string, certificateId: string): Promise<CallRecord>;
  deleteServiceSpecificCredential(userName: string, credentialId: string): Promise<CallRecord>;
  deactivateMfaDevice(userName: string, serialNumber: string): Promise<CallRecord>;
  deleteVirtualMfaDevice(serialNumber: string): Promise<CallRecord>;
  removeUserFromGroup(userName: string, groupName: string): Promise<CallRecord>;
  deleteUser(userName: string): Promise<CallRecord>;
}

/** Temporary credentials cannot be recalled; roles get inline denies instead. */
export interface SessionRevoker {
  putRolePolicy(roleName: string, policyName: string, policy: string): Promise<CallRecord>;
}

export interface NewKeyRequest {
  readonly keySpec: string;
  readonly keyUsage: string;
  readonly policy: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface KeyRecord {
  readonly keyArn: string;
  readonly keyId: string;
}

/** KMS operations that rotation needs. */
export interface KeyManager {
  createKey(request: NewKeyRequest): Promise<CallRecord & KeyRecord>;
  /**
   * The key carrying this tag, if any. Used only to resume a rotation that crashed between
   * CreateKey and recording its result, so a retry never creates a second replacement.
   */
  findKeyByTag(tagKey: string, tagValue: string): Promise<KeyRecord | undefined>;
  describeKeyState(keyId: string): Promise<string>;
  /** SubjectPublicKeyInfo (DER) and the KMS signing algorithms the key supports. */
  getPublicKey(keyId: string): Promise<CallRecord & { readonly publicKey: Uint8Array; readonly signingAlgorithms: readonly string[] }>;
  updateAlias(aliasName: string, targetKeyId: string): Promise<CallRecord>;
  revokeGrant(keyId: string, grantId: string): Promise<CallRecord>;
  disableKey(keyId: string): Promise<CallRecord>;
  scheduleKeyDeletion(keyId: string, pendingWindowInDays: number): Promise<CallRecord & { readonly deletionDate?: string }>;
}

/** Signing keys stored as secrets or parameters. */
export interface StoredKeyRotator {
  /** Starts Secrets Manager rotation; `token` makes a retried trigger the same rotation. */
  rotateSecret(secretArn: string, token: string): Promise<CallRecord & { readonly status: 'started' | 'in-progress' }>;
  /** Writes a new key of the same algorithm as a new parameter version. */
  rotateParameter(name: string, stepId: string): Promise<CallRecord & { readonly version: number }>;
}

/** Runs a deferred step at its time: EventBridge Scheduler on AWS, the test clock in the sandbox. */
export interface Scheduler {
  schedule(request: { readonly caseId: string; readonly stepId: string; readonly dueAt: string }): Promise<CallRecord>;
}
