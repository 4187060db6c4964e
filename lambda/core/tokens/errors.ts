/**
 * Stable codes for everything that can go wrong while publishing keys or recording revocations.
 * Callers and tests switch on `code`; messages are for humans and name the offending value.
 */
export type TokensErrorCode =
  /** A `sever:jwks` tag value is neither an `s3://bucket/key` URI nor an SSM parameter name. */
  | 'ERR_JWKS_LOCATION_INVALID'
  /** A public key could not be read as SPKI (DER or PEM) for the requested algorithm. */
  | 'ERR_PUBLIC_KEY_INVALID'
  /** A KMS signing algorithm has no JWS equivalent that verifiers understand. */
  | 'ERR_SIGNING_ALGORITHM_UNSUPPORTED'
  /** A JWK carries private or symmetric key material, or no kid; it must never be published. */
  | 'ERR_JWK_NOT_PUBLIC'
  /** The kid was removed from this JWKS earlier; a retired key is never published again. */
  | 'ERR_JWK_RETIRED'
  /** A stored JWKS document is not valid JSON or not a JWK Set. */
  | 'ERR_JWKS_DOCUMENT_INVALID'
  /** Concurrent writers kept changing the JWKS; the bounded number of attempts ran out. */
  | 'ERR_JWKS_CONFLICT'
  /** An item in the revocation table does not have the shape its partition key promises. */
  | 'ERR_REVOCATION_ITEM_INVALID';

/** The one error class of the token layer (JWKS publishing, revocation registry). */
export class TokensError extends Error {
  readonly code: TokensErrorCode;

  constructor(code: TokensErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokensError';
    this.code = code;
  }
}
