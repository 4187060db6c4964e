import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbRevocationRegistry } from '../../../../lambda/adapters/aws/revocation-registry.js';
import { PortError } from '../../../../lambda/core/errors.js';

const ddbMock = mockClient(DynamoDBDocumentClient);
const registry = () =>
  new DynamoDbRevocationRegistry({
    tableName: 'sever-revocations',
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
  });
const conditionFailed = () => new ConditionalCheckFailedException({ $metadata: {}, message: 'The conditional request failed' });

describe('Class: DynamoDbRevocationRegistry', () => {
  afterEach(() => {
    ddbMock.reset();
  });

  describe('Method: revokeKid', () => {
    it('puts a kid item only if the kid is not revoked yet', async () => {
      // Prepare
      ddbMock.on(PutCommand).resolves({ $metadata: { requestId: 'req-1' } });

      // Act
      const write = await registry().revokeKid('kid-1', {
        revokedAt: new Date('2025-03-01T09:00:00.000Z'),
        caseId: 'case-7',
        keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k1',
      });

      // Assess
      expect(write).toEqual({ changed: true, requestId: 'req-1' });
      expect(ddbMock).toHaveReceivedCommandTimes(PutCommand, 1);
      expect(ddbMock).toHaveReceivedCommandWith(PutCommand, {
        TableName: 'sever-revocations',
        Item: {
          pk: 'kid#kid-1',
          kind: 'kid',
          kid: 'kid-1',
          revokedAt: '2025-03-01T09:00:00.000Z',
          caseId: 'case-7',
          keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k1',
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input.ExpressionAttributeValues).toBeUndefined();
    });

    it('keeps the first revocation: a repeated revocation changes nothing', async () => {
      // Prepare
      ddbMock.on(PutCommand).rejects(conditionFailed());

      // Act
      const write = await registry().revokeKid('kid-1', { revokedAt: new Date(), caseId: 'case-8', keyArn: 'arn:k' });

      // Assess
      expect(write).toEqual({ changed: false });
    });

    it('translates other failures into a PortError naming table and item', async () => {
      // Prepare
      ddbMock.on(PutCommand).rejects(
        Object.assign(new Error('User is not authorized'), {
          name: 'AccessDeniedException',
          $fault: 'client',
          $metadata: { requestId: 'req-9' },
        }),
      );

      // Act
      const error = (await registry()
        .revokeKid('kid-1', { revokedAt: new Date(), caseId: 'c', keyArn: 'arn:k' })
        .catch((caught: unknown) => caught)) as PortError;

      // Assess
      expect(error).toBeInstanceOf(PortError);
      expect(error.code).toBe('ERR_ACCESS_DENIED');
      expect(error.requestId).toBe('req-9');
      expect(error.message).toContain('dynamodb:PutItem on sever-revocations/kid#kid-1');
    });
  });

  describe('Method: revokeSubject', () => {
    it('puts a subject item only if none exists or the stored notBefore is earlier', async () => {
      // Prepare
      ddbMock.on(PutCommand).resolves({ $metadata: {} });
      const notBefore = new Date('2025-03-01T09:00:00.400Z');

      // Act
      const write = await registry().revokeSubject('alice', { notBefore, caseId: 'case-7' });

      // Assess
      expect(write).toEqual({ changed: true });
      expect(ddbMock).toHaveReceivedCommandWith(PutCommand, {
        TableName: 'sever-revocations',
        Item: {
          pk: 'sub#alice',
          kind: 'sub',
          sub: 'alice',
          notBefore: Math.ceil(notBefore.getTime() / 1000),
          notBeforeIso: '2025-03-01T09:00:00.400Z',
          caseId: 'case-7',
        },
        ConditionExpression: 'attribute_not_exists(pk) OR notBefore < :notBefore',
        ExpressionAttributeValues: { ':notBefore': Math.ceil(notBefore.getTime() / 1000) },
      });
    });

    it('keeps a later notBefore already stored', async () => {
      // Prepare
      ddbMock.on(PutCommand).rejects(conditionFailed());

      // Act
      const write = await registry().revokeSubject('alice', { notBefore: new Date(0), caseId: 'old-case' });

      // Assess
      expect(write).toEqual({ changed: false });
    });
  });
});
