/**
 * Errors of the policy layer. Callers and tests switch on `code`, never on the message.
 */
export type PolicyErrorCode = 'ERR_POLICY_PARSE';

/** Base class of every error the policy layer throws. */
export class PolicyError extends Error {
  readonly code: PolicyErrorCode;

  constructor(code: PolicyErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A policy document is malformed: not JSON, an unknown element, a missing `Effect`, both
 * `Action` and `NotAction`, an unknown condition operator, a value of the wrong type …
 *
 * @example
 * ```ts
 * try {
 *   parsePolicyDocument(text, 'roles/deploy.json: AssumeRolePolicyDocument');
 * } catch (error) {
 *   if (error instanceof PolicyParseError) console.error(error.where, error.path);
 * }
 * ```
 */
export class PolicyParseError extends PolicyError {
  /** The file or location of the document, as the caller named it. */
  readonly where: string;
  /** JSON path inside the document, e.g. `Statement[2].Condition.StringEquals`; `''` for the document itself. */
  readonly path: string;

  constructor(where: string, path: string, detail: string) {
    super('ERR_POLICY_PARSE', `${where}: ${path === '' ? '(document)' : path}: ${detail}`);
    this.where = where;
    this.path = path;
  }
}
