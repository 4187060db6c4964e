/**
 * Why the verifier rejected a token for a reason of its own. Failures jose detects (bad
 * signature, expiry, audience, issuer, disallowed alg) are jose's errors with jose's codes
 * (`ERR_JWT_EXPIRED`, `ERR_JWT_CLAIM_VALIDATION_FAILED`, `ERR_JOSE_ALG_NOT_ALLOWED`,
 * `ERR_JWS_SIGNATURE_VERIFICATION_FAILED` …), passed through unchanged.
 */
export type SeverVerifyErrorCode =
  /** The token names a kid that is not in the JWKS, even after one refresh. */
  | 'ERR_UNKNOWN_KID'
  /** The token has no `kid` header, so its key cannot be checked against revocations. */
  | 'ERR_KID_MISSING'
  /** The signing key was revoked. */
  | 'ERR_KEY_REVOKED'
  /** The subject was revoked and the token was issued before (or without) `iat` ≥ notBefore. */
  | 'ERR_SUBJECT_REVOKED'
  /** The revocation registry has not been read successfully within `maxStalenessMs`: fail closed. */
  | 'ERR_REGISTRY_STALE'
  /** The JWKS could not be loaded at all (first load failed, or the document is not a JWK Set). */
  | 'ERR_JWKS_UNAVAILABLE'
  /** `createVerifier` options are unusable (both or neither JWKS source, `none` allowed …). */
  | 'ERR_VERIFIER_CONFIG';

/**
 * @example
 * ```ts
 * try {
 *   await verifier.verify(token);
 * } catch (error) {
 *   if (error instanceof SeverVerifyError && error.code === 'ERR_REGISTRY_STALE') return res.status(503);
 *   return res.status(401);
 * }
 * ```
 */
export class SeverVerifyError extends Error {
  readonly code: SeverVerifyErrorCode;

  constructor(code: SeverVerifyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SeverVerifyError';
    this.code = code;
  }
}
