import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runStep, type StepResults } from '../../../../lambda/core/execute/run-step.js';
import { QUARANTINE_POLICY, QUARANTINE_POLICY_NAME } from '../../../../lambda/core/plan/session-policies.js';
import type { PlannedStep, StepSpec } from '../../../../lambda/core/plan/steps.js';
import { publicJwkFromSpki } from '../../../../lambda/core/tokens/jwk.js';
import { type FakeCase, fakeCase } from '../../../fixtures/pipeline/fake-ports.js';
import { JWKS_LOCATION, OLD_KEY_ARN, planned, rotationSteps, TEST_CASE_ID } from '../../../fixtures/pipeline/plans.js';

const USER = 'mallory';
const SERIAL = 'arn:aws:iam::111122223333:mfa/mallory';
const stepTag = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 32);
const context = (fake: FakeCase, results: StepResults = new Map(), resumed = false) => ({
  ports: fake.ports,
  caseId: TEST_CASE_ID,
  results,
  resumed,
});
const [CREATE, PUBLISH, MOVE, REVOKE_KID, UNPUBLISH] = rotationSteps() as [PlannedStep, PlannedStep, PlannedStep, PlannedStep, PlannedStep];

describe('Function: runStep', () => {
  describe('one port call per step', () => {
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:legacy/jwt-private-key-AbCdEf';
    const cases: [StepSpec, string, string, unknown[], object][] = [
      [
        { type: 'attach-quarantine-policy', userName: USER },
        'u',
        'credentials.putUserPolicy',
        [USER, QUARANTINE_POLICY_NAME, QUARANTINE_POLICY],
        { after: { inlinePolicy: QUARANTINE_POLICY_NAME } },
      ],
      [
        { type: 'deactivate-access-key', userName: USER, accessKeyId: 'AKIA1' },
        'AKIA1',
        'credentials.updateAccessKey',
        [USER, 'AKIA1', 'Inactive'],
        { after: { status: 'Inactive' } },
      ],
      [
        { type: 'delete-access-key', userName: USER, accessKeyId: 'AKIA1' },
        'AKIA1#delete',
        'credentials.deleteAccessKey',
        [USER, 'AKIA1'],
        { after: { status: 'Deleted' } },
      ],
      [
        { type: 'delete-login-profile', userName: USER },
        'lp',
        'credentials.deleteLoginProfile',
        [USER],
        { before: { loginProfile: true }, after: { loginProfile: false } },
      ],
      [
        {
          type: 'delete-ssh-public-key',
          userName: USER,
          sshPublicKeyId: 'APKA1',
        },
        'APKA1',
        'credentials.deleteSshPublicKey',
        [USER, 'APKA1'],
        { after: { deleted: true } },
      ],
      [
        {
          type: 'delete-signing-certificate',
          userName: USER,
          certificateId: 'C1',
        },
        'C1',
        'credentials.deleteSigningCertificate',
        [USER, 'C1'],
        { after: { deleted: true } },
      ],
      [
        {
          type: 'delete-service-specific-credential',
          userName: USER,
          serviceSpecificCredentialId: 'ACCA1',
        },
        'ACCA1',
        'credentials.deleteServiceSpecificCredential',
        [USER, 'ACCA1'],
        { after: { deleted: true } },
      ],
      [
        { type: 'deactivate-mfa-device', userName: USER, serialNumber: SERIAL },
        SERIAL,
        'credentials.deactivateMfaDevice',
        [USER, SERIAL],
        { before: { enabledFor: USER }, after: { enabledFor: null } },
      ],
      [
        { type: 'delete-virtual-mfa-device', serialNumber: SERIAL },
        `${SERIAL}#delete`,
        'credentials.deleteVirtualMfaDevice',
        [SERIAL],
        { after: { deleted: true } },
      ],
      [
        {
          type: 'remove-user-from-group',
          userName: USER,
          groupName: 'auth-engineers',
        },
        'g',
        'credentials.removeUserFromGroup',
        [USER, 'auth-engineers'],
        { before: { member: true }, after: { member: false } },
      ],
      [{ type: 'delete-user', userName: USER }, 'd', 'credentials.deleteUser', [USER], { after: { deleted: true } }],
      [
        {
          type: 'deny-role-sessions',
          roleName: 'auth-deployer',
          policyName: 'SeverRevoke-E1042',
          policy: '{}',
        },
        'r',
        'sessions.putRolePolicy',
        ['auth-deployer', 'SeverRevoke-E1042', '{}'],
        { after: { inlinePolicy: 'SeverRevoke-E1042' } },
      ],
      [
        { type: 'revoke-grant', keyArn: OLD_KEY_ARN, grantId: 'g-1' },
        'grant',
        'keys.revokeGrant',
        [OLD_KEY_ARN, 'g-1'],
        { before: { grantId: 'g-1' }, after: { grantId: null } },
      ],
      [
        { type: 'disable-key', keyArn: OLD_KEY_ARN },
        'disable',
        'keys.disableKey',
        [OLD_KEY_ARN],
        { before: { keyState: 'Enabled' }, after: { keyState: 'Disabled' } },
      ],
      [
        {
          type: 'schedule-key-deletion',
          keyArn: OLD_KEY_ARN,
          pendingWindowInDays: 7,
        },
        'del',
        'keys.scheduleKeyDeletion',
        [OLD_KEY_ARN, 7],
        { after: { keyState: 'PendingDeletion', deletionDate: 'in 7 days' } },
      ],
      [
        {
          type: 'rotate-parameter',
          parameterName: '/auth/refresh-signing-key',
          parameterArn: 'arn:p',
        },
        'arn:p',
        'storedKeys.rotateParameter',
        ['/auth/refresh-signing-key', `${TEST_CASE_ID}/rotate-parameter/arn:p`],
        { after: { version: 2 } },
      ],
    ];

    it.each(cases)('runs %j through %s', async (spec, target, method, args, effect) => {
      // Prepare
      const fake = fakeCase({ existingKeyArns: [OLD_KEY_ARN] });
      const step = planned(spec, target, {
        id: `${TEST_CASE_ID}/${spec.type}/${target}`,
      });

      // Act
      const result = await runStep(step, context(fake));

      // Assess
      expect(fake.recorder.calls.map((c) => [c.method, c.args])).toEqual([[method, args]]);
      expect(result).toMatchObject(effect);
      expect(result.requestIds).toEqual([fake.recorder.calls[0]?.requestId]);
    });

    it('starts secret rotation with a token derived from the step id, the same on every retry', async () => {
      // Prepare
      const fake = fakeCase();
      const step = planned({ type: 'rotate-secret', secretArn }, secretArn);

      // Act
      await runStep(step, context(fake));
      await runStep(step, context(fake));

      // Assess
      const tokens = fake.recorder.of('storedKeys.rotateSecret').map((c) => c.args[1]);
      expect(tokens[0]).toBe(createHash('sha256').update(step.id).digest('hex'));
      expect(tokens[0]).toMatch(/^[0-9a-f]{64}$/);
      expect(tokens[1]).toBe(tokens[0]);
    });

    it('revokes a subject’s tokens issued before the planned cut-off', async () => {
      // Prepare
      const fake = fakeCase();
      const step = planned(
        {
          type: 'revoke-subject',
          subject: 'mallory@example.com',
          issuedBefore: '2026-11-29T09:00:05.000Z',
        },
        'sub:mallory@example.com',
      );

      // Act
      const result = await runStep(step, context(fake));

      // Assess
      expect(fake.registry.subjects.get('mallory@example.com')).toEqual({
        notBefore: new Date('2026-11-29T09:00:05.000Z'),
        caseId: TEST_CASE_ID,
      });
      expect(result.after).toEqual({
        subject: 'mallory@example.com',
        issuedBefore: '2026-11-29T09:00:05.000Z',
      });
    });

    it('lets an error from the port through unchanged', async () => {
      // Prepare
      const fake = fakeCase();
      const error = new Error('boom');
      fake.recorder.failNext('credentials.deleteLoginProfile', error);

      // Act
      const run = runStep(planned({ type: 'delete-login-profile', userName: USER }, 'lp'), context(fake));

      // Assess
      await expect(run).rejects.toBe(error);
    });
  });

  describe('create-replacement-key', () => {
    it('creates the key with the planned spec, policy and tags plus a step-id tag', async () => {
      // Prepare
      const fake = fakeCase({ existingKeyArns: [OLD_KEY_ARN] });

      // Act
      const effect = await runStep(CREATE, context(fake));

      // Assess
      const created = fake.keys.createdKeys();
      expect(created).toHaveLength(1);
      expect(created[0]?.request).toEqual({
        keySpec: 'ECC_NIST_P256',
        keyUsage: 'SIGN_VERIFY',
        policy: '{"Version":"2012-10-17","Statement":[]}',
        description: 'Signs customer access tokens (ES256)',
        tags: {
          team: 'auth',
          'sever:replaces': OLD_KEY_ARN,
          'sever:step-id': stepTag(CREATE.id),
        },
      });
      expect(effect.result).toMatchObject({
        keyArn: created[0]?.keyArn,
        keyId: created[0]?.keyId,
      });
      expect(effect.after).toEqual({
        keyArn: created[0]?.keyArn,
        reusedAfterCrash: false,
      });
      expect(fake.recorder.count('keys.findKeyByTag')).toBe(0);
    });

    it('records the old key’s kid before anything can disable it', async () => {
      // Prepare
      const fake = fakeCase({ existingKeyArns: [OLD_KEY_ARN] });
      const oldJwk = await publicJwkFromSpki(fake.keys.key(OLD_KEY_ARN)?.spki as Uint8Array, 'ES256');

      // Act
      const effect = await runStep(CREATE, context(fake));

      // Assess
      expect(effect.result?.oldKid).toBe(oldJwk.kid);
      expect(fake.recorder.of('keys.getPublicKey').map((c) => c.args)).toEqual([[OLD_KEY_ARN]]);
      expect(effect.requestIds).toEqual(fake.recorder.calls.filter((c) => c.method !== 'keys.findKeyByTag').map((c) => c.requestId));
    });

    it('reads no public key of a MAC key', async () => {
      // Prepare
      const fake = fakeCase({ existingKeyArns: [OLD_KEY_ARN] });
      const mac = planned(
        {
          ...(CREATE as Extract<PlannedStep, { type: 'create-replacement-key' }>),
          keyUsage: 'GENERATE_VERIFY_MAC',
          keySpec: 'HMAC_256',
        },
        OLD_KEY_ARN,
      );

      // Act
      const effect = await runStep(mac, context(fake));

      // Assess
      expect(fake.recorder.count('keys.getPublicKey')).toBe(0);
      expect(effect.result).not.toHaveProperty('oldKid');
    });

    it('when resumed, reuses the key a crashed attempt created', async () => {
      // Prepare
      const fake = fakeCase({ existingKeyArns: [OLD_KEY_ARN] });
      const first = await runStep(CREATE, context(fake));

      // Act
      const resumed = await runStep(CREATE, context(fake, new Map(), true));

      // Assess
      expect(fake.recorder.count('keys.createKey')).toBe(1);
      expect(fake.recorder.of('keys.findKeyByTag').map((c) => c.args)).toEqual([['sever:step-id', stepTag(CREATE.id)]]);
      expect(resumed.result).toEqual(first.result);
      expect(resumed.after).toMatchObject({ reusedAfterCrash: true });
    });

    it('when resumed and no key exists yet, creates one', async () => {
      // Prepare
      const fake = fakeCase({ existingKeyArns: [OLD_KEY_ARN] });

      // Act
      const effect = await runStep(CREATE, context(fake, new Map(), true));

      // Assess
      expect(fake.recorder.count('keys.findKeyByTag')).toBe(1);
      expect(fake.recorder.count('keys.createKey')).toBe(1);
      expect(effect.after).toMatchObject({ reusedAfterCrash: false });
    });
  });

  describe('steps that use an earlier step’s result', () => {
    async function afterCreate() {
      const fake = fakeCase({ existingKeyArns: [OLD_KEY_ARN] });
      const created = await runStep(CREATE, context(fake));
      const results: StepResults = new Map([[CREATE.id, created.result ?? {}]]);
      fake.recorder.calls.length = 0;
      return {
        fake,
        results,
        created: created.result as {
          keyArn: string;
          keyId: string;
          oldKid: string;
        },
      };
    }

    it('publishes the replacement key’s public JWK where the tag says', async () => {
      // Prepare
      const { fake, results, created } = await afterCreate();
      const newJwk = await publicJwkFromSpki(fake.keys.key(created.keyId)?.spki as Uint8Array, 'ES256');

      // Act
      const effect = await runStep(PUBLISH, context(fake, results));

      // Assess
      expect(fake.recorder.methods()).toEqual(['keys.getPublicKey', 'jwks.publish']);
      expect(fake.recorder.calls[0]?.args).toEqual([created.keyId]);
      expect(fake.recorder.calls[1]?.args).toEqual([{ kind: 's3', bucket: 'sample-org-jwks', key: 'auth/jwks.json' }, newJwk]);
      expect(fake.jwks.kids(JWKS_LOCATION)).toEqual([newJwk.kid]);
      expect(effect.result).toEqual({ kid: newJwk.kid });
      expect(effect.requestIds).toHaveLength(2);
    });

    it('moves the alias to the replacement key', async () => {
      // Prepare
      const { fake, results, created } = await afterCreate();

      // Act
      const effect = await runStep(MOVE, context(fake, results));

      // Assess
      expect(fake.recorder.of('keys.updateAlias').map((c) => c.args)).toEqual([['alias/auth-tokens', created.keyId]]);
      expect(fake.keys.aliases.get('alias/auth-tokens')).toBe(created.keyArn);
      expect(effect).toMatchObject({
        before: { targetKeyArn: OLD_KEY_ARN },
        after: { targetKeyArn: created.keyArn },
      });
    });

    it('revokes the old key’s kid, not the new one’s', async () => {
      // Prepare
      const { fake, results, created } = await afterCreate();

      // Act
      const effect = await runStep(REVOKE_KID, context(fake, results));

      // Assess
      expect([...fake.registry.kids.keys()]).toEqual([created.oldKid]);
      expect(fake.registry.kids.get(created.oldKid)).toEqual({
        revokedAt: fake.clock.now(),
        caseId: TEST_CASE_ID,
        keyArn: OLD_KEY_ARN,
      });
      expect(effect.after).toEqual({ kid: created.oldKid, revoked: true });
    });

    it('unpublishes the old key’s kid', async () => {
      // Prepare
      const { fake, results, created } = await afterCreate();

      // Act
      const effect = await runStep(UNPUBLISH, context(fake, results));

      // Assess
      expect(fake.recorder.of('jwks.remove').map((c) => c.args)).toEqual([
        [{ kind: 's3', bucket: 'sample-org-jwks', key: 'auth/jwks.json' }, created.oldKid],
      ]);
      expect(fake.jwks.retired(JWKS_LOCATION)).toEqual([created.oldKid]);
      expect(effect.before).toEqual({ kid: created.oldKid });
    });

    it.each([
      ['publish', PUBLISH],
      ['move-alias', MOVE],
      ['revoke-key-id', REVOKE_KID],
    ])('refuses %s before the replacement key is recorded, naming the missing step', async (_label, step) => {
      // Prepare
      const fake = fakeCase({ existingKeyArns: [OLD_KEY_ARN] });

      // Act
      const run = runStep(step, context(fake));

      // Assess
      await expect(run).rejects.toThrow(CREATE.id);
      expect(fake.recorder.calls.filter((c) => c.method !== 'keys.getPublicKey')).toEqual([]);
    });
  });
});
