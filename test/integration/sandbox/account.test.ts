import { createPublicKey, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { SandboxAccount } from '../../../lambda/adapters/sandbox/account.js';
import { PortError } from '../../../lambda/core/errors.js';
import { parseSnapshot, SNAPSHOT_FILES, type SnapshotFiles } from '../../../lambda/core/snapshot/parse.js';

const SAMPLE_ORG = join(import.meta.dirname, '..', '..', '..', 'examples', 'sample-org');
const AUTH_KEY_ID = '1a2b3c4d-0000-4000-8000-000000000001';
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }],
});

async function sampleFiles(): Promise<SnapshotFiles> {
  const files: Record<string, string> = {};
  for (const name of Object.values(SNAPSHOT_FILES)) files[name] = await readFile(join(SAMPLE_ORG, name), 'utf8');
  return files;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof PortError ? error.code : 'not a PortError';
  }
}

describe('Class: SandboxAccount', () => {
  let account: SandboxAccount;

  beforeEach(async () => {
    account = new SandboxAccount(parseSnapshot(await sampleFiles()), () => new Date('2026-11-29T09:00:00Z'));
  });

  describe('Method: sign', () => {
    it('signs with real key material that verifies against the published public key, until the key is disabled', async () => {
      // Prepare
      const message = Buffer.from('header.payload');
      const { publicKey } = await account.getPublicKey(AUTH_KEY_ID);

      // Act
      const { signature } = account.sign('alias/auth-tokens', message, 'ECDSA_SHA_256');
      await account.disableKey(AUTH_KEY_ID);

      // Assess
      const spki = createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' });
      expect(verify('sha256', message, spki, signature)).toBe(true);
      expect(verify('sha256', Buffer.from('tampered'), spki, signature)).toBe(false);
      expect(() => account.sign('alias/auth-tokens', message, 'ECDSA_SHA_256')).toThrow(/Disabled/);
    });
  });

  describe('Method: deleteLoginProfile', () => {
    it('reports a profile that is already gone as already done, as IAM NoSuchEntity', async () => {
      // Act
      await account.deleteLoginProfile('mallory');
      const second = await codeOf(account.deleteLoginProfile('mallory'));

      // Assess
      expect(second).toBe('ERR_ALREADY_DONE');
      expect(account.apiCalls.get('iam:DeleteLoginProfile')).toBe(2);
    });
  });

  describe('Method: deleteUser', () => {
    it('refuses while credentials remain, as IAM does', async () => {
      // Act
      const code = await codeOf(account.deleteUser('mallory'));

      // Assess
      expect(code).toBe('ERR_FAILED');
    });
  });

  describe('Method: updateAlias', () => {
    it('moves an alias only to a key of the same spec and usage', async () => {
      // Prepare
      const same = await account.createKey({
        keySpec: 'ECC_NIST_P256',
        keyUsage: 'SIGN_VERIFY',
        policy: POLICY,
        description: 'replacement',
        tags: {},
      });
      const other = await account.createKey({
        keySpec: 'RSA_2048',
        keyUsage: 'SIGN_VERIFY',
        policy: POLICY,
        description: 'wrong spec',
        tags: {},
      });

      // Act
      const refused = await codeOf(account.updateAlias('alias/auth-tokens', other.keyId));
      await account.updateAlias('alias/auth-tokens', same.keyId);

      // Assess
      expect(refused).toBe('ERR_FAILED');
      expect(account.aliasTarget('alias/auth-tokens')).toBe(same.keyId);
    });
  });

  describe('Method: findKeyByTag', () => {
    it('finds the replacement a crashed rotation created, so a resume does not create another', async () => {
      // Prepare
      const created = await account.createKey({
        keySpec: 'HMAC_256',
        keyUsage: 'GENERATE_VERIFY_MAC',
        policy: POLICY,
        description: 'mac',
        tags: { 'sever:step-id': 'abc' },
      });

      // Act
      const found = await account.findKeyByTag('sever:step-id', 'abc');
      const missing = await account.findKeyByTag('sever:step-id', 'other');

      // Assess
      expect(found).toEqual({ keyArn: created.keyArn, keyId: created.keyId });
      expect(missing).toBeUndefined();
    });
  });

  describe('Method: scheduleKeyDeletion', () => {
    it('keeps KMS bounds on the pending window and reports a disabled key as pending deletion', async () => {
      // Act
      const tooShort = await codeOf(account.scheduleKeyDeletion(AUTH_KEY_ID, 6));
      const scheduled = await account.scheduleKeyDeletion(AUTH_KEY_ID, 7);

      // Assess
      expect(tooShort).toBe('ERR_FAILED');
      expect(scheduled.deletionDate).toBe('2026-12-06T09:00:00.000Z');
      expect(await account.describeKeyState(AUTH_KEY_ID)).toBe('PendingDeletion');
      expect(await codeOf(account.disableKey(AUTH_KEY_ID))).toBe('ERR_ALREADY_DONE');
    });
  });

  describe('Method: putRolePolicy', () => {
    it('never modifies a service-linked role', async () => {
      // Act
      const code = await codeOf(account.putRolePolicy('AWSServiceRoleForSupport', 'deny', POLICY.replace('Allow', 'Deny')));

      // Assess
      expect(code).toBe('ERR_FAILED');
    });
  });
});
