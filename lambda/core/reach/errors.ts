/** Stable codes for reach analysis that cannot proceed. */
export type ReachErrorCode = 'ERR_REACH_EMPLOYEE_ID' | 'ERR_REACH_NO_PRINCIPALS';

/**
 * Reach analysis refused to answer. An employee without any principal in the snapshot is an error,
 * not an empty report: an empty report would read as "nothing to rotate" when the snapshot may
 * simply not tag that person's principals.
 */
export class ReachError extends Error {
  override readonly name = 'ReachError';
  constructor(
    readonly code: ReachErrorCode,
    detail: string,
  ) {
    super(detail);
  }
}
