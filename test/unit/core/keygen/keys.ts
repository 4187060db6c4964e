import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KeygenError } from '../../../../lambda/core/keygen/errors.js';
import { rejectionOf } from '../../../fixtures/rejection.js';

/** Test keys, generated per run: nothing here is a real credential. */

export const rsaKey = (modulusLength: number): KeyObject => generateKeyPairSync('rsa', { modulusLength }).privateKey;
export const ecKey = (namedCurve: 'P-256' | 'P-384' | 'P-521' | 'secp256k1'): KeyObject =>
  generateKeyPairSync('ec', { namedCurve }).privateKey;
export const ed25519Key = (): KeyObject => generateKeyPairSync('ed25519').privateKey;

export const pkcs8 = (key: KeyObject): string => String(key.export({ type: 'pkcs8', format: 'pem' }));
export const pkcs1 = (key: KeyObject): string => String(key.export({ type: 'pkcs1', format: 'pem' }));
export const sec1 = (key: KeyObject): string => String(key.export({ type: 'sec1', format: 'pem' }));
export const spki = (key: KeyObject): string => String(createPublicKey(key).export({ type: 'spki', format: 'pem' }));
export const privateJwk = (key: KeyObject): Record<string, unknown> => key.export({ format: 'jwk' }) as Record<string, unknown>;
export const octJwk = (bytes: number): Record<string, unknown> => ({ kty: 'oct', k: randomBytes(bytes).toString('base64url') });

/** The base64 body of a PEM block, i.e. the part that must never appear in a message. */
export const pemBody = (pem: string): string => pem.split('\n').slice(1, 3).join('');

/** Loads a private key from any PEM text (first private block). */
export const loadPem = (pem: string): KeyObject => createPrivateKey(pem);

/** True when `key` signs and its public part verifies (what a consumer of the new key does). */
export const signsAndVerifies = (key: KeyObject): boolean => {
  const message = randomBytes(16);
  const digest = key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448' ? null : 'sha256';
  return verify(digest, message, createPublicKey(key), sign(digest, message, key));
};

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** A P-256 test key, a self-signed certificate for it, and a certificate of another key. */
export const certifiedKeyPem = (): string => fixture('certified-key.pem');
export const certificateForKeyPem = (): string => fixture('certified-key.crt.pem');
export const unrelatedCertificatePem = (): string => fixture('unrelated-ca.crt.pem');

export const rejection = (promise: Promise<unknown>): Promise<KeygenError> => rejectionOf(promise, KeygenError);
