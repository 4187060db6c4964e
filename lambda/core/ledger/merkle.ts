import { createHash } from 'node:crypto';
import { canonicalBytes } from './canonical.js';
import type { DigestLeaf } from './types.js';

/**
 * Merkle tree hash as RFC 6962 §2.1 defines it (the Certificate Transparency tree): leaves
 * hashed with a 0x00 prefix, interior nodes with 0x01, so a leaf can never pass for a node;
 * an unbalanced tree splits at the largest power of two below its size.
 */

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};

const largestPowerOfTwoBelow = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

const treeHash = (leaves: readonly Uint8Array[], from: number, to: number): Uint8Array => {
  const size = to - from;
  if (size === 1) return sha256(LEAF_PREFIX, leaves[from] as Uint8Array);
  const split = from + largestPowerOfTwoBelow(size);
  return sha256(NODE_PREFIX, treeHash(leaves, from, split), treeHash(leaves, split, to));
};

/**
 * RFC 6962 Merkle tree hash of the given leaf data, as lowercase hex. The empty tree hashes
 * to SHA-256 of nothing.
 *
 * @example
 * ```ts
 * merkleRoot([new TextEncoder().encode('a'), new TextEncoder().encode('b')]);
 * ```
 */
export const merkleRoot = (leaves: readonly Uint8Array[]): string =>
  Buffer.from(leaves.length === 0 ? sha256() : treeHash(leaves, 0, leaves.length)).toString('hex');

/** The bytes a digest leaf contributes: canonical JSON of `{ caseId, headHash, headSeq }`. */
export const digestLeafBytes = (leaf: DigestLeaf): Uint8Array =>
  canonicalBytes({ caseId: leaf.caseId, headSeq: leaf.headSeq, headHash: leaf.headHash });

/** Orders leaves the way a digest stores and hashes them: by `caseId`, UTF-16 code units. */
export const compareLeaves = (a: DigestLeaf, b: DigestLeaf): number => (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0);

/**
 * Merkle root over digest leaves in the order given. Digests store their leaves sorted by
 * `caseId` ({@link compareLeaves}); the verifier checks that order separately, so this
 * function does not re-sort (a re-sort would hide a tampered order).
 */
export const digestRoot = (leaves: readonly DigestLeaf[]): string => merkleRoot(leaves.map(digestLeafBytes));
