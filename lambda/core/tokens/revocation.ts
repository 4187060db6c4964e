import { TokensError } from './errors.js';
import type { KidRevocation, RevocationSnapshot, SubjectRevocation } from './model.js';
import type { KidRevocationDetails, SubjectRevocationDetails } from './ports.js';

/**
 * The revocation table: one DynamoDB table, one item per revoked kid or subject, partition key
 * only. The CDK stack builds the table from {@link REVOCATION_TABLE_KEY}; adapters and the
 * verifier build and read items with the functions below, so the format lives in one place.
 *
 * Items:
 * - `{ pk: "kid#<kid>", kind: "kid", kid, revokedAt, caseId, keyArn }`
 * - `{ pk: "sub#<sub>", kind: "sub", sub, notBefore, notBeforeIso, caseId }`
 */
export const REVOCATION_TABLE_KEY = {
  partitionKey: { name: 'pk', type: 'S' },
} as const;

export type RevocationItem = KidRevocationItem | SubjectRevocationItem;

// Type aliases, not interfaces: items must be assignable to plain attribute maps.
export type KidRevocationItem = {
  readonly pk: `kid#${string}`;
  readonly kind: 'kid';
  readonly kid: string;
  readonly revokedAt: string;
  readonly caseId: string;
  readonly keyArn: string;
};

export type SubjectRevocationItem = {
  readonly pk: `sub#${string}`;
  readonly kind: 'sub';
  readonly sub: string;
  /** NumericDate seconds, compared with `iat`. */
  readonly notBefore: number;
  /** The instant as given, for people reading the table. */
  readonly notBeforeIso: string;
  readonly caseId: string;
};

export function kidItemKey(kid: string): `kid#${string}` {
  return `kid#${kid}`;
}

export function subjectItemKey(sub: string): `sub#${string}` {
  return `sub#${sub}`;
}

export function kidRevocationItem(kid: string, details: KidRevocationDetails): KidRevocationItem {
  return {
    pk: kidItemKey(kid),
    kind: 'kid',
    kid,
    revokedAt: details.revokedAt.toISOString(),
    caseId: details.caseId,
    keyArn: details.keyArn,
  };
}

/**
 * `notBefore` is rounded up to whole seconds: `iat` has second precision, so a token issued in
 * the same second as the revocation may predate it and is rejected (fail closed).
 */
export function subjectRevocationItem(sub: string, details: SubjectRevocationDetails): SubjectRevocationItem {
  return {
    pk: subjectItemKey(sub),
    kind: 'sub',
    sub,
    notBefore: Math.ceil(details.notBefore.getTime() / 1000),
    notBeforeIso: details.notBefore.toISOString(),
    caseId: details.caseId,
  };
}

/**
 * Builds the snapshot a verifier checks tokens against. Items of a kind it does not know are
 * skipped (room for new item kinds); a known kind with a wrong shape throws, because silently
 * skipping a revocation would let a revoked token through.
 *
 * @throws TokensError `ERR_REVOCATION_ITEM_INVALID` naming the item's pk and field.
 */
export function revocationSnapshotFromItems(items: Iterable<Readonly<Record<string, unknown>>>): RevocationSnapshot {
  const kids = new Map<string, KidRevocation>();
  const subjects = new Map<string, SubjectRevocation>();
  for (const item of items) {
    const pk = item.pk;
    if (typeof pk !== 'string') throw invalidItem('(none)', 'pk');
    if (pk.startsWith('kid#')) {
      const kid = pk.slice('kid#'.length);
      kids.set(kid, {
        kid,
        revokedAt: stringField(item, pk, 'revokedAt'),
        caseId: stringField(item, pk, 'caseId'),
        keyArn: stringField(item, pk, 'keyArn'),
      });
    } else if (pk.startsWith('sub#')) {
      const sub = pk.slice('sub#'.length);
      const notBefore = item.notBefore;
      if (typeof notBefore !== 'number' || !Number.isFinite(notBefore)) throw invalidItem(pk, 'notBefore');
      subjects.set(sub, { sub, notBefore, caseId: stringField(item, pk, 'caseId') });
    }
  }
  return { kids, subjects };
}

/** An IAM policy statement in the JSON form IAM (and CDK's `PolicyStatement.fromJson`) takes. */
export interface IamPolicyStatementJson {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
}

/**
 * What a relying service's verifier needs: read the registry, nothing else. The table ARN may be
 * a CDK token, so it is not validated here.
 *
 * @example
 * ```ts
 * new iam.ManagedPolicy(this, 'RevocationReader', {
 *   statements: [iam.PolicyStatement.fromJson(revocationReaderPolicyStatement(table.tableArn))],
 * });
 * ```
 */
export function revocationReaderPolicyStatement(tableArn: string): IamPolicyStatementJson {
  return {
    Sid: 'SeverRevocationRegistryRead',
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:Scan'],
    Resource: [tableArn],
  };
}

/** What Sever's revoke function needs to record revocations (conditional puts only). */
export function revocationWriterPolicyStatement(tableArn: string): IamPolicyStatementJson {
  return {
    Sid: 'SeverRevocationRegistryWrite',
    Effect: 'Allow',
    Action: ['dynamodb:PutItem'],
    Resource: [tableArn],
  };
}

function stringField(item: Readonly<Record<string, unknown>>, pk: string, field: string): string {
  const value = item[field];
  if (typeof value !== 'string') throw invalidItem(pk, field);
  return value;
}

function invalidItem(pk: string, field: string): TokensError {
  return new TokensError('ERR_REVOCATION_ITEM_INVALID', `Revocation item pk="${pk}" has a missing or invalid "${field}"`);
}
