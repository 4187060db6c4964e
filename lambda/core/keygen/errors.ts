/**
 * Errors of key-material handling. Callers switch on `code`; messages name where the problem is
 * (the secret value, a field of it, a PEM block label, a JWK member) and never contain key
 * material or any other part of the secret's value.
 */
export type KeygenErrorCode =
  /** Nothing in the value is a private key in a recognised shape (see `secret-value.ts`). */
  | 'ERR_KEY_NOT_FOUND'
  /** More than one private key: rotating one of them would be a guess. */
  | 'ERR_KEY_AMBIGUOUS'
  /** It looks like a key (PEM armour, a JWK `kty`) but does not decode as one. */
  | 'ERR_KEY_MALFORMED'
  /** A well-formed key Sever cannot replace in kind: encrypted PEM, X25519, DSA, an unnamed curve … */
  | 'ERR_KEY_UNSUPPORTED'
  /** A certificate is bound to the key; a new key would need a new certificate, which Sever cannot issue. */
  | 'ERR_KEY_BOUND_TO_CERTIFICATE'
  /** A rotated value does not keep the shape, format or algorithm of the value it replaces. */
  | 'ERR_ROTATION_MISMATCH'
  /** A rotated value still holds the key it was meant to replace. */
  | 'ERR_ROTATION_UNCHANGED'
  /** The key loads but a signature made with it does not verify with its own public part. */
  | 'ERR_KEY_SELF_TEST_FAILED';

/**
 * @example
 * ```ts
 * try {
 *   await rotateSecretValue(secretString);
 * } catch (error) {
 *   if (isKeygenError(error, 'ERR_KEY_NOT_FOUND')) reportUnrotatable(secretArn, error.message);
 *   else throw error;
 * }
 * ```
 */
export class KeygenError extends Error {
  override readonly name = 'KeygenError';
  readonly code: KeygenErrorCode;

  // No `cause`: causes from JSON.parse and OpenSSL can quote the input, and the input is secret.
  constructor(code: KeygenErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** True when `error` is a {@link KeygenError}, optionally with the given code. */
export const isKeygenError = (error: unknown, code?: KeygenErrorCode): error is KeygenError =>
  error instanceof KeygenError && (code === undefined || error.code === code);
