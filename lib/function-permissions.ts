import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * The permissions each Sever function needs beyond the ledger and registry, written out action
 * by action. Account-wide resources (`key/*`, `user/*`) are unavoidable where the function must
 * act on whatever the departing engineer could reach; the self-protection denies bound them.
 */

function arns(scope: IConstruct) {
  const stack = Stack.of(scope);
  const regional = (service: string, resource: string): string =>
    `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:${resource}`;
  return {
    iam: (resource: string): string => `arn:${stack.partition}:iam::${stack.account}:${resource}`,
    kms: (resource: string): string => regional('kms', resource),
    secret: (resource: string): string => regional('secretsmanager', resource),
    ssm: (resource: string): string => regional('ssm', resource),
    scheduler: (resource: string): string => regional('scheduler', resource),
    viaService: (service: string): Record<string, Record<string, string>> => ({
      StringEquals: { 'kms:ViaService': `${service}.${stack.region}.amazonaws.com` },
    }),
  };
}

/** Object ARNs for JWKS locations given as bucket ARNs (`…:::bucket`) or object ARNs (`…:::bucket/prefix*`). */
export function jwksObjectArns(locations: readonly string[]): string[] {
  return locations.map((arn) => (arn.includes('/') ? arn : `${arn}/*`));
}

/** The buckets of those locations. */
export function jwksBucketOnlyArns(locations: readonly string[]): string[] {
  return [...new Set(locations.map((arn) => arn.split('/')[0] as string))];
}

function jwksStatements(scope: IConstruct, jwksBucketArns: readonly string[]): PolicyStatement[] {
  const a = arns(scope);
  const statements = [
    new PolicyStatement({
      sid: 'JwksInParameters',
      actions: ['ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:PutParameter', 'ssm:LabelParameterVersion', 'ssm:ListTagsForResource'],
      resources: [a.ssm('parameter/*')],
    }),
    // SecureString parameters are encrypted with keys Sever does not own; only through SSM.
    new PolicyStatement({
      sid: 'ParameterKeysViaSsm',
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [a.kms('key/*')],
      conditions: a.viaService('ssm'),
    }),
  ];
  if (jwksBucketArns.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'JwksInS3',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: jwksObjectArns(jwksBucketArns),
      }),
      // So a JWKS document that does not exist yet reads as 404 rather than 403.
      new PolicyStatement({
        sid: 'JwksBucketList',
        actions: ['s3:ListBucket'],
        resources: jwksBucketOnlyArns(jwksBucketArns),
      }),
    );
  }
  return statements;
}

/** Sever's schedule group and the role its schedules run as. */
export interface SchedulerTarget {
  readonly groupName: string;
  readonly roleArn: string;
}

/**
 * Creating one-time schedules in Sever's own group, passing only the scheduler role (which can
 * invoke nothing but the deferred function).
 */
