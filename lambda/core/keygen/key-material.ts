import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPair,
  type KeyObject,
  type RSAPSSKeyPairKeyObjectOptions,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { algorithmOf, type KeyAlgorithm, opensslCurveName } from './algorithm.js';
import { KeygenError } from './errors.js';
import type { PrivatePemType, PublicPemType } from './pem.js';

/** A JSON object as it came out of `JSON.parse`. */
export type JsonObject = Record<string, unknown>;

/** JWK members that carry key material; everything else (alg, use, key_ops, custom members) is kept. */
const KEY_MEMBERS: readonly string[] = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'crv', 'x', 'y', 'k'];

/** Members that tie a JWK to a certificate of the old key. */
const CERTIFICATE_MEMBERS: readonly string[] = ['x5c', 'x5u', 'x5t', 'x5t#S256'];

const BASE64URL = /^[A-Za-z0-9_-]+$/;

const generateKeyPairAsync = promisify(generateKeyPair);

export const isPlainObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** True for any object with a string `kty`: it claims to be a JWK, so it is judged as one. */
export const isJwkLike = (value: unknown): value is JsonObject => isPlainObject(value) && typeof value.kty === 'string';

/** True when a JWK carries secret material: `d` for key pairs, `k` for symmetric keys. */
export const hasPrivatePart = (jwk: JsonObject): boolean => (jwk.kty === 'oct' ? 'k' in jwk : 'd' in jwk);

/** node:crypto decodes base64url leniently (it stops at the first bad character); JWKs get no such slack. */
const requireBase64urlMembers = (jwk: JsonObject, where: string): void => {
  for (const member of KEY_MEMBERS) {
    if (member === 'crv' || !(member in jwk)) continue;
    const value = jwk[member];
    if (typeof value !== 'string' || !BASE64URL.test(value) || value.length % 4 === 1) {
      throw new KeygenError('ERR_KEY_MALFORMED', `${where}: JWK (kty ${String(jwk.kty)}) member "${member}" is not non-empty base64url`);
    }
  }
};

const refuseCertificateMembers = (jwk: JsonObject, where: string): void => {
  const bound = CERTIFICATE_MEMBERS.filter((member) => member in jwk);
  if (bound.length > 0) {
    throw new KeygenError(
      'ERR_KEY_BOUND_TO_CERTIFICATE',
      `${where}: JWK carries certificate members (${bound.join(', ')}) that a new key would invalidate`,
    );
  }
};

/**
 * Loads a private (or symmetric) key from a JWK.
 *
 * @throws {KeygenError} `ERR_KEY_NOT_FOUND` (public only), `ERR_KEY_MALFORMED`,
 *   `ERR_KEY_UNSUPPORTED`, `ERR_KEY_BOUND_TO_CERTIFICATE`.
 */
export const loadPrivateJwk = (jwk: JsonObject, where: string): KeyObject => {
  const kty = jwk.kty;
  refuseCertificateMembers(jwk, where);
  if (kty === 'oct') {
    const k = jwk.k;
    if (typeof k !== 'string' || !BASE64URL.test(k) || k.length % 4 === 1) {
      throw new KeygenError('ERR_KEY_MALFORMED', `${where}: JWK (kty oct) member "k" is not non-empty base64url`);
    }
    return createSecretKey(Buffer.from(k, 'base64url'));
  }
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') {
    throw new KeygenError(
      'ERR_KEY_UNSUPPORTED',
      `${where}: JWK kty ${JSON.stringify(kty)} is not supported; supported are RSA, EC, OKP and oct`,
    );
  }
  if (!('d' in jwk)) {
    throw new KeygenError('ERR_KEY_NOT_FOUND', `${where}: JWK (kty ${kty}) is a public key; it has no private member "d"`);
  }
  if ('oth' in jwk) {
    throw new KeygenError('ERR_KEY_UNSUPPORTED', `${where}: multi-prime RSA JWK (member "oth") is not supported`);
  }
  requireBase64urlMembers(jwk, where);
  try {
    // node:crypto validates member types and curve names; we only keep its error code.
    return createPrivateKey({ key: jwk as JsonWebKeyInput['key'], format: 'jwk' });
  } catch (error) {
    throw new KeygenError('ERR_KEY_MALFORMED', `${where}: JWK (kty ${kty}) does not load as a private key (${codeOf(error)})`);
  }
};

/** Loads a public JWK, used to tell whether a public key next to a private key belongs to it. */
export const loadPublicJwk = (jwk: JsonObject, where: string): KeyObject => {
  refuseCertificateMembers(jwk, where);
  requireBase64urlMembers(jwk, where);
  try {
    return createPublicKey({ key: jwk as JsonWebKeyInput['key'], format: 'jwk' });
  } catch (error) {
    throw new KeygenError('ERR_KEY_MALFORMED', `${where}: JWK (kty ${String(jwk.kty)}) does not load as a public key (${codeOf(error)})`);
  }
};

