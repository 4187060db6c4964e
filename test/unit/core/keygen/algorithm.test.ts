import { describe, expect, it } from 'vitest';
import { describeAlgorithm, type KeyAlgorithm, sameAlgorithm } from '../../../../lambda/core/keygen/algorithm.js';

describe('Function: describeAlgorithm', () => {
  it.each<[KeyAlgorithm, string]>([
    [{ family: 'RSA', modulusLength: 3072 }, 'RSA-3072'],
    [{ family: 'RSA-PSS', modulusLength: 2048, hashAlgorithm: 'sha256' }, 'RSA-PSS-2048 (sha256)'],
    [{ family: 'EC', curve: 'P-384' }, 'EC P-384'],
    [{ family: 'OKP', curve: 'Ed25519' }, 'Ed25519'],
    [{ family: 'oct', byteLength: 64 }, 'HMAC-512 (oct, 64 bytes)'],
  ])('names %o as %s', (algorithm, name) => {
    // Act
    const described = describeAlgorithm(algorithm);

    // Assess
    expect(described).toBe(name);
  });
});

describe('Function: sameAlgorithm', () => {
  it.each<[string, KeyAlgorithm, KeyAlgorithm, boolean]>([
    ['equal RSA sizes', { family: 'RSA', modulusLength: 2048 }, { family: 'RSA', modulusLength: 2048 }, true],
    ['different RSA sizes', { family: 'RSA', modulusLength: 2048 }, { family: 'RSA', modulusLength: 4096 }, false],
    ['RSA and RSA-PSS', { family: 'RSA', modulusLength: 2048 }, { family: 'RSA-PSS', modulusLength: 2048 }, false],
    [
      'RSA-PSS with other salt lengths',
      { family: 'RSA-PSS', modulusLength: 2048, saltLength: 32 },
      { family: 'RSA-PSS', modulusLength: 2048, saltLength: 20 },
      false,
    ],
    ['equal curves', { family: 'EC', curve: 'P-256' }, { family: 'EC', curve: 'P-256' }, true],
    ['different curves', { family: 'EC', curve: 'P-256' }, { family: 'EC', curve: 'secp256k1' }, false],
    ['Ed25519 and Ed448', { family: 'OKP', curve: 'Ed25519' }, { family: 'OKP', curve: 'Ed448' }, false],
    ['HMAC of other lengths', { family: 'oct', byteLength: 32 }, { family: 'oct', byteLength: 33 }, false],
  ])('compares %s', (_name, a, b, expected) => {
    // Act
    const same = sameAlgorithm(a, b);

    // Assess
    expect(same).toBe(expected);
  });
});
