import { describe, expect, it } from 'vitest';
import { SnapshotError, type SnapshotErrorCode } from '../../../../lambda/core/snapshot/errors.js';
import { parseSnapshot, SNAPSHOT_FILES, type SnapshotFileName, type SnapshotFiles } from '../../../../lambda/core/snapshot/parse.js';
import {
  ALICE_ARN,
  AUTH_DEPLOYER_ARN,
  AUTH_KEY_ARN,
  BREAK_GLASS_ARN,
  editFile,
  MALLORY_ARN,
  SUPPORT_SLR_ARN,
  sampleOrgFiles,
  WEBHOOK_GRANT_ID,
  WEBHOOK_KEY_ARN,
} from '../../../fixtures/pipeline/sample-org.js';

const AUTH = SNAPSHOT_FILES.authorization;
const KMS = SNAPSHOT_FILES.kmsKeys;
const ADMIN_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';
// biome-ignore lint/suspicious/noExplicitAny: edits reach into arbitrary AWS JSON
type Json = Record<string, any>;

/** The SnapshotError parseSnapshot throws for these files. */
function snapshotError(files: SnapshotFiles): SnapshotError {
  try {
    parseSnapshot(files);
  } catch (error) {
    if (error instanceof SnapshotError) return error;
    throw error;
  }
  throw new Error('expected parseSnapshot to throw');
}

function expectSnapshotError(files: SnapshotFiles, code: SnapshotErrorCode, file: SnapshotFileName, path: string): SnapshotError {
  const error = snapshotError(files);
  expect({ code: error.code, file: error.file, path: error.path }).toEqual({
    code,
    file,
    path,
  });
  expect(error.message.startsWith(path ? `${file} at ${path}: ` : `${file}: `)).toBe(true);
  return error;
}

