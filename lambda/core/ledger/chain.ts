import { createHash } from 'node:crypto';
import { canonicalBytes, canonicalJson } from './canonical.js';
import type { LedgerEntry, LedgerEntryInput } from './types.js';

/**
 * The hash chain of a case. Entry `n` carries `prevHash` = hash of entry `n − 1` (the genesis
 * hash for the first entry, seq 1), and `hash` = SHA-256 over the canonical JSON of the
 * entry without its own `hash`. Editing, removing or reordering an entry therefore breaks
 * either the entry's own hash or its successor's link.
 */

/** `prevHash` of the first entry of every case. */
export const GENESIS_HASH = '0'.repeat(64);

/** The first `seq` of a case. */
export const FIRST_SEQ = 1;

/** Lowercase hex SHA-256 of some bytes. */
export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Where an entry sits in its chain: everything the ledger assigns except the hash. */
export interface ChainPosition {
  readonly seq: number;
  readonly at: string;
  readonly prevHash: string;
}

/**
 * The object whose canonical JSON is hashed: every attribute of the entry except `hash`,
 * with `resourceArn` omitted when absent. Only the attributes named here are covered, so a
 * storage layer may keep extra (derived, index) attributes beside them.
 */
export const entryPreimage = (entry: LedgerEntryInput & ChainPosition): Record<string, unknown> => ({
  caseId: entry.caseId,
  seq: entry.seq,
  at: entry.at,
  employeeId: entry.employeeId,
  type: entry.type,
  ...(entry.resourceArn === undefined ? {} : { resourceArn: entry.resourceArn }),
  actor: { function: entry.actor.function, requestId: entry.actor.requestId },
  data: entry.data,
  prevHash: entry.prevHash,
});

/**
 * SHA-256 hex of an entry's canonical preimage.
 *
 * @throws {LedgerError} `ERR_LEDGER_INVALID_INPUT` when `data` is not canonical JSON.
 */
export const hashEntry = (entry: LedgerEntryInput & ChainPosition): string => sha256Hex(canonicalBytes(entryPreimage(entry)));

/**
 * Completes an input into a chained entry at the given position.
 *
 * @throws {LedgerError} `ERR_LEDGER_INVALID_INPUT` when `data` is not canonical JSON.
 *
 * @example
 * ```ts
 * const first = sealEntry(input, { seq: FIRST_SEQ, at: clock.now().toISOString(), prevHash: GENESIS_HASH });
 * const second = sealEntry(next, { seq: 2, at, prevHash: first.hash });
 * ```
 */
export const sealEntry = (input: LedgerEntryInput, position: ChainPosition): LedgerEntry => {
  const entry = {
    caseId: input.caseId,
    seq: position.seq,
    at: position.at,
    employeeId: input.employeeId,
    type: input.type,
    ...(input.resourceArn === undefined ? {} : { resourceArn: input.resourceArn }),
    actor: { function: input.actor.function, requestId: input.actor.requestId },
    // A normalised copy: what is returned is exactly what was hashed, and later mutation of
    // the caller's object cannot drift from the stored hash.
    data: JSON.parse(canonicalJson(input.data)) as Record<string, unknown>,
    prevHash: position.prevHash,
  };
  return { ...entry, hash: hashEntry(entry) };
};
