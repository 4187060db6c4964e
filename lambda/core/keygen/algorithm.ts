import type { KeyObject } from 'node:crypto';
import { KeygenError } from './errors.js';

/** Elliptic curves Sever can detect and regenerate, by their JOSE name. */
export type EcCurve = 'P-256' | 'P-384' | 'P-521' | 'secp256k1';

/** Edwards curves for signatures. X25519/X448 are key agreement, not signing, and are refused. */
export type EdCurve = 'Ed25519' | 'Ed448';

/**
 * What a replacement key must match. Two keys with equal descriptors are interchangeable for
 * every consumer: same family, same size or curve, same RSA-PSS restrictions.
 *
 * The RSA public exponent is deliberately not part of it: replacements always use 65537, the
 * only exponent every library accepts, whatever the old key used.
 */
export type KeyAlgorithm =
  | { readonly family: 'RSA'; readonly modulusLength: number }
  | {
      readonly family: 'RSA-PSS';
      readonly modulusLength: number;
      /** Restrictions carried in the key itself (PKCS#8 RSASSA-PSS parameters), when present. */
      readonly hashAlgorithm?: string;
      readonly mgf1HashAlgorithm?: string;
      readonly saltLength?: number;
    }
  | { readonly family: 'EC'; readonly curve: EcCurve }
  | { readonly family: 'OKP'; readonly curve: EdCurve }
  /** A symmetric (HMAC) key of `byteLength` random bytes. */
  | { readonly family: 'oct'; readonly byteLength: number };

const OPENSSL_CURVES: Readonly<Record<string, EcCurve>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
  secp256k1: 'secp256k1',
};

/** OpenSSL's name for a JOSE curve, as `generateKeyPair('ec', { namedCurve })` wants it. */
export const opensslCurveName = (curve: EcCurve): string => {
  const entry = Object.entries(OPENSSL_CURVES).find(([, jose]) => jose === curve);
  // The table is total over EcCurve; reaching here means the table and the type drifted apart.
  if (entry === undefined) throw new TypeError(`no OpenSSL name for curve ${curve}`);
  return entry[0];
};

/**
 * Reads the algorithm of a loaded key.
 *
 * @param where - names the key's location in error messages (e.g. `field "privateKey"`).
 * @throws {KeygenError} `ERR_KEY_UNSUPPORTED` for key types that are not signing keys Sever can
 *   regenerate (DSA, DH, X25519, X448, curves other than {@link EcCurve}).
 */
export const algorithmOf = (key: KeyObject, where: string): KeyAlgorithm => {
  if (key.type === 'secret') {
    return { family: 'oct', byteLength: key.symmetricKeySize ?? 0 };
  }
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { family: 'RSA', modulusLength: details.modulusLength ?? 0 };
    case 'rsa-pss':
      return {
        family: 'RSA-PSS',
        modulusLength: details.modulusLength ?? 0,
        ...(details.hashAlgorithm === undefined ? {} : { hashAlgorithm: details.hashAlgorithm }),
        ...(details.mgf1HashAlgorithm === undefined ? {} : { mgf1HashAlgorithm: details.mgf1HashAlgorithm }),
        ...(details.saltLength === undefined ? {} : { saltLength: details.saltLength }),
      };
    case 'ec': {
      const curve = details.namedCurve === undefined ? undefined : OPENSSL_CURVES[details.namedCurve];
      if (curve === undefined) {
        throw new KeygenError(
          'ERR_KEY_UNSUPPORTED',
          `${where}: EC key on curve ${details.namedCurve ?? '(unnamed)'} is not supported; supported curves are ${Object.values(OPENSSL_CURVES).join(', ')}`,
        );
      }
      return { family: 'EC', curve };
    }
    case 'ed25519':
      return { family: 'OKP', curve: 'Ed25519' };
    case 'ed448':
      return { family: 'OKP', curve: 'Ed448' };
    default:
      throw new KeygenError(
        'ERR_KEY_UNSUPPORTED',
        `${where}: ${key.asymmetricKeyType ?? 'unknown'} keys are not supported; supported are RSA, RSA-PSS, EC (${Object.values(OPENSSL_CURVES).join(', ')}), Ed25519, Ed448 and HMAC (oct)`,
      );
  }
};

/**
 * A short human name for ledger entries and messages.
 *
 * @example
 * ```ts
 * describeAlgorithm({ family: 'RSA', modulusLength: 2048 }); // 'RSA-2048'
 * describeAlgorithm({ family: 'oct', byteLength: 32 });       // 'HMAC-256 (oct, 32 bytes)'
 * ```
 */
export const describeAlgorithm = (algorithm: KeyAlgorithm): string => {
  switch (algorithm.family) {
    case 'RSA':
      return `RSA-${algorithm.modulusLength}`;
    case 'RSA-PSS':
      return `RSA-PSS-${algorithm.modulusLength}${algorithm.hashAlgorithm === undefined ? '' : ` (${algorithm.hashAlgorithm})`}`;
    case 'EC':
      return `EC ${algorithm.curve}`;
    case 'OKP':
      return algorithm.curve;
    case 'oct':
      return `HMAC-${algorithm.byteLength * 8} (oct, ${algorithm.byteLength} bytes)`;
  }
};

/** True when a key of algorithm `b` can replace a key of algorithm `a`. */
export const sameAlgorithm = (a: KeyAlgorithm, b: KeyAlgorithm): boolean => {
  switch (a.family) {
    case 'RSA':
      return b.family === 'RSA' && a.modulusLength === b.modulusLength;
    case 'RSA-PSS':
      return (
        b.family === 'RSA-PSS' &&
        a.modulusLength === b.modulusLength &&
        a.hashAlgorithm === b.hashAlgorithm &&
        a.mgf1HashAlgorithm === b.mgf1HashAlgorithm &&
        a.saltLength === b.saltLength
      );
    case 'EC':
      return b.family === 'EC' && a.curve === b.curve;
    case 'OKP':
      return b.family === 'OKP' && a.curve === b.curve;
    case 'oct':
      return b.family === 'oct' && a.byteLength === b.byteLength;
  }
};
