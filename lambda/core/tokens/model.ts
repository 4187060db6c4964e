import type { JWK } from 'jose';

/**
 * The data the token layer works with: where a JWKS lives, what a JWKS document holds, and what
 * the revocation registry records. Ports (see `ports.ts`) move these in and out of storage.
 */

/** The tag on a signing key that names where its verifiers fetch public keys. */
export const JWKS_LOCATION_TAG = 'sever:jwks';

/** A JWKS stored as one S3 object. */
export interface S3JwksLocation {
  readonly kind: 's3';
  readonly bucket: string;
  readonly key: string;
}

/** A JWKS stored as one SSM `String` parameter. */
export interface SsmJwksLocation {
  readonly kind: 'ssm';
  /** Fully qualified parameter name, starting with `/`. */
  readonly name: string;
}

export type JwksLocation = S3JwksLocation | SsmJwksLocation;

/** A public signing key as published: always has a kid, never private material. */
export type PublicJwk = JWK & { readonly kid: string };

/**
 * A JWK Set plus the kids retired from it.
 *
 * `retired` is serialised as the extra member `"sever:retired"`, which verifiers ignore
 * (RFC 7517 §5: unknown members MUST be ignored). It makes removals survive concurrent writers:
 * merging two documents is a union of keys minus the union of retired kids, so the outcome does
 * not depend on which writer went first, and a rotated-out key can never reappear.
 */
export interface JwksDocument {
  /** Sorted by kid, so equal sets serialise identically. */
  readonly keys: readonly PublicJwk[];
  /** Sorted, no duplicates. */
  readonly retired: readonly string[];
}

/** A stored JWKS and the opaque version its store uses for conditional writes (ETag, SSM version). */
export interface VersionedJwks {
  readonly document: JwksDocument;
  readonly version: string;
}

/** A signing key that must no longer verify anything, whoever holds tokens it signed. */
export interface KidRevocation {
  readonly kid: string;
  /** ISO-8601. */
  readonly revokedAt: string;
  readonly caseId: string;
  readonly keyArn: string;
}

/** A subject whose tokens issued before `notBefore` must no longer verify. */
export interface SubjectRevocation {
  readonly sub: string;
  /** NumericDate (seconds since the epoch): tokens with `iat` earlier than this are rejected. */
  readonly notBefore: number;
  readonly caseId: string;
}

/** The whole revocation registry as one verifier sees it. */
export interface RevocationSnapshot {
  readonly kids: ReadonlyMap<string, KidRevocation>;
  readonly subjects: ReadonlyMap<string, SubjectRevocation>;
}
