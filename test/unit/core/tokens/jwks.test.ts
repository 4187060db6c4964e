import { describe, expect, it } from 'vitest';
import type { TokensError } from '../../../../lambda/core/tokens/errors.js';
import {
  EMPTY_JWKS,
  mergeJwksDocuments,
  parseJwksDocument,
  RETIRED_KIDS_MEMBER,
  serializeJwksDocument,
  toJsonWebKeySet,
  withKey,
  withoutKey,
} from '../../../../lambda/core/tokens/jwks.js';
import type { JwksDocument, PublicJwk } from '../../../../lambda/core/tokens/model.js';

const jwk = (kid: string, extra: Record<string, string> = {}): PublicJwk => ({
  kty: 'EC',
  crv: 'P-256',
  x: `x-${kid}`,
  y: `y-${kid}`,
  kid,
  alg: 'ES256',
  use: 'sig',
  ...extra,
});

function thrown(act: () => unknown): TokensError {
  try {
    act();
  } catch (error) {
    return error as TokensError;
  }
  throw new Error('expected a throw');
}

const kids = (document: JwksDocument) => document.keys.map((key) => key.kid);

describe('Function: withKey', () => {
  it('adds a key and keeps keys sorted by kid', () => {
    // Prepare
    const start = withKey(EMPTY_JWKS, jwk('b'));

    // Act
    const next = withKey(start, jwk('a'));

    // Assess
    expect(kids(next)).toEqual(['a', 'b']);
    expect(kids(start)).toEqual(['b']);
  });

  it('returns the same document when the identical key is already there', () => {
    // Prepare
    const start = withKey(EMPTY_JWKS, jwk('a'));

    // Act
    const next = withKey(start, { ...jwk('a') });

    // Assess
    expect(next).toBe(start);
  });

  it('replaces a key with the same kid but different members', () => {
    // Prepare
    const start = withKey(EMPTY_JWKS, jwk('a'));

    // Act
    const next = withKey(start, jwk('a', { alg: 'ES384' }));

    // Assess
    expect(next.keys).toEqual([jwk('a', { alg: 'ES384' })]);
  });

  it('refuses a retired kid with ERR_JWK_RETIRED', () => {
    // Prepare
    const retired = withoutKey(withKey(EMPTY_JWKS, jwk('a')), 'a');

    // Act
    const error = thrown(() => withKey(retired, jwk('a')));

    // Assess
    expect(error.code).toBe('ERR_JWK_RETIRED');
    expect(error.message).toContain('"a"');
  });

  it.each([
    ['a private EC key', { ...jwk('p'), d: 'secret' }, 'private members: d'],
    ['a symmetric key', { kty: 'oct', k: 'c2VjcmV0', kid: 'h' }, 'kty "oct"'],
    ['a key without kid', { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }, 'has no kid'],
  ])('refuses %s with ERR_JWK_NOT_PUBLIC', (_label, key, reason) => {
    // Act
    const error = thrown(() => withKey(EMPTY_JWKS, key as PublicJwk));

    // Assess
    expect(error.code).toBe('ERR_JWK_NOT_PUBLIC');
    expect(error.message).toContain(reason);
  });
});

describe('Function: withoutKey', () => {
  it('removes the key and records the kid as retired', () => {
    // Prepare
    const start = withKey(withKey(EMPTY_JWKS, jwk('a')), jwk('b'));

    // Act
    const next = withoutKey(start, 'a');

    // Assess
    expect(kids(next)).toEqual(['b']);
    expect(next.retired).toEqual(['a']);
  });

  it('returns the same document when the kid is already retired', () => {
    // Prepare
    const start = withoutKey(EMPTY_JWKS, 'a');

    // Act
    const next = withoutKey(start, 'a');

    // Assess
    expect(next).toBe(start);
  });
});

