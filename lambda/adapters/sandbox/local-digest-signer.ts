import type { KeyObject } from 'node:crypto';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DigestSignature, DigestSigner } from '../../core/ledger/types.js';

/**
 * The sandbox's digest key: a node:crypto P-256 key producing the same DER ECDSA-SHA256
 * signatures KMS produces with ECC_NIST_P256 and ECDSA_SHA_256, so digests verify the same
 * way in both worlds.
 */

const ALGORITHM = 'ECDSA_SHA_256';
/** File name of the key inside a sandbox directory. */
export const LOCAL_DIGEST_KEY_FILE = 'digest-signing-key.pem';

/**
 * @example
 * ```ts
 * const signer = LocalDigestSigner.generate();
 * const signature = await signer.sign(message);
 * await signer.verify(message, signature); // true
 * ```
 */
export class LocalDigestSigner implements DigestSigner {
  /** `sandbox:` and the SHA-256 of the public key's SPKI DER. */
  readonly keyId: string;
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;

  private constructor(privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error('The sandbox digest key must be an EC P-256 private key.');
    }
    this.#privateKey = privateKey;
    this.#publicKey = createPublicKey(privateKey);
    const spki = this.#publicKey.export({ type: 'spki', format: 'der' });
    this.keyId = `sandbox:${createHash('sha256').update(spki).digest('hex')}`;
  }

  static generate(): LocalDigestSigner {
    return new LocalDigestSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  }

  /** From a PKCS#8 PEM private key. */
  static fromPem(pem: string): LocalDigestSigner {
    return new LocalDigestSigner(createPrivateKey(pem));
  }

  /** PKCS#8 PEM of the private key, for storing in the sandbox directory. */
  toPem(): string {
    return this.#privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  /** SPKI PEM of the public key, for auditors who verify digests with their own tools. */
  publicKeyPem(): string {
    return this.#publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  async sign(message: Uint8Array): Promise<DigestSignature> {
    return {
      keyId: this.keyId,
      signature: sign('sha256', message, { key: this.#privateKey, dsaEncoding: 'der' }).toString('base64'),
      algorithm: ALGORITHM,
    };
  }

  async verify(message: Uint8Array, signature: DigestSignature): Promise<boolean> {
    if (signature.algorithm !== ALGORITHM) return false;
    try {
      return verify('sha256', message, { key: this.#publicKey, dsaEncoding: 'der' }, Buffer.from(signature.signature, 'base64'));
    } catch {
      // Garbage that is not even DER is a signature that does not verify.
      return false;
    }
  }
}

/** The sandbox directory's digest key, or undefined when it has none yet. */
export const loadLocalDigestSigner = async (dir: string): Promise<LocalDigestSigner | undefined> => {
  try {
    return LocalDigestSigner.fromPem(await readFile(join(dir, LOCAL_DIGEST_KEY_FILE), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

/**
 * The sandbox directory's digest key, created (owner-only permissions) when absent.
 *
 * @example
 * ```ts
 * const signer = await openLocalDigestSigner('.sever/sandbox');
 * ```
 */
export const openLocalDigestSigner = async (dir: string): Promise<LocalDigestSigner> => {
  const existing = await loadLocalDigestSigner(dir);
  if (existing !== undefined) return existing;
  await mkdir(dir, { recursive: true });
  const signer = LocalDigestSigner.generate();
  try {
    await writeFile(join(dir, LOCAL_DIGEST_KEY_FILE), signer.toPem(), { flag: 'wx', mode: 0o600 });
    return signer;
  } catch (error) {
    // Another process created it first: use theirs, so both sign with one key.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await loadLocalDigestSigner(dir)) as LocalDigestSigner;
  }
};
