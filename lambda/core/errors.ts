/**
 * Errors adapters raise at the port boundary, translated from SDK or sandbox failures, so core
 * decides what to do from a stable code instead of a vendor's exception name.
 */
export type PortErrorCode =
  /** The thing is already gone (IAM NoSuchEntity, KMS NotFound): the step's goal already holds. */
  | 'ERR_ALREADY_DONE'
  /** Rate limited: retry with backoff. */
  | 'ERR_THROTTLED'
  /** Transient service or network failure: retry with backoff. */
  | 'ERR_TRANSIENT'
  /** Someone else changed the resource at the same moment (ConcurrentModification): retry. */
  | 'ERR_CONFLICT'
  /** Sever lacks permission: never retried; the case stays open and alarms. */
  | 'ERR_ACCESS_DENIED'
  /** Anything else: permanent. */
  | 'ERR_FAILED';

const RETRYABLE: ReadonlySet<PortErrorCode> = new Set(['ERR_THROTTLED', 'ERR_TRANSIENT', 'ERR_CONFLICT']);

export class PortError extends Error {
  override readonly name = 'PortError';
  constructor(
    readonly code: PortErrorCode,
    message: string,
    /** The AWS error name or sandbox equivalent, kept for the ledger. */
    readonly awsError?: string,
    readonly requestId?: string,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}
