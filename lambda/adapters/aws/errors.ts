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
  ...names('ERR_AWS_THROTTLED', [
    'Throttling',
    'ThrottlingException',
    'TooManyRequestsException',
    'RequestLimitExceeded',
  ]),
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
