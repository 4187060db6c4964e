import { z } from 'zod';
import { parsePolicyDocument } from '../policy/parse.js';
import type { PolicyDocument } from '../policy/types.js';
import { builtInManagedPolicies } from './aws-managed-policies.js';
import { SnapshotError } from './errors.js';
import type {
  AccountSnapshot,
  IamGroup,
  IamRole,
  IamUser,
  InlinePolicy,
  KeyUsage,
  KmsKey,
  ManagedPolicy,
  Secret,
  SsmParameter,
  Tags,
  UserCredentials,
} from './model.js';

/** The files of a snapshot directory (docs/snapshot-format.md). */
export const SNAPSHOT_FILES = {
  account: 'account.json',
  authorization: 'authorization-details.json',
  kmsKeys: 'kms-keys.json',
  secrets: 'secrets.json',
  parameters: 'ssm-parameters.json',
  credentials: 'credentials.json',
  organization: 'organization.json',
} as const;

export type SnapshotFileName = (typeof SNAPSHOT_FILES)[keyof typeof SNAPSHOT_FILES];

/** File name → file text; an optional file that is absent is `undefined`. */
export type SnapshotFiles = Readonly<Partial<Record<SnapshotFileName, string>>>;

const REQUIRED_FILES: readonly SnapshotFileName[] = [SNAPSHOT_FILES.account, SNAPSHOT_FILES.authorization, SNAPSHOT_FILES.kmsKeys];

// The shapes below are the AWS API output shapes: unknown fields pass through untouched,
// so a file written by the AWS CLI or by `sever snapshot` parses alike.
const policyDoc = z.union([z.string(), z.record(z.string(), z.unknown())]);
const awsTags = z.array(z.object({ Key: z.string(), Value: z.string() })).optional();
const kmsTags = z.array(z.object({ TagKey: z.string(), TagValue: z.string() })).optional();
const inlineList = z.array(z.object({ PolicyName: z.string(), PolicyDocument: policyDoc })).optional();
const attachedList = z.array(z.object({ PolicyArn: z.string() })).optional();
const boundary = z.object({ PermissionsBoundaryArn: z.string() }).optional();

const accountFile = z.object({
  AccountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
  Partition: z.string().default('aws'),
  Region: z.string().min(1),
});

const authorizationFile = z.object({
  UserDetailList: z
    .array(
      z.object({
        Path: z.string().default('/'),
        UserName: z.string(),
        UserId: z.string(),
        Arn: z.string(),
        CreateDate: z.string().optional(),
        GroupList: z.array(z.string()).optional(),
        UserPolicyList: inlineList,
        AttachedManagedPolicies: attachedList,
        PermissionsBoundary: boundary,
        Tags: awsTags,
      }),
    )
    .default([]),
  GroupDetailList: z
    .array(
      z.object({
        Path: z.string().default('/'),
        GroupName: z.string(),
        Arn: z.string(),
        GroupPolicyList: inlineList,
        AttachedManagedPolicies: attachedList,
      }),
    )
    .default([]),
  RoleDetailList: z
    .array(
      z.object({
        Path: z.string().default('/'),
        RoleName: z.string(),
        RoleId: z.string(),
        Arn: z.string(),
        AssumeRolePolicyDocument: policyDoc,
        RolePolicyList: inlineList,
        AttachedManagedPolicies: attachedList,
        PermissionsBoundary: boundary,
        Tags: awsTags,
      }),
    )
    .default([]),
  Policies: z
    .array(
      z.object({
        PolicyName: z.string(),
        Arn: z.string(),
        DefaultVersionId: z.string(),
        PolicyVersionList: z.array(z.object({ Document: policyDoc, VersionId: z.string(), IsDefaultVersion: z.boolean().optional() })),
      }),
    )
    .default([]),
});

