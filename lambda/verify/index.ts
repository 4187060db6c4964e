/**
 * The verifier library for relying services: jose JWT verification plus Sever's revocations
 * (revoked signing keys, revoked subjects), failing closed when revocations cannot be read.
 */

export type { KidRevocation, RevocationSnapshot, SubjectRevocation } from '../core/tokens/model.js';
export type { RevocationRegistryReader } from '../core/tokens/ports.js';
export {
  type IamPolicyStatementJson,
  REVOCATION_TABLE_KEY,
  revocationReaderPolicyStatement,
} from '../core/tokens/revocation.js';
export { DynamoDbRevocationReader, type DynamoDbRevocationReaderOptions } from './dynamodb-registry.js';
export { SeverVerifyError, type SeverVerifyErrorCode } from './errors.js';
export { type JwksFromUrlOptions, type JwksSource, jwksFromUrl } from './jwks-source.js';
export {
  createVerifier,
  DEFAULT_VERIFIER_ALGORITHMS,
  type Verifier,
  type VerifierAlgorithm,
  type VerifierOptions,
  type VerifierStatus,
} from './verifier.js';
