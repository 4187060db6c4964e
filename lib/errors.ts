/**
 * Errors of the infrastructure layer. They surface at `cdk synth` time, before anything reaches
 * AWS, so a misconfigured deployment fails on the operator's machine with a stable code.
 */

/** Stable codes for a deployment the stack refuses to synthesize. */
export type InfraErrorCode =
  /** A `sever:*` context value has the wrong type or an invalid value. */
  | 'ERR_CONTEXT_INVALID'
  /** A Lambda entry file the stack bundles does not exist. */
  | 'ERR_ENTRY_MISSING'
  /** esbuild is not installed locally; bundling would otherwise fall back to Docker. */
  | 'ERR_ESBUILD_MISSING';

/**
 * A deployment the stack cannot build. `code` is stable; the message names the context key,
 * file or value at fault.
 *
 * @example
 * ```ts
 * try {
 *   readSeverConfig(app.node);
 * } catch (error) {
 *   if (error instanceof InfraError && error.code === 'ERR_CONTEXT_INVALID') process.exit(2);
 *   throw error;
 * }
 * ```
 */
export class InfraError extends Error {
  override readonly name = 'InfraError';
  constructor(
    readonly code: InfraErrorCode,
    message: string,
  ) {
    super(message);
  }
}
