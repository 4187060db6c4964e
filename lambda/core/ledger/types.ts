/**
 * The ledger's entry model. Every decision and action of a case is one entry; entries of a
 * case form a hash chain (see `chain.ts`), so an auditor can prove nothing was edited,
 * removed or reordered.
 */
export type LedgerEntryType =
  | 'event-rejected'
  | 'case-opened'
  | 'identity-resolved'
  | 'reach-computed'
  | 'plan-made'
  | 'action-started'
  | 'action-succeeded'
  | 'action-failed'
  | 'step-deferred'
  | 'token-check'
  | 'case-closed';

/** Who wrote an entry: the function (or CLI command) and its request id. */
export interface Actor {
  readonly function: string;
  readonly requestId: string;
}

/** What a writer hands the ledger; the ledger assigns seq, at, prevHash and hash. */
export interface LedgerEntryInput {
  readonly caseId: string;
  readonly employeeId: string;
  readonly type: LedgerEntryType;
  readonly resourceArn?: string;
  readonly actor: Actor;
  /** Entry-specific facts (the HR event, witness paths, before/after state …). JSON only. */
  readonly data: Readonly<Record<string, unknown>>;
}

export interface LedgerEntry extends LedgerEntryInput {
  readonly seq: number;
  /** ISO-8601 with milliseconds. */
  readonly at: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** The one signature algorithm digests use: ECDSA over P-256 with SHA-256, DER-encoded. */
export type DigestSigningAlgorithm = 'ECDSA_SHA_256';

/** A signature over a digest's header bytes. */
export interface DigestSignature {
  /** The signing key as the signer names it (a KMS key ARN, or `sandbox:<thumbprint>`). */
  readonly keyId: string;
  /** Base64 of the DER-encoded ECDSA signature. */
  readonly signature: string;
  readonly algorithm: DigestSigningAlgorithm;
}

/**
 * Signs and verifies digest header bytes. Verification uses the key the verifier was
 * configured with, never the `keyId` a stored digest claims: a forger can name any key.
 */
export interface DigestSigner {
  sign(message: Uint8Array): Promise<DigestSignature>;
  /** False for a signature that does not verify; throws only when verification cannot run. */
  verify(message: Uint8Array, signature: DigestSignature): Promise<boolean>;
}

/** What a digest commits to for one case: the case's head when the digest was made. */
export interface DigestLeaf {
  readonly caseId: string;
  readonly headSeq: number;
  readonly headHash: string;
}

/** The signed part of a digest. Its canonical JSON is the signed message and the digest's hash preimage. */
export interface DigestHeader {
  /** Format version of the digest; 1 is the only one. */
  readonly version: 1;
  /** 1, 2, 3 … with no gaps. */
  readonly seq: number;
  /** ISO-8601 with milliseconds. */
  readonly at: string;
  /** Hash of the previous digest (the genesis hash for digest 1). */
  readonly prevHash: string;
  /** RFC 6962 Merkle root over the leaves, sorted by caseId. */
  readonly root: string;
  readonly leafCount: number;
}

export interface Digest extends DigestHeader {
  readonly leaves: readonly DigestLeaf[];
  /** SHA-256 hex of the header's canonical JSON. */
  readonly hash: string;
  readonly signature: DigestSignature;
}

/** Codes of verification findings. All are failures except `ERR_UNDIGESTED`, a warning. */
export type LedgerFindingCode =
  | 'ERR_ENTRY_ALTERED'
  | 'ERR_ENTRY_MISSING'
  | 'ERR_ENTRY_REORDERED'
  | 'ERR_CASE_MISSING'
  | 'ERR_CASE_REWRITTEN'
  | 'ERR_DIGEST_FORGED'
  | 'ERR_DIGEST_CHAIN_BROKEN'
  | 'ERR_UNDIGESTED';

export interface LedgerFinding {
  readonly code: LedgerFindingCode;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly caseId?: string;
  /** The entry the finding is about (the first of a range for gaps). */
  readonly seq?: number;
  /** The digest the finding is about. */
  readonly digestSeq?: number;
}
