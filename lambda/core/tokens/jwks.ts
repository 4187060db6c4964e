import type { JSONWebKeySet } from 'jose';
import { TokensError } from './errors.js';
import type { JwksDocument, PublicJwk } from './model.js';

/**
 * Pure operations on JWKS documents. Every operation returns a new document (or the same object
 * when nothing changed, so callers can skip a write) and keeps keys sorted by kid.
 */

/** The member holding retired kids; verifiers ignore it. */
export const RETIRED_KIDS_MEMBER = 'sever:retired';

export const EMPTY_JWKS: JwksDocument = { keys: [], retired: [] };

/** Members that only private or symmetric JWKs have (RFC 7518 §6, RFC 8037, AKP `priv`). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'] as const;

/**
 * Throws unless `jwk` is safe to publish: asymmetric, public members only, with a kid.
 * @throws TokensError `ERR_JWK_NOT_PUBLIC`
 */
export function assertPublicJwk(jwk: unknown, where = 'JWK'): asserts jwk is PublicJwk {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new TokensError('ERR_JWK_NOT_PUBLIC', `${where} is not a JSON object`);
  }
  const record = jwk as Record<string, unknown>;
  if (typeof record.kid !== 'string' || record.kid === '') {
    throw new TokensError('ERR_JWK_NOT_PUBLIC', `${where} has no kid`);
  }
  if (typeof record.kty !== 'string' || record.kty === 'oct') {
    throw new TokensError(
      'ERR_JWK_NOT_PUBLIC',
      `${where} (kid "${record.kid}") has kty "${String(record.kty)}"; only asymmetric public keys are published`,
    );
  }
  const leaked = PRIVATE_MEMBERS.filter((member) => member in record);
  if (leaked.length > 0) {
    throw new TokensError('ERR_JWK_NOT_PUBLIC', `${where} (kid "${record.kid}") carries private members: ${leaked.join(', ')}`);
  }
}

/**
 * Parses a stored JWKS. Keys without a kid or with private members are refused rather than
 * dropped: rewriting the document would otherwise silently delete or re-publish them.
 *
 * @param source names the document in error messages (e.g. `s3://bucket/jwks.json`).
 * @throws TokensError `ERR_JWKS_DOCUMENT_INVALID`
 */
export function parseJwksDocument(text: string, source: string): JwksDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new TokensError('ERR_JWKS_DOCUMENT_INVALID', `JWKS at ${source} is not valid JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys)) {
    throw new TokensError('ERR_JWKS_DOCUMENT_INVALID', `JWKS at ${source} has no "keys" array`);
  }
  const record = parsed as { keys: unknown[]; [RETIRED_KIDS_MEMBER]?: unknown };
  const keys = record.keys.map((jwk, index) => {
    try {
      assertPublicJwk(jwk, `keys[${index}]`);
    } catch (cause) {
      throw new TokensError('ERR_JWKS_DOCUMENT_INVALID', `JWKS at ${source}: ${(cause as Error).message}`, { cause });
    }
    return jwk;
  });
  const retired = record[RETIRED_KIDS_MEMBER] ?? [];
  if (!Array.isArray(retired) || !retired.every((kid) => typeof kid === 'string')) {
    throw new TokensError('ERR_JWKS_DOCUMENT_INVALID', `JWKS at ${source}: "${RETIRED_KIDS_MEMBER}" must be an array of kids`);
  }
  const kids = new Set<string>();
  for (const jwk of keys) {
    if (kids.has(jwk.kid)) {
      throw new TokensError('ERR_JWKS_DOCUMENT_INVALID', `JWKS at ${source} lists kid "${jwk.kid}" twice`);
    }
    kids.add(jwk.kid);
  }
  return normalise(keys, retired as string[]);
}

/** The stored form: a standard JWK Set, plus `"sever:retired"` when any kid was retired. */
export function serializeJwksDocument(document: JwksDocument): string {
  const body: Record<string, unknown> = { keys: document.keys.map(canonicalJwk) };
  if (document.retired.length > 0) body[RETIRED_KIDS_MEMBER] = document.retired;
  return JSON.stringify(body);
}

/** The JWK Set verifiers load (retired kids left out). */
export function toJsonWebKeySet(document: JwksDocument): JSONWebKeySet {
  return { keys: document.keys.map((jwk) => ({ ...jwk })) };
}

export function hasKid(document: JwksDocument, kid: string): boolean {
  return document.keys.some((jwk) => jwk.kid === kid);
}

/**
 * Adds `jwk`, replacing a key with the same kid. Returns `document` itself when it already holds
 * an identical key.
 * @throws TokensError `ERR_JWK_RETIRED` when the kid was retired, `ERR_JWK_NOT_PUBLIC`.
 */
export function withKey(document: JwksDocument, jwk: PublicJwk): JwksDocument {
  assertPublicJwk(jwk);
  if (document.retired.includes(jwk.kid)) {
    throw new TokensError('ERR_JWK_RETIRED', `kid "${jwk.kid}" was retired from this JWKS and is never published again`);
  }
  const existing = document.keys.find((key) => key.kid === jwk.kid);
  if (existing !== undefined && jwkJson(existing) === jwkJson(jwk)) return document;
  return normalise([...document.keys.filter((key) => key.kid !== jwk.kid), jwk], document.retired);
}

/** Removes `kid` and records it as retired. Returns `document` itself when already so. */
export function withoutKey(document: JwksDocument, kid: string): JwksDocument {
  if (!hasKid(document, kid) && document.retired.includes(kid)) return document;
  return normalise(
    document.keys.filter((key) => key.kid !== kid),
    [...document.retired, kid],
  );
}

/**
 * Joins two versions of one JWKS: every key either holds, minus every kid either retired.
 * Commutative, associative and idempotent, so writers that overwrote each other can repair the
 * document by merging in what they overwrote, in any order.
 */
export function mergeJwksDocuments(a: JwksDocument, b: JwksDocument): JwksDocument {
  const byKid = new Map<string, PublicJwk>();
  for (const jwk of [...a.keys, ...b.keys]) {
    const seen = byKid.get(jwk.kid);
    // Same kid means same key material (thumbprint); pick deterministically among metadata variants.
    if (seen === undefined || jwkJson(jwk) > jwkJson(seen)) byKid.set(jwk.kid, jwk);
  }
  return normalise([...byKid.values()], [...a.retired, ...b.retired]);
}

export function jwksDocumentsEqual(a: JwksDocument, b: JwksDocument): boolean {
  return serializeJwksDocument(a) === serializeJwksDocument(b);
}

function normalise(keys: readonly PublicJwk[], retired: readonly string[]): JwksDocument {
  const retiredSet = new Set(retired);
  return {
    keys: keys.filter((jwk) => !retiredSet.has(jwk.kid)).sort((x, y) => compare(x.kid, y.kid)),
    retired: [...retiredSet].sort(compare),
  };
}

function canonicalJwk(jwk: PublicJwk): PublicJwk {
  return Object.fromEntries(Object.entries(jwk).sort(([x], [y]) => compare(x, y))) as PublicJwk;
}

function jwkJson(jwk: PublicJwk): string {
  return JSON.stringify(canonicalJwk(jwk));
}

function compare(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
