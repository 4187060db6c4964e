/**
 * A synthetic organisation for reach benchmarks, emitted as the files of a snapshot directory
 * (docs/snapshot-format.md) so the benchmark also exercises the real parser.
 *
 * Default size: 10,000 roles, 2,000 users, 50,000 policies (customer-managed and inline), 5,000
 * pieces of signing material (KMS signing and HMAC keys, tagged secrets and SSM parameters).
 * The mix follows how real accounts look: 40 teams with dev/staging/prod roles; workload roles
 * trusting Lambda, ECS and EC2; human roles trusting the account with ABAC on team tags; on-call
 * access behind MFA; CI roles that pass roles; a few over-privileged roles that can rewrite IAM;
 * a handful of administrators; default key policies delegating to IAM plus key users named
 * explicitly, some closed key policies, some keyed on the principal ARN; grants; SCPs with a
 * break-glass exception. Deterministic (seeded).
 *
 * With `keyTaggers`, each team's dev developer role may also tag every KMS key: together with
 * the ABAC signing policy (keys of one's own team) that opens every signing key, conditionally,
 * to whoever can become such a role, and makes reach follow resource tags everywhere.
 *
 * Run directly to write a snapshot directory:
 *   npx tsx bench/synthetic-org.ts --out /tmp/synthetic-org [--scale 0.1] [--key-taggers]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SnapshotFiles } from '../lambda/core/snapshot/parse.js';

export interface SyntheticOrgOptions {
  readonly roles?: number;
  readonly users?: number;
  readonly policies?: number;
  readonly signingMaterial?: number;
  readonly teams?: number;
  readonly seed?: number;
  /** Give each team's dev developer role kms:TagResource on every key. */
  readonly keyTaggers?: boolean;
}

export interface SyntheticOrg {
  readonly files: SnapshotFiles;
  readonly counts: {
    readonly roles: number;
    readonly users: number;
    readonly groups: number;
    readonly managedPolicies: number;
    readonly inlinePolicies: number;
    readonly kmsSigningKeys: number;
    readonly signingSecrets: number;
    readonly signingParameters: number;
  };
  /** Employee ids worth benchmarking: an ordinary engineer, an on-call engineer, an engineer with a path to admin, an admin. */
  readonly sampleEmployees: { readonly engineer: string; readonly oncall: string; readonly escalator: string; readonly admin: string };
}

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const ENVS = ['dev', 'staging', 'prod'] as const;
const SERVICES = ['lambda.amazonaws.com', 'ecs-tasks.amazonaws.com', 'ec2.amazonaws.com'] as const;

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = Record<string, unknown>;
const doc = (...statements: Json[]): Json => ({ Version: '2012-10-17', Statement: statements });
const allow = (action: string | string[], resource: string | string[], extra: Json = {}): Json => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
  ...extra,
});
const deny = (action: string | string[], resource: string | string[], extra: Json = {}): Json => ({
  Effect: 'Deny',
  Action: action,
  Resource: resource,
  ...extra,
});
const tags = (t: Record<string, string>): { Key: string; Value: string }[] => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
const pad = (n: number, w = 4): string => String(n).padStart(w, '0');

const roleArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const userArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const policyArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:policy/${name}`;
const keyArn = (id: string): string => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;

/** A key id shaped like a UUID, derived from a number. */
const uuid = (n: number): string => {
  const h = ((n * 2654435761) >>> 0).toString(16).padStart(8, '0');
  return `${h}-${pad(n % 10000)}-4${pad(n % 1000, 3)}-8${pad((n * 7) % 1000, 3)}-${pad(n, 12)}`;
};

/**
 * Generates the organisation.
 *
 * @example
 * ```ts
 * const org = generateSyntheticOrg();
 * const snapshot = parseSnapshot(org.files);
 * ```
 */
export function generateSyntheticOrg(options: SyntheticOrgOptions = {}): SyntheticOrg {
  const roleTarget = options.roles ?? 10_000;
  const userTarget = options.users ?? 2_000;
  const policyTarget = options.policies ?? 50_000;
  const materialTarget = options.signingMaterial ?? 5_000;
  const teamCount = options.teams ?? 40;
  const random = rng(options.seed ?? 20_240_601);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const teams = Array.from({ length: teamCount }, (_, i) => `team${pad(i, 2)}`);

  // ── Signing material (ids first: policies refer to them) ───────────────────────────────
  const kmsSign = Math.round(materialTarget * 0.48);
  const kmsMac = Math.round(materialTarget * 0.12);
  const secretCount = Math.round(materialTarget * 0.24);
  const parameterCount = materialTarget - kmsSign - kmsMac - secretCount;
  interface KeySpec {
    id: string;
    team: string;
    env: (typeof ENVS)[number];
    usage: 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'ENCRYPT_DECRYPT';
  }
  const keys: KeySpec[] = [];
  for (let i = 0; i < kmsSign + kmsMac; i++) {
    keys.push({
      id: uuid(i + 1),
      team: teams[i % teamCount] as string,
      env: ENVS[i % 3] as (typeof ENVS)[number],
      usage: i < kmsSign ? 'SIGN_VERIFY' : 'GENERATE_VERIFY_MAC',
    });
  }
  const cmks: KeySpec[] = teams.flatMap((team, t) =>
    ENVS.map((env, e) => ({ id: uuid(100_000 + t * 3 + e), team, env, usage: 'ENCRYPT_DECRYPT' as const })),
  );
  const keysByTeam = new Map<string, KeySpec[]>();
  for (const k of keys) keysByTeam.set(k.team, [...(keysByTeam.get(k.team) ?? []), k]);

  // ── Policies ───────────────────────────────────────────────────────────────────────────
  const policies: Json[] = [];
  const managed = (name: string, document: Json): string => {
    const arn = policyArn(name);
    policies.push({
      PolicyName: name,
      Arn: arn,
      DefaultVersionId: 'v1',
      PolicyVersionList: [{ Document: encodeURIComponent(JSON.stringify(document)), VersionId: 'v1', IsDefaultVersion: true }],
    });
    return arn;
  };
  let inlineCount = 0;
  const inline = (name: string, document: Json): Json => {
    inlineCount++;
    return { PolicyName: name, PolicyDocument: document };
  };

  const noise = (team: string, env: string, n: number): Json[] =>
    Array.from({ length: n }, (_, i) =>
      pick([
        () => allow(['s3:GetObject', 's3:PutObject'], `arn:aws:s3:::${team}-${env}-bucket-${i}/*`),
        () =>
          allow(
            ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
            `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${team}-${env}-${i}`,
          ),
        () => allow(['logs:CreateLogStream', 'logs:PutLogEvents'], `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/${team}/${env}/*`),
        () => allow(['sqs:SendMessage', 'sqs:ReceiveMessage'], `arn:aws:sqs:${REGION}:${ACCOUNT}:${team}-${env}-${i}`),
        () => allow('cloudwatch:PutMetricData', '*'),
      ])(),
    );

  // Shared, account-wide policies.
  const selfService = managed(
    'SelfServiceCredentials',
    doc(
      allow(
        ['iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:UpdateAccessKey', 'iam:ListAccessKeys', 'iam:ChangePassword'],
        `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`,
      ),
      allow(['iam:CreateVirtualMFADevice', 'iam:EnableMFADevice'], '*'),
    ),
  );
  const readOnly = managed(
    'EngineeringReadOnly',
    doc(allow(['s3:List*', 'ec2:Describe*', 'cloudwatch:Get*', 'logs:Get*', 'kms:Describe*', 'kms:List*'], '*')),
  );
  const abacSign = managed(
    'TeamAbacSigning',
    doc(
      allow(['kms:Sign', 'kms:Verify', 'kms:GetPublicKey'], `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`, {
        Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
      }),
    ),
  );

  // Per team and environment: a pool of managed policies roles draw from.
  const teamPools = new Map<string, string[]>();
  const teamPolicyBudget = Math.max(1, Math.floor((policyTarget * 0.45) / (teamCount * 3)));
  for (const team of teams) {
    for (const env of ENVS) {
      const pool: string[] = [];
      const teamKeys = (keysByTeam.get(team) ?? []).filter((k) => k.env === env);
      for (let i = 0; i < teamPolicyBudget; i++) {
        const statements = noise(team, env, 1 + Math.floor(random() * 3));
        const r = random();
        if (r < 0.12 && teamKeys.length > 0) {
          const k = pick(teamKeys);
          statements.push(
            allow(k.usage === 'SIGN_VERIFY' ? ['kms:Sign', 'kms:Verify'] : ['kms:GenerateMac', 'kms:VerifyMac'], keyArn(k.id)),
          );
        } else if (r < 0.2) {
          statements.push(allow('secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${team}/${env}/*`));
          statements.push(allow('kms:Decrypt', keyArn((cmks.find((c) => c.team === team && c.env === env) as KeySpec).id)));
        } else if (r < 0.26) {
          statements.push(allow(['ssm:GetParameter', 'ssm:GetParameters'], `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${team}/${env}/*`));
        } else if (r < 0.28) {
          statements.push(allow('sts:AssumeRole', roleArn(`${team}-${env}-svc-${pad(Math.floor(random() * 60), 3)}`)));
        }
        pool.push(managed(`${team}-${env}-policy-${pad(i)}`, doc(...statements)));
      }
      teamPools.set(`${team}/${env}`, pool);
    }
  }

  // ── Groups ─────────────────────────────────────────────────────────────────────────────
  const groups: Json[] = [];
  const groupNames: string[] = [];
  const group = (name: string, inlinePolicies: Json[], attached: string[]): string => {
    groups.push({
      Path: '/',
      GroupName: name,
      GroupId: `AGPA${pad(groups.length, 12)}`,
      Arn: `arn:aws:iam::${ACCOUNT}:group/${name}`,
      GroupPolicyList: inlinePolicies,
      AttachedManagedPolicies: attached.map((PolicyArn) => ({ PolicyArn })),
    });
    groupNames.push(name);
    return name;
  };
  group('engineers', [], [selfService, readOnly]);
  group('administrators', [], ['arn:aws:iam::aws:policy/AdministratorAccess']);
  group('security', [inline('security-breakglass', doc(allow('sts:AssumeRole', roleArn('breakglass'))))], [readOnly]);
  for (const team of teams) {
    group(
      `${team}-developers`,
      [
        inline(
          'assume-team-roles',
          doc(allow('sts:AssumeRole', [roleArn(`${team}-dev-*`), roleArn(`${team}-staging-*`), roleArn(`${team}-platform-*`)])),
        ),
      ],
      [],
    );
    group(
      `${team}-oncall`,
      [
        inline(
          'assume-prod-roles',
          doc(allow('sts:AssumeRole', roleArn(`${team}-prod-*`), { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } })),
        ),
      ],
      [],
    );
  }

  // ── Users ──────────────────────────────────────────────────────────────────────────────
  const users: Json[] = [];
  const credentials: Json[] = [];
  const userTeam: string[] = [];
  for (let i = 0; i < userTarget; i++) {
    const team = teams[i % teamCount] as string;
    const name = `eng-${pad(i)}`;
    const memberOf = ['engineers', `${team}-developers`];
    if (i % 10 === 3) memberOf.push(`${team}-oncall`);
    if (i < 8) memberOf.push('administrators');
    if (i >= 8 && i < 12) memberOf.push('security');
    const userInline = Array.from({ length: 1 + (i % 2) }, (_, p) => inline(`personal-${p}`, doc(...noise(team, 'dev', 2))));
    users.push({
      Path: '/',
      UserName: name,
      UserId: `AIDA${pad(i, 12)}`,
      Arn: userArn(name),
      GroupList: memberOf,
      UserPolicyList: userInline,
      AttachedManagedPolicies: [],
      Tags: tags({ 'employee-id': `E-${pad(i, 5)}`, team }),
    });
    userTeam.push(team);
    credentials.push({
      UserName: name,
      AccessKeyMetadata: Array.from({ length: i % 3 }, (_, k) => ({ AccessKeyId: `AKIA${pad(i, 8)}${k}`, Status: 'Active' })),
      ...(i % 4 !== 0 ? { LoginProfile: { CreateDate: '2024-01-01T00:00:00Z' } } : {}),
      MFADevices: i % 4 !== 0 ? [{ SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/${name}` }] : [],
    });
  }

  // ── Roles ──────────────────────────────────────────────────────────────────────────────
  const roles: Json[] = [];
  const role = (
    name: string,
    trust: Json,
    inlinePolicies: Json[],
    attached: string[],
    roleTags: Record<string, string>,
    path = '/',
  ): void => {
    roles.push({
      Path: path,
      RoleName: name,
      RoleId: `AROA${pad(roles.length, 12)}`,
      Arn: `arn:aws:iam::${ACCOUNT}:role${path}${name}`,
      AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
      RolePolicyList: inlinePolicies,
      AttachedManagedPolicies: attached.map((PolicyArn) => ({ PolicyArn })),
      Tags: tags(roleTags),
    });
  };
  const trustAccount = (extra: Json = {}): Json => doc({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'sts:AssumeRole', ...extra });
  const trustService = (service: string): Json =>
    doc({
      Effect: 'Allow',
      Principal: { Service: service },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    });

  role('breakglass', trustAccount(), [], ['arn:aws:iam::aws:policy/AdministratorAccess'], { purpose: 'breakglass' });
  for (let i = 0; i < 40; i++) {
    role(
      `AWSServiceRoleFor${pad(i, 2)}`,
      doc({ Effect: 'Allow', Principal: { Service: `svc${i}.amazonaws.com` }, Action: 'sts:AssumeRole' }),
      [],
      [],
      {},
      '/aws-service-role/',
    );
  }
  // Human roles per team and environment (ABAC on the team tag), then workload roles up to the target.
  const humanRoles = ['deploy', 'developer', 'readonly'] as const;
  for (const team of teams) {
    for (const env of ENVS) {
      const pool = teamPools.get(`${team}/${env}`) as string[];
      for (const kind of humanRoles) {
        const statements: Json[] = [];
        if (kind === 'deploy') {
          statements.push(
            allow('iam:PassRole', roleArn(`${team}-${env}-svc-*`)),
            allow(
              ['lambda:CreateFunction', 'lambda:UpdateFunctionCode', 'lambda:InvokeFunction'],
              `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${team}-*`,
            ),
            allow(['ecs:RegisterTaskDefinition', 'ecs:RunTask', 'ecs:UpdateService'], '*'),
          );
        }
        if (kind === 'developer')
          statements.push(
            allow('ssm:StartSession', `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`, {
              Condition: { StringEquals: { 'ssm:resourceTag/team': team } },
            }),
          );
        if (kind === 'developer' && env === 'dev' && options.keyTaggers === true) {
          statements.push(allow('kms:TagResource', `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`));
        }
        role(
          `${team}-${env}-${kind}`,
          trustAccount({ Condition: { StringEquals: { 'aws:PrincipalTag/team': team } } }),
          [inline(`${kind}-permissions`, doc(...noise(team, env, 2), ...statements))],
          [pick(pool), pick(pool), abacSign],
          { team, env },
        );
      }
    }
  }
  // Over-privileged roles: platform automation that can rewrite IAM (a real path to admin).
  for (let i = 0; i < 3; i++) {
    const team = teams[i] as string;
    role(
      `${team}-platform-automation`,
      trustAccount({ Condition: { StringEquals: { 'aws:PrincipalTag/team': team } } }),
      [inline('iam-automation', doc(allow(['iam:PutRolePolicy', 'iam:AttachRolePolicy'], roleArn(`${team}-*`))))],
      [],
      { team, env: 'prod' },
    );
  }
  // CI roles trusted by the team's deploy roles.
  for (const team of teams) {
    role(
      `${team}-ci`,
      doc({
        Effect: 'Allow',
        Principal: { AWS: [roleArn(`${team}-dev-deploy`), roleArn(`${team}-staging-deploy`)] },
        Action: 'sts:AssumeRole',
      }),
      [
        inline(
          'ci',
          doc(allow('iam:PassRole', roleArn(`${team}-*-svc-*`)), allow(['codebuild:CreateProject', 'codebuild:StartBuild'], '*')),
        ),
      ],
      [],
      { team },
    );
  }
  let n = 0;
  while (roles.length < roleTarget) {
    const team = teams[n % teamCount] as string;
    const env = ENVS[Math.floor(n / teamCount) % 3] as (typeof ENVS)[number];
    const index = Math.floor(n / (teamCount * 3));
    const service = SERVICES[n % SERVICES.length] as string;
    const pool = teamPools.get(`${team}/${env}`) as string[];
    const attached = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(pool));
    const inlines = Array.from({ length: 1 + Math.floor(random() * 2) }, (_, p) => inline(`svc-${p}`, doc(...noise(team, env, 2))));
    role(`${team}-${env}-svc-${pad(index, 3)}`, trustService(service), inlines, [...new Set(attached)], { team, env });
    n++;
  }

  // Fill up to the policy target with more inline policies on workload roles (bulk of a real account).
  let r = 0;
  while (policies.length + inlineCount < policyTarget && roles.length > 0) {
    const target = roles[(r * 7919) % roles.length] as { RolePolicyList: Json[]; Tags: { Key: string; Value: string }[] };
    const team = target.Tags.find((t) => t.Key === 'team')?.Value ?? 'shared';
    target.RolePolicyList.push(inline(`extra-${r}`, doc(...noise(team, 'dev', 2))));
    r++;
  }

  // ── KMS keys ───────────────────────────────────────────────────────────────────────────
  const rootStatement = { Sid: 'EnableIamPolicies', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };
  const kmsKeys: Json[] = [];
  keys.forEach((k, i) => {
    const admin = roleArn(`${k.team}-prod-deploy`);
    const user = roleArn(`${k.team}-${k.env}-svc-${pad(i % 60, 3)}`);
    let policy: Json;
    const shape = i % 20;
    if (shape === 0) {
      // Closed policy: only named roles, no delegation to IAM.
      policy = doc({
        Sid: 'KeyUsers',
        Effect: 'Allow',
        Principal: { AWS: [user, admin] },
        Action: ['kms:Sign', 'kms:Verify', 'kms:GenerateMac', 'kms:DescribeKey'],
        Resource: '*',
      });
    } else if (shape === 1) {
      // Delegation only for the team's deploy role, by principal ARN.
      policy = doc({ ...rootStatement, Condition: { ArnLike: { 'aws:PrincipalArn': roleArn(`${k.team}-*-deploy`) } } });
    } else {
      policy = doc(
        rootStatement,
        {
          Sid: 'KeyAdministrators',
          Effect: 'Allow',
          Principal: { AWS: admin },
          Action: ['kms:Describe*', 'kms:Put*', 'kms:Create*', 'kms:Enable*', 'kms:Disable*'],
          Resource: '*',
        },
        {
          Sid: 'KeyUsers',
          Effect: 'Allow',
          Principal: { AWS: user },
          Action: k.usage === 'SIGN_VERIFY' ? ['kms:Sign', 'kms:Verify'] : ['kms:GenerateMac'],
          Resource: '*',
        },
      );
    }
    kmsKeys.push({
      KeyMetadata: {
        KeyId: k.id,
        Arn: keyArn(k.id),
        KeySpec: k.usage === 'SIGN_VERIFY' ? 'ECC_NIST_P256' : 'HMAC_256',
        KeyUsage: k.usage,
        KeyState: 'Enabled',
        KeyManager: 'CUSTOMER',
        Description: `${k.team} ${k.env} signing key`,
      },
      Policy: JSON.stringify(policy),
      Aliases: [
        {
          AliasName: `alias/${k.team}/${k.env}/signing-${i}`,
          AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/${k.team}/${k.env}/signing-${i}`,
        },
      ],
      Grants:
        i % 25 === 7
          ? [
              {
                GrantId: `grant-${i}`,
                GranteePrincipal: roleArn(`${k.team}-${k.env}-svc-${pad((i + 1) % 60, 3)}`),
                Operations: k.usage === 'SIGN_VERIFY' ? ['Sign', 'Verify'] : ['GenerateMac'],
              },
            ]
          : [],
      Tags: [
        { TagKey: 'team', TagValue: k.team },
        { TagKey: 'env', TagValue: k.env },
      ],
    });
  });
  for (const c of cmks) {
    kmsKeys.push({
      KeyMetadata: {
        KeyId: c.id,
        Arn: keyArn(c.id),
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
        KeyManager: 'CUSTOMER',
        Description: `${c.team} ${c.env} data key`,
      },
      Policy: JSON.stringify(doc(rootStatement)),
      Aliases: [{ AliasName: `alias/${c.team}/${c.env}/data`, AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/${c.team}/${c.env}/data` }],
      Grants: [],
      Tags: [{ TagKey: 'team', TagValue: c.team }],
    });
  }

  // ── Secrets and parameters ─────────────────────────────────────────────────────────────
  const secrets: Json[] = [];
  for (let i = 0; i < secretCount; i++) {
    const team = teams[i % teamCount] as string;
    const env = ENVS[i % 3] as string;
    const name = `${team}/${env}/jwt-signing-${i}`;
    secrets.push({
      ARN: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-Ab12Cd`,
      Name: name,
      KmsKeyId: i % 2 === 0 ? `alias/${team}/${env}/data` : undefined,
      Tags: [
        { Key: 'sever:signing-key', Value: 'true' },
        { Key: 'team', Value: team },
      ],
      ...(i % 10 === 0
        ? {
            ResourcePolicy: JSON.stringify(
              doc({
                Effect: 'Deny',
                Principal: '*',
                Action: 'secretsmanager:GetSecretValue',
                Resource: '*',
                Condition: { StringNotEquals: { 'aws:PrincipalTag/team': team } },
              }),
            ),
          }
        : {}),
    });
  }
  const parameters: Json[] = [];
  for (let i = 0; i < parameterCount; i++) {
    const team = teams[i % teamCount] as string;
    const env = ENVS[i % 3] as string;
    const name = `/${team}/${env}/hmac-key-${i}`;
    parameters.push({
      Name: name,
      ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`,
      Type: 'SecureString',
      ...(i % 3 === 0 ? { KeyId: `alias/${team}/${env}/data` } : {}),
      Tags: [
        { Key: 'sever:signing-key', Value: 'true' },
        { Key: 'team', Value: team },
      ],
    });
  }
  // Non-signing noise the analysis must skip.
  for (let i = 0; i < 500; i++)
    secrets.push({ ARN: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db/password-${i}-Zz99Yy`, Name: `db/password-${i}`, Tags: [] });

  const organization = {
    ServiceControlPolicies: [
      [doc(allow('*', '*'))],
      [
        doc(
          allow('*', '*'),
          deny(['organizations:LeaveOrganization', 'account:*'], '*'),
          deny(['iam:CreateUser', 'iam:DeleteRolePermissionsBoundary', 'iam:DeleteUserPermissionsBoundary'], '*', {
            Condition: { ArnNotLike: { 'aws:PrincipalArn': [roleArn('breakglass'), roleArn('*-platform-automation')] } },
          }),
        ),
      ],
    ],
    ResourceControlPolicies: [],
  };

  const files: SnapshotFiles = {
    'account.json': JSON.stringify({ AccountId: ACCOUNT, Partition: 'aws', Region: REGION }),
    'authorization-details.json': JSON.stringify({
      UserDetailList: users,
      GroupDetailList: groups,
      RoleDetailList: roles,
      Policies: policies,
    }),
    'kms-keys.json': JSON.stringify({ Keys: kmsKeys }),
    'secrets.json': JSON.stringify({ Secrets: secrets }),
    'ssm-parameters.json': JSON.stringify({ Parameters: parameters }),
    'credentials.json': JSON.stringify({ Users: credentials }),
    'organization.json': JSON.stringify(organization),
  };
  return {
    files,
    counts: {
      roles: roles.length,
      users: users.length,
      groups: groups.length,
      managedPolicies: policies.length,
      inlinePolicies: inlineCount,
      kmsSigningKeys: keys.length,
      signingSecrets: secretCount,
      signingParameters: parameterCount,
    },
    // User i is in team i % teams; users 0-7 are administrators, i % 10 === 3 are on call, teams 0-2 can reach a platform role that rewrites IAM.
    sampleEmployees: { admin: 'E-00000', engineer: 'E-00047', oncall: 'E-00053', escalator: 'E-00041' },
  };
}

function main(argv: string[]): void {
  const out = argv[argv.indexOf('--out') + 1];
  if (!argv.includes('--out') || out === undefined) {
    process.stderr.write('usage: npx tsx bench/synthetic-org.ts --out DIR [--scale 0.1] [--key-taggers]\n');
    process.exitCode = 2;
    return;
  }
  const scale = argv.includes('--scale') ? Number(argv[argv.indexOf('--scale') + 1]) : 1;
  const org = generateSyntheticOrg({
    roles: Math.round(10_000 * scale),
    users: Math.round(2_000 * scale),
    policies: Math.round(50_000 * scale),
    signingMaterial: Math.round(5_000 * scale),
    keyTaggers: argv.includes('--key-taggers'),
  });
  mkdirSync(out, { recursive: true });
  for (const [name, text] of Object.entries(org.files)) if (text !== undefined) writeFileSync(join(out, name), text);
  process.stdout.write(`${JSON.stringify(org.counts)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