const kmsKeysFile = z.object({
  Keys: z.array(
    z.object({
      KeyMetadata: z.object({
        KeyId: z.string(),
        Arn: z.string(),
        KeySpec: z.string(),
        KeyUsage: z.enum(['SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'ENCRYPT_DECRYPT', 'KEY_AGREEMENT']),
        KeyState: z.string(),
        KeyManager: z.enum(['CUSTOMER', 'AWS']).default('CUSTOMER'),
        Description: z.string().default(''),
      }),
      Policy: z.string(),
      Aliases: z.array(z.object({ AliasName: z.string(), AliasArn: z.string() })).default([]),
      Grants: z
        .array(
          z.object({
            GrantId: z.string(),
            GranteePrincipal: z.string(),
            RetiringPrincipal: z.string().optional(),
            Operations: z.array(z.string()),
            Name: z.string().optional(),
          }),
        )
        .default([]),
      Tags: kmsTags,
    }),
  ),
});

const secretsFile = z.object({
  Secrets: z.array(
    z.object({
      ARN: z.string(),
      Name: z.string(),
      KmsKeyId: z.string().optional(),
      Tags: awsTags,
      ResourcePolicy: z.string().optional(),
    }),
  ),
});

const parametersFile = z.object({
  Parameters: z.array(
    z.object({
      Name: z.string(),
      ARN: z.string(),
      Type: z.string(),
      KeyId: z.string().optional(),
      Tags: awsTags,
    }),
  ),
});

const credentialsFile = z.object({
  Users: z.array(
    z.object({
      UserName: z.string(),
      AccessKeyMetadata: z
        .array(
          z.object({
            AccessKeyId: z.string(),
            Status: z.enum(['Active', 'Inactive']),
            CreateDate: z.string().optional(),
          }),
        )
        .default([]),
      LoginProfile: z.object({ CreateDate: z.string().optional() }).nullish(),
      SSHPublicKeys: z.array(z.object({ SSHPublicKeyId: z.string(), Status: z.string() })).default([]),
      Certificates: z.array(z.object({ CertificateId: z.string(), Status: z.string() })).default([]),
      ServiceSpecificCredentials: z
        .array(
          z.object({
            ServiceSpecificCredentialId: z.string(),
            ServiceName: z.string(),
            Status: z.string(),
          }),
        )
        .default([]),
      MFADevices: z.array(z.object({ SerialNumber: z.string() })).default([]),
    }),
  ),
});

const organizationFile = z.object({
  ServiceControlPolicies: z.array(z.array(policyDoc)).default([]),
  ResourceControlPolicies: z.array(z.array(policyDoc)).default([]),
});

/**
 * Builds the account model from the text of a snapshot directory's files. Throws
 * {@link SnapshotError} naming the file and the JSON path of the first problem found.
 *
 * @example
 * const snapshot = parseSnapshot({ 'account.json': '…', 'authorization-details.json': '…', 'kms-keys.json': '…' });
 */
export function parseSnapshot(files: SnapshotFiles): AccountSnapshot {
  for (const name of REQUIRED_FILES) {
    if (files[name] === undefined) {
      throw new SnapshotError('ERR_SNAPSHOT_FILE_MISSING', name, '', 'required file is missing');
    }
  }
  const account = readFile(files, SNAPSHOT_FILES.account, accountFile);
  const auth = readFile(files, SNAPSHOT_FILES.authorization, authorizationFile);
  const kms = readFile(files, SNAPSHOT_FILES.kmsKeys, kmsKeysFile);
  const secrets = readOptionalFile(files, SNAPSHOT_FILES.secrets, secretsFile);
  const parameters = readOptionalFile(files, SNAPSHOT_FILES.parameters, parametersFile);
  const credentials = readOptionalFile(files, SNAPSHOT_FILES.credentials, credentialsFile);
  const organization = readOptionalFile(files, SNAPSHOT_FILES.organization, organizationFile);

  const authFile = SNAPSHOT_FILES.authorization;
  const managedPolicies = new Map<string, ManagedPolicy>();
  auth.Policies.forEach((policy, i) => {
    const vIndex = policy.PolicyVersionList.findIndex((v) => v.VersionId === policy.DefaultVersionId);
    if (vIndex < 0) {
      throw new SnapshotError(
        'ERR_SNAPSHOT_SHAPE',
        authFile,
        `Policies[${i}].PolicyVersionList`,
        `default version ${policy.DefaultVersionId} of ${policy.Arn} is not listed`,
      );
    }
    const where = `Policies[${i}].PolicyVersionList[${vIndex}].Document`;
    managedPolicies.set(policy.Arn, {
      arn: policy.Arn,
      name: policy.PolicyName,
      document: policyAt(policy.PolicyVersionList[vIndex]?.Document, authFile, where),
    });
  });

  const users: IamUser[] = auth.UserDetailList.map((u, i) => ({
    type: 'user',
    arn: u.Arn,
    name: u.UserName,
    id: u.UserId,
    path: u.Path,
    tags: iamTags(u.Tags),
    inlinePolicies: inlinePolicies(u.UserPolicyList, authFile, `UserDetailList[${i}].UserPolicyList`),
    attachedPolicyArns: (u.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn),
    ...(u.PermissionsBoundary ? { permissionsBoundaryArn: u.PermissionsBoundary.PermissionsBoundaryArn } : {}),
    groupNames: u.GroupList ?? [],
    ...(u.CreateDate ? { createDate: u.CreateDate } : {}),
  }));
  const groups: IamGroup[] = auth.GroupDetailList.map((g, i) => ({
    arn: g.Arn,
    name: g.GroupName,
    path: g.Path,
    inlinePolicies: inlinePolicies(g.GroupPolicyList, authFile, `GroupDetailList[${i}].GroupPolicyList`),
    attachedPolicyArns: (g.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn),
  }));
  const roles: IamRole[] = auth.RoleDetailList.map((r, i) => ({
    type: 'role',
    arn: r.Arn,
    name: r.RoleName,
    id: r.RoleId,
    path: r.Path,
    tags: iamTags(r.Tags),
    inlinePolicies: inlinePolicies(r.RolePolicyList, authFile, `RoleDetailList[${i}].RolePolicyList`),
    attachedPolicyArns: (r.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn),
    ...(r.PermissionsBoundary ? { permissionsBoundaryArn: r.PermissionsBoundary.PermissionsBoundaryArn } : {}),
    trustPolicy: policyAt(r.AssumeRolePolicyDocument, authFile, `RoleDetailList[${i}].AssumeRolePolicyDocument`),
    serviceLinked: r.Path.startsWith('/aws-service-role/'),
  }));

  const missingPolicyArns = addBuiltInPolicies(managedPolicies, [...users, ...groups, ...roles]);

  const kmsKeys: KmsKey[] = kms.Keys.map((k, i) => ({
    arn: k.KeyMetadata.Arn,
    keyId: k.KeyMetadata.KeyId,
    keySpec: k.KeyMetadata.KeySpec,
    keyUsage: k.KeyMetadata.KeyUsage as KeyUsage,
    keyState: k.KeyMetadata.KeyState,
    keyManager: k.KeyMetadata.KeyManager,
    description: k.KeyMetadata.Description,
    policy: policyAt(k.Policy, SNAPSHOT_FILES.kmsKeys, `Keys[${i}].Policy`),
    policyText: k.Policy,
    aliases: k.Aliases.map((a) => ({ aliasName: a.AliasName, aliasArn: a.AliasArn })),
    grants: k.Grants.map((g) => ({
      grantId: g.GrantId,
      granteePrincipal: g.GranteePrincipal,
      operations: g.Operations,
      ...(g.RetiringPrincipal ? { retiringPrincipal: g.RetiringPrincipal } : {}),
      ...(g.Name ? { name: g.Name } : {}),
    })),
    tags: Object.fromEntries((k.Tags ?? []).map((t) => [t.TagKey, t.TagValue])),
  }));

  const secretList: Secret[] = (secrets?.Secrets ?? []).map((s, i) => ({
    arn: s.ARN,
    name: s.Name,
    tags: iamTags(s.Tags),
    ...(s.KmsKeyId ? { kmsKeyId: s.KmsKeyId } : {}),
    ...(s.ResourcePolicy ? { resourcePolicy: policyAt(s.ResourcePolicy, SNAPSHOT_FILES.secrets, `Secrets[${i}].ResourcePolicy`) } : {}),
  }));

  const parameterList: SsmParameter[] = (parameters?.Parameters ?? []).map((p) => ({
    name: p.Name,
    arn: p.ARN,
    type: p.Type,
    tags: iamTags(p.Tags),
    ...(p.KeyId ? { keyId: p.KeyId } : {}),
  }));

  const credentialMap = new Map<string, UserCredentials>(
    (credentials?.Users ?? []).map((u) => [
      u.UserName,
      {
        accessKeys: u.AccessKeyMetadata.map((k) => ({
          accessKeyId: k.AccessKeyId,
          status: k.Status,
          ...(k.CreateDate ? { createDate: k.CreateDate } : {}),
        })),
        ...(u.LoginProfile ? { loginProfile: u.LoginProfile.CreateDate ? { createDate: u.LoginProfile.CreateDate } : {} } : {}),
        sshPublicKeys: u.SSHPublicKeys.map((k) => ({ sshPublicKeyId: k.SSHPublicKeyId, status: k.Status })),
        signingCertificates: u.Certificates.map((c) => ({ certificateId: c.CertificateId, status: c.Status })),
        serviceSpecificCredentials: u.ServiceSpecificCredentials.map((c) => ({
          serviceSpecificCredentialId: c.ServiceSpecificCredentialId,
          serviceName: c.ServiceName,
          status: c.Status,
        })),
        mfaDevices: u.MFADevices.map((d) => ({ serialNumber: d.SerialNumber })),
      },
    ]),
  );

  const orgFile = SNAPSHOT_FILES.organization;
  return {
    account: { accountId: account.AccountId, partition: account.Partition, region: account.Region },
    users,
    groups,
    roles,
    managedPolicies,
    missingPolicyArns,
    kmsKeys,
    secrets: secretList,
    parameters: parameterList,
    credentials: credentialMap,
    organization: {
      serviceControlPolicies: (organization?.ServiceControlPolicies ?? []).map((level, l) =>
        level.map((doc, d) => policyAt(doc, orgFile, `ServiceControlPolicies[${l}][${d}]`)),
      ),
      resourceControlPolicies: (organization?.ResourceControlPolicies ?? []).map((level, l) =>
        level.map((doc, d) => policyAt(doc, orgFile, `ResourceControlPolicies[${l}][${d}]`)),
      ),
    },
  };
}

function readFile<T>(files: SnapshotFiles, name: SnapshotFileName, schema: z.ZodType<T>): T {
  const text = files[name] as string;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SnapshotError('ERR_SNAPSHOT_JSON', name, '', `not valid JSON (${(error as Error).message})`);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue ? jsonPath(issue.path) : '';
    throw new SnapshotError('ERR_SNAPSHOT_SHAPE', name, path, issue?.message ?? 'unexpected shape');
  }
  return result.data;
}

function readOptionalFile<T>(files: SnapshotFiles, name: SnapshotFileName, schema: z.ZodType<T>): T | undefined {
  return files[name] === undefined ? undefined : readFile(files, name, schema);
}

/** `["Keys", 3, "Policy"]` → `Keys[3].Policy`, the way the issue text and AWS docs write paths. */
function jsonPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

function policyAt(raw: unknown, file: string, path: string): PolicyDocument {
  try {
    return parsePolicyDocument(raw, `${file}: ${path}`);
  } catch (error) {
    const inner = (error as { path?: string }).path;
    throw new SnapshotError('ERR_SNAPSHOT_POLICY', file, inner ? `${path}.${inner}` : path, (error as Error).message);
  }
}

function inlinePolicies(
  list: readonly { PolicyName: string; PolicyDocument: unknown }[] | undefined,
  file: string,
  path: string,
): InlinePolicy[] {
  return (list ?? []).map((p, i) => ({
    name: p.PolicyName,
    document: policyAt(p.PolicyDocument, file, `${path}[${i}].PolicyDocument`),
  }));
}

function iamTags(tags: readonly { Key: string; Value: string }[] | undefined): Tags {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]));
}

/**
 * Exports often omit AWS-managed policies. The few that grant broad power are built in; any
 * other attached policy that is absent is returned so reports can say the analysis is incomplete.
 */
function addBuiltInPolicies(
  policies: Map<string, ManagedPolicy>,
  holders: readonly { attachedPolicyArns: readonly string[]; permissionsBoundaryArn?: string }[],
): string[] {
  const missing = new Set<string>();
  for (const holder of holders) {
    const arns = holder.permissionsBoundaryArn ? [...holder.attachedPolicyArns, holder.permissionsBoundaryArn] : holder.attachedPolicyArns;
    for (const arn of arns) {
      if (policies.has(arn)) continue;
      const builtIn = builtInManagedPolicies(arn);
      if (builtIn) policies.set(arn, builtIn);
      else missing.add(arn);
    }
  }
  return [...missing].sort();
}
