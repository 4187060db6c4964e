import {
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  GetLoginProfileCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  type KeyMetadata,
  KMSClient,
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
  OrganizationsClient,
  type PolicyType,
} from '@aws-sdk/client-organizations';
import { GetResourcePolicyCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand, ListTagsForResourceCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { SNAPSHOT_FILES as ContractFiles, SnapshotFileName } from '../../core/snapshot/parse.js';
import { AwsAdapterError, type AwsAdapterErrorCode, type AwsCallContext, callAws, isAwsError } from './errors.js';
import { createLimiter, type Limiter, mapLimited } from './snapshot-concurrency.js';
import { allItems, allPages, iamNext, kmsNext, tokenNext } from './snapshot-pages.js';

// Checked against the parser's list at compile time; not imported at run time so the
// collector does not carry the parser (and its schemas) into a Lambda bundle.
const FILES = {
  account: 'account.json',
  authorization: 'authorization-details.json',
  kmsKeys: 'kms-keys.json',
  secrets: 'secrets.json',
  parameters: 'ssm-parameters.json',
  credentials: 'credentials.json',
  organization: 'organization.json',
} as const satisfies typeof ContractFiles;

/** The SDK v3 clients the collector reads from. */
export interface SnapshotClients {
  readonly sts: STSClient;
  readonly iam: IAMClient;
  readonly kms: KMSClient;
  readonly secretsManager: SecretsManagerClient;
  readonly ssm: SSMClient;
  readonly organizations: OrganizationsClient;
}

/** Configuration of the clients {@link createSnapshotClients} builds. */
export interface SnapshotClientOptions {
  /** Region of KMS, Secrets Manager and SSM. @default the SDK's default chain (AWS_REGION, profile) */
  readonly region?: string;
  /** Shared-config profile to take credentials and region from. @default the SDK's default chain */
  readonly profile?: string;
  /**
   * Attempts per call, first try included, under the SDK's `adaptive` retry mode (which also
   * slows the client down when AWS throttles it). @default 10
   */
  readonly maxAttempts?: number;
}

/** Options of {@link collectSnapshot}. */
export interface CollectSnapshotOptions extends SnapshotClientOptions {
  /** Per-key, per-secret, per-parameter and per-user calls in flight at once. @default 8 */
  readonly concurrency?: number;
}

/** How much the snapshot holds, for a one-line summary. */
export interface SnapshotCounts {
  readonly users: number;
  readonly groups: number;
  readonly roles: number;
  readonly managedPolicies: number;
  readonly kmsKeys: number;
  readonly customerManagedKeys: number;
  readonly secrets: number;
  readonly parameters: number;
  readonly credentialUsers: number;
  /** Levels (root, OUs, account) of SCPs collected; `undefined` when organization.json is omitted. */
  readonly serviceControlPolicyLevels?: number;
  readonly resourceControlPolicyLevels?: number;
}

/** A collected snapshot: file name → file text, ready to write into a snapshot directory. */
export interface CollectedSnapshot {
  readonly files: Readonly<Partial<Record<SnapshotFileName, string>>>;
  /** What was left out or stood in for, one sentence each. Never contains secret values. */
  readonly warnings: readonly string[];
  readonly counts: SnapshotCounts;
}

const DEFAULT_MAX_ATTEMPTS = 10;
const DEFAULT_CONCURRENCY = 8;
const PENDING_DELETION_STATES = new Set(['PendingDeletion', 'PendingReplicaDeletion']);
/**
 * Stands in for the policy of a key pending deletion whose policy KMS will not return. Such
 * a key cannot sign or verify, so no statement is the honest model of its signing reach.
 */
const UNREADABLE_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [] });
/** Organizations allows five levels of OUs; anything deeper means the parent chain loops. */
const MAX_ORGANIZATION_DEPTH = 8;

/**
 * Builds the clients the collector needs, all with the `adaptive` retry mode.
 *
 * @example
 * const clients = createSnapshotClients({ region: 'eu-west-1', profile: 'audit', maxAttempts: 12 });
 */
