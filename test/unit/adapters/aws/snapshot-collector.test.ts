import {
  GetAccountAuthorizationDetailsCommand,
  GetLoginProfileCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  type KeyMetadata,
  KMSClient,
  KMSInvalidStateException,
  KMSServiceException,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  NotFoundException,
} from '@aws-sdk/client-kms';
import {
  AWSOrganizationsNotInUseException,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  AccessDeniedException as OrgAccessDenied,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { GetResourcePolicyCommand, GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ListTagsForResourceCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsAdapterError } from '../../../../lambda/adapters/aws/errors.js';
import {
  type CollectedSnapshot,
  collectSnapshot,
  createSnapshotClients,
  type SnapshotClients,
} from '../../../../lambda/adapters/aws/snapshot-collector.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const KEY_ARN = (id: string): string => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;

const stsMock = mockClient(STSClient);
const iamMock = mockClient(IAMClient);
const kmsMock = mockClient(KMSClient);
const secretsMock = mockClient(SecretsManagerClient);
const ssmMock = mockClient(SSMClient);
const orgMock = mockClient(OrganizationsClient);

function clients(): SnapshotClients {
  return {
    sts: new STSClient({ region: REGION }),
    iam: new IAMClient({ region: REGION }),
    kms: new KMSClient({ region: REGION }),
    secretsManager: new SecretsManagerClient({ region: REGION }),
    ssm: new SSMClient({ region: REGION }),
    organizations: new OrganizationsClient({ region: REGION }),
  };
}

function parsed(snapshot: CollectedSnapshot, name: string): Record<string, unknown> {
  const text = snapshot.files[name as keyof CollectedSnapshot['files']];
  if (text === undefined) throw new Error(`${name} was not produced`);
  return JSON.parse(text) as Record<string, unknown>;
}

function keyMetadata(id: string, overrides: Partial<KeyMetadata> = {}): KeyMetadata {
  return {
    KeyId: id,
    Arn: KEY_ARN(id),
    KeySpec: 'ECC_NIST_P256',
    KeyUsage: 'SIGN_VERIFY',
    KeyState: 'Enabled',
    KeyManager: 'CUSTOMER',
    Description: `key ${id}`,
    CreationDate: new Date('2024-01-02T03:04:05Z'),
    ...overrides,
  };
}

const keyPolicy = (id: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: `root-${id}`, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
  });

