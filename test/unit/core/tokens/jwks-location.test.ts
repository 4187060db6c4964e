import { describe, expect, it } from 'vitest';
import { TokensError } from '../../../../lambda/core/tokens/errors.js';
import {
  formatJwksLocation,
  jwksLocationFromTags,
  parseJwksLocation,
  safeParseJwksLocation,
} from '../../../../lambda/core/tokens/jwks-location.js';

describe('Function: parseJwksLocation', () => {
  it('reads an S3 URI into bucket and key', () => {
    // Act
    const location = parseJwksLocation('s3://acme-jwks/payments/prod/jwks.json');

    // Assess
    expect(location).toEqual({ kind: 's3', bucket: 'acme-jwks', key: 'payments/prod/jwks.json' });
  });

  it('reads an SSM parameter name', () => {
    // Act
    const location = parseJwksLocation('/payments/prod/jwks');

    // Assess
    expect(location).toEqual({ kind: 'ssm', name: '/payments/prod/jwks' });
  });

  it.each([
    ['https://acme-jwks.s3.amazonaws.com/jwks.json', 'expected s3://bucket/key'],
    ['s3://acme-jwks', 'needs an object key'],
    ['s3://acme-jwks/', 'object key is empty'],
    ['s3://acme-jwks/dir/', 'ends with "/"'],
    ['s3://Acme_Jwks/jwks.json', '"Acme_Jwks" is not a valid S3 bucket name'],
    ['s3://a..b/jwks.json', 'is not a valid S3 bucket name'],
    ['/payments//jwks', 'empty path segment'],
    ['/payments/jw ks', 'path segment "jw ks"'],
    ['/aws/reserved', 'starting with "aws" or "ssm"'],
    ['/SSM-things/jwks', 'starting with "aws" or "ssm"'],
    ['payments/jwks', 'expected s3://bucket/key or an SSM parameter name'],
    ['', 'expected s3://bucket/key'],
  ])('rejects %j with ERR_JWKS_LOCATION_INVALID naming the tag', (value, reason) => {
    // Act
    const act = () => parseJwksLocation(value);

    // Assess
    expect(act).toThrow(TokensError);
    try {
      act();
    } catch (error) {
      expect((error as TokensError).code).toBe('ERR_JWKS_LOCATION_INVALID');
      expect((error as TokensError).message).toContain(`sever:jwks="${value}"`);
      expect((error as TokensError).message).toContain(reason);
    }
  });

  it('rejects an SSM name with more than 15 levels', () => {
    // Prepare
    const deep = `/${Array.from({ length: 16 }, (_, index) => `l${index}`).join('/')}`;

    // Act
    const result = safeParseJwksLocation(deep);

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toContain('at most 15 levels');
  });
});

describe('Function: safeParseJwksLocation', () => {
  it('returns the error instead of throwing', () => {
    // Act
    const result = safeParseJwksLocation('ftp://nope');

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('ERR_JWKS_LOCATION_INVALID');
  });
});

describe('Function: jwksLocationFromTags', () => {
  it('is undefined for a key without the sever:jwks tag', () => {
    // Act
    const result = jwksLocationFromTags({ team: 'payments' });

    // Assess
    expect(result).toBeUndefined();
  });

  it('parses the sever:jwks tag', () => {
    // Act
    const result = jwksLocationFromTags({ 'sever:jwks': ' s3://acme-jwks/jwks.json ' });

    // Assess
    expect(result).toEqual({ ok: true, location: { kind: 's3', bucket: 'acme-jwks', key: 'jwks.json' } });
  });
});

describe('Function: formatJwksLocation', () => {
  it.each(['s3://acme-jwks/a/b.json', '/payments/jwks'])('round-trips %s', (value) => {
    // Act
    const formatted = formatJwksLocation(parseJwksLocation(value));

    // Assess
    expect(formatted).toBe(value);
  });
});
