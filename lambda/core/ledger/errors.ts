/**
 * Errors of the ledger layer. Callers switch on `code`; messages name exactly what is wrong.
 * Adapters translate storage and signing SDK errors into these at their boundary.
 */
export type LedgerErrorCode =
  /** A value cannot be encoded canonically (not JSON, lone surrogate, unsafe integer …). */
  | 'ERR_LEDGER_INVALID_INPUT'
  /** Two writers kept racing for the same position and the bounded retries ran out. */
  | 'ERR_LEDGER_CONFLICT'
  /** The position (seq) a write aimed at is already taken; the writer re-reads and retries. */
  | 'ERR_LEDGER_SEQ_TAKEN'
  /** The ledger table does not exist (wrong name, wrong region, wrong sandbox directory). */
  | 'ERR_LEDGER_TABLE_NOT_FOUND'
  /** A table of that name exists but its keys or indexes are not the ledger's. */
  | 'ERR_LEDGER_TABLE_MISMATCH'
  /** The caller's credentials may not perform the operation. */
  | 'ERR_LEDGER_ACCESS_DENIED'
  /** Throttling, service errors, network failures: retry later. */
  | 'ERR_LEDGER_UNAVAILABLE'
  /** A stored item does not have the shape of an entry or digest. */
  | 'ERR_LEDGER_CORRUPT_ITEM'
  /** A query is malformed (bad time, window too long, cursor from another query …). */
  | 'ERR_LEDGER_INVALID_QUERY'
  /** The digest signer could not sign or verify (key missing, disabled, unreachable). */
  | 'ERR_DIGEST_SIGNER_UNAVAILABLE';

/**
 * @example
 * ```ts
 * try {
 *   await ledger.append(input);
 * } catch (error) {
 *   if (error instanceof LedgerError && error.code === 'ERR_LEDGER_UNAVAILABLE') retryLater();
 *   else throw error;
 * }
 * ```
 */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  readonly code: LedgerErrorCode;

  constructor(code: LedgerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `error` is a {@link LedgerError}, optionally with the given code. */
export const isLedgerError = (error: unknown, code?: LedgerErrorCode): error is LedgerError =>
  error instanceof LedgerError && (code === undefined || error.code === code);