/** An account with nothing in it and no organization; each test adds what it is about. */
function primeEmptyAccount(): void {
  stsMock.on(GetCallerIdentityCommand).resolves({
    Account: ACCOUNT,
    Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/auditor/session`,
    UserId: 'AROAEXAMPLE:session',
  });
  iamMock.on(GetAccountAuthorizationDetailsCommand).resolves({ IsTruncated: false });
  iamMock.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [], IsTruncated: false });
  iamMock.on(GetLoginProfileCommand).rejects(new NoSuchEntityException({ message: 'no login profile', $metadata: {} }));
  iamMock.on(ListSSHPublicKeysCommand).resolves({ SSHPublicKeys: [], IsTruncated: false });
  iamMock.on(ListSigningCertificatesCommand).resolves({ Certificates: [], IsTruncated: false });
  iamMock.on(ListServiceSpecificCredentialsCommand).resolves({ ServiceSpecificCredentials: [], IsTruncated: false });
  iamMock.on(ListMFADevicesCommand).resolves({ MFADevices: [], IsTruncated: false });
  kmsMock.on(ListKeysCommand).resolves({ Keys: [], Truncated: false });
  kmsMock.on(ListAliasesCommand).resolves({ Aliases: [], Truncated: false });
  kmsMock.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
  kmsMock.on(ListResourceTagsCommand).resolves({ Tags: [], Truncated: false });
  secretsMock.on(ListSecretsCommand).resolves({ SecretList: [] });
  secretsMock.on(GetResourcePolicyCommand).resolves({});
  ssmMock.on(DescribeParametersCommand).resolves({ Parameters: [] });
  ssmMock.on(ListTagsForResourceCommand).resolves({ TagList: [] });
  orgMock.on(DescribeOrganizationCommand).rejects(new AWSOrganizationsNotInUseException({ message: 'not in use', $metadata: {} }));
}

function withUsers(...names: string[]): void {
  iamMock.on(GetAccountAuthorizationDetailsCommand).resolves({
    UserDetailList: names.map((name, i) => ({
      UserName: name,
      UserId: `AIDA${i}`,
      Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
      Path: '/',
    })),
    IsTruncated: false,
  });
}

function withKeys(...ids: string[]): void {
  kmsMock.on(ListKeysCommand).resolves({ Keys: ids.map((id) => ({ KeyId: id, KeyArn: KEY_ARN(id) })), Truncated: false });
  for (const id of ids) {
    kmsMock.on(DescribeKeyCommand, { KeyId: id }).resolves({ KeyMetadata: keyMetadata(id) });
    kmsMock.on(GetKeyPolicyCommand, { KeyId: id }).resolves({ Policy: keyPolicy(id), PolicyName: 'default' });
  }
}

/** Inputs of every `command` a mock received, in call order. */
function inputsOf(
  mock: { calls(): { args: readonly unknown[] }[] },
  command: abstract new (...args: never[]) => object,
): Record<string, unknown>[] {
  return mock
    .calls()
    .map((call) => call.args[0])
    .filter((sent): sent is { input: Record<string, unknown> } => sent instanceof command)
    .map((sent) => sent.input);
}

const allMocks = [stsMock, iamMock, kmsMock, secretsMock, ssmMock, orgMock];

describe('Function: collectSnapshot', () => {
  beforeEach(() => {
    primeEmptyAccount();
  });

  afterEach(() => {
    for (const mock of allMocks) mock.reset();
  });

  describe('account.json', () => {
    it('takes the account id from STS, the partition from the caller ARN, the region from the clients', async () => {
      // Prepare
      stsMock.on(GetCallerIdentityCommand).resolves({
        Account: ACCOUNT,
        Arn: `arn:aws-us-gov:sts::${ACCOUNT}:assumed-role/auditor/session`,
      });

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      expect(parsed(snapshot, 'account.json')).toEqual({ AccountId: ACCOUNT, Partition: 'aws-us-gov', Region: REGION });
      expect(stsMock).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
    });

    it('prefers an explicit region option over the client configuration', async () => {
      // Act
      const snapshot = await collectSnapshot(clients(), { region: 'ap-southeast-2' });

      // Assess
      expect(parsed(snapshot, 'account.json').Region).toBe('ap-southeast-2');
    });
  });

  describe('authorization-details.json', () => {
    it('follows the Marker and merges every page, keeping documents URL-encoded', async () => {
      // Prepare
      const inline = encodeURIComponent(
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Sign', Resource: '*' }] }),
      );
      iamMock.on(GetAccountAuthorizationDetailsCommand).resolves({
        UserDetailList: [
          {
            UserName: 'alice',
            UserId: 'AIDA1',
            Arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
            Path: '/',
            UserPolicyList: [{ PolicyName: 'sign', PolicyDocument: inline }],
          },
        ],
        GroupDetailList: [{ GroupName: 'devs', GroupId: 'AGPA1', Arn: `arn:aws:iam::${ACCOUNT}:group/devs`, Path: '/' }],
        IsTruncated: true,
        Marker: 'page-2',
      });
      iamMock.on(GetAccountAuthorizationDetailsCommand, { Marker: 'page-2' }).resolves({
        UserDetailList: [{ UserName: 'bob', UserId: 'AIDA2', Arn: `arn:aws:iam::${ACCOUNT}:user/bob`, Path: '/' }],
        RoleDetailList: [
          {
            RoleName: 'signer',
            RoleId: 'AROA1',
            Arn: `arn:aws:iam::${ACCOUNT}:role/signer`,
            Path: '/',
            AssumeRolePolicyDocument: inline,
          },
        ],
        Policies: [
          {
            PolicyName: 'p',
            Arn: `arn:aws:iam::${ACCOUNT}:policy/p`,
            DefaultVersionId: 'v1',
            PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: inline }],
          },
        ],
        IsTruncated: false,
      });

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      expect(iamMock.commandCalls(GetAccountAuthorizationDetailsCommand).map((c) => c.args[0].input)).toEqual([{}, { Marker: 'page-2' }]);
      const file = parsed(snapshot, 'authorization-details.json') as {
        UserDetailList: { UserName: string; UserPolicyList?: { PolicyDocument: string }[] }[];
        GroupDetailList: unknown[];
        RoleDetailList: { AssumeRolePolicyDocument: string }[];
        Policies: unknown[];
      };
      expect(Object.keys(file).sort()).toEqual(['GroupDetailList', 'Policies', 'RoleDetailList', 'UserDetailList']);
      expect(file.UserDetailList.map((u) => u.UserName)).toEqual(['alice', 'bob']);
      expect(file.GroupDetailList).toHaveLength(1);
      expect(file.Policies).toHaveLength(1);
      expect(file.UserDetailList[0]?.UserPolicyList?.[0]?.PolicyDocument).toBe(inline);
      expect(file.RoleDetailList[0]?.AssumeRolePolicyDocument).toBe(inline);
      expect(snapshot.counts).toMatchObject({ users: 2, groups: 1, roles: 1, managedPolicies: 1 });
    });
  });

  describe('kms-keys.json', () => {
    it('lists keys across pages and reads metadata, the default policy, aliases, grants and tags of each', async () => {
      // Prepare
      kmsMock.on(ListKeysCommand).resolves({ Keys: [{ KeyId: 'k1', KeyArn: KEY_ARN('k1') }], Truncated: true, NextMarker: 'keys-2' });
      kmsMock.on(ListKeysCommand, { Marker: 'keys-2' }).resolves({ Keys: [{ KeyId: 'k2', KeyArn: KEY_ARN('k2') }], Truncated: false });
      for (const id of ['k1', 'k2']) {
        kmsMock.on(DescribeKeyCommand, { KeyId: id }).resolves({ KeyMetadata: keyMetadata(id) });
        kmsMock.on(GetKeyPolicyCommand, { KeyId: id }).resolves({ Policy: keyPolicy(id), PolicyName: 'default' });
      }
      kmsMock.on(ListAliasesCommand, { KeyId: 'k1' }).resolves({
        Aliases: [{ AliasName: 'alias/one', AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/one`, TargetKeyId: 'k1' }],
        Truncated: true,
        NextMarker: 'aliases-2',
      });
      kmsMock.on(ListAliasesCommand, { KeyId: 'k1', Marker: 'aliases-2' }).resolves({
        Aliases: [{ AliasName: 'alias/two', AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/two`, TargetKeyId: 'k1' }],
        Truncated: false,
      });
      kmsMock.on(ListGrantsCommand, { KeyId: 'k1' }).resolves({
        Grants: [{ GrantId: 'g1', GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/signer`, Operations: ['Sign'] }],
        Truncated: true,
        NextMarker: 'grants-2',
      });
      kmsMock.on(ListGrantsCommand, { KeyId: 'k1', Marker: 'grants-2' }).resolves({
        Grants: [{ GrantId: 'g2', GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/alice`, Operations: ['Verify'] }],
        Truncated: false,
      });
      kmsMock.on(ListResourceTagsCommand, { KeyId: 'k1' }).resolves({
        Tags: [{ TagKey: 'team', TagValue: 'payments' }],
        Truncated: true,
        NextMarker: 'tags-2',
      });
      kmsMock.on(ListResourceTagsCommand, { KeyId: 'k1', Marker: 'tags-2' }).resolves({
        Tags: [{ TagKey: 'purpose', TagValue: 'jwt' }],
        Truncated: false,
      });

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      expect(kmsMock.commandCalls(ListKeysCommand).map((c) => c.args[0].input)).toEqual([{}, { Marker: 'keys-2' }]);
      expect(kmsMock).toHaveReceivedCommandWith(GetKeyPolicyCommand, { KeyId: 'k1', PolicyName: 'default' });
      expect(kmsMock).toHaveReceivedCommandWith(GetKeyPolicyCommand, { KeyId: 'k2', PolicyName: 'default' });
      const k1Calls = (command: abstract new (...args: never[]) => object) =>
        inputsOf(kmsMock, command).filter((input) => input.KeyId === 'k1');
      expect(k1Calls(ListAliasesCommand)).toEqual([{ KeyId: 'k1' }, { KeyId: 'k1', Marker: 'aliases-2' }]);
      expect(k1Calls(ListGrantsCommand)).toEqual([{ KeyId: 'k1' }, { KeyId: 'k1', Marker: 'grants-2' }]);
      expect(k1Calls(ListResourceTagsCommand)).toEqual([{ KeyId: 'k1' }, { KeyId: 'k1', Marker: 'tags-2' }]);

      const file = parsed(snapshot, 'kms-keys.json') as {
        Keys: {
          KeyMetadata: { KeyId: string; CreationDate: string };
          Policy: string;
          Aliases: { AliasName: string }[];
          Grants: { GrantId: string }[];
          Tags: { TagKey: string }[];
        }[];
      };
      expect(file.Keys.map((k) => k.KeyMetadata.KeyId)).toEqual(['k1', 'k2']);
      const [k1] = file.Keys;
      expect(k1?.Policy).toBe(keyPolicy('k1'));
      expect(k1?.KeyMetadata.CreationDate).toBe('2024-01-02T03:04:05.000Z');
      expect(k1?.Aliases.map((a) => a.AliasName)).toEqual(['alias/one', 'alias/two']);
      expect(k1?.Grants.map((g) => g.GrantId)).toEqual(['g1', 'g2']);
      expect(k1?.Tags.map((t) => t.TagKey)).toEqual(['team', 'purpose']);
    });

    it('reads the policy and aliases of an AWS-managed key but not its grants or tags', async () => {
      // Prepare
      withKeys('aws1');
      kmsMock.on(DescribeKeyCommand, { KeyId: 'aws1' }).resolves({
        KeyMetadata: keyMetadata('aws1', { KeyManager: 'AWS', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' }),
      });

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      expect(kmsMock).toHaveReceivedCommandWith(GetKeyPolicyCommand, { KeyId: 'aws1', PolicyName: 'default' });
      expect(kmsMock).toHaveReceivedCommandWith(ListAliasesCommand, { KeyId: 'aws1' });
      expect(kmsMock).not.toHaveReceivedCommand(ListGrantsCommand);
      expect(kmsMock).not.toHaveReceivedCommand(ListResourceTagsCommand);
      const [key] = (parsed(snapshot, 'kms-keys.json') as { Keys: Record<string, unknown>[] }).Keys;
      expect(key?.Policy).toBe(keyPolicy('aws1'));
      expect(key).not.toHaveProperty('Grants');
      expect(key).not.toHaveProperty('Tags');
      expect(snapshot.counts).toMatchObject({ kmsKeys: 1, customerManagedKeys: 0 });
    });

    it('keeps a key pending deletion whose policy KMS refuses, with an empty policy and a warning', async () => {
      // Prepare
      withKeys('gone-soon');
      kmsMock.on(DescribeKeyCommand, { KeyId: 'gone-soon' }).resolves({
        KeyMetadata: keyMetadata('gone-soon', { KeyState: 'PendingDeletion' }),
      });
      kmsMock
        .on(GetKeyPolicyCommand, { KeyId: 'gone-soon' })
        .rejects(new KMSInvalidStateException({ message: 'pending deletion', $metadata: {} }));

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      const [key] = (parsed(snapshot, 'kms-keys.json') as { Keys: { KeyMetadata: { KeyState: string }; Policy: string }[] }).Keys;
      expect(key?.KeyMetadata.KeyState).toBe('PendingDeletion');
      expect(JSON.parse(key?.Policy ?? '')).toEqual({ Version: '2012-10-17', Statement: [] });
      expect(snapshot.warnings).toHaveLength(2); // the key policy, and no organization
      expect(snapshot.warnings.find((w) => w.includes(KEY_ARN('gone-soon')))).toMatch(/pending deletion.*key policy/);
    });

    it('fails closed when the policy of a usable key is denied, naming the key', async () => {
      // Prepare
      withKeys('locked');
      kmsMock.on(GetKeyPolicyCommand, { KeyId: 'locked' }).rejects(
        // KMS does not model AccessDeniedException: the SDK raises it as the service's base exception.
        new KMSServiceException({
          name: 'AccessDeniedException',
          $fault: 'client',
          message: 'not authorized',
          $metadata: { requestId: 'req-1' },
        }),
      );

      // Act
      const result = collectSnapshot(clients());

      // Assess
      await expect(result).rejects.toBeInstanceOf(AwsAdapterError);
      await expect(result).rejects.toMatchObject({
        code: 'ERR_AWS_ACCESS_DENIED',
        service: 'kms',
        operation: 'GetKeyPolicy',
        resource: KEY_ARN('locked'),
        requestId: 'req-1',
      });
    });

    it('leaves out a key deleted between ListKeys and DescribeKey, with a warning', async () => {
      // Prepare
      withKeys('k1', 'vanished');
      kmsMock.on(DescribeKeyCommand, { KeyId: 'vanished' }).rejects(new NotFoundException({ message: 'no such key', $metadata: {} }));

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      const file = parsed(snapshot, 'kms-keys.json') as { Keys: { KeyMetadata: { KeyId: string } }[] };
      expect(file.Keys.map((k) => k.KeyMetadata.KeyId)).toEqual(['k1']);
      expect(snapshot.warnings.some((w) => w.includes('vanished') && w.includes('deleted'))).toBe(true);
    });
  });

  describe('secrets.json', () => {
    it('lists secrets across pages and adds each resource policy, never reading a value', async () => {
      // Prepare
      const arn = (name: string): string => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
      const resourcePolicy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` },
            Action: 'secretsmanager:GetSecretValue',
            Resource: '*',
          },
        ],
      });
      secretsMock.on(ListSecretsCommand).resolves({
        SecretList: [{ ARN: arn('jwt-key'), Name: 'jwt-key', KmsKeyId: KEY_ARN('k1'), Tags: [{ Key: 'use', Value: 'signing' }] }],
        NextToken: 'secrets-2',
      });
      secretsMock.on(ListSecretsCommand, { NextToken: 'secrets-2' }).resolves({
        SecretList: [{ ARN: arn('db'), Name: 'db', Description: 'not copied' }],
      });
      secretsMock.on(GetResourcePolicyCommand, { SecretId: arn('jwt-key') }).resolves({ ResourcePolicy: resourcePolicy });

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      expect(secretsMock.commandCalls(ListSecretsCommand).map((c) => c.args[0].input)).toEqual([{}, { NextToken: 'secrets-2' }]);
      expect(secretsMock.commandCalls(GetResourcePolicyCommand).map((c) => c.args[0].input)).toEqual(
        expect.arrayContaining([{ SecretId: arn('jwt-key') }, { SecretId: arn('db') }]),
      );
      expect(secretsMock).not.toHaveReceivedCommand(GetSecretValueCommand);
      expect(parsed(snapshot, 'secrets.json')).toEqual({
        Secrets: [
          {
            ARN: arn('jwt-key'),
            Name: 'jwt-key',
            KmsKeyId: KEY_ARN('k1'),
            Tags: [{ Key: 'use', Value: 'signing' }],
            ResourcePolicy: resourcePolicy,
          },
          { ARN: arn('db'), Name: 'db', Tags: [] },
        ],
      });
    });
  });

  describe('ssm-parameters.json', () => {
    it('describes parameters across pages, reads their tags and builds their ARNs, never reading a value', async () => {
      // Prepare
      ssmMock.on(DescribeParametersCommand).resolves({
        Parameters: [{ Name: '/signing/jwt', Type: 'SecureString', KeyId: 'alias/aws/ssm' }],
        NextToken: 'params-2',
      });
      ssmMock.on(DescribeParametersCommand, { NextToken: 'params-2' }).resolves({
        Parameters: [{ Name: 'plain', Type: 'String' }],
      });
      ssmMock.on(ListTagsForResourceCommand, { ResourceId: '/signing/jwt' }).resolves({ TagList: [{ Key: 'use', Value: 'jwt' }] });

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      expect(ssmMock.commandCalls(DescribeParametersCommand).map((c) => c.args[0].input)).toEqual([{}, { NextToken: 'params-2' }]);
      expect(ssmMock).toHaveReceivedCommandWith(ListTagsForResourceCommand, { ResourceType: 'Parameter', ResourceId: '/signing/jwt' });
      expect(ssmMock).toHaveReceivedCommandWith(ListTagsForResourceCommand, { ResourceType: 'Parameter', ResourceId: 'plain' });
      expect(ssmMock).not.toHaveReceivedCommand(GetParameterCommand);
      expect(ssmMock).not.toHaveReceivedCommand(GetParametersCommand);
      expect(ssmMock).not.toHaveReceivedCommand(GetParametersByPathCommand);
      expect(parsed(snapshot, 'ssm-parameters.json')).toEqual({
        Parameters: [
          {
            Name: '/signing/jwt',
            ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/signing/jwt`,
            Type: 'SecureString',
            KeyId: 'alias/aws/ssm',
            Tags: [{ Key: 'use', Value: 'jwt' }],
          },
          { Name: 'plain', ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/plain`, Type: 'String', Tags: [] },
        ],
      });
    });
  });

  describe('credentials.json', () => {
    it('reads every credential list of every user, following each Marker', async () => {
      // Prepare
      withUsers('alice', 'bob');
      const twoPages = <C extends object>(
        command: new (input: { UserName: string; Marker?: string }) => C,
        field: string,
        first: object,
        second: object,
      ): void => {
        // biome-ignore lint/suspicious/noExplicitAny: one helper for six IAM list commands
        const on = iamMock.on as any;
        on.call(iamMock, command, { UserName: 'alice' }).resolves({ [field]: [first], IsTruncated: true, Marker: `${field}-2` });
        on.call(iamMock, command, { UserName: 'alice', Marker: `${field}-2` }).resolves({ [field]: [second], IsTruncated: false });
      };
      twoPages(
        ListAccessKeysCommand,
        'AccessKeyMetadata',
        { UserName: 'alice', AccessKeyId: 'AKIA1', Status: 'Active', CreateDate: new Date('2023-05-06T00:00:00Z') },
        { UserName: 'alice', AccessKeyId: 'AKIA2', Status: 'Inactive' },
      );
      twoPages(
        ListSSHPublicKeysCommand,
        'SSHPublicKeys',
        { UserName: 'alice', SSHPublicKeyId: 'APKA1', Status: 'Active', UploadDate: new Date() },
        { UserName: 'alice', SSHPublicKeyId: 'APKA2', Status: 'Inactive', UploadDate: new Date() },
      );
      twoPages(
        ListSigningCertificatesCommand,
        'Certificates',
        { UserName: 'alice', CertificateId: 'C1', CertificateBody: 'body', Status: 'Active' },
        { UserName: 'alice', CertificateId: 'C2', CertificateBody: 'body', Status: 'Active' },
      );
      twoPages(
        ListServiceSpecificCredentialsCommand,
        'ServiceSpecificCredentials',
        {
          UserName: 'alice',
          ServiceSpecificCredentialId: 'S1',
          ServiceName: 'codecommit.amazonaws.com',
          Status: 'Active',
          ServiceUserName: 'alice-at',
          CreateDate: new Date(),
        },
        {
          UserName: 'alice',
          ServiceSpecificCredentialId: 'S2',
          ServiceName: 'bedrock.amazonaws.com',
          Status: 'Active',
          ServiceUserName: 'alice-br',
          CreateDate: new Date(),
        },
      );
      twoPages(
        ListMFADevicesCommand,
        'MFADevices',
        { UserName: 'alice', SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice-1`, EnableDate: new Date() },
        { UserName: 'alice', SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice-2`, EnableDate: new Date() },
      );
      iamMock.on(GetLoginProfileCommand, { UserName: 'alice' }).resolves({
        LoginProfile: { UserName: 'alice', CreateDate: new Date('2022-01-01T00:00:00Z'), PasswordResetRequired: false },
      });

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      const callsFor = (command: abstract new (...args: never[]) => object): unknown[] =>
        inputsOf(iamMock, command).filter((input) => input.UserName === 'alice');
      expect(callsFor(ListAccessKeysCommand)).toEqual([{ UserName: 'alice' }, { UserName: 'alice', Marker: 'AccessKeyMetadata-2' }]);
      expect(callsFor(ListSSHPublicKeysCommand)).toEqual([{ UserName: 'alice' }, { UserName: 'alice', Marker: 'SSHPublicKeys-2' }]);
      expect(callsFor(ListSigningCertificatesCommand)).toEqual([{ UserName: 'alice' }, { UserName: 'alice', Marker: 'Certificates-2' }]);
      expect(callsFor(ListServiceSpecificCredentialsCommand)).toEqual([
        { UserName: 'alice' },
        { UserName: 'alice', Marker: 'ServiceSpecificCredentials-2' },
      ]);
      expect(callsFor(ListMFADevicesCommand)).toEqual([{ UserName: 'alice' }, { UserName: 'alice', Marker: 'MFADevices-2' }]);
      expect(iamMock).toHaveReceivedCommandWith(GetLoginProfileCommand, { UserName: 'alice' });
      expect(iamMock).toHaveReceivedCommandWith(GetLoginProfileCommand, { UserName: 'bob' });

      type UserEntry = Record<string, unknown> & { AccessKeyMetadata: { AccessKeyId: string; CreateDate?: string }[] };
      const users = (parsed(snapshot, 'credentials.json') as { Users: UserEntry[] }).Users;
      expect(users.map((u) => u.UserName)).toEqual(['alice', 'bob']);
      const [alice, bob] = users;
      expect(alice?.AccessKeyMetadata.map((k) => k.AccessKeyId)).toEqual(['AKIA1', 'AKIA2']);
      expect(alice?.AccessKeyMetadata[0]?.CreateDate).toBe('2023-05-06T00:00:00.000Z');
      expect(alice?.LoginProfile).toEqual({ UserName: 'alice', CreateDate: '2022-01-01T00:00:00.000Z', PasswordResetRequired: false });
      for (const field of ['SSHPublicKeys', 'Certificates', 'ServiceSpecificCredentials', 'MFADevices']) {
        expect(alice?.[field]).toHaveLength(2);
      }
      expect(bob).toEqual({
        UserName: 'bob',
        AccessKeyMetadata: [],
        LoginProfile: null,
        SSHPublicKeys: [],
        Certificates: [],
        ServiceSpecificCredentials: [],
        MFADevices: [],
      });
    });

    it('records a user without a console password as LoginProfile null', async () => {
      // Prepare
      withUsers('carol');

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      expect(iamMock).toHaveReceivedCommandWith(GetLoginProfileCommand, { UserName: 'carol' });
      const [carol] = (parsed(snapshot, 'credentials.json') as { Users: { LoginProfile: unknown }[] }).Users;
      expect(carol?.LoginProfile).toBeNull();
    });
  });

  describe('organization.json', () => {
    it('is omitted with a warning when the account is not in an organization', async () => {
      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      expect(snapshot.files['organization.json']).toBeUndefined();
      expect(snapshot.warnings).toEqual(['The account is not in an AWS Organization; organization.json is omitted.']);
      expect(snapshot.counts.serviceControlPolicyLevels).toBeUndefined();
      expect(orgMock).not.toHaveReceivedCommand(ListParentsCommand);
    });

    it('is omitted with a warning naming the denied call when a member account cannot read the organization', async () => {
      // Prepare
      orgMock.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-1', MasterAccountId: '999999999999' } });
      orgMock.on(ListRootsCommand).rejects(new OrgAccessDenied({ message: 'member account', $metadata: {} }));

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      expect(snapshot.files['organization.json']).toBeUndefined();
      expect(snapshot.warnings).toHaveLength(1);
      expect(snapshot.warnings[0]).toContain('organizations:ListRoots was denied');
    });

    it('lists SCP documents per level from the root down to the account, and no RCPs when they are disabled', async () => {
      // Prepare
      const doc = (sid: string) => ({ Version: '2012-10-17', Statement: [{ Sid: sid, Effect: 'Allow', Action: '*', Resource: '*' }] });
      orgMock.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-1', MasterAccountId: '999999999999' } });
      orgMock.on(ListRootsCommand).resolves({
        Roots: [
          {
            Id: 'r-root',
            PolicyTypes: [
              { Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' },
              { Type: 'RESOURCE_CONTROL_POLICY', Status: 'PENDING_ENABLE' },
            ],
          },
        ],
      });
      orgMock.on(ListParentsCommand, { ChildId: ACCOUNT }).resolves({ Parents: [], NextToken: 'parents-2' });
      orgMock
        .on(ListParentsCommand, { ChildId: ACCOUNT, NextToken: 'parents-2' })
        .resolves({ Parents: [{ Id: 'ou-team', Type: 'ORGANIZATIONAL_UNIT' }] });
      orgMock.on(ListParentsCommand, { ChildId: 'ou-team' }).resolves({ Parents: [{ Id: 'r-root', Type: 'ROOT' }] });
      orgMock.on(ListPoliciesForTargetCommand, { TargetId: 'r-root' }).resolves({ Policies: [{ Id: 'p-full' }] });
      orgMock.on(ListPoliciesForTargetCommand, { TargetId: 'ou-team' }).resolves({ Policies: [{ Id: 'p-full' }], NextToken: 'ou-2' });
      orgMock.on(ListPoliciesForTargetCommand, { TargetId: 'ou-team', NextToken: 'ou-2' }).resolves({ Policies: [{ Id: 'p-team' }] });
      orgMock.on(ListPoliciesForTargetCommand, { TargetId: ACCOUNT }).resolves({ Policies: [{ Id: 'p-full' }] });
      orgMock.on(DescribePolicyCommand, { PolicyId: 'p-full' }).resolves({ Policy: { Content: JSON.stringify(doc('full')) } });
      orgMock.on(DescribePolicyCommand, { PolicyId: 'p-team' }).resolves({ Policy: { Content: JSON.stringify(doc('team')) } });

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      expect(orgMock.commandCalls(ListPoliciesForTargetCommand).map((c) => c.args[0].input)).toEqual(
        expect.arrayContaining([
          { TargetId: 'r-root', Filter: 'SERVICE_CONTROL_POLICY' },
          { TargetId: 'ou-team', Filter: 'SERVICE_CONTROL_POLICY' },
          { TargetId: 'ou-team', Filter: 'SERVICE_CONTROL_POLICY', NextToken: 'ou-2' },
          { TargetId: ACCOUNT, Filter: 'SERVICE_CONTROL_POLICY' },
        ]),
      );
      expect(orgMock).not.toHaveReceivedCommandWith(ListPoliciesForTargetCommand, { Filter: 'RESOURCE_CONTROL_POLICY' });
      expect(orgMock).toHaveReceivedCommandTimes(DescribePolicyCommand, 2);
      expect(parsed(snapshot, 'organization.json')).toEqual({
        ServiceControlPolicies: [[doc('full')], [doc('full'), doc('team')], [doc('full')]],
        ResourceControlPolicies: [],
      });
      expect(snapshot.warnings).toEqual([]);
    });

    it('collects RCPs with the RESOURCE_CONTROL_POLICY filter when they are enabled', async () => {
      // Prepare
      const rcp = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] };
      orgMock.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-1', MasterAccountId: '999999999999' } });
      orgMock.on(ListRootsCommand).resolves({
        Roots: [{ Id: 'r-root', PolicyTypes: [{ Type: 'RESOURCE_CONTROL_POLICY', Status: 'ENABLED' }] }],
      });
      orgMock.on(ListParentsCommand, { ChildId: ACCOUNT }).resolves({ Parents: [{ Id: 'r-root', Type: 'ROOT' }] });
      orgMock.on(ListPoliciesForTargetCommand).resolves({ Policies: [{ Id: 'p-rcp' }] });
      orgMock.on(DescribePolicyCommand, { PolicyId: 'p-rcp' }).resolves({ Policy: { Content: JSON.stringify(rcp) } });

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      expect(orgMock.commandCalls(ListPoliciesForTargetCommand).map((c) => c.args[0].input)).toEqual([
        { TargetId: 'r-root', Filter: 'RESOURCE_CONTROL_POLICY' },
        { TargetId: ACCOUNT, Filter: 'RESOURCE_CONTROL_POLICY' },
      ]);
      expect(parsed(snapshot, 'organization.json')).toEqual({ ServiceControlPolicies: [], ResourceControlPolicies: [[rcp], [rcp]] });
    });

    it('lists no policies for the management account, which SCPs and RCPs do not govern', async () => {
      // Prepare
      orgMock.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-1', MasterAccountId: ACCOUNT } });

      // Act
      const snapshot = await collectSnapshot(clients());

      // Assess
      expect(parsed(snapshot, 'organization.json')).toEqual({ ServiceControlPolicies: [], ResourceControlPolicies: [] });
      expect(orgMock).not.toHaveReceivedCommand(ListPoliciesForTargetCommand);
      expect(snapshot.warnings[0]).toMatch(/management account/);
    });
  });

  describe('errors', () => {
    it('translates an expired-credentials error from STS and collects nothing else', async () => {
      // Prepare
      const expired = Object.assign(new Error('The security token included in the request is expired'), {
        name: 'ExpiredToken',
        $fault: 'client',
        $metadata: {},
      });
      stsMock.on(GetCallerIdentityCommand).rejects(expired);

      // Act
      const result = collectSnapshot(clients());

      // Assess
      await expect(result).rejects.toMatchObject({ code: 'ERR_AWS_CREDENTIALS', operation: 'GetCallerIdentity' });
      expect(iamMock).not.toHaveReceivedAnyCommand();
    });

    it('stops a listing whose pagination token repeats', async () => {
      // Prepare
      kmsMock.on(ListKeysCommand).resolves({ Keys: [], Truncated: true, NextMarker: 'same' });

      // Act
      const result = collectSnapshot(clients());

      // Assess
      await expect(result).rejects.toMatchObject({ code: 'ERR_AWS_PAGINATION', operation: 'ListKeys' });
      expect(kmsMock).toHaveReceivedCommandTimes(ListKeysCommand, 2);
    });

    it('fails with ERR_AWS_CONFIG when no region is configured anywhere', async () => {
      // Prepare
      const kms = new KMSClient({ region: async () => '' });

      // Act
      const result = collectSnapshot({ ...clients(), kms });

      // Assess
      await expect(result).rejects.toMatchObject({ code: 'ERR_AWS_CONFIG' });
      expect(stsMock).not.toHaveReceivedAnyCommand();
    });
  });
});

describe('Function: createSnapshotClients', () => {
  it('configures every client with adaptive retries, the attempt budget, region and profile', async () => {
    // Act
    const built = createSnapshotClients({ region: 'us-east-2', profile: 'audit', maxAttempts: 12 });

    // Assess
    for (const client of Object.values(built)) {
      expect(client.config.retryMode).toBe('adaptive');
      expect(await client.config.maxAttempts()).toBe(12);
      expect(await client.config.region()).toBe('us-east-2');
      expect((client.config as { profile?: string }).profile).toBe('audit');
    }
  });

  it('defaults to ten attempts', async () => {
    // Act
    const built = createSnapshotClients({ region: 'us-east-2' });

    // Assess
    expect(await built.kms.config.maxAttempts()).toBe(10);
  });
});
