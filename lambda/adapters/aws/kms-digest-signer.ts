import type { KMSClientConfig, SignCommandOutput } from '@aws-sdk/client-kms';
import { KMSClient, SignCommand, VerifyCommand } from '@aws-sdk/client-kms';
import { LedgerError } from '../../core/ledger/errors.js';
import type { DigestSignature, DigestSigner } from '../../core/ledger/types.js';

/**
 * Signs ledger digests with an asymmetric KMS key (key spec ECC_NIST_P256, usage
 * SIGN_VERIFY). The private key never leaves KMS, so the functions that write the ledger
 * cannot forge a digest over rewritten history; only `kms:Sign` on this one key can.
 */

export interface KmsDigestSignerOptions {
  /** Key id, key ARN or alias of the digest key. Verification always uses this key. */
  readonly keyId: string;
  /** @default new KMSClient(clientConfig) */
  readonly client?: KMSClient;
  readonly clientConfig?: KMSClientConfig;
}

const ALGORITHM = 'ECDSA_SHA_256';
/** KMS refuses RAW messages longer than this. */
const MAX_RAW_MESSAGE_BYTES = 4096;

const UNAVAILABLE = new Set([
  'DisabledException',
  'KeyUnavailableException',
  'KMSInvalidStateException',
  'NotFoundException',
  'DependencyTimeoutException',
  'KMSInternalException',
  'ThrottlingException',
  'AccessDeniedException',
  'InvalidKeyUsageException',
  'IncorrectKeyException',
  'TimeoutError',
]);

const translate = (error: unknown, operation: string, keyId: string): unknown => {
  const name = (error as { name?: string } | null)?.name ?? '';
  if (!UNAVAILABLE.has(name)) return error;
  return new LedgerError(
    'ERR_DIGEST_SIGNER_UNAVAILABLE',
    `KMS ${operation} with digest key ${keyId} failed (${name}): ${(error as Error).message}`,
    { cause: error },
  );
};

/**
 * @example
 * ```ts
 * const signer = new KmsDigestSigner({ keyId: process.env.DIGEST_KEY_ARN! });
 * await createDigest({ store: ledger, signer, clock });
 * ```
 */
export class KmsDigestSigner implements DigestSigner {
  readonly keyId: string;
  readonly #client: KMSClient;

  constructor(options: KmsDigestSignerOptions) {
    this.keyId = options.keyId;
    this.#client = options.client ?? new KMSClient(options.clientConfig ?? {});
  }

  /**
   * @throws {LedgerError} `ERR_LEDGER_INVALID_INPUT` for a message over 4096 bytes,
   *   `ERR_DIGEST_SIGNER_UNAVAILABLE` when KMS cannot sign with the key.
   */
  async sign(message: Uint8Array): Promise<DigestSignature> {
    if (message.byteLength > MAX_RAW_MESSAGE_BYTES) {
      throw new LedgerError(
        'ERR_LEDGER_INVALID_INPUT',
        `A digest message of ${message.byteLength} bytes exceeds KMS's ${MAX_RAW_MESSAGE_BYTES}-byte RAW limit.`,
      );
    }
    let response: SignCommandOutput;
    try {
      response = await this.#client.send(
        new SignCommand({ KeyId: this.keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: ALGORITHM }),
      );
    } catch (error) {
      throw translate(error, 'Sign', this.keyId);
    }
    if (response.Signature === undefined) {
      throw new LedgerError('ERR_DIGEST_SIGNER_UNAVAILABLE', `KMS Sign with digest key ${this.keyId} returned no signature.`);
    }
    return {
      keyId: response.KeyId ?? this.keyId,
      signature: Buffer.from(response.Signature).toString('base64'),
      algorithm: ALGORITHM,
    };
  }

  /**
   * Verifies with this signer's key whatever key the signature names.
   *
   * @throws {LedgerError} `ERR_DIGEST_SIGNER_UNAVAILABLE` when KMS cannot verify at all.
   */
  async verify(message: Uint8Array, signature: DigestSignature): Promise<boolean> {
    if (signature.algorithm !== ALGORITHM || message.byteLength > MAX_RAW_MESSAGE_BYTES) return false;
    const bytes = Buffer.from(signature.signature, 'base64');
    if (bytes.length === 0) return false;
    try {
      const response = await this.#client.send(
        new VerifyCommand({
          KeyId: this.keyId,
          Message: message,
          MessageType: 'RAW',
          Signature: bytes,
          SigningAlgorithm: ALGORITHM,
        }),
      );
      return response.SignatureValid === true;
    } catch (error) {
      // KMS answers an invalid signature with an exception, not SignatureValid: false.
      if ((error as { name?: string } | null)?.name === 'KMSInvalidSignatureException') return false;
      throw translate(error, 'Verify', this.keyId);
    }
  }
}