export function createSnapshotClients(options: SnapshotClientOptions = {}): SnapshotClients {
  return withDefaultClients({}, options);
}

function withDefaultClients(clients: Partial<SnapshotClients>, options: SnapshotClientOptions): SnapshotClients {
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: 'adaptive',
  };
  return {
    sts: clients.sts ?? new STSClient(config),
    iam: clients.iam ?? new IAMClient(config),
    kms: clients.kms ?? new KMSClient(config),
    secretsManager: clients.secretsManager ?? new SecretsManagerClient(config),
    ssm: clients.ssm ?? new SSMClient(config),
    organizations: clients.organizations ?? new OrganizationsClient(config),
  };
}

/**
 * Reads an account snapshot (docs/snapshot-format.md) through the AWS APIs: IAM authorization
 * details and credential metadata, KMS keys with policies, grants, aliases and tags, secret
 * and parameter metadata, and the organization's SCPs and RCPs. It reads no secret or
 * parameter values. Clients not passed are created with {@link createSnapshotClients}.
 *
 * Fails closed: a key, secret or user that cannot be read stops the collection with an
 * {@link AwsAdapterError}, because reach computed without it could miss a signing key. The
 * exceptions, each reported in `warnings`, are entities deleted while the snapshot ran, the
 * policy of a key pending deletion, and the organization (whose policies only ever narrow reach).
 *
 * @example
 * const { files, warnings } = await collectSnapshot({}, { region: 'eu-west-1' });
 * await writeFile('snap/kms-keys.json', files['kms-keys.json'] ?? '');
 */
