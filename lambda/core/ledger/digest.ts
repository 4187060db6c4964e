import type { Clock } from '../ports.js';
import { canonicalBytes, canonicalJson } from './canonical.js';
import { GENESIS_HASH, sha256Hex } from './chain.js';
import { isLedgerError, LedgerError } from './errors.js';
import { compareLeaves, digestRoot } from './merkle.js';
import type { Digest, DigestHeader, DigestLeaf, DigestSigner, LedgerEntry } from './types.js';

export type { Digest, DigestHeader, DigestLeaf, DigestSignature, DigestSigner } from './types.js';

/**
 * Signed digests. Hash chains alone cannot show that a whole case was deleted, or that a
 * case was rewritten from some entry on with every hash recomputed. A digest closes that gap:
 * every so often it commits, through one Merkle root, to the head (seq and hash) of every
 * case that changed since the previous digest, chains to that previous digest, and is signed
 * by a key the ledger's writers cannot use to forge history after the fact.
 */

/** What {@link createDigest} needs from storage. */
export interface DigestStore {
  /** The digest with the highest seq, or undefined before the first. */
  latestDigest(): Promise<Digest | undefined>;
  /** Digests made at or after `since`, in any order. */
  digestsSince(since: string): Promise<Digest[]>;
  /**
   * Ids of cases with an entry whose `at` is at or after `since`; every case when `since`
   * is undefined. Extra ids are harmless; a missing one would leave a case undigested.
   */
  casesChangedSince(since: string | undefined): Promise<string[]>;
  /** The last entry of a case, read consistently. */
  head(caseId: string): Promise<Pick<LedgerEntry, 'seq' | 'hash'> | undefined>;
  /**
   * Writes a digest at its seq, never over an existing one.
   *
   * @throws {LedgerError} `ERR_LEDGER_SEQ_TAKEN` when another digest already holds that seq.
   */
  appendDigest(digest: Digest): Promise<void>;
}

export interface CreateDigestOptions {
  readonly store: DigestStore;
  readonly signer: DigestSigner;
  readonly clock: Clock;
  /**
   * How far before the previous digest to look for changed cases. Entries are stamped by
   * their writer's clock before the write lands, so an entry can become visible after a
   * digest that is later than its `at`; the overlap catches it on the next run. It must
   * exceed writer clock skew plus the longest append (retries included).
   * @default 300_000 (five minutes)
   */
  readonly overlapMs?: number;
  /**
   * Upper bound on the canonical size of the leaves of one digest; more leaves are split
   * into consecutive digests. Keeps an item well below DynamoDB's 400 KB.
   * @default 256_000
   */
  readonly maxLeafBytes?: number;
  /**
   * Write a digest even when no case changed, as a heartbeat that shows digesting ran.
   * @default false
   */
  readonly emitEmpty?: boolean;
  /**
   * Attempts when another digest run takes the same seq first.
   * @default 5
   */
  readonly maxAttempts?: number;
}

/** The header of a digest, without leaves, hash or signature. */
export const digestHeader = (digest: DigestHeader): DigestHeader => ({
  version: digest.version,
  seq: digest.seq,
  at: digest.at,
  prevHash: digest.prevHash,
  root: digest.root,
  leafCount: digest.leafCount,
});

/**
 * The bytes a digest's signature covers: canonical JSON of its header. Small (a few hundred
 * bytes) whatever the number of leaves, so KMS can sign it as a RAW message (limit 4096).
 */
export const digestMessage = (digest: DigestHeader): Uint8Array => canonicalBytes(digestHeader(digest));

/** SHA-256 hex of a digest header's canonical JSON; the next digest's `prevHash`. */
export const hashDigest = (digest: DigestHeader): string => sha256Hex(digestMessage(digest));

