import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { TokensError } from '../../../lambda/core/tokens/errors.js';
import { kidRevocationItem, subjectRevocationItem } from '../../../lambda/core/tokens/revocation.js';
import { DynamoDbRevocationReader } from '../../../lambda/verify/dynamodb-registry.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const reader = () =>
  new DynamoDbRevocationReader({
    tableName: 'sever-revocations',
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
  });
const kidItem = (kid: string) => kidRevocationItem(kid, { revokedAt: new Date(0), caseId: 'case-1', keyArn: `arn:key/${kid}` });
const subItem = (sub: string) => subjectRevocationItem(sub, { notBefore: new Date(60_000), caseId: 'case-1' });

describe('Class: DynamoDbRevocationReader', () => {
  afterEach(() => {
    ddbMock.reset();
  });

  describe('Method: readAll', () => {
    it('scans every page with strongly consistent reads', async () => {
      // Prepare
      ddbMock
        .on(ScanCommand)
        .resolvesOnce({ Items: [kidItem('k1'), subItem('alice')], LastEvaluatedKey: { pk: 'sub#alice' } })
        .resolvesOnce({ Items: [kidItem('k2')] });

      // Act
      const snapshot = await reader().readAll();

      // Assess
      expect([...snapshot.kids.keys()]).toEqual(['k1', 'k2']);
      expect(snapshot.subjects.get('alice')).toEqual({ sub: 'alice', notBefore: 60, caseId: 'case-1' });
      expect(ddbMock).toHaveReceivedCommandTimes(ScanCommand, 2);
      expect(ddbMock).toHaveReceivedNthCommandWith(ScanCommand, 1, { TableName: 'sever-revocations', ConsistentRead: true });
      expect(ddbMock).toHaveReceivedNthCommandWith(ScanCommand, 2, {
        TableName: 'sever-revocations',
        ConsistentRead: true,
        ExclusiveStartKey: { pk: 'sub#alice' },
      });
    });

    it('returns empty maps for an empty table', async () => {
      // Prepare
      ddbMock.on(ScanCommand).resolves({ Items: [] });

      // Act
      const snapshot = await reader().readAll();

      // Assess
      expect(snapshot.kids.size + snapshot.subjects.size).toBe(0);
    });

    it('rejects a malformed revocation instead of skipping it', async () => {
      // Prepare
      ddbMock.on(ScanCommand).resolves({ Items: [{ pk: 'sub#alice', caseId: 'c' }] });

      // Act
      const error = (await reader()
        .readAll()
        .catch((caught: unknown) => caught)) as TokensError;

      // Assess
      expect(error.code).toBe('ERR_REVOCATION_ITEM_INVALID');
    });

    it('lets a failed scan reject, so the verifier keeps its last snapshot', async () => {
      // Prepare
      ddbMock.on(ScanCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

      // Act
      const error = await reader()
        .readAll()
        .catch((caught: unknown) => caught);

      // Assess
      expect((error as Error).name).toBe('AccessDeniedException');
    });
  });

  describe('Method: readKid', () => {
    it('gets one kid item by key', async () => {
      // Prepare
      ddbMock.on(GetCommand).resolves({ Item: kidItem('k1') });

      // Act
      const revocation = await reader().readKid('k1');

      // Assess
      expect(revocation).toEqual({ kid: 'k1', revokedAt: '1970-01-01T00:00:00.000Z', caseId: 'case-1', keyArn: 'arn:key/k1' });
      expect(ddbMock).toHaveReceivedCommandWith(GetCommand, {
        TableName: 'sever-revocations',
        Key: { pk: 'kid#k1' },
        ConsistentRead: true,
      });
    });
  });

  describe('Method: readSubject', () => {
    it('is undefined for a subject never revoked', async () => {
      // Prepare
      ddbMock.on(GetCommand).resolves({});

      // Act
      const revocation = await reader().readSubject('bob');

      // Assess
      expect(revocation).toBeUndefined();
      expect(ddbMock).toHaveReceivedCommandWith(GetCommand, { Key: { pk: 'sub#bob' } });
    });
  });
});