export async function collectSnapshot(
  clients: Partial<SnapshotClients> = {},
  options: CollectSnapshotOptions = {},
): Promise<CollectedSnapshot> {
  const all = withDefaultClients(clients, options);
  const limiter = createLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
  const warnings: string[] = [];

  const region = await resolveRegion(all.kms, options.region);
  const account = await collectAccount(all.sts, region);

  const [[authorization, credentials], kms, secrets, parameters, organization] = await Promise.all([
    collectAuthorization(all.iam).then(
      async (auth) => [auth, await collectCredentials(all.iam, userNames(auth), limiter, warnings)] as const,
    ),
    collectKmsKeys(all.kms, limiter, warnings),
    collectSecrets(all.secretsManager, limiter, warnings),
    collectParameters(all.ssm, account, limiter, warnings),
    collectOrganization(all.organizations, account.AccountId, limiter, warnings),
  ]);

  const files: Partial<Record<SnapshotFileName, string>> = {
    [FILES.account]: json(account),
    [FILES.authorization]: json(authorization),
    [FILES.kmsKeys]: json(kms),
    [FILES.secrets]: json(secrets),
    [FILES.parameters]: json(parameters),
    [FILES.credentials]: json(credentials),
    ...(organization ? { [FILES.organization]: json(organization) } : {}),
  };
  const counts: SnapshotCounts = {
    users: authorization.UserDetailList.length,
    groups: authorization.GroupDetailList.length,
    roles: authorization.RoleDetailList.length,
    managedPolicies: authorization.Policies.length,
    kmsKeys: kms.Keys.length,
    customerManagedKeys: kms.Keys.filter((k) => k.KeyMetadata.KeyManager !== 'AWS').length,
    secrets: secrets.Secrets.length,
    parameters: parameters.Parameters.length,
    credentialUsers: credentials.Users.length,
    ...(organization
      ? {
          serviceControlPolicyLevels: organization.ServiceControlPolicies.length,
          resourceControlPolicyLevels: organization.ResourceControlPolicies.length,
        }
      : {}),
  };
  return { files, warnings, counts };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function marker(token: string | undefined): { Marker?: string } {
  return token === undefined ? {} : { Marker: token };
}

function nextToken(token: string | undefined): { NextToken?: string } {
  return token === undefined ? {} : { NextToken: token };
}

async function resolveRegion(kms: KMSClient, explicit: string | undefined): Promise<string> {
  const context: AwsCallContext = { service: 'sdk', operation: 'ResolveRegion' };
  if (explicit) return explicit;
  let region: string | undefined;
  try {
    region = await kms.config.region();
  } catch (error) {
    throw new AwsAdapterError('ERR_AWS_CONFIG', context, 'no AWS region is configured (pass a region or set AWS_REGION)', {
      cause: error,
    });
  }
  if (!region) {
    throw new AwsAdapterError('ERR_AWS_CONFIG', context, 'no AWS region is configured (pass a region or set AWS_REGION)');
  }
  return region;
}

interface AccountFile {
  readonly AccountId: string;
  readonly Partition: string;
  readonly Region: string;
}

async function collectAccount(sts: STSClient, region: string): Promise<AccountFile> {
  const context: AwsCallContext = { service: 'sts', operation: 'GetCallerIdentity' };
  const identity = await callAws(context, () => sts.send(new GetCallerIdentityCommand({})));
  // arn:<partition>:sts::<account>:assumed-role/… — the partition is the second field.
  const partition = identity.Arn?.split(':')[1];
  if (!identity.Account || !partition) {
    throw new AwsAdapterError('ERR_AWS_UNEXPECTED', context, 'the response carries no Account or no Arn');
  }
  return { AccountId: identity.Account, Partition: partition, Region: region };
}

type AuthorizationDetails = Required<
  Pick<GetAccountAuthorizationDetailsCommandOutput, 'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies'>
>;

function userNames(auth: AuthorizationDetails): string[] {
  return auth.UserDetailList.map((u) => u.UserName).filter((n): n is string => n !== undefined);
}

async function collectAuthorization(iam: IAMClient): Promise<AuthorizationDetails> {
  const pages = await allPages(
    { service: 'iam', operation: 'GetAccountAuthorizationDetails' },
    (token) => iam.send(new GetAccountAuthorizationDetailsCommand(marker(token))),
    iamNext,
  );
  // Policy documents stay URL-encoded, exactly as the API returns them.
  return {
    UserDetailList: pages.flatMap((p) => p.UserDetailList ?? []),
    GroupDetailList: pages.flatMap((p) => p.GroupDetailList ?? []),
    RoleDetailList: pages.flatMap((p) => p.RoleDetailList ?? []),
    Policies: pages.flatMap((p) => p.Policies ?? []),
  };
}

interface KmsKeyEntry {
  readonly KeyMetadata: KeyMetadata;
  readonly Policy: string;
  readonly Aliases: readonly unknown[];
  readonly Grants?: readonly unknown[];
  readonly Tags?: readonly unknown[];
}

async function collectKmsKeys(kms: KMSClient, limiter: Limiter, warnings: string[]): Promise<{ Keys: KmsKeyEntry[] }> {
  const keys = await allItems(
    { service: 'kms', operation: 'ListKeys' },
    (token) => kms.send(new ListKeysCommand(marker(token))),
    kmsNext,
    (page) => page.Keys,
  );
  const ids = keys.map((k) => k.KeyId).filter((id): id is string => id !== undefined);
  const entries = await mapLimited(ids, limiter, (keyId) => collectKmsKey(kms, keyId, warnings));
  return { Keys: entries.filter((e): e is KmsKeyEntry => e !== undefined) };
}

async function collectKmsKey(kms: KMSClient, keyId: string, warnings: string[]): Promise<KmsKeyEntry | undefined> {
  const gone = (error: unknown): boolean => {
    if (!isAwsError(error, 'ERR_AWS_NOT_FOUND')) return false;
    warnings.push(`KMS key ${keyId} was deleted while the snapshot ran; it is not in kms-keys.json.`);
    return true;
  };
  let metadata: KeyMetadata;
  try {
    const described = await callAws({ service: 'kms', operation: 'DescribeKey', resource: keyId }, () =>
      kms.send(new DescribeKeyCommand({ KeyId: keyId })),
    );
    if (!described.KeyMetadata) {
      throw new AwsAdapterError(
        'ERR_AWS_UNEXPECTED',
        { service: 'kms', operation: 'DescribeKey', resource: keyId },
        'the response carries no KeyMetadata',
      );
    }
    metadata = described.KeyMetadata;
  } catch (error) {
    if (gone(error)) return undefined;
    throw error;
  }

  const keyName = metadata.Arn ?? keyId;
  const pendingDeletion = PENDING_DELETION_STATES.has(metadata.KeyState ?? '');
  // KMS may refuse some reads on a key pending deletion; such a key cannot be used, so a
  // refusal there is recorded and stood in for rather than failing the whole snapshot.
  const tolerated: readonly AwsAdapterErrorCode[] = pendingDeletion ? ['ERR_AWS_INVALID_STATE', 'ERR_AWS_ACCESS_DENIED'] : [];
  const read = async <T>(what: string, call: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (tolerated.length === 0 || !isAwsError(error, ...tolerated)) throw error;
      warnings.push(`KMS key ${keyName} is pending deletion and its ${what} could not be read (${error.code}); recorded as empty.`);
      return fallback;
    }
  };

  try {
    const policy = await read(
      'key policy',
      async () => {
        const context: AwsCallContext = { service: 'kms', operation: 'GetKeyPolicy', resource: keyName };
        const out = await callAws(context, () => kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' })));
        if (out.Policy === undefined) throw new AwsAdapterError('ERR_AWS_UNEXPECTED', context, 'the response carries no Policy');
        return out.Policy;
      },
      UNREADABLE_POLICY,
    );
    const aliases = await read(
      'aliases',
      () =>
        allItems(
          { service: 'kms', operation: 'ListAliases', resource: keyName },
          (token) => kms.send(new ListAliasesCommand({ KeyId: keyId, ...marker(token) })),
          kmsNext,
          (page) => page.Aliases,
        ),
      [],
    );
    // AWS-managed keys are all symmetric encryption keys whose grants belong to AWS services
    // and which cannot be tagged: their grants and tags are not read.
    if (metadata.KeyManager === 'AWS') {
      return { KeyMetadata: metadata, Policy: policy, Aliases: aliases };
    }
    const grants = await read(
      'grants',
      () =>
        allItems(
          { service: 'kms', operation: 'ListGrants', resource: keyName },
          (token) => kms.send(new ListGrantsCommand({ KeyId: keyId, ...marker(token) })),
          kmsNext,
          (page) => page.Grants,
        ),
      [],
    );
    const tags = await read(
      'tags',
      () =>
        allItems(
          { service: 'kms', operation: 'ListResourceTags', resource: keyName },
          (token) => kms.send(new ListResourceTagsCommand({ KeyId: keyId, ...marker(token) })),
          kmsNext,
          (page) => page.Tags,
        ),
      [],
    );
    return { KeyMetadata: metadata, Policy: policy, Aliases: aliases, Grants: grants, Tags: tags };
  } catch (error) {
    if (gone(error)) return undefined;
    throw error;
  }
}

interface SecretEntry {
  readonly ARN: string;
  readonly Name: string;
  readonly KmsKeyId?: string;
  readonly Tags: readonly { Key?: string; Value?: string }[];
  readonly ResourcePolicy?: string;
}

async function collectSecrets(
  secretsManager: SecretsManagerClient,
  limiter: Limiter,
  warnings: string[],
): Promise<{ Secrets: SecretEntry[] }> {
  const listed = await allItems(
    { service: 'secretsmanager', operation: 'ListSecrets' },
    (token) => secretsManager.send(new ListSecretsCommand(nextToken(token))),
    tokenNext,
    (page) => page.SecretList,
  );
  const entries = await mapLimited(listed, limiter, async (secret): Promise<SecretEntry | undefined> => {
    if (!secret.ARN || !secret.Name) {
      throw new AwsAdapterError(
        'ERR_AWS_UNEXPECTED',
        { service: 'secretsmanager', operation: 'ListSecrets' },
        'a listed secret has no ARN or no Name',
      );
    }
    const arn = secret.ARN;
    try {
      const policy = await callAws({ service: 'secretsmanager', operation: 'GetResourcePolicy', resource: arn }, () =>
        secretsManager.send(new GetResourcePolicyCommand({ SecretId: arn })),
      );
      return {
        ARN: arn,
        Name: secret.Name,
        ...(secret.KmsKeyId ? { KmsKeyId: secret.KmsKeyId } : {}),
        Tags: secret.Tags ?? [],
        ...(policy.ResourcePolicy ? { ResourcePolicy: policy.ResourcePolicy } : {}),
      };
    } catch (error) {
      if (!isAwsError(error, 'ERR_AWS_NOT_FOUND')) throw error;
      warnings.push(`Secret ${arn} was deleted while the snapshot ran; it is not in secrets.json.`);
      return undefined;
    }
  });
  return { Secrets: entries.filter((e): e is SecretEntry => e !== undefined) };
}

interface ParameterEntry {
  readonly Name: string;
  readonly ARN: string;
  readonly Type: string;
  readonly KeyId?: string;
  readonly Tags: readonly { Key?: string; Value?: string }[];
}

/** `arn:<partition>:ssm:<region>:<account>:parameter/<name>`; a hierarchical name's leading `/` is not doubled. */
function parameterArn(account: AccountFile, name: string): string {
  return `arn:${account.Partition}:ssm:${account.Region}:${account.AccountId}:parameter/${name.replace(/^\//, '')}`;
}

async function collectParameters(
  ssm: SSMClient,
  account: AccountFile,
  limiter: Limiter,
  warnings: string[],
): Promise<{ Parameters: ParameterEntry[] }> {
  const listed = await allItems(
    { service: 'ssm', operation: 'DescribeParameters' },
    (token) => ssm.send(new DescribeParametersCommand(nextToken(token))),
    tokenNext,
    (page) => page.Parameters,
  );
  const entries = await mapLimited(listed, limiter, async (parameter): Promise<ParameterEntry | undefined> => {
    if (!parameter.Name || !parameter.Type) {
      throw new AwsAdapterError(
        'ERR_AWS_UNEXPECTED',
        { service: 'ssm', operation: 'DescribeParameters' },
        'a listed parameter has no Name or no Type',
      );
    }
    const name = parameter.Name;
    try {
      const tags = await callAws({ service: 'ssm', operation: 'ListTagsForResource', resource: name }, () =>
        ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name })),
      );
      return {
        Name: name,
        ARN: parameterArn(account, name),
        Type: parameter.Type,
        ...(parameter.KeyId ? { KeyId: parameter.KeyId } : {}),
        Tags: tags.TagList ?? [],
      };
    } catch (error) {
      if (!isAwsError(error, 'ERR_AWS_NOT_FOUND')) throw error;
      warnings.push(`SSM parameter ${name} was deleted while the snapshot ran; it is not in ssm-parameters.json.`);
      return undefined;
    }
  });
  return { Parameters: entries.filter((e): e is ParameterEntry => e !== undefined) };
}

