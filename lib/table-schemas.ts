/**
 * Key schemas of Sever's tables, as the stack creates them. The names must match what the
 * DynamoDB adapters read and write.
 */

export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

export interface IndexSchema {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** @default 'ALL' */
  readonly projection?: 'ALL' | 'KEYS_ONLY';
}

export interface TableSchema {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly indexes: readonly IndexSchema[];
  readonly timeToLiveAttribute?: string;
}

/** The ledger: one item per entry, `pk` the case, `sk` the entry's sequence number. */
export const LEDGER_TABLE_SCHEMA: TableSchema = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  indexes: [
    { indexName: 'byEmployee', partitionKey: { name: 'employeeId', type: 'S' }, sortKey: { name: 'at', type: 'S' } },
    { indexName: 'byResource', partitionKey: { name: 'resourceArn', type: 'S' }, sortKey: { name: 'at', type: 'S' } },
    { indexName: 'byDay', partitionKey: { name: 'day', type: 'S' }, sortKey: { name: 'at', type: 'S' } },
  ],
};

/** The revocation registry: one item per revoked key id or token, keyed by `pk`. */
export const REGISTRY_TABLE_SCHEMA: TableSchema = {
  partitionKey: { name: 'pk', type: 'S' },
  indexes: [],
};