type JsonWebKeyInput = Extract<Parameters<typeof createPrivateKey>[0], { format: 'jwk' }>;

/** Loads the private key of one PEM block. */
export const loadPrivatePem = (blockText: string, pemType: PrivatePemType, where: string): KeyObject => {
  try {
    return createPrivateKey({ key: blockText, format: 'pem' });
  } catch (error) {
    throw new KeygenError('ERR_KEY_MALFORMED', `${where}: PEM block "${pemType}" does not load as a private key (${codeOf(error)})`);
  }
};

/** Loads the public key of one PEM block. */
export const loadPublicPem = (blockText: string, pemType: PublicPemType, where: string): KeyObject => {
  try {
    return createPublicKey({ key: blockText, format: 'pem' });
  } catch (error) {
    throw new KeygenError('ERR_KEY_MALFORMED', `${where}: PEM block "${pemType}" does not load as a public key (${codeOf(error)})`);
  }
};

/**
 * Generates a fresh key of `algorithm`: RSA with exponent 65537, EC/Ed on the same curve, HMAC
 * with the same number of random bytes.
 *
 * @example
 * ```ts
 * const replacement = await generateKeyLike({ family: 'EC', curve: 'P-256' });
 * ```
 */
export const generateKeyLike = async (algorithm: KeyAlgorithm): Promise<KeyObject> => {
  switch (algorithm.family) {
    case 'RSA':
      return (await generateKeyPairAsync('rsa', { modulusLength: algorithm.modulusLength, publicExponent: 0x10001 })).privateKey;
    case 'RSA-PSS': {
      const options: RSAPSSKeyPairKeyObjectOptions = { modulusLength: algorithm.modulusLength, publicExponent: 0x10001 };
      if (algorithm.hashAlgorithm !== undefined) options.hashAlgorithm = algorithm.hashAlgorithm;
      if (algorithm.mgf1HashAlgorithm !== undefined) options.mgf1HashAlgorithm = algorithm.mgf1HashAlgorithm;
      // @types/node declares saltLength as a string; node:crypto requires a number.
      if (algorithm.saltLength !== undefined) (options as { saltLength?: number }).saltLength = algorithm.saltLength;
      return (await generateKeyPairAsync('rsa-pss', options)).privateKey;
    }
    case 'EC':
      return (await generateKeyPairAsync('ec', { namedCurve: opensslCurveName(algorithm.curve) })).privateKey;
    case 'OKP':
      return algorithm.curve === 'Ed25519'
        ? (await generateKeyPairAsync('ed25519')).privateKey
        : (await generateKeyPairAsync('ed448')).privateKey;
    case 'oct':
      return createSecretKey(randomBytes(algorithm.byteLength));
  }
};

/** Writes a private key as one PEM block of `pemType`, without a trailing newline. */
export const privatePem = (key: KeyObject, pemType: PrivatePemType): string => {
  const type = pemType === 'RSA PRIVATE KEY' ? 'pkcs1' : pemType === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs8';
  return String(key.export({ type, format: 'pem' })).trimEnd();
};

/** Writes the public part of a private key as one PEM block of `pemType`. */
export const publicPem = (key: KeyObject, pemType: PublicPemType): string =>
  String(createPublicKey(key).export({ type: pemType === 'RSA PUBLIC KEY' ? 'pkcs1' : 'spki', format: 'pem' })).trimEnd();

/** One DER element header: where its content starts and ends. */
const derElement = (der: Buffer, offset: number): { tag: number; start: number; end: number } => {
  const tag = der[offset] ?? 0;
  let length = der[offset + 1] ?? 0;
  let start = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    length = 0;
    for (let index = 0; index < octets; index += 1) length = length * 256 + (der[start + index] ?? 0);
    start += octets;
  }
  return { tag, start, end: start + length };
};

const PSS_ALGS: Readonly<Record<string, string>> = { sha256: 'PS256', sha384: 'PS384', sha512: 'PS512' };

/**
 * node:crypto cannot export RSA-PSS keys as JWK, but their SubjectPublicKeyInfo carries the same
 * PKCS#1 RSAPublicKey as a plain RSA key; only the algorithm identifier differs.
 */
const rsaPssPublicJwk = (key: KeyObject): JWK => {
  const spkiDer = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const outer = derElement(spkiDer, 0);
  const algorithmId = derElement(spkiDer, outer.start);
  const bits = derElement(spkiDer, algorithmId.end);
  // Skip the BIT STRING's unused-bits octet.
  const rsaPublicKey = spkiDer.subarray(bits.start + 1, bits.end);
  const jwk = createPublicKey({ key: rsaPublicKey, format: 'der', type: 'pkcs1' }).export({ format: 'jwk' }) as JWK;
  const alg = PSS_ALGS[key.asymmetricKeyDetails?.hashAlgorithm ?? ''];
  return alg === undefined ? jwk : { ...jwk, alg };
};