interface UserCredentialsEntry {
  readonly UserName: string;
  readonly AccessKeyMetadata: readonly unknown[];
  readonly LoginProfile: unknown;
  readonly SSHPublicKeys: readonly unknown[];
  readonly Certificates: readonly unknown[];
  readonly ServiceSpecificCredentials: readonly unknown[];
  readonly MFADevices: readonly unknown[];
}

async function collectCredentials(
  iam: IAMClient,
  userNames: readonly string[],
  limiter: Limiter,
  warnings: string[],
): Promise<{ Users: UserCredentialsEntry[] }> {
  const entries = await mapLimited(userNames, limiter, async (userName): Promise<UserCredentialsEntry | undefined> => {
    const ctx = (operation: string): AwsCallContext => ({ service: 'iam', operation, resource: userName });
    try {
      // Metadata only: none of these calls returns a secret access key or a password.
      const accessKeys = await allItems(
        ctx('ListAccessKeys'),
        (token) => iam.send(new ListAccessKeysCommand({ UserName: userName, ...marker(token) })),
        iamNext,
        (page) => page.AccessKeyMetadata,
      );
      const loginProfile = await getLoginProfile(iam, userName);
      const sshKeys = await allItems(
        ctx('ListSSHPublicKeys'),
        (token) => iam.send(new ListSSHPublicKeysCommand({ UserName: userName, ...marker(token) })),
        iamNext,
        (page) => page.SSHPublicKeys,
      );
      const certificates = await allItems(
        ctx('ListSigningCertificates'),
        (token) => iam.send(new ListSigningCertificatesCommand({ UserName: userName, ...marker(token) })),
        iamNext,
        (page) => page.Certificates,
      );
      const serviceCredentials = await allItems(
        ctx('ListServiceSpecificCredentials'),
        (token) => iam.send(new ListServiceSpecificCredentialsCommand({ UserName: userName, ...marker(token) })),
        iamNext,
        (page) => page.ServiceSpecificCredentials,
      );
      const mfaDevices = await allItems(
        ctx('ListMFADevices'),
        (token) => iam.send(new ListMFADevicesCommand({ UserName: userName, ...marker(token) })),
        iamNext,
        (page) => page.MFADevices,
      );
      return {
        UserName: userName,
        AccessKeyMetadata: accessKeys,
        LoginProfile: loginProfile,
        SSHPublicKeys: sshKeys,
        Certificates: certificates,
        ServiceSpecificCredentials: serviceCredentials,
        MFADevices: mfaDevices,
      };
    } catch (error) {
      if (!isAwsError(error, 'ERR_AWS_NOT_FOUND')) throw error;
      warnings.push(`IAM user ${userName} was deleted while the snapshot ran; credentials.json has no entry for it.`);
      return undefined;
    }
  });
  return { Users: entries.filter((e): e is UserCredentialsEntry => e !== undefined) };
}

