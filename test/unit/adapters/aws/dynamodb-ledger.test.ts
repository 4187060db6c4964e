import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbLedger, entryToItem, itemToEntry } from '../../../../lambda/adapters/aws/dynamodb-ledger.js';
import { GENESIS_HASH, sealEntry } from '../../../../lambda/core/ledger/chain.js';
import { signDigest } from '../../../../lambda/core/ledger/digest.js';
import type { LedgerEntryInput } from '../../../../lambda/core/ledger/types.js';

const TABLE = 'sever-ledger';
const clock = { now: () => new Date('2025-03-01T09:00:00.000Z') };
const input: LedgerEntryInput = {
  caseId: 'c-1',
  employeeId: 'E1',
  type: 'action-succeeded',
  resourceArn: 'arn:aws:iam::111122223333:user/alice',
  actor: { function: 'revoke', requestId: 'r-1' },
  data: { actionId: 's1', before: { status: 'Active' }, after: { status: 'Inactive' } },
};
const first = sealEntry(input, { seq: 1, at: '2025-03-01T08:59:00.000Z', prevHash: GENESIS_HASH });

describe('Class: DynamoDbLedger', () => {
  const dynamo = mockClient(DynamoDBClient);
  const ledger = (maxAppendAttempts = 5) =>
    new DynamoDbLedger({
      tableName: TABLE,
      client: new DynamoDBClient({ region: 'eu-west-1' }),
      clock,
      maxAppendAttempts,
      retryBaseDelayMs: 0,
    });

  afterEach(() => {
    dynamo.reset();
  });

  describe('Method: append', () => {
    it('reads the head consistently and writes seq 1 with a PutItem that cannot overwrite', async () => {
      // Prepare
      dynamo.on(QueryCommand).resolves({ Items: [] });
      dynamo.on(PutItemCommand).resolves({});

      // Act
      const entry = await ledger().append(input);

      // Assess
      expect(entry).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, at: '2025-03-01T09:00:00.000Z' });
      expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
        TableName: TABLE,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'CASE#c-1' } },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      });
      expect(dynamo).toHaveReceivedCommandWith(PutItemCommand, {
        TableName: TABLE,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'pk' },
        Item: expect.objectContaining({ pk: { S: 'CASE#c-1' }, sk: { N: '1' }, day: { S: '2025-03-01' }, hash: { S: entry.hash } }),
      });
    });

    it('re-reads the head and takes the next seq when another writer won the race', async () => {
      // Prepare
      dynamo
        .on(QueryCommand)
        .resolvesOnce({ Items: [] })
        .resolves({ Items: [entryToItem(first)] });
      dynamo
        .on(PutItemCommand)
        .rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }))
        .resolves({});

      // Act
      const entry = await ledger().append(input);

      // Assess
      expect(entry).toMatchObject({ seq: 2, prevHash: first.hash });
      expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, 2);
      expect(dynamo).toHaveReceivedNthCommandWith(PutItemCommand, 1, { Item: expect.objectContaining({ sk: { N: '1' } }) });
      expect(dynamo).toHaveReceivedNthCommandWith(PutItemCommand, 2, { Item: expect.objectContaining({ sk: { N: '2' } }) });
    });

    it('gives up with ERR_LEDGER_CONFLICT after the bounded number of attempts', async () => {
      // Prepare
      dynamo.on(QueryCommand).resolves({ Items: [] });
      dynamo.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'taken', $metadata: {} }));

      // Act
      const act = ledger(3).append(input);

      // Assess
      await expect(act).rejects.toMatchObject({ code: 'ERR_LEDGER_CONFLICT' });
      expect(dynamo).toHaveReceivedCommandTimes(PutItemCommand, 3);
    });

    it('refuses to chain onto a head item that is not an entry', async () => {
      // Prepare
      const { hash: _removed, ...broken } = entryToItem(first);
      dynamo.on(QueryCommand).resolves({ Items: [broken] });

      // Act
      const act = ledger().append(input);

      // Assess
      await expect(act).rejects.toMatchObject({ code: 'ERR_LEDGER_CORRUPT_ITEM' });
      await expect(act).rejects.toThrow('CASE#c-1/1');
      expect(dynamo).toHaveReceivedCommandTimes(PutItemCommand, 0);
    });

    it('refuses an empty resourceArn, which no index can hold', async () => {
      // Act
      const act = ledger().append({ ...input, resourceArn: '' });

      // Assess
      await expect(act).rejects.toMatchObject({ code: 'ERR_LEDGER_INVALID_INPUT' });
      expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, 0);
    });

    it.each([
      ['throttling', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }), 'ERR_LEDGER_UNAVAILABLE'],
      [
        'a missing table',
        new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }),
        'ERR_LEDGER_TABLE_NOT_FOUND',
      ],
      ['missing permissions', Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }), 'ERR_LEDGER_ACCESS_DENIED'],
    ])('translates %s into a ledger error code', async (_name, error, code) => {
      // Prepare
      dynamo.on(QueryCommand).rejects(error);

      // Act
      const act = ledger().append(input);

      // Assess
      await expect(act).rejects.toMatchObject({ code, cause: error });
      await expect(act).rejects.toThrow(TABLE);
    });

    it('rethrows an error it does not recognise unchanged', async () => {
      // Prepare
      const unknown = new Error('something else');
      dynamo.on(QueryCommand).rejects(unknown);

      // Act
      const act = ledger().append(input);

      // Assess
      await expect(act).rejects.toBe(unknown);
    });
  });

  describe('Method: queryPage', () => {
    it('queries the employee index by time range with the requested page size', async () => {
      // Prepare
      dynamo.on(QueryCommand).resolves({
        Items: [entryToItem(first)],
        LastEvaluatedKey: { pk: { S: 'CASE#c-1' }, sk: { N: '1' }, employeeId: { S: 'E1' }, at: { S: first.at } },
      });

      // Act
      const page = await ledger().queryPage({ by: 'employee', employeeId: 'E1', since: '2025-03-01', until: '2025-03-02' }, { limit: 1 });

      // Assess
      expect(page.entries).toEqual([first]);
      expect(page.cursor).toEqual(expect.any(String));
      expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
        IndexName: 'byEmployee',
        KeyConditionExpression: '#pk = :pk AND #at BETWEEN :since AND :until',
        ExpressionAttributeNames: { '#pk': 'employeeId', '#at': 'at' },
        ExpressionAttributeValues: {
          ':pk': { S: 'E1' },
          ':since': { S: '2025-03-01T00:00:00.000Z' },
          ':until': { S: '2025-03-01T23:59:59.999Z' },
        },
        Limit: 1,
      });
    });

    it('refuses a cursor whose key holds attributes that are not ledger keys', async () => {
      // Prepare
      dynamo.on(QueryCommand).resolves({ Items: [entryToItem(first)], LastEvaluatedKey: { pk: { S: 'CASE#c-1' }, sk: { N: '1' } } });
      const { cursor } = await ledger().queryPage({ by: 'case', caseId: 'c-1' }, { limit: 1 });
      const decoded = JSON.parse(Buffer.from(cursor ?? '', 'base64url').toString()) as { k: Record<string, unknown> };
      decoded.k.data = { S: 'x' };
      const tampered = Buffer.from(JSON.stringify(decoded)).toString('base64url');

      // Act
      const act = ledger().queryPage({ by: 'case', caseId: 'c-1' }, { limit: 1, cursor: tampered });

      // Assess
      await expect(act).rejects.toMatchObject({ code: 'ERR_LEDGER_INVALID_QUERY' });
    });
  });

  describe('Method: appendDigest', () => {
    it('reports a taken digest seq as ERR_LEDGER_SEQ_TAKEN', async () => {
      // Prepare
      dynamo.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'taken', $metadata: {} }));
      const signer = {
        sign: async () => ({ keyId: 'k', signature: 'c2ln', algorithm: 'ECDSA_SHA_256' as const }),
        verify: async () => true,
      };
      const digest = await signDigest({ previous: undefined, leaves: [], at: '2025-03-01T10:00:00.000Z', signer });

      // Act
      const act = ledger().appendDigest(digest);

      // Assess
      await expect(act).rejects.toMatchObject({ code: 'ERR_LEDGER_SEQ_TAKEN' });
      expect(dynamo).toHaveReceivedCommandWith(PutItemCommand, { Item: expect.objectContaining({ pk: { S: 'DIGEST' }, sk: { N: '1' } }) });
    });
  });
});

describe('Function: itemToEntry', () => {
  it('reads back exactly the entry entryToItem wrote', () => {
    // Act
    const read = itemToEntry(entryToItem(first));

    // Assess
    expect(read).toEqual(first);
  });

  it('refuses a set, which JSON cannot hold', () => {
    // Prepare
    const item = { ...entryToItem(first), data: { M: { tags: { SS: ['a'] } } } };

    // Act
    const act = () => itemToEntry(item);

    // Assess
    expect(act).toThrow('data.tags');
  });
});