/**
 * The public part as a JWK, or `undefined` for HMAC keys, which have none. RSA-PSS keys come out
 * as `kty: RSA` with `alg` PS256/384/512 when the key restricts its hash.
 */
export const publicJwkOf = (key: KeyObject): JWK | undefined => {
  if (key.type === 'secret') return undefined;
  if (key.asymmetricKeyType === 'rsa-pss') return rsaPssPublicJwk(key);
  return createPublicKey(key).export({ format: 'jwk' }) as JWK;
};

/** The key material members of `key` as a JWK (private members included for private keys). */
export const keyMembersOf = (key: KeyObject, includePrivate: boolean): JsonObject => {
  if (key.type === 'secret') return { kty: 'oct', k: key.export().toString('base64url') };
  const source = includePrivate ? key : createPublicKey(key);
  return source.export({ format: 'jwk' }) as JsonObject;
};

/**
 * A fresh key id: the RFC 7638 thumbprint of the public part. HMAC keys get a random id
 * instead, because their thumbprint is a hash of the secret itself and kids travel in every
 * token header, which would hand out an offline check for guesses of a short secret.
 */
export const keyIdFor = async (key: KeyObject): Promise<string | undefined> =>
  key.type === 'secret' ? randomBytes(16).toString('base64url') : thumbprintOf(key);

/** RFC 7638 thumbprint of the public part; `undefined` for HMAC keys. */
export const thumbprintOf = async (key: KeyObject): Promise<string | undefined> => {
  const jwk = publicJwkOf(key);
  return jwk === undefined ? undefined : calculateJwkThumbprint(jwk, 'sha256');
};

/** True when two keys hold the same material (public parts for key pairs, bytes for HMAC). */
export const sameKeyMaterial = (a: KeyObject, b: KeyObject): boolean => {
  if (a.type === 'secret' || b.type === 'secret') {
    if (a.type !== b.type) return false;
    const left = a.export();
    const right = b.export();
    return left.length === right.length && timingSafeEqual(left, right);
  }
  const left = a.type === 'private' ? createPublicKey(a) : a;
  const right = b.type === 'private' ? createPublicKey(b) : b;
  return left.equals(right);
};

const ecHash: Readonly<Record<string, string>> = {
  'P-256': 'sha256',
  'P-384': 'sha384',
  'P-521': 'sha512',
  secp256k1: 'sha256',
};

/**
 * Signs a random message with `key` and verifies it with the key's own public part (HMAC: the
 * MAC recomputed from the key material), with the hash and padding its algorithm implies.
 *
 * @throws {KeygenError} `ERR_KEY_SELF_TEST_FAILED` when the signature does not verify or the
 *   key cannot sign at all.
 */
export const selfTest = (key: KeyObject, where: string): void => {
  const message = randomBytes(32);
  let ok: boolean;
  try {
    const algorithm = algorithmOf(key, where);
    switch (algorithm.family) {
      case 'oct': {
        const first = createHmac('sha256', key).update(message).digest();
        const second = createHmac('sha256', createSecretKey(key.export())).update(message).digest();
        ok = algorithm.byteLength > 0 && timingSafeEqual(first, second);
        break;
      }
      case 'RSA':
        ok = verify('sha256', message, createPublicKey(key), sign('sha256', message, key));
        break;
      case 'RSA-PSS': {
        const options = {
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: algorithm.saltLength ?? constants.RSA_PSS_SALTLEN_DIGEST,
        };
        const hash = algorithm.hashAlgorithm ?? 'sha256';
        const signature = sign(hash, message, { key, ...options });
        ok = verify(hash, message, { key: createPublicKey(key), ...options }, signature);
        break;
      }
      case 'EC': {
        const hash = ecHash[algorithm.curve] ?? 'sha256';
        ok = verify(hash, message, createPublicKey(key), sign(hash, message, key));
        break;
      }
      case 'OKP':
        ok = verify(null, message, createPublicKey(key), sign(null, message, key));
        break;
    }
  } catch (error) {
    if (error instanceof KeygenError) throw error;
    throw new KeygenError('ERR_KEY_SELF_TEST_FAILED', `${where}: key cannot sign (${codeOf(error)})`);
  }
  if (!ok) throw new KeygenError('ERR_KEY_SELF_TEST_FAILED', `${where}: signature does not verify with the key's own public part`);
};

/** The error's stable code, never its message (OpenSSL and JSON messages may quote input). */
export const codeOf = (error: unknown): string => {
  const code = isPlainObject(error) || error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'no error code';
};

/** True for JWK members that carry key material (replaced on rotation) rather than metadata. */
export const isKeyMember = (member: string): boolean => KEY_MEMBERS.includes(member);
