import { LEDGER_TABLE } from '../lambda/adapters/aws/ledger-table.js';
import { REVOCATION_TABLE_KEY } from '../lambda/core/tokens/revocation.js';

/**
 * Key schemas of Sever's tables, taken from the constants the DynamoDB adapters and the sandbox
 * use, so the deployed tables cannot drift from the code that reads and writes them.
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

/** The ledger: `pk` = `CASE#<caseId>` or `DIGEST`, `sk` = seq (Number); sparse indexes. */
export const LEDGER_TABLE_SCHEMA: TableSchema = {
  partitionKey: LEDGER_TABLE.partitionKey,
  sortKey: LEDGER_TABLE.sortKey,
  indexes: LEDGER_TABLE.globalSecondaryIndexes.map((index) => ({
    indexName: index.indexName,
    partitionKey: index.partitionKey,
    sortKey: index.sortKey,
    projection: index.projection,
  })),
};

/** The revocation registry: one item per revoked kid (`kid#…`) or subject (`sub#…`). */
export const REGISTRY_TABLE_SCHEMA: TableSchema = {
  partitionKey: REVOCATION_TABLE_KEY.partitionKey,
  indexes: [],
};
