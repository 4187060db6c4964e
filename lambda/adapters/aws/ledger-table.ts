import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The ledger table's schema as plain data. The CDK stack and the sandbox's dynalite
 * bootstrap both build the table from this one constant, so the deployed table and the
 * local one cannot drift apart. See docs/ledger-format.md for the item format.
 *
 * - Case entries: `pk = CASE#<caseId>`, `sk` = the entry's seq (a Number, so the sort is
 *   numeric without padding).
 * - Digests: `pk = DIGEST`, `sk` = the digest's seq.
 * - Indexes are sparse: digests carry none of their key attributes and so never appear in
 *   them; entries without a resource ARN are absent from `byResource`.
 *
 * @example
 * ```ts
 * new dynamodb.TableV2(this, 'Ledger', {
 *   partitionKey: { name: LEDGER_TABLE.partitionKey.name, type: dynamodb.AttributeType.STRING },
 *   sortKey: { name: LEDGER_TABLE.sortKey.name, type: dynamodb.AttributeType.NUMBER },
 *   globalSecondaryIndexes: LEDGER_TABLE.globalSecondaryIndexes.map((gsi) => ({ indexName: gsi.indexName, ... })),
 * });
 * ```
 */
export const LEDGER_TABLE = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'N' },
  globalSecondaryIndexes: [
    {
      indexName: 'byEmployee',
      partitionKey: { name: 'employeeId', type: 'S' },
      sortKey: { name: 'at', type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: 'byResource',
      partitionKey: { name: 'resourceArn', type: 'S' },
      sortKey: { name: 'at', type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: 'byDay',
      partitionKey: { name: 'day', type: 'S' },
      sortKey: { name: 'at', type: 'S' },
      projection: 'ALL',
    },
  ],
  /** Prefix of a case's partition key value. */
  casePartitionPrefix: 'CASE#',
  /** Partition key value of the digest chain. */
  digestPartition: 'DIGEST',
  /** Table name the sandbox uses. */
  sandboxTableName: 'sever-ledger',
} as const;

export type LedgerIndexName = (typeof LEDGER_TABLE.globalSecondaryIndexes)[number]['indexName'];

/**
 * IAM actions each role needs on the ledger table and its indexes, and nothing more.
 * Writers never get UpdateItem, DeleteItem or BatchWriteItem: appends are conditional
 * PutItems, so the only way to change history is with credentials no Sever function holds.
 */
export const LEDGER_IAM_ACTIONS = {
  /** Functions that append entries (reads the case head, writes the next seq). */
  writer: ['dynamodb:PutItem', 'dynamodb:Query'],
  /** The scheduled digest function (Scan only for the very first digest of a table). */
  digester: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan'],
  /** Auditors, the audit API and `sever ledger`. */
  reader: ['dynamodb:Query', 'dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:DescribeTable'],
} as const;

/**
 * The CreateTable request for the ledger table, on-demand billing. Used by the sandbox;
 * the CDK stack builds the equivalent from {@link LEDGER_TABLE} itself.
 */
export const ledgerCreateTableInput = (tableName: string): CreateTableCommandInput => {
  const attributes = new Map<string, 'S' | 'N'>();
  attributes.set(LEDGER_TABLE.partitionKey.name, LEDGER_TABLE.partitionKey.type);
  attributes.set(LEDGER_TABLE.sortKey.name, LEDGER_TABLE.sortKey.type);
  for (const gsi of LEDGER_TABLE.globalSecondaryIndexes) {
    attributes.set(gsi.partitionKey.name, gsi.partitionKey.type);
    attributes.set(gsi.sortKey.name, gsi.sortKey.type);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: [
      { AttributeName: LEDGER_TABLE.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: LEDGER_TABLE.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: LEDGER_TABLE.globalSecondaryIndexes.map((gsi) => ({
      IndexName: gsi.indexName,
      KeySchema: [
        { AttributeName: gsi.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: gsi.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: gsi.projection },
    })),
  };
};
