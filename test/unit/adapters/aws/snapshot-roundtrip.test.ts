import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectSnapshot } from '../../../../lambda/adapters/aws/snapshot-collector.js';
import { parseSnapshot, SNAPSHOT_FILES } from '../../../../lambda/core/snapshot/parse.js';
import { FIXTURE_ACCOUNT, FIXTURE_REGION, primeFixtureAccount, SIGNING_KEY_ARN, type SnapshotMocks } from './snapshot-fixture.js';

const mocks: SnapshotMocks = {
  sts: mockClient(STSClient),
  iam: mockClient(IAMClient),
  kms: mockClient(KMSClient),
  secretsManager: mockClient(SecretsManagerClient),
  ssm: mockClient(SSMClient),
  organizations: mockClient(OrganizationsClient),
};

function clients() {
  const config = { region: FIXTURE_REGION };
  return {
    sts: new STSClient(config),
    iam: new IAMClient(config),
    kms: new KMSClient(config),
    secretsManager: new SecretsManagerClient(config),
    ssm: new SSMClient(config),
    organizations: new OrganizationsClient(config),
  };
}

describe('Function: collectSnapshot', () => {
  beforeEach(() => {
    primeFixtureAccount(mocks);
  });

  afterEach(() => {
    for (const mock of Object.values(mocks)) mock.reset();
  });

  describe('round trip through parseSnapshot', () => {
    it('produces every snapshot file, and the files parse into the account model', async () => {
      // Act
      const collected = await collectSnapshot(clients());
      const snapshot = parseSnapshot(collected.files);

      // Assess
      expect(Object.keys(collected.files).sort()).toEqual(Object.values(SNAPSHOT_FILES).sort());
      expect(snapshot.account).toEqual({ accountId: FIXTURE_ACCOUNT, partition: 'aws', region: FIXTURE_REGION });

      const alice = snapshot.users.find((u) => u.name === 'alice');
      expect(alice?.groupNames).toEqual(['devs']);
      expect(alice?.tags).toEqual({ team: 'payments' });
      expect(alice?.inlinePolicies[0]?.document.statements[0]?.action).toEqual(['sts:AssumeRole']);
      expect(snapshot.roles.map((r) => [r.name, r.serviceLinked])).toEqual([
        ['jwt-signer', false],
        ['AWSServiceRoleForSupport', true],
      ]);
      const signJwt = snapshot.managedPolicies.get(`arn:aws:iam::${FIXTURE_ACCOUNT}:policy/sign-jwt`);
      expect(signJwt?.document.statements[0]?.action).toEqual(['kms:Sign', 'kms:GetPublicKey']);
      expect(snapshot.missingPolicyArns).toEqual([]);

      expect(snapshot.kmsKeys.map((k) => [k.keyUsage, k.keyManager, k.keyState])).toEqual([
        ['SIGN_VERIFY', 'CUSTOMER', 'Enabled'],
        ['GENERATE_VERIFY_MAC', 'CUSTOMER', 'Enabled'],
        ['ENCRYPT_DECRYPT', 'AWS', 'Enabled'],
        ['SIGN_VERIFY', 'CUSTOMER', 'PendingDeletion'],
      ]);
      const signing = snapshot.kmsKeys.find((k) => k.arn === SIGNING_KEY_ARN);
      expect(signing?.policy.statements.map((s) => s.sid)).toEqual(['Root', 'Signer']);
      expect(signing?.aliases).toEqual([
        { aliasName: 'alias/jwt-signing', aliasArn: `arn:aws:kms:${FIXTURE_REGION}:${FIXTURE_ACCOUNT}:alias/jwt-signing` },
      ]);
      expect(signing?.grants).toEqual([
        {
          grantId: 'grant-alice',
          granteePrincipal: `arn:aws:iam::${FIXTURE_ACCOUNT}:user/alice`,
          operations: ['Sign', 'GetPublicKey'],
          name: 'debug',
        },
      ]);
      expect(signing?.tags).toEqual({ purpose: 'jwt' });
      expect(snapshot.kmsKeys[3]?.policy.statements).toEqual([]);

      expect(snapshot.secrets[0]?.kmsKeyId).toBe(SIGNING_KEY_ARN);
      expect(snapshot.secrets[0]?.resourcePolicy?.statements[0]?.action).toEqual(['secretsmanager:GetSecretValue']);
      expect(snapshot.parameters).toEqual([
        {
          name: '/signing/jwt-private',
          arn: `arn:aws:ssm:${FIXTURE_REGION}:${FIXTURE_ACCOUNT}:parameter/signing/jwt-private`,
          type: 'SecureString',
          keyId: SIGNING_KEY_ARN,
          tags: { holds: 'private-key' },
        },
      ]);

      expect(snapshot.credentials.get('alice')).toMatchObject({
        accessKeys: [{ accessKeyId: 'AKIAALICE1', status: 'Active', createDate: '2023-01-01T00:00:00.000Z' }],
        loginProfile: { createDate: '2021-01-02T00:00:00.000Z' },
        mfaDevices: [{ serialNumber: `arn:aws:iam::${FIXTURE_ACCOUNT}:mfa/alice` }],
      });
      expect(snapshot.credentials.get('bob')?.loginProfile).toBeUndefined();

      const scpLevels = snapshot.organization.serviceControlPolicies.map((level) => level.map((d) => d.statements[0]?.sid));
      expect(scpLevels).toEqual([['FullAWSAccess'], ['FullAWSAccess', 'RegionLock'], ['FullAWSAccess']]);
      expect(snapshot.organization.resourceControlPolicies.map((level) => level.length)).toEqual([2, 1, 1]);

      expect(collected.warnings).toHaveLength(1);
      expect(collected.warnings[0]).toContain('pending deletion');
    });
  });
});
