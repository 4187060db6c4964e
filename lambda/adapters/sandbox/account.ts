import { randomUUID } from 'node:crypto';
import { PortError } from '../../core/errors.js';
import { parsePolicyDocument } from '../../core/policy/parse.js';
import type { CallRecord, CredentialStore, KeyManager, KeyRecord, NewKeyRequest, SessionRevoker } from '../../core/ports.js';
import type {
  AccountSnapshot,
  IamRole,
  IamUser,
  InlinePolicy,
  KeyUsage,
  KmsAlias,
  KmsGrant,
  KmsKey,
  UserCredentials,
} from '../../core/snapshot/model.js';
import { generateKeyMaterial, type KeyMaterial, kmsMac, kmsSign, publicKeyDer } from './key-material.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

interface SandboxKey {
  metadata: Mutable<Omit<KmsKey, 'aliases' | 'grants' | 'policy'>>;
  grants: KmsGrant[];
  material: KeyMaterial;
  deletionDate?: string;
}

/**
 * An AWS account in this process, seeded from a snapshot: IAM users, groups, roles and their
 * credentials; KMS keys with real key material from node:crypto, aliases and grants. It serves
 * the same ports as the AWS adapters, with AWS's semantics where they matter to Sever (deleting
 * what is already gone is `NoSuchEntity`, a disabled key refuses to sign, an alias names one
 * key), and counts every AWS-equivalent call it serves.
 */
export class SandboxAccount implements CredentialStore, SessionRevoker, KeyManager {
  readonly apiCalls = new Map<string, number>();
  readonly #base: AccountSnapshot;
  readonly #users = new Map<string, Mutable<IamUser>>();
  readonly #credentials = new Map<string, Mutable<UserCredentials>>();
  readonly #roles = new Map<string, Mutable<IamRole>>();
  readonly #keys = new Map<string, SandboxKey>();
  /** alias name → key id */
  readonly #aliases = new Map<string, string>();
  readonly #now: () => Date;
  #requests = 0;