/** The user's login profile, or `null` when the user has no console password. */
async function getLoginProfile(iam: IAMClient, userName: string): Promise<unknown> {
  try {
    const out = await callAws({ service: 'iam', operation: 'GetLoginProfile', resource: userName }, () =>
      iam.send(new GetLoginProfileCommand({ UserName: userName })),
    );
    return out.LoginProfile ?? null;
  } catch (error) {
    if (isAwsError(error, 'ERR_AWS_NOT_FOUND')) return null;
    throw error;
  }
}

interface OrganizationFile {
  readonly ServiceControlPolicies: unknown[][];
  readonly ResourceControlPolicies: unknown[][];
}

async function collectOrganization(
  organizations: OrganizationsClient,
  accountId: string,
  limiter: Limiter,
  warnings: string[],
): Promise<OrganizationFile | undefined> {
  try {
    return await readOrganization(organizations, accountId, limiter, warnings);
  } catch (error) {
    // Organization policies only ever narrow what IAM allows, so without them reach is
    // overstated, never understated: omitting the file is the safe side.
    if (isAwsError(error, 'ERR_AWS_NOT_IN_ORGANIZATION')) {
      warnings.push('The account is not in an AWS Organization; organization.json is omitted.');
      return undefined;
    }
    if (isAwsError(error, 'ERR_AWS_ACCESS_DENIED')) {
      warnings.push(
        `organizations:${error.operation} was denied, so SCPs and RCPs were not collected and organization.json is omitted; ` +
          'reach will be reported as if no organization policy applied (run from the management account or a delegated administrator to include them).',
      );
      return undefined;
    }
    throw error;
  }
}

