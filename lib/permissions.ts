import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { LEDGER_IAM_ACTIONS } from '../lambda/adapters/aws/ledger-table.js';
import { revocationReaderPolicyStatement, revocationWriterPolicyStatement } from '../lambda/core/tokens/revocation.js';

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
      resources: [iamArn(`role${SEVER_IAM_PATH}*`), iamArn(`policy${SEVER_IAM_PATH}*`), ...targets.protectedPrincipalArns],
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

/** Use of a table's CMK, only through DynamoDB on that table's behalf. */
export function tableKeyStatement(scope: IConstruct, access: TableAccess, actions: readonly string[], sid: string): PolicyStatement {
  return new PolicyStatement({
    sid,
    actions: [...actions],
    resources: [access.key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(scope).region}.amazonaws.com` } },
  });
}

const WRITE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];
const READ_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
// Only these reach into indexes; the others act on the table itself.
const INDEX_ACTIONS = new Set(['dynamodb:Query', 'dynamodb:Scan']);

/** How a function uses the ledger; the actions come from the ledger adapter's `LEDGER_IAM_ACTIONS`. */
export type LedgerRole = keyof typeof LEDGER_IAM_ACTIONS;

/**
 * Ledger access for one role: `writer` (PutItem, Query for the case head), `digester` (adds
 * Scan for the first digest) or `reader`. Never UpdateItem, DeleteItem, BatchWriteItem, PartiQL
 * or transactions: an entry, once written, cannot be changed by any Sever principal.
 *
 * @example
 * ```ts
 * for (const statement of ledgerStatements(this, ledger, 'writer')) fn.addToRolePolicy(statement);
 * ```
 */
export function ledgerStatements(scope: IConstruct, ledger: TableAccess, role: LedgerRole): PolicyStatement[] {
  const actions: readonly string[] = LEDGER_IAM_ACTIONS[role];
  const forbidden = actions.filter((action) => FORBIDDEN_LEDGER_ACTIONS.includes(action));
  if (forbidden.length > 0) throw new Error(`ledger role "${role}" lists forbidden actions: ${forbidden.join(', ')}`);
  const onTable = actions.filter((action) => !INDEX_ACTIONS.has(action));
  const onIndexes = actions.filter((action) => INDEX_ACTIONS.has(action));
  const tableArn = ledger.table.tableArn;
  const statements: PolicyStatement[] = [];
  if (onTable.length > 0) {
    statements.push(new PolicyStatement({ sid: 'LedgerTable', actions: onTable, resources: [tableArn] }));
  }
  if (onIndexes.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'LedgerQuery',
        actions: onIndexes,
        resources: [tableArn, ...ledger.indexNames.map((name) => `${tableArn}/index/${name}`)],
      }),
    );
  }
  const writes = actions.includes('dynamodb:PutItem');
  statements.push(tableKeyStatement(scope, ledger, writes ? WRITE_KEY_ACTIONS : READ_KEY_ACTIONS, writes ? 'LedgerKey' : 'LedgerKeyRead'));
  return statements;
}

/** Records revocations with conditional PutItems only (the registry adapter's own statement). */
export function registryWriterStatements(scope: IConstruct, registry: TableAccess): PolicyStatement[] {
  return [
    PolicyStatement.fromJson(revocationWriterPolicyStatement(registry.table.tableArn)),
    tableKeyStatement(scope, registry, WRITE_KEY_ACTIONS, 'RegistryKey'),
  ];
}

/** What a relying service's verifier needs: read the registry and decrypt it through DynamoDB. */
export function registryReaderStatements(scope: IConstruct, registry: TableAccess): PolicyStatement[] {
  return [
    PolicyStatement.fromJson(revocationReaderPolicyStatement(registry.table.tableArn)),
    tableKeyStatement(scope, registry, READ_KEY_ACTIONS, 'RegistryKeyRead'),
  ];
}
