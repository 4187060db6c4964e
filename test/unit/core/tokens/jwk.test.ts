import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokensError } from '../../../../lambda/core/tokens/errors.js';
import { jwsAlgorithmForKms, publicJwkFromSpki } from '../../../../lambda/core/tokens/jwk.js';
import { rejectionOf } from '../../../fixtures/rejection.js';
import { signingKey } from './fixtures.js';

/** RFC 7638 §3.1: this RSA key's SHA-256 thumbprint is NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs. */
const RFC7638_KEY = {
  kty: 'RSA',
  n:
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs' +
    'tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91' +
    'CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
};

function thrown(act: () => unknown): TokensError {
  try {
    act();
  } catch (error) {
    return error as TokensError;
  }
  throw new Error('expected a throw');
}

describe('Function: publicJwkFromSpki', () => {
  it('names the key by its RFC 7638 thumbprint (the RFC example key)', async () => {
    // Prepare
    const der = new Uint8Array(createPublicKey({ key: RFC7638_KEY, format: 'jwk' }).export({ format: 'der', type: 'spki' }));

    // Act
    const jwk = await publicJwkFromSpki(der);

    // Assess
    expect(jwk.kid).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    expect(jwk).toMatchObject({ kty: 'RSA', n: RFC7638_KEY.n, e: 'AQAB', use: 'sig' });
  });

  it('builds an ES256 JWK from KMS-style DER with only public members', async () => {
    // Prepare
    const key = await signingKey('ES256');

    // Act
    const jwk = await publicJwkFromSpki(key.der);

    // Assess
    const { kty, crv, x, y } = jwk;
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwk.kid).toBe(await calculateJwkThumbprint({ kty, crv, x, y } as never, 'sha256'));
  });

  it('gives the same JWK for the PEM and the DER of one key', async () => {
    // Prepare
    const key = await signingKey('ES384');

    // Act
    const [fromDer, fromPem] = await Promise.all([publicJwkFromSpki(key.der), publicJwkFromSpki(key.pem)]);

    // Assess
    expect(fromPem).toEqual(fromDer);
    expect(fromDer.alg).toBe('ES384');
  });

  it.each([
    ['ES512', 'P-521'],
    ['EdDSA', 'Ed25519'],
  ] as const)('infers %s from the curve %s', async (alg, crv) => {
    // Prepare
    const key = await signingKey(alg);

    // Act
    const jwk = await publicJwkFromSpki(key.der);

    // Assess
    expect(jwk).toMatchObject({ alg, crv });
  });

  it('leaves alg out for an RSA key unless told, since KMS RSA keys sign PKCS#1 and PSS alike', async () => {
    // Prepare
    const der = new Uint8Array(createPublicKey({ key: RFC7638_KEY, format: 'jwk' }).export({ format: 'der', type: 'spki' }));

    // Act
    const inferred = await publicJwkFromSpki(der);
    const pinned = await publicJwkFromSpki(der, 'PS256');

    // Assess
    expect(inferred.alg).toBeUndefined();
    expect(pinned.alg).toBe('PS256');
    expect(pinned.kid).toBe(inferred.kid);
  });

  it('rejects bytes that are not SPKI with ERR_PUBLIC_KEY_INVALID', async () => {
    // Act
    const error = await rejectionOf(publicJwkFromSpki(new Uint8Array([1, 2, 3, 4])), TokensError);

    // Assess
    expect(error.code).toBe('ERR_PUBLIC_KEY_INVALID');
    expect(error.message).toContain('DER');
  });

  it('rejects a key that does not fit the requested alg', async () => {
    // Prepare
    const key = await signingKey('ES256');

    // Act
    const error = await rejectionOf(publicJwkFromSpki(key.der, 'ES384'), TokensError);

    // Assess
    expect(error.code).toBe('ERR_PUBLIC_KEY_INVALID');
    expect(error.message).toContain('ES384');
  });

  it('rejects a secp256k1 key, which no JWS verifier here supports', async () => {
    // Prepare
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const der = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));

    // Act
    const error = await rejectionOf(publicJwkFromSpki(der), TokensError);

    // Assess
    expect(error.code).toBe('ERR_PUBLIC_KEY_INVALID');
    expect(error.message).toContain('secp256k1');
  });
});

describe('Function: jwsAlgorithmForKms', () => {
  it.each([
    ['ECDSA_SHA_256', 'ES256'],
    ['ECDSA_SHA_384', 'ES384'],
    ['ECDSA_SHA_512', 'ES512'],
    ['RSASSA_PKCS1_V1_5_SHA_256', 'RS256'],
    ['RSASSA_PSS_SHA_512', 'PS512'],
    ['ED25519_SHA_512', 'EdDSA'],
  ])('maps %s to %s', (kms, jws) => {
    // Act
    const alg = jwsAlgorithmForKms(kms);

    // Assess
    expect(alg).toBe(jws);
  });

  it.each(['SM2DSA', 'ML_DSA_SHAKE_256', 'ED25519_PH_SHA_512'])('refuses %s', (kms) => {
    // Act
    const error = thrown(() => jwsAlgorithmForKms(kms));

    // Assess
    expect(error.code).toBe('ERR_SIGNING_ALGORITHM_UNSUPPORTED');
    expect(error.message).toContain(kms);
  });
});