async function readOrganization(
  organizations: OrganizationsClient,
  accountId: string,
  limiter: Limiter,
  warnings: string[],
): Promise<OrganizationFile> {
  const described = await callAws({ service: 'organizations', operation: 'DescribeOrganization' }, () =>
    organizations.send(new DescribeOrganizationCommand({})),
  );
  if (described.Organization?.MasterAccountId === accountId) {
    warnings.push(
      "The account is its organization's management account, to which SCPs and RCPs do not apply; organization.json lists none.",
    );
    return { ServiceControlPolicies: [], ResourceControlPolicies: [] };
  }

  const roots = await allItems(
    { service: 'organizations', operation: 'ListRoots' },
    (token) => organizations.send(new ListRootsCommand(nextToken(token))),
    tokenNext,
    (page) => page.Roots,
  );
  const enabled = new Set((roots[0]?.PolicyTypes ?? []).filter((t) => t.Status === 'ENABLED').map((t) => t.Type));

  const targets = await targetChain(organizations, accountId);
  const contentById = new Map<string, Promise<unknown>>();
  const levels = async (type: PolicyType): Promise<unknown[][]> => {
    // A disabled policy type applies nothing; empty levels would instead deny everything.
    if (!enabled.has(type)) return [];
    return mapLimited(targets, limiter, async (targetId) => {
      const attached = await allItems(
        { service: 'organizations', operation: 'ListPoliciesForTarget', resource: targetId },
        (token) => organizations.send(new ListPoliciesForTargetCommand({ TargetId: targetId, Filter: type, ...nextToken(token) })),
        tokenNext,
        (page) => page.Policies,
      );
      const ids = attached.map((p) => p.Id).filter((id): id is string => id !== undefined);
      return Promise.all(
        ids.map((id) => {
          let content = contentById.get(id);
          if (!content) {
            content = describePolicy(organizations, id);
            contentById.set(id, content);
          }
          return content;
        }),
      );
    });
  };
  return {
    ServiceControlPolicies: await levels('SERVICE_CONTROL_POLICY'),
    ResourceControlPolicies: await levels('RESOURCE_CONTROL_POLICY'),
  };
}