describe('Function: parseSnapshot', () => {
  describe('the sample org', () => {
    it('reads the account', () => {
      // Act
      const snapshot = parseSnapshot(sampleOrgFiles());

      // Assess
      expect(snapshot.account).toEqual({
        accountId: '111122223333',
        partition: 'aws',
        region: 'eu-west-1',
      });
    });

    it('counts its users, groups, roles, keys, secrets and parameters', () => {
      // Act
      const snapshot = parseSnapshot(sampleOrgFiles());

      // Assess
      expect({
        users: snapshot.users.map((u) => u.name),
        groups: snapshot.groups.map((g) => g.name),
        roles: snapshot.roles.map((r) => r.name),
        keys: snapshot.kmsKeys.length,
        secrets: snapshot.secrets.map((s) => s.name),
        parameters: snapshot.parameters.map((p) => p.name),
        credentials: [...snapshot.credentials.keys()],
      }).toEqual({
        users: ['mallory', 'alice', 'ci-bot'],
        groups: ['auth-engineers', 'payments-engineers'],
        roles: ['auth-deployer', 'token-admin', 'break-glass', 'payments-service', 'AWSServiceRoleForSupport'],
        keys: 6,
        secrets: ['legacy/jwt-private-key', 'payments/db-password'],
        parameters: ['/auth/refresh-signing-key', '/sample-org/jwks/release'],
        credentials: ['mallory', 'alice', 'ci-bot'],
      });
    });

    it('models a user with tags, groups, inline policies and path', () => {
      // Act
      const snapshot = parseSnapshot(sampleOrgFiles());

      // Assess
      const mallory = snapshot.users.find((u) => u.arn === MALLORY_ARN);
      expect(mallory).toMatchObject({
        type: 'user',
        name: 'mallory',
        id: 'AIDAEXAMPLEMALLORY01',
        path: '/',
        tags: { 'employee-id': 'E1042', team: 'auth' },
        groupNames: ['auth-engineers'],
        attachedPolicyArns: [],
      });
      expect(mallory?.inlinePolicies.map((p) => p.name)).toEqual(['assume-auth-deployer']);
      expect(mallory?.inlinePolicies[0]?.document.statements[0]).toMatchObject({
        sid: 'AssumeDeployer',
        effect: 'Allow',
        action: ['sts:AssumeRole'],
        resource: [AUTH_DEPLOYER_ARN],
      });
      expect(snapshot.users.find((u) => u.name === 'ci-bot')?.path).toBe('/machines/');
    });

    it('flags service-linked roles by their path and parses trust policies', () => {
      // Act
      const snapshot = parseSnapshot(sampleOrgFiles());

      // Assess
      const serviceLinked = snapshot.roles.filter((r) => r.serviceLinked).map((r) => r.arn);
      expect(serviceLinked).toEqual([SUPPORT_SLR_ARN]);
      const breakGlass = snapshot.roles.find((r) => r.arn === BREAK_GLASS_ARN);
      expect(breakGlass?.trustPolicy.statements[0]?.condition).toBeDefined();
      expect(breakGlass?.attachedPolicyArns).toEqual([ADMIN_ARN]);
    });

    it('keeps only the default version of a customer-managed policy', () => {
      // Act
      const snapshot = parseSnapshot(sampleOrgFiles());

      // Assess
      const policy = snapshot.managedPolicies.get('arn:aws:iam::111122223333:policy/AuthEngineerAccess');
      expect(policy?.name).toBe('AuthEngineerAccess');
      expect(policy?.document.statements.map((s) => s.sid)).toEqual(['MacWithTeamKeys', 'RotateCiBotKeys', 'ReadKeys']);
    });

    it('builds in AdministratorAccess, which the export leaves out, and reports nothing missing', () => {
      // Act
      const snapshot = parseSnapshot(sampleOrgFiles());

      // Assess
      expect(snapshot.managedPolicies.get(ADMIN_ARN)?.document.statements).toEqual([{ effect: 'Allow', action: ['*'], resource: ['*'] }]);
      expect(snapshot.missingPolicyArns).toEqual([]);
    });

    it('models KMS keys with policy, raw policy text, aliases, grants and tags', () => {
      // Prepare
      const files = sampleOrgFiles();
      const rawPolicy = (JSON.parse(files[KMS]) as { Keys: { Policy: string }[] }).Keys[0]?.Policy;

      // Act
      const snapshot = parseSnapshot(files);

      // Assess
      const auth = snapshot.kmsKeys.find((k) => k.arn === AUTH_KEY_ARN);
      expect(auth).toMatchObject({
        keyId: '1a2b3c4d-0000-4000-8000-000000000001',
        keySpec: 'ECC_NIST_P256',
        keyUsage: 'SIGN_VERIFY',
        keyState: 'Enabled',
        keyManager: 'CUSTOMER',
        description: 'Signs customer access tokens (ES256)',
        aliases: [
          {
            aliasName: 'alias/auth-tokens',
            aliasArn: 'arn:aws:kms:eu-west-1:111122223333:alias/auth-tokens',
          },
        ],
        grants: [],
        tags: {
          team: 'auth',
          'sever:jwks': 's3://sample-org-jwks/auth/jwks.json',
          'sever:grace-seconds': '600',
        },
      });
      expect(auth?.policyText).toBe(rawPolicy);
      expect(auth?.policy.statements[0]?.sid).toBe('EnableIAMUserPermissions');
      expect(snapshot.kmsKeys.find((k) => k.arn === WEBHOOK_KEY_ARN)?.grants).toEqual([
        {
          grantId: WEBHOOK_GRANT_ID,
          granteePrincipal: MALLORY_ARN,
          operations: ['GenerateMac', 'VerifyMac'],
          name: 'debug-webhooks',
        },
      ]);
    });

    it('models the credentials of each user', () => {
      // Act
      const snapshot = parseSnapshot(sampleOrgFiles());

      // Assess
      expect(snapshot.credentials.get('mallory')).toEqual({
        accessKeys: [
          {
            accessKeyId: 'AKIAEXAMPLEMALLORY01',
            status: 'Active',
            createDate: '2024-02-01T08:00:00Z',
          },
          {
            accessKeyId: 'AKIAEXAMPLEMALLORY02',
            status: 'Inactive',
            createDate: '2022-06-01T08:00:00Z',
          },
        ],
        loginProfile: { createDate: '2021-03-01T09:00:00Z' },
        sshPublicKeys: [{ sshPublicKeyId: 'APKAEXAMPLEMALLORY01', status: 'Active' }],
        signingCertificates: [],
        serviceSpecificCredentials: [
          {
            serviceSpecificCredentialId: 'ACCAEXAMPLEMALLORY01',
            serviceName: 'codecommit.amazonaws.com',
            status: 'Active',
          },
        ],
        mfaDevices: [{ serialNumber: 'arn:aws:iam::111122223333:mfa/mallory' }],
      });
      expect(snapshot.credentials.get('alice')?.loginProfile).toBeUndefined();
    });

    it('models secrets, parameters and SCP levels', () => {
      // Act
      const snapshot = parseSnapshot(sampleOrgFiles());

      // Assess
      expect(snapshot.secrets[0]?.tags).toEqual({
        'sever:signing-key': 'true',
        team: 'auth',
      });
      expect(snapshot.parameters[0]).toMatchObject({
        type: 'SecureString',
        keyId: 'alias/aws/ssm',
        tags: { 'sever:signing-key': 'true' },
      });
      expect(snapshot.organization.serviceControlPolicies.map((level) => level.length)).toEqual([1, 1]);
      expect(snapshot.organization.serviceControlPolicies[1]?.[0]?.statements[1]?.sid).toBe('DenyLeavingOrg');
      expect(snapshot.organization.resourceControlPolicies).toEqual([]);
    });
  });

  describe('policy documents given as strings', () => {
    it('parses URL-encoded and plain JSON-string documents like the objects they encode', () => {
      // Prepare
      const plain = parseSnapshot(sampleOrgFiles());
      const files = editFile(sampleOrgFiles(), AUTH, (json) => {
        const inline = json.UserDetailList[0].UserPolicyList[0];
        inline.PolicyDocument = encodeURIComponent(JSON.stringify(inline.PolicyDocument));
        const role = json.RoleDetailList[0];
        role.AssumeRolePolicyDocument = encodeURIComponent(JSON.stringify(role.AssumeRolePolicyDocument));
        const version = json.Policies[0].PolicyVersionList[1];
        version.Document = JSON.stringify(version.Document);
      });

      // Act
      const encoded = parseSnapshot(files);

      // Assess
      expect(files[AUTH]).toContain('%22Statement%22');
      expect(encoded.users[0]?.inlinePolicies).toEqual(plain.users[0]?.inlinePolicies);
      expect(encoded.roles[0]?.trustPolicy).toEqual(plain.roles[0]?.trustPolicy);
      expect(encoded.managedPolicies.get('arn:aws:iam::111122223333:policy/AuthEngineerAccess')).toEqual(
        plain.managedPolicies.get('arn:aws:iam::111122223333:policy/AuthEngineerAccess'),
      );
    });

    it('parses URL-encoded SCP documents', () => {
      // Prepare
      const files = editFile(sampleOrgFiles(), SNAPSHOT_FILES.organization, (json) => {
        json.ServiceControlPolicies[1][0] = encodeURIComponent(JSON.stringify(json.ServiceControlPolicies[1][0]));
      });

      // Act
      const snapshot = parseSnapshot(files);

      // Assess
      expect(snapshot.organization.serviceControlPolicies[1]?.[0]?.statements.map((s) => s.effect)).toEqual(['Allow', 'Deny']);
    });
  });

  describe('optional files', () => {
    it.each([SNAPSHOT_FILES.secrets, SNAPSHOT_FILES.parameters, SNAPSHOT_FILES.credentials, SNAPSHOT_FILES.organization])(
      'parses without %s',
      (name) => {
        // Prepare
        const files: SnapshotFiles = { ...sampleOrgFiles(), [name]: undefined };

        // Act
        const snapshot = parseSnapshot(files);

        // Assess
        expect(snapshot.kmsKeys).toHaveLength(6);
      },
    );

    it('reads an absent optional file as empty', () => {
      // Prepare
      const all = sampleOrgFiles();
      const files: SnapshotFiles = {
        [AUTH]: all[AUTH],
        [KMS]: all[KMS],
        [SNAPSHOT_FILES.account]: all[SNAPSHOT_FILES.account],
      };

      // Act
      const snapshot = parseSnapshot(files);

      // Assess
      expect(snapshot.secrets).toEqual([]);
      expect(snapshot.parameters).toEqual([]);
      expect(snapshot.credentials.size).toBe(0);
      expect(snapshot.organization).toEqual({
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      });
    });

    it('defaults the partition, key manager and description', () => {
      // Prepare
      let files = editFile(sampleOrgFiles(), SNAPSHOT_FILES.account, (json) => {
        delete json.Partition;
      });
      files = editFile(files, KMS, (json) => {
        delete json.Keys[0].KeyMetadata.KeyManager;
        delete json.Keys[0].KeyMetadata.Description;
      });

      // Act
      const snapshot = parseSnapshot(files);

      // Assess
      expect(snapshot.account.partition).toBe('aws');
      expect(snapshot.kmsKeys[0]).toMatchObject({
        keyManager: 'CUSTOMER',
        description: '',
      });
    });
  });

  describe('errors', () => {
    it.each([SNAPSHOT_FILES.account, SNAPSHOT_FILES.authorization, SNAPSHOT_FILES.kmsKeys])(
      'throws ERR_SNAPSHOT_FILE_MISSING naming %s when it is absent',
      (name) => {
        // Prepare
        const files: SnapshotFiles = { ...sampleOrgFiles(), [name]: undefined };

        // Act & Assess
        expectSnapshotError(files, 'ERR_SNAPSHOT_FILE_MISSING', name, '');
      },
    );

    it.each([SNAPSHOT_FILES.kmsKeys, SNAPSHOT_FILES.credentials, SNAPSHOT_FILES.organization])(
      'throws ERR_SNAPSHOT_JSON naming %s when it is not JSON',
      (name) => {
        // Prepare
        const files: SnapshotFiles = {
          ...sampleOrgFiles(),
          [name]: '{"Keys": [',
        };

        // Act & Assess
        const error = expectSnapshotError(files, 'ERR_SNAPSHOT_JSON', name, '');
        expect(error.message).toContain('not valid JSON');
      },
    );

    it.each<[string, SnapshotFileName, (json: Json) => void, string]>([
      [
        'an unknown KeyUsage',
        KMS,
        (j) => {
          j.Keys[0].KeyMetadata.KeyUsage = 'SIGN';
        },
        'Keys[0].KeyMetadata.KeyUsage',
      ],
      [
        'a key without Policy',
        KMS,
        (j) => {
          delete j.Keys[2].Policy;
        },
        'Keys[2].Policy',
      ],
      [
        'a grant without Operations',
        KMS,
        (j) => {
          delete j.Keys[4].Grants[0].Operations;
        },
        'Keys[4].Grants[0].Operations',
      ],
      [
        'a KMS tag in IAM form',
        KMS,
        (j) => {
          j.Keys[1].Tags = [{ Key: 'team', Value: 'auth' }];
        },
        'Keys[1].Tags[0].TagKey',
      ],
      [
        'an account id that is not 12 digits',
        SNAPSHOT_FILES.account,
        (j) => {
          j.AccountId = '1111-2222-3333';
        },
        'AccountId',
      ],
      [
        'a user without UserName',
        AUTH,
        (j) => {
          delete j.UserDetailList[1].UserName;
        },
        'UserDetailList[1].UserName',
      ],
      [
        'a role without a trust policy',
        AUTH,
        (j) => {
          delete j.RoleDetailList[3].AssumeRolePolicyDocument;
        },
        'RoleDetailList[3].AssumeRolePolicyDocument',
      ],
      [
        'an access key status AWS never returns',
        SNAPSHOT_FILES.credentials,
        (j) => {
          j.Users[0].AccessKeyMetadata[1].Status = 'Deleted';
        },
        'Users[0].AccessKeyMetadata[1].Status',
      ],
      [
        'a secret without ARN',
        SNAPSHOT_FILES.secrets,
        (j) => {
          delete j.Secrets[1].ARN;
        },
        'Secrets[1].ARN',
      ],
      [
        'SCPs not grouped by level',
        SNAPSHOT_FILES.organization,
        (j) => {
          j.ServiceControlPolicies = j.ServiceControlPolicies[0];
        },
        'ServiceControlPolicies[0]',
      ],
    ])('throws ERR_SNAPSHOT_SHAPE with the JSON path for %s', (_label, name, edit, path) => {
      // Prepare
      const files = editFile(sampleOrgFiles(), name, edit);

      // Act & Assess
      expectSnapshotError(files, 'ERR_SNAPSHOT_SHAPE', name, path);
    });

    it('throws ERR_SNAPSHOT_SHAPE when a managed policy names a default version it does not list', () => {
      // Prepare
      const files = editFile(sampleOrgFiles(), AUTH, (json) => {
        json.Policies[0].DefaultVersionId = 'v9';
      });

      // Act & Assess
      const error = expectSnapshotError(files, 'ERR_SNAPSHOT_SHAPE', AUTH, 'Policies[0].PolicyVersionList');
      expect(error.message).toContain('v9');
    });

    it.each<[string, SnapshotFileName, (json: Json) => void, string]>([
      [
        'an inline role policy with a misspelt Effect',
        AUTH,
        (j) => {
          j.RoleDetailList[0].RolePolicyList[0].PolicyDocument.Statement[1].Effect = 'Permit';
        },
        'RoleDetailList[0].RolePolicyList[0].PolicyDocument.Statement[1].Effect',
      ],
      [
        'a user policy with an action that is not service:action',
        AUTH,
        (j) => {
          j.UserDetailList[2].UserPolicyList[0].PolicyDocument.Statement[0].Action = ['kms:Sign', 'Sign'];
        },
        'UserDetailList[2].UserPolicyList[0].PolicyDocument.Statement[0].Action[1]',
      ],
      [
        'a group policy without Statement',
        AUTH,
        (j) => {
          delete j.GroupDetailList[1].GroupPolicyList[0].PolicyDocument.Statement;
        },
        'GroupDetailList[1].GroupPolicyList[0].PolicyDocument.Statement',
      ],
      [
        'a trust policy with an unknown element',
        AUTH,
        (j) => {
          j.RoleDetailList[2].AssumeRolePolicyDocument.Statement[0].Principals = {};
        },
        'RoleDetailList[2].AssumeRolePolicyDocument.Statement[0].Principals',
      ],
      [
        'the default version of a managed policy',
        AUTH,
        (j) => {
          j.Policies[0].PolicyVersionList[1].Document.Statement[2].Resource = [];
        },
        'Policies[0].PolicyVersionList[1].Document.Statement[2].Resource',
      ],
      [
        'a key policy with an unknown condition operator',
        KMS,
        (j) => {
          j.Keys[1].Policy = JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { StringEqualz: { 'aws:PrincipalArn': 'x' } } },
            ],
          });
        },
        'Keys[1].Policy.Statement[0].Condition.StringEqualz',
      ],
      [
        'a key policy that is not JSON',
        KMS,
        (j) => {
          j.Keys[3].Policy = '{"Statement": ';
        },
        'Keys[3].Policy',
      ],
      [
        'an SCP with a Deny missing its Action',
        SNAPSHOT_FILES.organization,
        (j) => {
          delete j.ServiceControlPolicies[1][0].Statement[1].Action;
        },
        'ServiceControlPolicies[1][0].Statement[1].Action',
      ],
      [
        'a secret resource policy',
        SNAPSHOT_FILES.secrets,
        (j) => {
          j.Secrets[0].ResourcePolicy = JSON.stringify({
            Statement: [
              {
                Effect: 'Allow',
                Action: 'secretsmanager:*',
                Resource: '*',
                NotPrincipal: { AWS: 'x' },
                Principal: '*',
              },
            ],
          });
        },
        'Secrets[0].ResourcePolicy.Statement[0].NotPrincipal',
      ],
    ])('throws ERR_SNAPSHOT_POLICY naming the file and path for %s', (_label, name, edit, path) => {
      // Prepare
      const files = editFile(sampleOrgFiles(), name, edit);

      // Act & Assess
      expectSnapshotError(files, 'ERR_SNAPSHOT_POLICY', name, path);
    });
  });

  describe('attached policies missing from the export', () => {
    const attach = (holder: 'UserDetailList' | 'RoleDetailList' | 'GroupDetailList', index: number, arns: string[]) =>
      editFile(sampleOrgFiles(), AUTH, (json) => {
        json[holder][index].AttachedManagedPolicies.push(...arns.map((PolicyArn) => ({ PolicyArn })));
      });

    it('lists an attached AWS-managed policy Sever does not carry', () => {
      // Prepare
      const files = attach('UserDetailList', 1, ['arn:aws:iam::aws:policy/ReadOnlyAccess']);

      // Act
      const snapshot = parseSnapshot(files);

      // Assess
      expect(snapshot.missingPolicyArns).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
      expect(snapshot.managedPolicies.has('arn:aws:iam::aws:policy/ReadOnlyAccess')).toBe(false);
      expect(snapshot.users.find((u) => u.arn === ALICE_ARN)?.attachedPolicyArns).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    });

    it('lists missing customer-managed policies and permissions boundaries, sorted and once each', () => {
      // Prepare
      const files = editFile(sampleOrgFiles(), AUTH, (json) => {
        json.UserDetailList[1].AttachedManagedPolicies.push({
          PolicyArn: 'arn:aws:iam::111122223333:policy/Zed',
        });
        json.GroupDetailList[1].AttachedManagedPolicies.push({
          PolicyArn: 'arn:aws:iam::111122223333:policy/Zed',
        });
        json.RoleDetailList[0].PermissionsBoundary = {
          PermissionsBoundaryArn: 'arn:aws:iam::111122223333:policy/Boundary',
        };
      });

      // Act
      const snapshot = parseSnapshot(files);

      // Assess
      expect(snapshot.missingPolicyArns).toEqual(['arn:aws:iam::111122223333:policy/Boundary', 'arn:aws:iam::111122223333:policy/Zed']);
      expect(snapshot.roles[0]?.permissionsBoundaryArn).toBe('arn:aws:iam::111122223333:policy/Boundary');
    });

    it.each(['PowerUserAccess', 'IAMFullAccess'])('builds in %s instead of listing it as missing', (name) => {
      // Prepare
      const arn = `arn:aws:iam::aws:policy/${name}`;
      const files = attach('RoleDetailList', 3, [arn]);

      // Act
      const snapshot = parseSnapshot(files);

      // Assess
      expect(snapshot.missingPolicyArns).toEqual([]);
      expect(snapshot.managedPolicies.get(arn)?.name).toBe(name);
    });

    it('builds in AdministratorAccess in another partition', () => {
      // Prepare
      const arn = 'arn:aws-us-gov:iam::aws:policy/AdministratorAccess';
      const files = attach('GroupDetailList', 0, [arn]);

      // Act
      const snapshot = parseSnapshot(files);

      // Assess
      expect(snapshot.missingPolicyArns).toEqual([]);
      expect(snapshot.managedPolicies.get(arn)?.document.statements[0]?.action).toEqual(['*']);
    });

    it('uses the exported document of an AWS-managed policy over the built-in one', () => {
      // Prepare
      const files = editFile(sampleOrgFiles(), AUTH, (json) => {
        json.Policies.push({
          PolicyName: 'AdministratorAccess',
          Arn: ADMIN_ARN,
          DefaultVersionId: 'v1',
          PolicyVersionList: [
            {
              VersionId: 'v1',
              Document: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'Exported',
                    Effect: 'Allow',
                    Action: '*',
                    Resource: '*',
                  },
                ],
              },
            },
          ],
        });
      });

      // Act
      const snapshot = parseSnapshot(files);

      // Assess
      expect(snapshot.managedPolicies.get(ADMIN_ARN)?.document.statements[0]?.sid).toBe('Exported');
    });
  });
});
