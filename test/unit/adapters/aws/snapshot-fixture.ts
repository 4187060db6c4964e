import {
  GetAccountAuthorizationDetailsCommand,
  GetLoginProfileCommand,
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
  type KeySpec,
  type KeyState,
  type KeyUsageType,
  KMSInvalidStateException,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import { GetResourcePolicyCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand, ListTagsForResourceCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsStub } from 'aws-sdk-client-mock';

/**
 * A small but complete member account, served through aws-sdk-client-mock: paginated IAM
 * authorization details, signing, HMAC, AWS-managed and pending-deletion KMS keys, a secret
 * and a parameter holding key material, credentials, and SCPs/RCPs on three levels.
 */
export const FIXTURE_ACCOUNT = '111122223333';
export const FIXTURE_REGION = 'eu-west-1';

// biome-ignore lint/suspicious/noExplicitAny: one shape for the stubs of six different clients
type Stub = AwsStub<any, any, any>;

/** The `mockClient(…)` stubs the fixture primes, one per client of `SnapshotClients`. */
export interface SnapshotMocks {
  readonly sts: Stub;
  readonly iam: Stub;
  readonly kms: Stub;
  readonly secretsManager: Stub;
  readonly ssm: Stub;
  readonly organizations: Stub;
}

const A = FIXTURE_ACCOUNT;
const R = FIXTURE_REGION;
const enc = (doc: object): string => encodeURIComponent(JSON.stringify(doc));
const keyArn = (id: string): string => `arn:aws:kms:${R}:${A}:key/${id}`;

export const SIGNING_KEY_ARN = keyArn('1111aaaa-0000-0000-0000-000000000001');
const SIGNING = '1111aaaa-0000-0000-0000-000000000001';
const HMAC = '2222bbbb-0000-0000-0000-000000000002';
const AWS_MANAGED = '3333cccc-0000-0000-0000-000000000003';
const PENDING = '4444dddd-0000-0000-0000-000000000004';

const signJwtV1 = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Verify', Resource: '*' }] };
const signJwtV2 = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Sign', Effect: 'Allow', Action: ['kms:Sign', 'kms:GetPublicKey'], Resource: keyArn(SIGNING) }],
};
const readOnly = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:Describe*', 'kms:List*'], Resource: '*' }] };
const signingKeyPolicy = {
  Version: '2012-10-17',
  Id: 'key-default-1',
  Statement: [
    { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
    { Sid: 'Signer', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:role/jwt-signer` }, Action: 'kms:Sign', Resource: '*' },
  ],
};
const scp = (sid: string, effect: 'Allow' | 'Deny', action: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: sid,
      Effect: effect,
      Action: action,
      Resource: '*',
      ...(effect === 'Deny' ? { Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1'] } } } : {}),
    },
  ],
});
const FIXTURE_SCPS = {
  full: scp('FullAWSAccess', 'Allow', '*'),
  regionLock: scp('RegionLock', 'Deny', 'kms:*'),
};
const rcp = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'OrgOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:*',
      Resource: '*',
      Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-example' } },
    },
  ],
};

function metadata(
  id: string,
  usage: KeyUsageType,
  spec: KeySpec,
  manager: 'CUSTOMER' | 'AWS',
  state: KeyState = 'Enabled',
): { KeyMetadata: KeyMetadata } {
  return {
    KeyMetadata: {
      AWSAccountId: A,
      KeyId: id,
      Arn: keyArn(id),
      CreationDate: new Date('2024-03-01T12:00:00Z'),
      Enabled: state === 'Enabled',
      Description: `${usage} key`,
      KeyUsage: usage,
      KeyState: state,
      Origin: 'AWS_KMS',
      KeyManager: manager,
      KeySpec: spec,
      MultiRegion: false,
      ...(state === 'PendingDeletion' ? { DeletionDate: new Date('2024-04-01T00:00:00Z') } : {}),
    },
  };
}

/** Serves the fixture account through `mocks`. Call after `reset()`. */
export function primeFixtureAccount(mocks: SnapshotMocks): void {
  mocks.sts.on(GetCallerIdentityCommand).resolves({
    Account: A,
    Arn: `arn:aws:sts::${A}:assumed-role/SeverSnapshot/cli`,
    UserId: 'AROAFIXTURE:cli',
  });

  mocks.iam.on(GetAccountAuthorizationDetailsCommand).resolves({
    UserDetailList: [
      {
        Path: '/',
        UserName: 'alice',
        UserId: 'AIDAALICE',
        Arn: `arn:aws:iam::${A}:user/alice`,
        CreateDate: new Date('2021-01-01T00:00:00Z'),
        GroupList: ['devs'],
        UserPolicyList: [
          {
            PolicyName: 'assume-signer',
            PolicyDocument: enc({
              Version: '2012-10-17',
              Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${A}:role/jwt-signer` },
            }),
          },
        ],
        AttachedManagedPolicies: [{ PolicyName: 'sign-jwt', PolicyArn: `arn:aws:iam::${A}:policy/sign-jwt` }],
        Tags: [{ Key: 'team', Value: 'payments' }],
      },
      { Path: '/', UserName: 'bob', UserId: 'AIDABOB', Arn: `arn:aws:iam::${A}:user/bob`, CreateDate: new Date() },
    ],
    GroupDetailList: [
      {
        Path: '/',
        GroupName: 'devs',
        GroupId: 'AGPADEVS',
        Arn: `arn:aws:iam::${A}:group/devs`,
        CreateDate: new Date(),
        GroupPolicyList: [],
        AttachedManagedPolicies: [{ PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
      },
    ],
    IsTruncated: true,
    Marker: 'auth-2',
  });
  mocks.iam.on(GetAccountAuthorizationDetailsCommand, { Marker: 'auth-2' }).resolves({
    RoleDetailList: [
      {
        Path: '/',
        RoleName: 'jwt-signer',
        RoleId: 'AROASIGNER',
        Arn: `arn:aws:iam::${A}:role/jwt-signer`,
        CreateDate: new Date(),
        AssumeRolePolicyDocument: enc({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/alice` }, Action: 'sts:AssumeRole' }],
        }),
        RolePolicyList: [],
        AttachedManagedPolicies: [{ PolicyName: 'sign-jwt', PolicyArn: `arn:aws:iam::${A}:policy/sign-jwt` }],
        Tags: [],
      },
      {
        Path: '/aws-service-role/support.amazonaws.com/',
        RoleName: 'AWSServiceRoleForSupport',
        RoleId: 'AROASUPPORT',
        Arn: `arn:aws:iam::${A}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport`,
        CreateDate: new Date(),
        AssumeRolePolicyDocument: enc({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'support.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      },
    ],
    Policies: [
      {
        PolicyName: 'sign-jwt',
        PolicyId: 'ANPASIGN',
        Arn: `arn:aws:iam::${A}:policy/sign-jwt`,
        Path: '/',
        DefaultVersionId: 'v2',
        AttachmentCount: 2,
        IsAttachable: true,
        PolicyVersionList: [
          { VersionId: 'v1', IsDefaultVersion: false, Document: enc(signJwtV1), CreateDate: new Date() },
          { VersionId: 'v2', IsDefaultVersion: true, Document: enc(signJwtV2), CreateDate: new Date() },
        ],
      },
      {
        PolicyName: 'ReadOnlyAccess',
        PolicyId: 'ANPAREADONLY',
        Arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
        Path: '/',
        DefaultVersionId: 'v1',
        PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: enc(readOnly) }],
      },
    ],
    IsTruncated: false,
  });

  mocks.iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [], IsTruncated: false });
  mocks.iam.on(ListAccessKeysCommand, { UserName: 'alice' }).resolves({
    AccessKeyMetadata: [{ UserName: 'alice', AccessKeyId: 'AKIAALICE1', Status: 'Active', CreateDate: new Date('2023-01-01T00:00:00Z') }],
    IsTruncated: false,
  });
  mocks.iam
    .on(GetLoginProfileCommand)
    .rejects(new NoSuchEntityException({ message: 'Login Profile for User bob cannot be found.', $metadata: {} }));
  mocks.iam.on(GetLoginProfileCommand, { UserName: 'alice' }).resolves({
    LoginProfile: { UserName: 'alice', CreateDate: new Date('2021-01-02T00:00:00Z'), PasswordResetRequired: false },
  });
  mocks.iam.on(ListSSHPublicKeysCommand).resolves({ SSHPublicKeys: [], IsTruncated: false });
  mocks.iam.on(ListSigningCertificatesCommand).resolves({ Certificates: [], IsTruncated: false });
  mocks.iam.on(ListServiceSpecificCredentialsCommand).resolves({ ServiceSpecificCredentials: [] });
  mocks.iam.on(ListMFADevicesCommand).resolves({ MFADevices: [], IsTruncated: false });
  mocks.iam.on(ListMFADevicesCommand, { UserName: 'alice' }).resolves({
    MFADevices: [{ UserName: 'alice', SerialNumber: `arn:aws:iam::${A}:mfa/alice`, EnableDate: new Date() }],
    IsTruncated: false,
  });

  mocks.kms.on(ListKeysCommand).resolves({
    Keys: [SIGNING, HMAC].map((id) => ({ KeyId: id, KeyArn: keyArn(id) })),
    Truncated: true,
    NextMarker: 'keys-2',
  });
  mocks.kms.on(ListKeysCommand, { Marker: 'keys-2' }).resolves({
    Keys: [AWS_MANAGED, PENDING].map((id) => ({ KeyId: id, KeyArn: keyArn(id) })),
    Truncated: false,
  });
  mocks.kms.on(DescribeKeyCommand, { KeyId: SIGNING }).resolves(metadata(SIGNING, 'SIGN_VERIFY', 'ECC_NIST_P256', 'CUSTOMER'));
  mocks.kms.on(DescribeKeyCommand, { KeyId: HMAC }).resolves(metadata(HMAC, 'GENERATE_VERIFY_MAC', 'HMAC_256', 'CUSTOMER'));
  mocks.kms.on(DescribeKeyCommand, { KeyId: AWS_MANAGED }).resolves(metadata(AWS_MANAGED, 'ENCRYPT_DECRYPT', 'SYMMETRIC_DEFAULT', 'AWS'));
  mocks.kms
    .on(DescribeKeyCommand, { KeyId: PENDING })
    .resolves(metadata(PENDING, 'SIGN_VERIFY', 'RSA_2048', 'CUSTOMER', 'PendingDeletion'));
  mocks.kms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify(signingKeyPolicy, null, 2), PolicyName: 'default' });
  mocks.kms
    .on(GetKeyPolicyCommand, { KeyId: PENDING })
    .rejects(new KMSInvalidStateException({ message: `${keyArn(PENDING)} is pending deletion.`, $metadata: {} }));
  mocks.kms.on(ListAliasesCommand).resolves({ Aliases: [], Truncated: false });
  mocks.kms.on(ListAliasesCommand, { KeyId: SIGNING }).resolves({
    Aliases: [{ AliasName: 'alias/jwt-signing', AliasArn: `arn:aws:kms:${R}:${A}:alias/jwt-signing`, TargetKeyId: SIGNING }],
    Truncated: false,
  });
  mocks.kms.on(ListAliasesCommand, { KeyId: AWS_MANAGED }).resolves({
    Aliases: [
      { AliasName: 'alias/aws/secretsmanager', AliasArn: `arn:aws:kms:${R}:${A}:alias/aws/secretsmanager`, TargetKeyId: AWS_MANAGED },
    ],
    Truncated: false,
  });
  mocks.kms.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
  mocks.kms.on(ListGrantsCommand, { KeyId: SIGNING }).resolves({
    Grants: [
      {
        KeyId: keyArn(SIGNING),
        GrantId: 'grant-alice',
        Name: 'debug',
        CreationDate: new Date(),
        GranteePrincipal: `arn:aws:iam::${A}:user/alice`,
        IssuingAccount: `arn:aws:iam::${A}:root`,
        Operations: ['Sign', 'GetPublicKey'],
      },
    ],
    Truncated: false,
  });
  mocks.kms.on(ListResourceTagsCommand).resolves({ Tags: [], Truncated: false });
  mocks.kms.on(ListResourceTagsCommand, { KeyId: SIGNING }).resolves({
    Tags: [{ TagKey: 'purpose', TagValue: 'jwt' }],
    Truncated: false,
  });

  const secretArn = `arn:aws:secretsmanager:${R}:${A}:secret:jwt-private-key-AbCdEf`;
  mocks.secretsManager.on(ListSecretsCommand).resolves({
    SecretList: [
      {
        ARN: secretArn,
        Name: 'jwt-private-key',
        KmsKeyId: keyArn(SIGNING),
        Tags: [{ Key: 'holds', Value: 'private-key' }],
        LastChangedDate: new Date(),
      },
    ],
  });
  mocks.secretsManager.on(GetResourcePolicyCommand).resolves({
    ARN: secretArn,
    Name: 'jwt-private-key',
    ResourcePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${A}:role/jwt-signer` },
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
        },
      ],
    }),
  });

  mocks.ssm.on(DescribeParametersCommand).resolves({
    Parameters: [{ Name: '/signing/jwt-private', Type: 'SecureString', KeyId: keyArn(SIGNING), Version: 3 }],
  });
  mocks.ssm.on(ListTagsForResourceCommand).resolves({ TagList: [{ Key: 'holds', Value: 'private-key' }] });

  mocks.organizations.on(DescribeOrganizationCommand).resolves({
    Organization: { Id: 'o-example', MasterAccountId: '999999999999', FeatureSet: 'ALL' },
  });
  mocks.organizations.on(ListRootsCommand).resolves({
    Roots: [
      {
        Id: 'r-abcd',
        Name: 'Root',
        PolicyTypes: [
          { Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' },
          { Type: 'RESOURCE_CONTROL_POLICY', Status: 'ENABLED' },
        ],
      },
    ],
  });
  mocks.organizations.on(ListParentsCommand, { ChildId: A }).resolves({ Parents: [{ Id: 'ou-abcd-prod', Type: 'ORGANIZATIONAL_UNIT' }] });
  mocks.organizations.on(ListParentsCommand, { ChildId: 'ou-abcd-prod' }).resolves({ Parents: [{ Id: 'r-abcd', Type: 'ROOT' }] });
  mocks.organizations.on(ListPoliciesForTargetCommand).resolves({ Policies: [{ Id: 'p-FullAWSAccess' }] });
  mocks.organizations
    .on(ListPoliciesForTargetCommand, { TargetId: 'ou-abcd-prod', Filter: 'SERVICE_CONTROL_POLICY' })
    .resolves({ Policies: [{ Id: 'p-FullAWSAccess' }, { Id: 'p-regionlock' }] });
  mocks.organizations
    .on(ListPoliciesForTargetCommand, { Filter: 'RESOURCE_CONTROL_POLICY' })
    .resolves({ Policies: [{ Id: 'p-RCPFullAWSAccess' }] });
  mocks.organizations
    .on(ListPoliciesForTargetCommand, { TargetId: 'r-abcd', Filter: 'RESOURCE_CONTROL_POLICY' })
    .resolves({ Policies: [{ Id: 'p-RCPFullAWSAccess' }, { Id: 'p-orgonly' }] });
  mocks.organizations
    .on(DescribePolicyCommand, { PolicyId: 'p-FullAWSAccess' })
    .resolves({ Policy: { Content: JSON.stringify(FIXTURE_SCPS.full) } });
  mocks.organizations
    .on(DescribePolicyCommand, { PolicyId: 'p-regionlock' })
    .resolves({ Policy: { Content: JSON.stringify(FIXTURE_SCPS.regionLock) } });
  mocks.organizations.on(DescribePolicyCommand, { PolicyId: 'p-RCPFullAWSAccess' }).resolves({
    Policy: {
      Content: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
      }),
    },
  });
  mocks.organizations.on(DescribePolicyCommand, { PolicyId: 'p-orgonly' }).resolves({ Policy: { Content: JSON.stringify(rcp) } });
}