/** Root, OUs from the top down, then the account itself: the order SCPs are evaluated in. */
async function targetChain(organizations: OrganizationsClient, accountId: string): Promise<string[]> {
  const upward: string[] = [accountId];
  let child = accountId;
  for (let depth = 0; depth < MAX_ORGANIZATION_DEPTH; depth += 1) {
    const parents = await allItems(
      { service: 'organizations', operation: 'ListParents', resource: child },
      (token) => organizations.send(new ListParentsCommand({ ChildId: child, ...nextToken(token) })),
      tokenNext,
      (page) => page.Parents,
    );
    const parent = parents[0];
    if (!parent?.Id) {
      throw new AwsAdapterError(
        'ERR_AWS_UNEXPECTED',
        { service: 'organizations', operation: 'ListParents', resource: child },
        'no parent was returned',
      );
    }
    upward.push(parent.Id);
    if (parent.Type === 'ROOT') return upward.reverse();
    child = parent.Id;
  }
  throw new AwsAdapterError(
    'ERR_AWS_UNEXPECTED',
    { service: 'organizations', operation: 'ListParents', resource: accountId },
    `no root found within ${MAX_ORGANIZATION_DEPTH} levels above the account`,
  );
}

/** The policy document, parsed when it is JSON so organization.json stays readable. */
async function describePolicy(organizations: OrganizationsClient, policyId: string): Promise<unknown> {
  const context: AwsCallContext = { service: 'organizations', operation: 'DescribePolicy', resource: policyId };
  const out = await callAws(context, () => organizations.send(new DescribePolicyCommand({ PolicyId: policyId })));
  const content = out.Policy?.Content;
  if (content === undefined) throw new AwsAdapterError('ERR_AWS_UNEXPECTED', context, 'the response carries no Policy.Content');
  try {
    return JSON.parse(content) as unknown;
  } catch {
    // Left as text: the snapshot parser then names the exact policy it cannot read.
    return content;
  }
}
