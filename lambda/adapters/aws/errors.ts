import { PortError, type PortErrorCode } from '../../core/errors.js';
import type { CallRecord } from '../../core/ports.js';

/**
 * Errors of the AWS adapter layer. SDK exceptions are translated here, at the boundary, so
 * callers switch on a stable `code` and never on an SDK class or message text.
 */

/** Stable codes for an AWS call that did not do what the adapter needed. */
export type AwsAdapterErrorCode =
  /** The caller's identity or a resource policy denied the call. */
  | 'ERR_AWS_ACCESS_DENIED'
  /** No usable credentials, or credentials AWS rejected (expired, unknown). */
  | 'ERR_AWS_CREDENTIALS'
  /** Missing client configuration, such as a region. */
  | 'ERR_AWS_CONFIG'
  /** Still throttled after the SDK's retries. */
  | 'ERR_AWS_THROTTLED'
  /** The named entity does not exist (or no longer does). */
  | 'ERR_AWS_NOT_FOUND'
  /** The entity exists but its state forbids the call (e.g. a KMS key pending deletion). */
  | 'ERR_AWS_INVALID_STATE'
  /** The account is not a member of an AWS Organization. */
  | 'ERR_AWS_NOT_IN_ORGANIZATION'
  /** A paginated listing returned a token it had already returned. */
  | 'ERR_AWS_PAGINATION'
  /** A server-side failure that outlived the SDK's retries. */
  | 'ERR_AWS_UNAVAILABLE'
  /** Any other service error. */
  | 'ERR_AWS_UNEXPECTED';

/** Which call failed, so a message can name it exactly. */
export interface AwsCallContext {
  /** IAM action prefix, e.g. `kms`, `iam`, `secretsmanager`. */
  readonly service: string;
  /** API operation, e.g. `GetKeyPolicy`. */
  readonly operation: string;
  /** The resource the call was about (ARN, key id, user name), when there is one. */
  readonly resource?: string;
}

/**
 * An AWS call failed. `awsErrorName` keeps the SDK's exception name for diagnostics;
 * decide on `code`.
 */
export class AwsAdapterError extends Error {
  override readonly name = 'AwsAdapterError';
  readonly service: string;
  readonly operation: string;
  readonly resource?: string;
  readonly awsErrorName?: string;
  readonly requestId?: string;

  constructor(
    readonly code: AwsAdapterErrorCode,
    context: AwsCallContext,
    detail: string,
    options: { awsErrorName?: string; requestId?: string; cause?: unknown } = {},
  ) {
    const target = context.resource ? ` on ${context.resource}` : '';
    super(`${context.service}:${context.operation}${target}: ${detail}`, { cause: options.cause });
    this.service = context.service;
    this.operation = context.operation;
    if (context.resource !== undefined) this.resource = context.resource;
    if (options.awsErrorName !== undefined) this.awsErrorName = options.awsErrorName;
    if (options.requestId !== undefined) this.requestId = options.requestId;
  }
}

