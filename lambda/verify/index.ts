/**
 * The verifier library for relying services: jose JWT verification plus Sever's revocations
 * (revoked signing keys, revoked subjects), failing closed when revocations cannot be read.
 */
export {
  createVerifier,
  DEFAULT_VERIFIER_ALGORITHMS,
  type Verifier,
  type VerifierAlgorithm,
  type VerifierOptions,
  type VerifierStatus,
} from './verifier.js';
export { SeverVerifyError, type SeverVerifyErrorCode } from './errors.js';
export { jwksFromUrl, type JwksFromUrlOptions, type JwksSource } from './jwks-source.js';
export { DynamoDbRevocationReader, type DynamoDbRevocationReaderOptions } from './dynamodb-registry.js';
export type { RevocationRegistryReader } from '../core/tokens/ports.js';
export type { KidRevocation, RevocationSnapshot, SubjectRevocation } from '../core/tokens/model.js';
export {
  REVOCATION_TABLE_KEY,
  revocationReaderPolicyStatement,
  type IamPolicyStatementJson,
} from '../core/tokens/revocation.js';
