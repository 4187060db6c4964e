import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';

/** IAM path of every role and managed policy Sever creates; the self-protection deny covers it. */
export const SEVER_IAM_PATH = '/sever/';

/**
 * Ledger actions no Sever principal may ever hold: the ledger is append-only, so an entry is
 * written once with PutItem and never changed, removed or batch-overwritten.
 */
export const FORBIDDEN_LEDGER_ACTIONS: readonly string[] = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:PartiQLSelect',
  'dynamodb:TransactWriteItems',
  'dynamodb:TransactGetItems',
];

/** IAM write actions the self-protection statement denies on Sever's own and protected principals. */
export const SELF_PROTECTION_IAM_ACTIONS: readonly string[] = [
  'iam:Put*',
  'iam:Attach*',
  'iam:Delete*',
  'iam:Update*',
  'iam:Detach*',
  'iam:Remove*',
  'iam:Deactivate*',
  'iam:Create*',
  'iam:Tag*',
  'iam:Untag*',
  'iam:SetDefaultPolicyVersion',
];

/** KMS actions that would disable or re-key one of Sever's own keys. */
export const SELF_PROTECTION_KMS_ACTIONS: readonly string[] = [
  'kms:DisableKey',
  'kms:ScheduleKeyDeletion',
  'kms:PutKeyPolicy',
  'kms:CreateGrant',
  'kms:RevokeGrant',
  'kms:RetireGrant',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
  'kms:DisableKeyRotation',
];

/** A DynamoDB table, its indexes and the customer-managed key it is encrypted with. */
export interface TableAccess {
  readonly table: ITable;
  readonly key: IKey;
  readonly indexNames: readonly string[];
}

/** What Sever must never act on, even when an account-wide permission would match it. */
export interface SelfProtectionTargets {
  /** Principals from `sever:protectedPrincipalArns`. */
  readonly protectedPrincipalArns: readonly string[];
  /** Sever's own KMS keys. */
  readonly keys: readonly IKey[];
  /** Sever's own secrets. */
  readonly secrets: readonly ISecret[];
}

/**
 * Explicit denies attached to every Sever role. An explicit deny beats any allow, so Sever can
 * never revoke, lock or re-key itself or a protected principal, whatever its allow statements
 * or a future change to them say.
 *
 * @example
 * ```ts
 * for (const statement of selfProtectionStatements(this, targets)) role.addToPrincipalPolicy(statement);
 * ```
 */
export function selfProtectionStatements(scope: IConstruct, targets: SelfProtectionTargets): PolicyStatement[] {
  const stack = Stack.of(scope);
  const iamArn = (resource: string): string => `arn:${stack.partition}:iam::${stack.account}:${resource}`;
  const statements = [
    new PolicyStatement({
      sid: 'DenyIamWritesOnSeverAndProtectedPrincipals',
      effect: Effect.DENY,
      actions: [...SELF_PROTECTION_IAM_ACTIONS],
      resources: [
        iamArn(`role${SEVER_IAM_PATH}*`),
        iamArn(`policy${SEVER_IAM_PATH}*`),
        ...targets.protectedPrincipalArns,
      ],
    }),
  ];
  if (targets.keys.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'DenyKeyChangesOnSeverKeys',
        effect: Effect.DENY,
        actions: [...SELF_PROTECTION_KMS_ACTIONS],
        resources: targets.keys.map((key) => key.keyArn),
      }),
    );
  }
  if (targets.secrets.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'DenySecretChangesOnSeverSecrets',
        effect: Effect.DENY,
        actions: [
          'secretsmanager:RotateSecret',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecret',
          'secretsmanager:DeleteSecret',
          'secretsmanager:PutResourcePolicy',
        ],
        resources: targets.secrets.map((secret) => secret.secretArn),
      }),
    );
  }
  return statements;
}

function tableResources(access: TableAccess): string[] {
  return [access.table.tableArn, ...access.indexNames.map((name) => `${access.table.tableArn}/index/${name}`)];
}

/** Use of a table's CMK, only through DynamoDB on that table's behalf. */
export function tableKeyStatement(scope: IConstruct, access: TableAccess, actions: readonly string[], sid: string): PolicyStatement {
  return new PolicyStatement({
    sid,
    actions: [...actions],
    resources: [access.key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(scope).region}.amazonaws.com` } },
  });
}

/**
 * An append-only ledger writer: PutItem for new entries, GetItem/Query to read a case's head.
 * Never UpdateItem, DeleteItem, BatchWriteItem, PartiQL or transactions.
 */
export function ledgerWriterStatements(scope: IConstruct, ledger: TableAccess): PolicyStatement[] {
  return [
    new PolicyStatement({ sid: 'LedgerAppend', actions: ['dynamodb:PutItem'], resources: [ledger.table.tableArn] }),
    new PolicyStatement({
      sid: 'LedgerReadHead',
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resources: tableResources(ledger),
    }),
    tableKeyStatement(scope, ledger, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], 'LedgerKey'),
  ];
}

/** Read-only ledger access; `scan` adds Scan and DescribeTable for whole-ledger verification. */
export function ledgerReaderStatements(scope: IConstruct, ledger: TableAccess, options: { scan: boolean }): PolicyStatement[] {
  const actions = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
  if (options.scan) actions.push('dynamodb:Scan', 'dynamodb:DescribeTable');
  return [
    new PolicyStatement({ sid: 'LedgerRead', actions, resources: tableResources(ledger) }),
    tableKeyStatement(scope, ledger, ['kms:Decrypt', 'kms:DescribeKey'], 'LedgerKeyRead'),
  ];
}

/** Writes revocation records (new kids, revoked tokens); reads them back for idempotency. */
export function registryWriterStatements(scope: IConstruct, registry: TableAccess): PolicyStatement[] {
  return [
    new PolicyStatement({
      sid: 'RegistryWrite',
      actions: ['dynamodb:PutItem', 'dynamodb:GetItem'],
      resources: [registry.table.tableArn],
    }),
    tableKeyStatement(scope, registry, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], 'RegistryKey'),
  ];
}
