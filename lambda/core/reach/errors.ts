/** Stable codes for reach analysis that cannot proceed. */
export type ReachErrorCode = 'ERR_REACH_EMPLOYEE_ID';

/** Reach analysis refused to answer (the question itself is malformed). */
export class ReachError extends Error {
  override readonly name = 'ReachError';
  constructor(
    readonly code: ReachErrorCode,
    detail: string,
  ) {
    super(detail);
  }
}
