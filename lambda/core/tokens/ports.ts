import type { CallRecord } from '../ports.js';
import type { JwksLocation, PublicJwk, RevocationSnapshot, VersionedJwks } from './model.js';

/**
 * Ports of the token layer. `lambda/adapters/aws` implements them with S3, SSM and DynamoDB,
 * `lambda/adapters/sandbox/tokens.ts` in memory.
 */

/** The outcome of one JWKS change. */
export interface JwksChange extends CallRecord {
  /** The stored version after the change (S3 ETag, SSM parameter version, sandbox counter). */
  readonly version: string;
  /** False when the JWKS already said what was asked (the write was skipped). */
  readonly changed: boolean;
}

/**
 * Publishes public keys where verifiers fetch them. Implementations must never lose a
 * concurrent writer's change: two rotations publishing to one JWKS both end up in it.
 */
export interface JwksPublisher {
  /**
   * Adds (or refreshes) one public key. Idempotent.
   * @throws TokensError `ERR_JWK_RETIRED` when the kid was removed from this JWKS before,
   *   `ERR_JWK_NOT_PUBLIC` for private material, `ERR_JWKS_CONFLICT` when retries ran out.
   */
  publish(location: JwksLocation, jwk: PublicJwk): Promise<JwksChange>;
  /**
   * Removes one kid and records it as retired so no later publish brings it back. Idempotent;
   * removing from a JWKS that does not exist yet creates one that only records the retirement.
   */
  remove(location: JwksLocation, kid: string): Promise<JwksChange>;
  /** The current document, or `undefined` when nothing is stored there yet. */
  read(location: JwksLocation): Promise<VersionedJwks | undefined>;
}

export interface KidRevocationDetails {
  readonly revokedAt: Date;
  readonly caseId: string;
  /** The KMS key (or secret / parameter) the kid belongs to. */
  readonly keyArn: string;
}

export interface SubjectRevocationDetails {
  /** Tokens of this subject issued before this instant stop verifying. */
  readonly notBefore: Date;
  readonly caseId: string;
}

/** The outcome of one registry write. */
export interface RevocationWrite extends CallRecord {
  /**
   * False when the registry already held an equal or stronger revocation (the kid was already
   * revoked; the subject already had a later or equal notBefore) and was left as it was.
   */
  readonly changed: boolean;
}

/** Writes revocations that every verifier reads. Revocations only ever get stronger. */
export interface RevocationRegistry {
  /** Revokes a signing key by kid. The first revocation of a kid is kept. */
  revokeKid(kid: string, details: KidRevocationDetails): Promise<RevocationWrite>;
  /** Revokes a subject's tokens issued before `notBefore`. A later notBefore replaces an earlier one. */
  revokeSubject(sub: string, details: SubjectRevocationDetails): Promise<RevocationWrite>;
}

/** Reads the whole registry; verifiers cache the result. */
export interface RevocationRegistryReader {
  readAll(): Promise<RevocationSnapshot>;
}