  constructor(snapshot: AccountSnapshot, now: () => Date) {
    this.#base = snapshot;
    this.#now = now;
    for (const user of snapshot.users) {
      this.#users.set(user.name, {
        ...user,
        inlinePolicies: [...user.inlinePolicies],
        attachedPolicyArns: [...user.attachedPolicyArns],
        groupNames: [...user.groupNames],
      });
      const creds = snapshot.credentials.get(user.name);
      this.#credentials.set(user.name, {
        accessKeys: [...(creds?.accessKeys ?? [])],
        ...(creds?.loginProfile ? { loginProfile: creds.loginProfile } : {}),
        sshPublicKeys: [...(creds?.sshPublicKeys ?? [])],
        signingCertificates: [...(creds?.signingCertificates ?? [])],
        serviceSpecificCredentials: [...(creds?.serviceSpecificCredentials ?? [])],
        mfaDevices: [...(creds?.mfaDevices ?? [])],
      });
    }
    for (const role of snapshot.roles) {
      this.#roles.set(role.name, { ...role, inlinePolicies: [...role.inlinePolicies], attachedPolicyArns: [...role.attachedPolicyArns] });
    }
    for (const key of snapshot.kmsKeys) {
      const { aliases, grants, policy: _parsed, ...metadata } = key;
      this.#keys.set(key.keyId, { metadata: { ...metadata }, grants: [...grants], material: generateKeyMaterial(key.keySpec) });
      for (const alias of aliases) this.#aliases.set(alias.aliasName, key.keyId);
    }
  }

  /** The account as it is now, in the model reach analysis reads. */
  snapshot(): AccountSnapshot {
    const aliasesOf = (keyId: string): KmsAlias[] =>
      [...this.#aliases].filter(([, id]) => id === keyId).map(([aliasName]) => ({ aliasName, aliasArn: this.#aliasArn(aliasName) }));
    return {
      ...this.#base,
      users: [...this.#users.values()],
      roles: [...this.#roles.values()],
      credentials: new Map(this.#credentials),
      kmsKeys: [...this.#keys.values()].map((key) => ({
        ...key.metadata,
        policy: parsePolicyDocument(key.metadata.policyText, `sandbox key ${key.metadata.keyId} policy`),
        aliases: aliasesOf(key.metadata.keyId),
        grants: [...key.grants],
      })),
    };
  }

  // ── IAM: credentials ──────────────────────────────────────────────────────────────────────

  async putUserPolicy(userName: string, policyName: string, policy: string): Promise<CallRecord> {
    const user = this.#user('iam:PutUserPolicy', userName);
    putInline(user.inlinePolicies, policyName, policy, `sandbox user ${userName} policy ${policyName}`);
    return this.#ok();
  }

  async updateAccessKey(userName: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<CallRecord> {
    const keys = this.#creds('iam:UpdateAccessKey', userName).accessKeys;
    const index = keys.findIndex((k) => k.accessKeyId === accessKeyId);
    if (index < 0) throw noSuchEntity(`access key ${accessKeyId} of ${userName}`);
    keys[index] = { ...(keys[index] as (typeof keys)[number]), status };
    return this.#ok();
  }

  async deleteAccessKey(userName: string, accessKeyId: string): Promise<CallRecord> {
    const creds = this.#creds('iam:DeleteAccessKey', userName);
    removeWhere(creds.accessKeys, (k) => k.accessKeyId === accessKeyId, `access key ${accessKeyId} of ${userName}`);
    return this.#ok();
  }

  async deleteLoginProfile(userName: string): Promise<CallRecord> {
    const creds = this.#creds('iam:DeleteLoginProfile', userName);
    if (!creds.loginProfile) throw noSuchEntity(`login profile of ${userName}`);
    delete creds.loginProfile;
    return this.#ok();
  }

  async deleteSshPublicKey(userName: string, sshPublicKeyId: string): Promise<CallRecord> {
    const creds = this.#creds('iam:DeleteSSHPublicKey', userName);
    removeWhere(creds.sshPublicKeys, (k) => k.sshPublicKeyId === sshPublicKeyId, `SSH key ${sshPublicKeyId}`);
    return this.#ok();
  }

  async deleteSigningCertificate(userName: string, certificateId: string): Promise<CallRecord> {
    const creds = this.#creds('iam:DeleteSigningCertificate', userName);
    removeWhere(creds.signingCertificates, (c) => c.certificateId === certificateId, `certificate ${certificateId}`);
    return this.#ok();
  }

  async deleteServiceSpecificCredential(userName: string, credentialId: string): Promise<CallRecord> {
    const creds = this.#creds('iam:DeleteServiceSpecificCredential', userName);
    removeWhere(creds.serviceSpecificCredentials, (c) => c.serviceSpecificCredentialId === credentialId, `credential ${credentialId}`);
    return this.#ok();
  }

  async deactivateMfaDevice(userName: string, serialNumber: string): Promise<CallRecord> {
    const creds = this.#creds('iam:DeactivateMFADevice', userName);
    removeWhere(creds.mfaDevices, (d) => d.serialNumber === serialNumber, `MFA device ${serialNumber} of ${userName}`);
    return this.#ok();
  }

  async deleteVirtualMfaDevice(serialNumber: string): Promise<CallRecord> {
    this.recordCall('iam:DeleteVirtualMFADevice');
    for (const creds of this.#credentials.values()) {
      // IAM refuses to delete a virtual device that is still enabled for a user.
      if (creds.mfaDevices.some((d) => d.serialNumber === serialNumber)) {
        throw new PortError('ERR_FAILED', `MFA device ${serialNumber} is still enabled`, 'DeleteConflict');
      }
    }
    return this.#ok();
  }

  async removeUserFromGroup(userName: string, groupName: string): Promise<CallRecord> {
    const user = this.#user('iam:RemoveUserFromGroup', userName);
    removeWhere(user.groupNames, (g) => g === groupName, `membership of ${userName} in ${groupName}`);
    return this.#ok();
  }

  async deleteUser(userName: string): Promise<CallRecord> {
    const creds = this.#creds('iam:DeleteUser', userName);
    const user = this.#users.get(userName) as Mutable<IamUser>;
    const remaining =
      creds.accessKeys.length +
      creds.sshPublicKeys.length +
      creds.signingCertificates.length +
      creds.serviceSpecificCredentials.length +
      creds.mfaDevices.length +
      user.groupNames.length +
      user.inlinePolicies.length +
      user.attachedPolicyArns.length +
      (creds.loginProfile ? 1 : 0);
    if (remaining > 0) throw new PortError('ERR_FAILED', `user ${userName} still has ${remaining} attached entities`, 'DeleteConflict');
    this.#users.delete(userName);
    this.#credentials.delete(userName);
    return this.#ok();
  }

  // ── IAM: roles ───────────────────────────────────────────────────────────────────────────

  async putRolePolicy(roleName: string, policyName: string, policy: string): Promise<CallRecord> {
    this.recordCall('iam:PutRolePolicy');
    const role = this.#roles.get(roleName);
    if (!role) throw new PortError('ERR_FAILED', `role ${roleName} does not exist`, 'NoSuchEntity');
    if (role.serviceLinked) throw new PortError('ERR_FAILED', `role ${roleName} is service-linked`, 'UnmodifiableEntity');
    putInline(role.inlinePolicies, policyName, policy, `sandbox role ${roleName} policy ${policyName}`);
    return this.#ok();
  }

  // ── KMS ──────────────────────────────────────────────────────────────────────────────────

  async createKey(request: NewKeyRequest): Promise<CallRecord & KeyRecord> {
    this.recordCall('kms:CreateKey');
    parsePolicyDocument(request.policy, 'CreateKey Policy');
    const keyId = randomUUID();
    const arn = `arn:${this.#base.account.partition}:kms:${this.#base.account.region}:${this.#base.account.accountId}:key/${keyId}`;
    this.#keys.set(keyId, {
      metadata: {
        arn,
        keyId,
        keySpec: request.keySpec,
        keyUsage: request.keyUsage as KeyUsage,
        keyState: 'Enabled',
        keyManager: 'CUSTOMER',
        description: request.description,
        policyText: request.policy,
        tags: { ...request.tags },
      },
      grants: [],
      material: generateKeyMaterial(request.keySpec),
    });
    return { ...this.#ok(), keyArn: arn, keyId };
  }

  async findKeyByTag(tagKey: string, tagValue: string): Promise<KeyRecord | undefined> {
    this.recordCall('kms:ListKeys');
    for (const key of this.#keys.values()) {
      this.recordCall('kms:ListResourceTags');
      if (key.metadata.tags[tagKey] === tagValue) return { keyArn: key.metadata.arn, keyId: key.metadata.keyId };
    }
    return undefined;
  }

  async describeKeyState(keyId: string): Promise<string> {
    return this.#key('kms:DescribeKey', keyId).metadata.keyState;
  }

  async getPublicKey(keyId: string): Promise<CallRecord & { publicKey: Uint8Array; signingAlgorithms: readonly string[] }> {
    const key = this.#usableKey('kms:GetPublicKey', keyId);
    if (key.material.kind !== 'asymmetric')
      throw new PortError('ERR_FAILED', `key ${keyId} is not asymmetric`, 'UnsupportedOperationException');
    return { ...this.#ok(), publicKey: publicKeyDer(key.material), signingAlgorithms: key.material.signingAlgorithms };
  }

  async updateAlias(aliasName: string, targetKeyId: string): Promise<CallRecord> {
    this.recordCall('kms:UpdateAlias');
    const current = this.#aliases.get(aliasName);
    if (current === undefined) throw new PortError('ERR_FAILED', `alias ${aliasName} does not exist`, 'NotFoundException');
    const target = this.#key(undefined, targetKeyId);
    const old = this.#key(undefined, current);
    // KMS only moves an alias between keys of the same type and usage.
    if (old.metadata.keyUsage !== target.metadata.keyUsage || old.metadata.keySpec !== target.metadata.keySpec) {
      throw new PortError('ERR_FAILED', `alias ${aliasName} cannot move to a key of another spec or usage`, 'ValidationException');
    }
    this.#aliases.set(aliasName, target.metadata.keyId);
    return this.#ok();
  }

  async revokeGrant(keyId: string, grantId: string): Promise<CallRecord> {
    const key = this.#key('kms:RevokeGrant', keyId);
    const index = key.grants.findIndex((g) => g.grantId === grantId);
    if (index < 0) throw new PortError('ERR_ALREADY_DONE', `grant ${grantId} is already gone`, 'NotFoundException');
    key.grants.splice(index, 1);
    return this.#ok();
  }

  async disableKey(keyId: string): Promise<CallRecord> {
    const key = this.#key('kms:DisableKey', keyId);
    if (key.metadata.keyState === 'PendingDeletion') {
      throw new PortError('ERR_ALREADY_DONE', `key ${keyId} is already pending deletion`, 'KMSInvalidStateException');
    }
    key.metadata.keyState = 'Disabled';
    return this.#ok();
  }

  async scheduleKeyDeletion(keyId: string, pendingWindowInDays: number): Promise<CallRecord & { deletionDate?: string }> {
    const key = this.#key('kms:ScheduleKeyDeletion', keyId);
    if (pendingWindowInDays < 7 || pendingWindowInDays > 30) {
      throw new PortError('ERR_FAILED', `PendingWindowInDays must be 7–30, got ${pendingWindowInDays}`, 'ValidationException');
    }
    if (key.metadata.keyState !== 'PendingDeletion') {
      key.metadata.keyState = 'PendingDeletion';
      key.deletionDate = new Date(this.#now().getTime() + pendingWindowInDays * 86_400_000).toISOString();
    }
    return { ...this.#ok(), ...(key.deletionDate ? { deletionDate: key.deletionDate } : {}) };
  }

  /** kms:Sign with MessageType RAW, through an alias or a key id. Refuses a disabled key, as KMS does. */
  sign(keyIdOrAlias: string, message: Uint8Array, signingAlgorithm: string): { keyId: string; signature: Uint8Array } {
    const key = this.#usableKey('kms:Sign', this.#resolve(keyIdOrAlias));
    return { keyId: key.metadata.keyId, signature: kmsSign(key.material, message, signingAlgorithm) };
  }

  /** kms:GenerateMac. */
  generateMac(keyIdOrAlias: string, message: Uint8Array, macAlgorithm: string): { keyId: string; mac: Uint8Array } {
    const key = this.#usableKey('kms:GenerateMac', this.#resolve(keyIdOrAlias));
    return { keyId: key.metadata.keyId, mac: kmsMac(key.material, message, macAlgorithm) };
  }

  /** Which key an alias names now. */
  aliasTarget(aliasName: string): string | undefined {
    return this.#aliases.get(aliasName);
  }

  #resolve(keyIdOrAlias: string): string {
    if (!keyIdOrAlias.startsWith('alias/')) return keyIdOrAlias;
    const keyId = this.#aliases.get(keyIdOrAlias);
    if (!keyId) throw new PortError('ERR_FAILED', `alias ${keyIdOrAlias} does not exist`, 'NotFoundException');
    return keyId;
  }

  #key(api: string | undefined, keyIdOrArn: string): SandboxKey {
    if (api) this.recordCall(api);
    const keyId = keyIdOrArn.includes(':key/') ? (keyIdOrArn.split(':key/')[1] as string) : keyIdOrArn;
    const key = this.#keys.get(keyId);
    if (!key) throw new PortError('ERR_FAILED', `key ${keyIdOrArn} does not exist`, 'NotFoundException');
    return key;
  }

  #usableKey(api: string, keyIdOrArn: string): SandboxKey {
    const key = this.#key(api, keyIdOrArn);
    if (key.metadata.keyState !== 'Enabled') {
      throw new PortError(
        'ERR_FAILED',
        `key ${key.metadata.keyId} is ${key.metadata.keyState}`,
        key.metadata.keyState === 'Disabled' ? 'DisabledException' : 'KMSInvalidStateException',
      );
    }
    return key;
  }

  #user(api: string, userName: string): Mutable<IamUser> {
    this.recordCall(api);
    const user = this.#users.get(userName);
    if (!user) throw noSuchEntity(`user ${userName}`);
    return user;
  }

  #creds(api: string, userName: string): Mutable<UserCredentials> {
    this.#user(api, userName);
    return this.#credentials.get(userName) as Mutable<UserCredentials>;
  }

  #aliasArn(aliasName: string): string {
    const { partition, region, accountId } = this.#base.account;
    return `arn:${partition}:kms:${region}:${accountId}:${aliasName}`;
  }

  /** Counts one AWS-equivalent call; the other sandbox services count through this too. */
  recordCall(api: string): void {
    this.apiCalls.set(api, (this.apiCalls.get(api) ?? 0) + 1);
  }

  #ok(): CallRecord {
    this.#requests += 1;
    return { requestId: `sandbox-${String(this.#requests).padStart(6, '0')}` };
  }
}

function noSuchEntity(what: string): PortError {
  return new PortError('ERR_ALREADY_DONE', `${what} does not exist (already removed)`, 'NoSuchEntity');
}

function removeWhere<T>(list: T[], match: (item: T) => boolean, what: string): void {
  const index = list.findIndex(match);
  if (index < 0) throw noSuchEntity(what);
  list.splice(index, 1);
}

function putInline(list: InlinePolicy[], name: string, policy: string, where: string): void {
  const document = parsePolicyDocument(policy, where);
  const index = list.findIndex((p) => p.name === name);
  if (index >= 0) list[index] = { name, document };
  else list.push({ name, document });
}