export function schedulerStatements(scope: IConstruct, scheduler: SchedulerTarget): PolicyStatement[] {
  const a = arns(scope);
  return [
    new PolicyStatement({
      sid: 'ScheduleDeferredSteps',
      actions: ['scheduler:CreateSchedule'],
      resources: [a.scheduler(`schedule/${scheduler.groupName}/*`)],
    }),
    new PolicyStatement({
      sid: 'PassSchedulerRole',
      actions: ['iam:PassRole'],
      resources: [scheduler.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    }),
  ];
}

/** What the revoke function may reach besides the ledger and registry. */
export interface RevokeDependencies {
  readonly scheduler: SchedulerTarget;
  readonly rotationFunctionArn: string;
  readonly jwksBucketArns: readonly string[];
}

/**
 * The revoke function: read the account's IAM, KMS, secrets, parameters and SCPs for the
 * snapshot; cut the engineer's credentials and sessions; rotate keys and secrets; schedule the
 * deferred steps.
 */
export function revokeStatements(scope: IConstruct, deps: RevokeDependencies): PolicyStatement[] {
  const a = arns(scope);
  return [
    new PolicyStatement({
      sid: 'IamSnapshot',
      actions: ['iam:GetAccountAuthorizationDetails', 'iam:Get*', 'iam:List*'],
      resources: ['*'],
    }),
    new PolicyStatement({
      sid: 'IamCutUserCredentials',
      actions: [
        'iam:UpdateAccessKey',
        'iam:DeleteAccessKey',
        'iam:DeleteLoginProfile',
        'iam:DeleteSSHPublicKey',
        'iam:DeleteSigningCertificate',
        'iam:DeleteServiceSpecificCredential',
        'iam:DeactivateMFADevice',
        // A deny-all inline policy conditioned on aws:TokenIssueTime ends live sessions.
        'iam:PutUserPolicy',
      ],
      resources: [a.iam('user/*')],
    }),
    new PolicyStatement({
      sid: 'IamRemoveFromGroups',
      actions: ['iam:RemoveUserFromGroup'],
      resources: [a.iam('group/*'), a.iam('user/*')],
    }),
    new PolicyStatement({
      sid: 'IamDeleteVirtualMfa',
      actions: ['iam:DeleteVirtualMFADevice'],
      resources: [a.iam('mfa/*'), a.iam('user/*')],
    }),
    new PolicyStatement({
      // Revokes sessions of roles the engineer assumed (AWSRevokeOlderSessions-style inline policy).
      sid: 'IamRevokeRoleSessions',
      actions: ['iam:PutRolePolicy'],
      resources: [a.iam('role/*')],
    }),
    new PolicyStatement({
      sid: 'KmsAccountWide',
      // TagResource here too: tagging a key at CreateKey is authorized before the key has an ARN.
      actions: ['kms:CreateKey', 'kms:TagResource', 'kms:ListKeys', 'kms:ListAliases'],
      resources: ['*'],
    }),
    new PolicyStatement({
      sid: 'KmsRotateSigningKeys',
      actions: [
        'kms:DescribeKey',
        'kms:GetKeyPolicy',
        'kms:GetPublicKey',
        'kms:ListGrants',
        'kms:ListResourceTags',
        'kms:UpdateAlias',
        'kms:DisableKey',
        'kms:ScheduleKeyDeletion',
        'kms:RevokeGrant',
        'kms:RetireGrant',
      ],
      resources: [a.kms('key/*')],
    }),
    new PolicyStatement({
      sid: 'KmsRepointAliases',
      actions: ['kms:UpdateAlias'],
      resources: [a.kms('alias/*')],
    }),
    new PolicyStatement({
      sid: 'SecretsList',
      actions: ['secretsmanager:ListSecrets'],
      resources: ['*'],
    }),
    new PolicyStatement({
      sid: 'SecretsRotate',
      actions: ['secretsmanager:RotateSecret', 'secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy'],
      resources: [a.secret('secret:*')],
    }),
    new PolicyStatement({
      // RotateSecret with a rotation function requires the caller to be allowed to invoke it.
      sid: 'SecretsRotationFunction',
      actions: ['lambda:InvokeFunction'],
      resources: [deps.rotationFunctionArn],
    }),
    new PolicyStatement({
      sid: 'ParametersList',
      actions: ['ssm:DescribeParameters'],
      resources: ['*'],
    }),
    ...jwksStatements(scope, deps.jwksBucketArns),
    ...schedulerStatements(scope, deps.scheduler),
    new PolicyStatement({
      sid: 'OrganizationsRead',
      actions: [
        'organizations:DescribeOrganization',
        'organizations:ListRoots',
        'organizations:ListParents',
        'organizations:ListPoliciesForTarget',
        'organizations:DescribePolicy',
      ],
      resources: ['*'],
    }),
  ];
}

/**
 * The deferred function: after the grace period, disable the old keys, schedule their deletion
 * and drop their kids from the JWKS. It resumes the case's plan, which may hand a step still
 * not due back to the scheduler.
 */
export function deferredStatements(
  scope: IConstruct,
  deps: { readonly scheduler: SchedulerTarget; readonly jwksBucketArns: readonly string[] },
): PolicyStatement[] {
  const a = arns(scope);
  return [
    new PolicyStatement({
      sid: 'KmsRetireOldKeys',
      actions: ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:ListResourceTags', 'kms:DisableKey', 'kms:ScheduleKeyDeletion'],
      resources: [a.kms('key/*')],
    }),
    new PolicyStatement({
      sid: 'KmsListAliases',
      actions: ['kms:ListAliases'],
      resources: ['*'],
    }),
    ...jwksStatements(scope, deps.jwksBucketArns),
    ...schedulerStatements(scope, deps.scheduler),
  ];
}

/**
 * The rotation function Secrets Manager invokes for signing-key secrets. Limited to secrets
 * whose rotation is configured to use this very function; it publishes the new public key to
 * the JWKS the secret's `sever:jwks` tag names.
 */
export function rotateSecretStatements(
  scope: IConstruct,
  deps: { readonly rotationFunctionArn: string; readonly jwksBucketArns: readonly string[] },
): PolicyStatement[] {
  const a = arns(scope);
  return [
    new PolicyStatement({
      sid: 'RotateOwnSecrets',
      actions: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ],
      resources: [a.secret('secret:*')],
      conditions: { StringEquals: { 'secretsmanager:resource/AllowRotationLambdaArn': deps.rotationFunctionArn } },
    }),
    new PolicyStatement({
      sid: 'SecretKeysViaSecretsManager',
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [a.kms('key/*')],
      conditions: a.viaService('secretsmanager'),
    }),
    ...jwksStatements(scope, deps.jwksBucketArns),
  ];
}