describe('Function: mergeJwksDocuments', () => {
  const a = withKey(withKey(EMPTY_JWKS, jwk('a')), jwk('shared'));
  const b = withoutKey(withKey(EMPTY_JWKS, jwk('b')), 'shared');
  const c = withKey(withoutKey(EMPTY_JWKS, 'gone'), jwk('c'));

  it('keeps every key either side holds, minus every kid either side retired', () => {
    // Act
    const merged = mergeJwksDocuments(a, b);

    // Assess
    expect(kids(merged)).toEqual(['a', 'b']);
    expect(merged.retired).toEqual(['shared']);
  });

  it('does not depend on order or grouping, and merging twice changes nothing', () => {
    // Act
    const left = mergeJwksDocuments(mergeJwksDocuments(a, b), c);
    const right = mergeJwksDocuments(c, mergeJwksDocuments(b, a));
    const twice = mergeJwksDocuments(left, left);

    // Assess
    expect(serializeJwksDocument(right)).toBe(serializeJwksDocument(left));
    expect(serializeJwksDocument(twice)).toBe(serializeJwksDocument(left));
  });

  it('picks one metadata variant of a kid deterministically', () => {
    // Prepare
    const one = withKey(EMPTY_JWKS, jwk('a', { alg: 'ES256' }));
    const other = withKey(EMPTY_JWKS, jwk('a', { alg: 'ES384' }));

    // Act
    const ab = mergeJwksDocuments(one, other);
    const ba = mergeJwksDocuments(other, one);

    // Assess
    expect(ab.keys).toHaveLength(1);
    expect(ab).toEqual(ba);
  });
});

describe('Function: parseJwksDocument', () => {
  it('round-trips through serializeJwksDocument, retired kids included', () => {
    // Prepare
    const document = withoutKey(withKey(withKey(EMPTY_JWKS, jwk('b')), jwk('a')), 'old');

    // Act
    const parsed = parseJwksDocument(serializeJwksDocument(document), 's3://b/k');

    // Assess
    expect(parsed).toEqual(document);
  });

  it('accepts a plain JWK Set written by someone else', () => {
    // Act
    const parsed = parseJwksDocument(JSON.stringify({ keys: [jwk('z'), jwk('y')] }), '/jwks');

    // Assess
    expect(kids(parsed)).toEqual(['y', 'z']);
    expect(parsed.retired).toEqual([]);
  });

  it.each([
    ['not json', 'is not valid JSON'],
    ['{"kids":[]}', 'has no "keys" array'],
    [JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] }), 'keys[0] has no kid'],
    [JSON.stringify({ keys: [{ ...jwk('a'), d: 'private' }] }), 'private members: d'],
    [JSON.stringify({ keys: [jwk('a'), jwk('a')] }), 'lists kid "a" twice'],
    [JSON.stringify({ keys: [], [RETIRED_KIDS_MEMBER]: [1] }), 'must be an array of kids'],
  ])('refuses %s with ERR_JWKS_DOCUMENT_INVALID naming the source', (text, reason) => {
    // Act
    const error = thrown(() => parseJwksDocument(text, 's3://acme-jwks/jwks.json'));

    // Assess
    expect(error.code).toBe('ERR_JWKS_DOCUMENT_INVALID');
    expect(error.message).toContain('s3://acme-jwks/jwks.json');
    expect(error.message).toContain(reason);
  });
});

describe('Function: serializeJwksDocument', () => {
  it('writes a standard JWK Set and adds sever:retired only when needed', () => {
    // Prepare
    const plain = withKey(EMPTY_JWKS, jwk('a'));
    const retired = withoutKey(plain, 'a');

    // Act
    const plainJson = JSON.parse(serializeJwksDocument(plain)) as Record<string, unknown>;
    const retiredJson = JSON.parse(serializeJwksDocument(retired)) as Record<string, unknown>;

    // Assess
    expect(Object.keys(plainJson)).toEqual(['keys']);
    expect(retiredJson).toEqual({ keys: [], [RETIRED_KIDS_MEMBER]: ['a'] });
  });
});

describe('Function: toJsonWebKeySet', () => {
  it('gives verifiers the keys only', () => {
    // Prepare
    const document = withoutKey(withKey(EMPTY_JWKS, jwk('a')), 'old');

    // Act
    const set = toJsonWebKeySet(document);

    // Assess
    expect(set).toEqual({ keys: [jwk('a')] });
  });
});
