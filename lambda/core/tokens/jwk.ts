import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, importSPKI, type JWK } from 'jose';
import { TokensError } from './errors.js';
import type { PublicJwk } from './model.js';

/** The JWS algorithms a published key can carry: asymmetric only, so a JWKS is always public. */
export type JwsAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'EdDSA';

const KMS_TO_JWS: Readonly<Record<string, JwsAlgorithm>> = {
  ECDSA_SHA_256: 'ES256',
  ECDSA_SHA_384: 'ES384',
  ECDSA_SHA_512: 'ES512',
  RSASSA_PKCS1_V1_5_SHA_256: 'RS256',
  RSASSA_PKCS1_V1_5_SHA_384: 'RS384',
  RSASSA_PKCS1_V1_5_SHA_512: 'RS512',
  RSASSA_PSS_SHA_256: 'PS256',
  RSASSA_PSS_SHA_384: 'PS384',
  RSASSA_PSS_SHA_512: 'PS512',
  ED25519_SHA_512: 'EdDSA',
};

/**
 * The JWS `alg` for a KMS signing algorithm (as in `GetPublicKey`'s `SigningAlgorithms`).
 * @throws TokensError `ERR_SIGNING_ALGORITHM_UNSUPPORTED` for SM2DSA, ML-DSA, pre-hashed Ed25519 …
 */
export function jwsAlgorithmForKms(signingAlgorithm: string): JwsAlgorithm {
  const alg = KMS_TO_JWS[signingAlgorithm];
  if (alg === undefined) {
    throw new TokensError(
      'ERR_SIGNING_ALGORITHM_UNSUPPORTED',
      `KMS signing algorithm "${signingAlgorithm}" has no JWS equivalent (supported: ${Object.keys(KMS_TO_JWS).join(', ')})`,
    );
  }
  return alg;
}

/**
 * Builds the public JWK verifiers need from an SPKI public key, as KMS `GetPublicKey` returns it
 * (DER bytes) or as PEM. The kid is the RFC 7638 SHA-256 thumbprint, so the same key always gets
 * the same kid wherever it is published, and a kid names exactly one key.
 *
 * Without `alg`, EC and Ed25519 keys get the only algorithm their curve allows; RSA keys get no
 * `alg` member, because KMS RSA keys sign both PKCS#1 v1.5 and PSS and pinning the wrong one
 * would make every token fail. Pass `alg` (see {@link jwsAlgorithmForKms}) to pin it.
 *
 * @example
 * ```ts
 * const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId }));
 * const jwk = await publicJwkFromSpki(PublicKey!);
 * // { kty: 'EC', crv: 'P-256', x, y, kid: '<thumbprint>', alg: 'ES256', use: 'sig' }
 * ```
 * @throws TokensError `ERR_PUBLIC_KEY_INVALID` when the bytes are not an SPKI public key of a
 *   supported type, or not usable with `alg`.
 */
export async function publicJwkFromSpki(spki: Uint8Array | string, alg?: JwsAlgorithm): Promise<PublicJwk> {
  const format = typeof spki === 'string' ? 'PEM' : 'DER';
  const pem = typeof spki === 'string' ? spki : derToPem(spki);
  const inferred = alg === undefined ? inferAlgorithm(pem, format) : undefined;
  const importAlg = alg ?? inferred?.alg ?? 'RS256';
  let exported: JWK;
  try {
    const key = await importSPKI(pem, importAlg, { extractable: true });
    exported = await exportJWK(key);
  } catch (cause) {
    throw new TokensError('ERR_PUBLIC_KEY_INVALID', `The public key is not an SPKI ${format} key usable with ${importAlg}`, {
      cause,
    });
  }
  // Only the members that define the public key: exportJWK may add ext/key_ops, which
  // verifiers would then enforce against their own usage.
  const { kty, crv, x, y, n, e } = exported;
  const material = Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, value]) => value !== undefined));
  const kid = await calculateJwkThumbprint(material, 'sha256');
  const pinned = alg ?? (inferred?.pinned ? inferred.alg : undefined);
  return pinned === undefined ? { ...material, kid, use: 'sig' } : { ...material, kid, alg: pinned, use: 'sig' };
}

function inferAlgorithm(pem: string, format: string): { alg: JwsAlgorithm; pinned: boolean } {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem', type: 'spki' });
  } catch (cause) {
    throw new TokensError('ERR_PUBLIC_KEY_INVALID', `The public key is not an SPKI ${format} public key`, { cause });
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { alg: 'RS256', pinned: false };
    case 'rsa-pss':
      return { alg: 'PS256', pinned: false };
    case 'ed25519':
      return { alg: 'EdDSA', pinned: true };
    case 'ec':
      if (curve === 'prime256v1') return { alg: 'ES256', pinned: true };
      if (curve === 'secp384r1') return { alg: 'ES384', pinned: true };
      if (curve === 'secp521r1') return { alg: 'ES512', pinned: true };
      break;
    default:
      break;
  }
  throw new TokensError(
    'ERR_PUBLIC_KEY_INVALID',
    `The public key type ${key.asymmetricKeyType ?? 'unknown'}${curve ? ` (${curve})` : ''} has no JWS algorithm verifiers support`,
  );
}

function derToPem(der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----`;
}
