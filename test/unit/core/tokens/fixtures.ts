import { createPublicKey } from 'node:crypto';
import { type CryptoKey, exportSPKI, generateKeyPair } from 'jose';
import { type JwsAlgorithm, publicJwkFromSpki } from '../../../../lambda/core/tokens/jwk.js';
import type { PublicJwk } from '../../../../lambda/core/tokens/model.js';

/** A fresh signing key as KMS would hand out its public half: SPKI DER (and PEM). */
export interface TestSigningKey {
  readonly alg: JwsAlgorithm;
  readonly privateKey: CryptoKey;
  readonly der: Uint8Array;
  readonly pem: string;
  readonly jwk: PublicJwk;
}

export async function signingKey(alg: JwsAlgorithm = 'ES256'): Promise<TestSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const pem = await exportSPKI(publicKey);
  const der = new Uint8Array(createPublicKey(pem).export({ format: 'der', type: 'spki' }));
  return { alg, privateKey, der, pem, jwk: await publicJwkFromSpki(der, alg) };
}