// Exception names differ by service and protocol (query APIs report the bare code,
// JSON APIs the modelled exception name), so each code lists every spelling seen.
const CODES_BY_NAME: ReadonlyMap<string, AwsAdapterErrorCode> = new Map<string, AwsAdapterErrorCode>([
  ...names('ERR_AWS_ACCESS_DENIED', ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']),
  ...names('ERR_AWS_CREDENTIALS', [
    'CredentialsProviderError',
    'ExpiredToken',
    'ExpiredTokenException',
    'InvalidClientTokenId',
    'UnrecognizedClientException',
    'SignatureDoesNotMatch',
    'InvalidSignatureException',
  ]),
  ...names('ERR_AWS_THROTTLED', ['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']),
  ...names('ERR_AWS_NOT_FOUND', [
    'NoSuchEntity',
    'NoSuchEntityException',
    'NotFoundException',
    'ResourceNotFoundException',
    'InvalidResourceId',
    'ParameterNotFound',
    'TargetNotFoundException',
    'PolicyNotFoundException',
  ]),
  ...names('ERR_AWS_INVALID_STATE', ['KMSInvalidStateException', 'InvalidRequestException']),
  ...names('ERR_AWS_NOT_IN_ORGANIZATION', ['AWSOrganizationsNotInUseException']),
  ...names('ERR_AWS_UNAVAILABLE', [
    'ServiceUnavailable',
    'ServiceUnavailableException',
    'ServiceFailure',
    'ServiceFailureException',
    'ServiceException',
    'InternalFailure',
    'InternalServerError',
    'InternalServiceError',
    'KMSInternalException',
    'DependencyTimeoutException',
  ]),
]);

function names(code: AwsAdapterErrorCode, list: readonly string[]): [string, AwsAdapterErrorCode][] {
  return list.map((name) => [name, code]);
}

/** The SDK exception name of `error`, if it looks like an SDK error. */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

function isSdkError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  return '$metadata' in error || '$fault' in error || CODES_BY_NAME.has(awsErrorName(error) ?? '');
}

/**
 * Translates an SDK error into an {@link AwsAdapterError}. Errors that did not come from the
 * SDK (programming errors, an already-translated error) are returned unchanged, so callers
 * can `throw translateAwsError(e, ctx)` without hiding a bug behind an AWS code.
 *
 * @example
 * try {
 *   await kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'default' }));
 * } catch (error) {
 *   throw translateAwsError(error, { service: 'kms', operation: 'GetKeyPolicy', resource: KeyId });
 * }
 */
export function translateAwsError(error: unknown, context: AwsCallContext): unknown {
  if (error instanceof AwsAdapterError || !isSdkError(error)) return error;
  const name = awsErrorName(error) ?? 'UnknownError';
  const fault = (error as { $fault?: unknown }).$fault;
  const code = CODES_BY_NAME.get(name) ?? (fault === 'server' ? 'ERR_AWS_UNAVAILABLE' : 'ERR_AWS_UNEXPECTED');
  const requestId = (error as { $metadata?: { requestId?: unknown } }).$metadata?.requestId;
  const message = (error as { message?: unknown }).message;
  const detail = `${name}${typeof message === 'string' && message !== '' ? `: ${message}` : ''}`;
  return new AwsAdapterError(code, context, detail, {
    awsErrorName: name,
    ...(typeof requestId === 'string' ? { requestId } : {}),
    cause: error,
  });
}

/**
 * Runs one AWS call and translates any SDK error it throws.
 *
 * @example
 * const out = await callAws({ service: 'sts', operation: 'GetCallerIdentity' }, () =>
 *   sts.send(new GetCallerIdentityCommand({})),
 * );
 */
export async function callAws<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateAwsError(error, context);
  }
}

/** True when `error` is an {@link AwsAdapterError} with one of `codes`. */
export function isAwsError(error: unknown, ...codes: readonly AwsAdapterErrorCode[]): error is AwsAdapterError {
  return error instanceof AwsAdapterError && (codes.length === 0 || codes.includes(error.code));
}

// ── Port boundary ─────────────────────────────────────────────────────────────────────────────
// Adapters that fill a core port raise `PortError` (core/errors.ts), whose codes say what core
// should do next (skip, retry, stop) rather than what went wrong inside AWS.

/** Which port call failed, and what "not found" means for it. */
export interface PortCallContext {
  /** `service:Operation`, e.g. `iam:DeleteAccessKey`; it starts every message. */
  readonly operation: string;
  /** What the call acted on (user name, key ARN …). Never a policy document or secret value. */
  readonly resource?: string;
  /**
   * The call removes, revokes or deactivates something, so the target being gone already means
   * its goal holds: `NoSuchEntity` / `NotFoundException` become `ERR_ALREADY_DONE`. Leave unset
   * for calls whose missing target is a real failure (moving an alias, denying a role).
   * @default false
   */
  readonly goneMeansDone?: boolean;
}

