import { describe, expect, it } from 'vitest';
import type { TokensError } from '../../../../lambda/core/tokens/errors.js';
import {
  kidRevocationItem,
  REVOCATION_TABLE_KEY,
  revocationReaderPolicyStatement,
  revocationSnapshotFromItems,
  revocationWriterPolicyStatement,
  subjectRevocationItem,
} from '../../../../lambda/core/tokens/revocation.js';

const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:111122223333:table/sever-revocations';

describe('Function: kidRevocationItem', () => {
  it('keys the item by kid# and keeps the case and key', () => {
    // Act
    const item = kidRevocationItem('abc', {
      revokedAt: new Date('2025-03-01T09:00:00.000Z'),
      caseId: 'case-1',
      keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k1',
    });

    // Assess
    expect(item).toEqual({
      pk: 'kid#abc',
      kind: 'kid',
      kid: 'abc',
      revokedAt: '2025-03-01T09:00:00.000Z',
      caseId: 'case-1',
      keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k1',
    });
    expect(Object.keys(item)).toContain(REVOCATION_TABLE_KEY.partitionKey.name);
  });
});

describe('Function: subjectRevocationItem', () => {
  it('rounds notBefore up to whole seconds so a same-second token is rejected', () => {
    // Act
    const item = subjectRevocationItem('alice', { notBefore: new Date('2025-03-01T09:00:00.250Z'), caseId: 'case-1' });

    // Assess
    expect(item.pk).toBe('sub#alice');
    expect(item.notBefore).toBe(Date.parse('2025-03-01T09:00:01.000Z') / 1000);
    expect(item.notBeforeIso).toBe('2025-03-01T09:00:00.250Z');
  });

  it('keeps an exact second as is', () => {
    // Act
    const item = subjectRevocationItem('alice', { notBefore: new Date('2025-03-01T09:00:00.000Z'), caseId: 'c' });

    // Assess
    expect(item.notBefore).toBe(Date.parse('2025-03-01T09:00:00.000Z') / 1000);
  });
});

describe('Function: revocationSnapshotFromItems', () => {
  it('reads kid and subject items back into maps', () => {
    // Prepare
    const kid = kidRevocationItem('k#1', { revokedAt: new Date(0), caseId: 'c1', keyArn: 'arn:k' });
    const sub = subjectRevocationItem('alice', { notBefore: new Date(5_000), caseId: 'c2' });

    // Act
    const snapshot = revocationSnapshotFromItems([kid, sub]);

    // Assess
    expect(snapshot.kids.get('k#1')).toEqual({ kid: 'k#1', revokedAt: '1970-01-01T00:00:00.000Z', caseId: 'c1', keyArn: 'arn:k' });
    expect(snapshot.subjects.get('alice')).toEqual({ sub: 'alice', notBefore: 5, caseId: 'c2' });
  });

  it('skips item kinds it does not know', () => {
    // Act
    const snapshot = revocationSnapshotFromItems([{ pk: 'meta#schema', version: 2 }]);

    // Assess
    expect(snapshot.kids.size + snapshot.subjects.size).toBe(0);
  });

  it.each([
    [{ pk: 'kid#a', revokedAt: 'x', caseId: 'c' }, 'pk="kid#a"', '"keyArn"'],
    [{ pk: 'sub#bob', caseId: 'c', notBefore: '12' }, 'pk="sub#bob"', '"notBefore"'],
    [{ id: 'kid#a' }, 'pk="(none)"', '"pk"'],
  ])('throws ERR_REVOCATION_ITEM_INVALID for a malformed known item %#', (item, pk, field) => {
    // Act
    let error: TokensError | undefined;
    try {
      revocationSnapshotFromItems([item]);
    } catch (caught) {
      error = caught as TokensError;
    }

    // Assess
    expect(error?.code).toBe('ERR_REVOCATION_ITEM_INVALID');
    expect(error?.message).toContain(pk);
    expect(error?.message).toContain(field);
  });
});

describe('Function: revocationReaderPolicyStatement', () => {
  it('allows only Scan and GetItem on the table itself', () => {
    // Act
    const statement = revocationReaderPolicyStatement(TABLE_ARN);

    // Assess
    expect(statement).toEqual({
      Sid: 'SeverRevocationRegistryRead',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:Scan'],
      Resource: [TABLE_ARN],
    });
  });
});

describe('Function: revocationWriterPolicyStatement', () => {
  it('allows only PutItem on the table itself', () => {
    // Act
    const statement = revocationWriterPolicyStatement(TABLE_ARN);

    // Assess
    expect(statement.Action).toEqual(['dynamodb:PutItem']);
    expect(statement.Resource).toEqual([TABLE_ARN]);
  });
});