/** Splits sorted leaves into runs whose canonical size stays under `maxBytes` (at least one leaf each). */
export const chunkLeaves = (leaves: readonly DigestLeaf[], maxBytes: number): DigestLeaf[][] => {
  const chunks: DigestLeaf[][] = [];
  let current: DigestLeaf[] = [];
  let size = 0;
  for (const leaf of leaves) {
    const leafSize = canonicalJson(leaf).length + 1;
    if (current.length > 0 && size + leafSize > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(leaf);
    size += leafSize;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
};

/**
 * Builds and signs one digest following `previous`.
 *
 * @example
 * ```ts
 * const digest = await signDigest({ previous, leaves, at: clock.now().toISOString(), signer });
 * ```
 */
export const signDigest = async (args: {
  readonly previous: Pick<Digest, 'seq' | 'hash'> | undefined;
  readonly leaves: readonly DigestLeaf[];
  readonly at: string;
  readonly signer: DigestSigner;
}): Promise<Digest> => {
  const leaves = [...args.leaves].sort(compareLeaves);
  const header: DigestHeader = {
    version: 1,
    seq: (args.previous?.seq ?? 0) + 1,
    at: args.at,
    prevHash: args.previous?.hash ?? GENESIS_HASH,
    root: digestRoot(leaves),
    leafCount: leaves.length,
  };
  const message = digestMessage(header);
  const signature = await args.signer.sign(message);
  return { ...header, leaves, hash: sha256Hex(message), signature };
};

const subtractMs = (iso: string, ms: number): string => new Date(Date.parse(iso) - ms).toISOString();

/**
 * Creates the next signed digest(s): finds every case changed since the previous digest,
 * reads each head, and commits to those whose head moved. Meant to run on a schedule
 * (one Lambda invocation per run); concurrent runs cannot fork the digest chain because
 * each digest is written conditionally at its seq and a run that loses re-reads and retries.
 *
 * @returns the digests written (none when nothing changed and `emitEmpty` is false).
 * @throws {LedgerError} `ERR_LEDGER_CONFLICT` when other runs kept taking the seq.
 * @example
 * ```ts
 * export const handler = async () => {
 *   const digests = await createDigest({ store: ledger, signer: new KmsDigestSigner({ keyId }), clock });
 *   return { written: digests.map((d) => d.seq) };
 * };
 * ```
 */
export const createDigest = async (options: CreateDigestOptions): Promise<Digest[]> => {
  const { store, signer, clock } = options;
  const overlapMs = options.overlapMs ?? 300_000;
  const maxLeafBytes = options.maxLeafBytes ?? 256_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const written: Digest[] = [];

  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const previous = await store.latestDigest();
    const since = previous === undefined ? undefined : subtractMs(previous.at, overlapMs);
    const caseIds = [...new Set(await store.casesChangedSince(since))].sort();
    // A case whose head has not moved was committed by a digest made after that head was
    // written, so at or after `since`: only those digests need consulting.
    const committed = new Map<string, DigestLeaf>();
    const recent = since === undefined ? [] : await store.digestsSince(since);
    for (const digest of [...recent].sort((a, b) => a.seq - b.seq)) {
      for (const leaf of digest.leaves) committed.set(leaf.caseId, leaf);
    }

    const leaves: DigestLeaf[] = [];
    for (const caseId of caseIds) {
      const head = await store.head(caseId);
      if (head === undefined) continue;
      const last = committed.get(caseId);
      if (last !== undefined && last.headSeq === head.seq && last.headHash === head.hash) continue;
      leaves.push({ caseId, headSeq: head.seq, headHash: head.hash });
    }
    if (leaves.length === 0 && options.emitEmpty !== true) return [];

    const at = clock.now().toISOString();
    const chunks = leaves.length === 0 ? [[]] : chunkLeaves(leaves, maxLeafBytes);
    let tail: Pick<Digest, 'seq' | 'hash'> | undefined = previous;
    try {
      for (const chunk of chunks) {
        const digest = await signDigest({ previous: tail, leaves: chunk, at, signer });
        await store.appendDigest(digest);
        written.push(digest);
        tail = digest;
      }
      return written;
    } catch (error) {
      // Another run took the seq: what it committed may overlap ours, so start over from
      // the new latest digest. Leaves already written by this run stay valid.
      if (!isLedgerError(error, 'ERR_LEDGER_SEQ_TAKEN')) throw error;
    }
  }
  throw new LedgerError(
    'ERR_LEDGER_CONFLICT',
    `Could not write a digest in ${maxAttempts} attempts: other digest runs kept taking the next seq.`,
  );
};
