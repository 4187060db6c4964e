import { describe, expect, it } from 'vitest';
import { LEDGER_TABLE, ledgerCreateTableInput } from '../../../../lambda/adapters/aws/ledger-table.js';

describe('Function: ledgerCreateTableInput', () => {
  it('builds the table and every index from the shared schema constant', () => {
    // Act
    const input = ledgerCreateTableInput('t');

    // Assess
    expect(input.KeySchema).toEqual([
      { AttributeName: LEDGER_TABLE.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: LEDGER_TABLE.sortKey.name, KeyType: 'RANGE' },
    ]);
    expect(input.GlobalSecondaryIndexes?.map((gsi) => [gsi.IndexName, gsi.KeySchema?.map((k) => k.AttributeName)])).toEqual(
      LEDGER_TABLE.globalSecondaryIndexes.map((gsi) => [gsi.indexName, [gsi.partitionKey.name, gsi.sortKey.name]]),
    );
    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('declares each key attribute once, with its schema type', () => {
    // Act
    const definitions = ledgerCreateTableInput('t').AttributeDefinitions ?? [];

    // Assess
    expect(Object.fromEntries(definitions.map((d) => [d.AttributeName, d.AttributeType]))).toEqual({
      pk: 'S',
      sk: 'N',
      employeeId: 'S',
      resourceArn: 'S',
      day: 'S',
      at: 'S',
    });
    expect(definitions).toHaveLength(6);
  });
});