const PORT_CODES_BY_NAME: ReadonlyMap<string, PortErrorCode> = new Map<string, PortErrorCode>([
  ...portNames('ERR_THROTTLED', [
    'Throttling',
    'ThrottlingException',
    'TooManyRequestsException',
    'RequestLimitExceeded',
    'RequestThrottled',
    'SlowDown',
  ]),
  ...portNames('ERR_CONFLICT', [
    'ConcurrentModification',
    'ConcurrentModificationException',
    // SSM: another update of the same parameter is in flight.
    'TooManyUpdates',
    // IAM: an entity deleted and recreated under the same name is briefly locked.
    'EntityTemporarilyUnmodifiable',
    'EntityTemporarilyUnmodifiableException',
  ]),
  ...portNames('ERR_TRANSIENT', [
    'ServiceUnavailable',
    'ServiceUnavailableException',
    'ServiceFailure',
    'ServiceFailureException',
    'InternalFailure',
    'InternalServerError',
    'InternalServerException',
    'InternalServiceError',
    'InternalServiceErrorException',
    'KMSInternalException',
    'DependencyTimeoutException',
    'RequestTimeout',
    'RequestTimeoutException',
    'TimeoutError',
    'NetworkingError',
  ]),
  ...portNames('ERR_ACCESS_DENIED', [
    'AccessDenied',
    'AccessDeniedException',
    'UnauthorizedOperation',
    'CredentialsProviderError',
    'ExpiredToken',
    'ExpiredTokenException',
    'InvalidClientTokenId',
    'UnrecognizedClientException',
    'SignatureDoesNotMatch',
    'InvalidSignatureException',
  ]),
]);

/** Spellings of "the target does not exist" across query and JSON protocols. */
const GONE_NAMES: ReadonlySet<string> = new Set([
  'NoSuchEntity',
  'NoSuchEntityException',
  'NotFoundException',
  'ResourceNotFoundException',
]);

/** Socket-level failures from the Node HTTP handler: the request may never have arrived. */
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** AWS error messages can run long (full ARNs, condition keys); the ledger keeps a bounded excerpt. */
const MAX_AWS_MESSAGE_CHARS = 300;

function portNames(code: PortErrorCode, list: readonly string[]): [string, PortErrorCode][] {
  return list.map((name) => [name, code]);
}

/** The AWS request id of an SDK response or SDK error, when it carries one. */
export function awsRequestId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const own = (value as { requestId?: unknown }).requestId;
  if (value instanceof AwsAdapterError && typeof own === 'string') return own;
  const requestId = (value as { $metadata?: { requestId?: unknown } }).$metadata?.requestId;
  return typeof requestId === 'string' && requestId !== '' ? requestId : undefined;
}

/** A `CallRecord` for an SDK response: its request id, if AWS sent one. */
export function callRecordOf(output: unknown): CallRecord {
  const requestId = awsRequestId(output);
  return requestId === undefined ? {} : { requestId };
}

function portCodeOf(name: string, error: object, context: PortCallContext): PortErrorCode {
  if (context.goneMeansDone === true && GONE_NAMES.has(name)) return 'ERR_ALREADY_DONE';
  const byName = PORT_CODES_BY_NAME.get(name);
  if (byName !== undefined) return byName;
  // KMS reports its per-account request-rate quota both as ThrottlingException and as
  // LimitExceededException; waiting is the only remedy either way, and retries are bounded.
  // IAM's and Secrets Manager's LimitExceeded are resource-count quotas that waiting never
  // clears, so they stay permanent.
  if (name === 'LimitExceededException' && context.operation.startsWith('kms:')) return 'ERR_THROTTLED';
  if (error instanceof AwsAdapterError) {
    if (error.code === 'ERR_AWS_THROTTLED') return 'ERR_THROTTLED';
    if (error.code === 'ERR_AWS_UNAVAILABLE') return 'ERR_TRANSIENT';
    if (error.code === 'ERR_AWS_ACCESS_DENIED' || error.code === 'ERR_AWS_CREDENTIALS') return 'ERR_ACCESS_DENIED';
    return 'ERR_FAILED';
  }
  const networkCode = (error as { code?: unknown }).code;
  if (typeof networkCode === 'string' && NETWORK_ERROR_CODES.has(networkCode)) return 'ERR_TRANSIENT';
  const fault = (error as { $fault?: unknown }).$fault;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  if (fault === 'server' || (typeof status === 'number' && status >= 500)) return 'ERR_TRANSIENT';
  if (status === 429) return 'ERR_THROTTLED';
  return 'ERR_FAILED';
}

function looksLikeAwsFailure(error: object): boolean {
  if (error instanceof AwsAdapterError || '$metadata' in error || '$fault' in error) return true;
  const name = awsErrorName(error) ?? '';
  if (PORT_CODES_BY_NAME.has(name) || GONE_NAMES.has(name) || CODES_BY_NAME.has(name)) return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && NETWORK_ERROR_CODES.has(code);
}

/**
 * Translates a failed AWS call into a {@link PortError} for core. The code decides what core
 * does next: `ERR_ALREADY_DONE` records the step as succeeded, `ERR_THROTTLED` /
 * `ERR_TRANSIENT` / `ERR_CONFLICT` retry with backoff, `ERR_ACCESS_DENIED` and `ERR_FAILED`
 * stop the step. The AWS request id and exception name travel on the error for the ledger.
 *
 * A `PortError` passes through unchanged, and so does anything that is neither an SDK error
 * nor a network failure (a programming error must not be disguised as an AWS outcome).
 * The message names the operation, the resource and AWS's own explanation, and never the
 * request's payload: callers pass no policy documents or secret values in `context`.
 *
 * @example
 * try {
 *   await iam.send(new DeleteAccessKeyCommand({ UserName, AccessKeyId }));
 * } catch (error) {
 *   throw toPortError(error, { operation: 'iam:DeleteAccessKey', resource: AccessKeyId, goneMeansDone: true });
 * }
 */
export function toPortError(error: unknown, context: PortCallContext): unknown {
  if (error instanceof PortError) return error;
  if (typeof error !== 'object' || error === null || !looksLikeAwsFailure(error)) return error;
  const name = error instanceof AwsAdapterError ? (error.awsErrorName ?? 'UnknownError') : (awsErrorName(error) ?? 'UnknownError');
  const code = portCodeOf(name, error, context);
  const original = error instanceof AwsAdapterError && error.cause !== undefined ? error.cause : error;
  const rawMessage = (original as { message?: unknown }).message;
  const awsMessage =
    typeof rawMessage === 'string' && rawMessage !== ''
      ? `: ${rawMessage.length > MAX_AWS_MESSAGE_CHARS ? `${rawMessage.slice(0, MAX_AWS_MESSAGE_CHARS)}…` : rawMessage}`
      : '';
  const target = context.resource === undefined ? '' : ` on ${context.resource}`;
  const portError = new PortError(code, `${context.operation}${target} failed with ${name}${awsMessage}`, name, awsRequestId(error));
  Object.defineProperty(portError, 'cause', { value: error, enumerable: false, configurable: true, writable: true });
  return portError;
}

/**
 * Sends one port call and returns its {@link CallRecord}; any failure is translated by
 * {@link toPortError}.
 *
 * @example
 * return callPort({ operation: 'iam:DeleteUser', resource: userName, goneMeansDone: true }, () =>
 *   iam.send(new DeleteUserCommand({ UserName: userName })),
 * );
 */
export async function callPort(context: PortCallContext, call: () => Promise<unknown>): Promise<CallRecord> {
  return callRecordOf(await sendForPort(context, call));
}

/** Like {@link callPort}, but returns the SDK output for callers that need its fields. */
export async function sendForPort<T>(context: PortCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toPortError(error, context);
  }
}
