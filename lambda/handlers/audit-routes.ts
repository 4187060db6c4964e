/**
 * Routing and parameter checks of the audit API, as a pure function of the API Gateway request:
 * no ledger, no environment. Every refusal names the parameter at fault, so an auditor scripting
 * against the API can fix the call without reading the source.
 */

/**
 * The resources the stack declares (REST API, Lambda proxy integration). Requests are routed on
 * the matched resource template, not on the raw path, so stage names and custom-domain base
 * paths never change the routing. Kept equal to the stack's `AUDIT_ROUTES` by a test.
 */
export const AUDIT_API_ROUTES = {
  casesByEmployee: '/cases',
  caseById: '/cases/{caseId}',
  resourceHistory: '/resources/{arn+}',
  verify: '/verify',
} as const;

/**
 * API Gateway allows a greedy variable only as the last path part, so
 * `GET /resources/<arn>/history` arrives with `pathParameters.arn` = `<arn>/history`.
 */
export const HISTORY_SUFFIX = '/history';

/** Entries per page when the caller gives no `limit`. */
export const DEFAULT_PAGE_LIMIT = 50;
/** The largest `limit` accepted: a page of full entries must fit in one Lambda response. */
export const MAX_PAGE_LIMIT = 100;

/** Stable codes of audit API errors; clients switch on these, not on messages. */
export type AuditApiErrorCode =
  /** A query or path parameter is missing, repeated, unknown or malformed (`parameter` names it). */
  | 'ERR_BAD_PARAMETER'
  /** No route of the audit API has this path. */
  | 'ERR_ROUTE_NOT_FOUND'
  /** The route exists but only answers GET. */
  | 'ERR_METHOD_NOT_ALLOWED'
  /** The ledger has no entry of the case. */
  | 'ERR_CASE_NOT_FOUND'
  /** The answer would exceed what one Lambda response can carry. */
  | 'ERR_RESPONSE_TOO_LARGE'
  /** DynamoDB or KMS is throttling or unreachable; retry later. */
  | 'ERR_LEDGER_UNAVAILABLE'
  /** A stored item is not a well-formed entry; `GET /verify` reports which. */
  | 'ERR_LEDGER_CORRUPT'
  /** Anything else; details are in the function's log under the request id. */
  | 'ERR_INTERNAL';

/** An error response of the audit API before it is serialised. */
export interface AuditApiError {
  readonly status: number;
  readonly code: AuditApiErrorCode;
  readonly message: string;
  /** The query or path parameter at fault, for `ERR_BAD_PARAMETER`. */
  readonly parameter?: string;
}

/** Which page of a listing to return. */
export interface PageRequest {
  readonly limit: number;
  /** The `nextCursor` of the previous page, opaque to the caller. */
  readonly cursor?: string;
}

/** One request the audit API answers, with its parameters checked and normalised. */
export type AuditRoute =
  | {
      readonly kind: 'cases-by-employee';
      readonly employeeId: string;
      readonly since?: string;
      readonly until?: string;
      readonly page: PageRequest;
    }
  | { readonly kind: 'case'; readonly caseId: string; readonly page: PageRequest }
  | {
      readonly kind: 'resource-history';
      readonly resourceArn: string;
      readonly since?: string;
      readonly until?: string;
      readonly page: PageRequest;
    }
  | { readonly kind: 'verify'; readonly caseId?: string };

/** The parts of an API Gateway REST proxy event the router reads. */
export interface AuditRequest {
  readonly httpMethod: string;
  readonly resource: string;
  readonly pathParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly multiValueQueryStringParameters?: Readonly<Record<string, readonly string[] | undefined>> | null;
}

export type RouteMatch = { readonly ok: true; readonly route: AuditRoute } | { readonly ok: false; readonly error: AuditApiError };

/** Longest case or employee id accepted; DynamoDB keys are at most 2048 bytes. */
const MAX_ID_LENGTH = 512;
const MAX_ARN_BYTES = 2048;
/** Ledger cursors are base64url JSON of one DynamoDB key; far below this. */
const MAX_CURSOR_LENGTH = 4096;
/** arn:partition:service:region:account:resource, with region and account possibly empty. */
const ARN_PATTERN = /^arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:.+$/;
/** Date.parse accepts almost anything ("1" is a date); insist on an ISO-8601 calendar date first. */
const ISO_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const CURSOR_PATTERN = /^[A-Za-z0-9_-]+$/;

/** C0 controls and DEL: nothing an id or ARN holds, and they would garble log lines. */
const hasControlCharacters = (value: string): boolean => {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
};

class ParameterError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/** A caller's value, quoted and cut short, so a refusal can show it without echoing a whole payload. */
const quote = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

const badParameter = (parameter: string, message: string): AuditApiError => ({
  status: 400,
  code: 'ERR_BAD_PARAMETER',
  message,
  parameter,
});

/**
 * The query string as name → values. API Gateway fills `queryStringParameters` with the last
 * value of a repeated name; the multi-value map shows the repetition, which is refused.
 */
const queryValues = (request: AuditRequest): Map<string, readonly string[]> => {
  const values = new Map<string, readonly string[]>();
  for (const [name, list] of Object.entries(request.multiValueQueryStringParameters ?? {})) {
    if (list !== undefined) values.set(name, list);
  }
  for (const [name, value] of Object.entries(request.queryStringParameters ?? {})) {
    if (value !== undefined && !values.has(name)) values.set(name, [value]);
  }
  return values;
};

/** Reads the query parameters a route accepts; unknown and repeated ones are refused. */
const readQuery = (request: AuditRequest, path: string, accepted: readonly string[]): Map<string, string> => {
  const single = new Map<string, string>();
  for (const [name, list] of queryValues(request)) {
    if (!accepted.includes(name)) {
      throw new ParameterError(
        name,
        accepted.length === 0
          ? `Unknown query parameter ${quote(name)}: ${path} takes no query parameters.`
          : `Unknown query parameter ${quote(name)}: ${path} takes ${accepted.join(', ')}.`,
      );
    }
    if (list.length !== 1) throw new ParameterError(name, `Query parameter ${name} is given ${list.length} times; give it once.`);
    single.set(name, list[0] as string);
  }
  return single;
};

const identifier = (value: string | undefined, name: string, required: boolean): string | undefined => {
  if (value === undefined) {
    if (required) throw new ParameterError(name, `${name} is required.`);
    return undefined;
  }
  if (value.length === 0) throw new ParameterError(name, `${name} must not be empty.`);
  if (value.length > MAX_ID_LENGTH)
    throw new ParameterError(name, `${name} is ${value.length} characters long; at most ${MAX_ID_LENGTH} are allowed.`);
  if (hasControlCharacters(value)) throw new ParameterError(name, `${name} contains control characters.`);
  return value;
};

const time = (value: string | undefined, name: string): string | undefined => {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!ISO_TIME_PATTERN.test(value) || Number.isNaN(ms)) {
    throw new ParameterError(name, `${name} ${quote(value)} is not an ISO-8601 time (e.g. 2025-03-01T09:00:00Z).`);
  }
  return new Date(ms).toISOString();
};

const timeBounds = (query: Map<string, string>): { since?: string; until?: string } => {
  const since = time(query.get('since'), 'since');
  const until = time(query.get('until'), 'until');
  if (since !== undefined && until !== undefined && since >= until) {
    throw new ParameterError('until', `until ${until} must be after since ${since}.`);
  }
  return { ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) };
};

const page = (query: Map<string, string>): PageRequest => {
  const rawLimit = query.get('limit');
  let limit = DEFAULT_PAGE_LIMIT;
  if (rawLimit !== undefined) {
    limit = /^[0-9]{1,4}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_PAGE_LIMIT)) {
      throw new ParameterError('limit', `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}; got ${quote(rawLimit)}.`);
    }
  }
  const cursor = query.get('cursor');
  if (cursor !== undefined && !(cursor.length <= MAX_CURSOR_LENGTH && CURSOR_PATTERN.test(cursor))) {
    throw new ParameterError('cursor', 'cursor is not a nextCursor this API returned; pass nextCursor from the previous page unchanged.');
  }
  return { limit, ...(cursor === undefined ? {} : { cursor }) };
};

const resourceArn = (greedy: string | undefined): string | undefined => {
  if (greedy === undefined || !greedy.endsWith(HISTORY_SUFFIX)) return undefined;
  const arn = greedy.slice(0, -HISTORY_SUFFIX.length);
  if (arn.length === 0) throw new ParameterError('arn', 'arn is required: GET /resources/{arn}/history.');
  if (Buffer.byteLength(arn, 'utf8') > MAX_ARN_BYTES) throw new ParameterError('arn', `arn is longer than ${MAX_ARN_BYTES} bytes.`);
  if (hasControlCharacters(arn) || !ARN_PATTERN.test(arn)) {
    throw new ParameterError('arn', `arn ${quote(arn)} is not an ARN (arn:partition:service:region:account:resource).`);
  }
  return arn;
};

const LIST_PARAMETERS = ['since', 'until', 'limit', 'cursor'] as const;

/**
 * Matches an API Gateway REST proxy request to an audit route and checks its parameters.
 *
 * Order of refusals: an unknown path is 404 whatever the method; a known path with another
 * method than GET is 405; then parameters are checked (400).
 *
 * @example
 * ```ts
 * const match = routeAuditRequest(event);
 * if (!match.ok) return respond(match.error.status, match.error);
 * switch (match.route.kind) { case 'verify': ... }
 * ```
 */
export const routeAuditRequest = (request: AuditRequest): RouteMatch => {
  const path = request.pathParameters ?? {};
  const known = Object.values(AUDIT_API_ROUTES) as readonly string[];
  const greedy = request.resource === AUDIT_API_ROUTES.resourceHistory ? path.arn : undefined;
  if (!known.includes(request.resource) || (request.resource === AUDIT_API_ROUTES.resourceHistory && !greedy?.endsWith(HISTORY_SUFFIX))) {
    return {
      ok: false,
      error: {
        status: 404,
        code: 'ERR_ROUTE_NOT_FOUND',
        message:
          'No such route. Routes: GET /cases?employeeId=ID, GET /cases/{caseId}, GET /resources/{arn}/history, GET /verify[?caseId=ID].',
      },
    };
  }
  if (request.httpMethod !== 'GET') {
    return {
      ok: false,
      error: {
        status: 405,
        code: 'ERR_METHOD_NOT_ALLOWED',
        message: `${request.httpMethod} is not allowed: the audit API is read-only and answers GET only.`,
      },
    };
  }

  try {
    switch (request.resource) {
      case AUDIT_API_ROUTES.casesByEmployee: {
        const query = readQuery(request, 'GET /cases', ['employeeId', ...LIST_PARAMETERS]);
        const employeeId = identifier(query.get('employeeId'), 'employeeId', true) as string;
        return { ok: true, route: { kind: 'cases-by-employee', employeeId, ...timeBounds(query), page: page(query) } };
      }
      case AUDIT_API_ROUTES.caseById: {
        const query = readQuery(request, 'GET /cases/{caseId}', ['limit', 'cursor']);
        const caseId = identifier(path.caseId, 'caseId', true) as string;
        return { ok: true, route: { kind: 'case', caseId, page: page(query) } };
      }
      case AUDIT_API_ROUTES.resourceHistory: {
        const query = readQuery(request, 'GET /resources/{arn}/history', LIST_PARAMETERS);
        const arn = resourceArn(greedy) as string;
        return { ok: true, route: { kind: 'resource-history', resourceArn: arn, ...timeBounds(query), page: page(query) } };
      }
      default: {
        // The only route left: /verify.
        const query = readQuery(request, 'GET /verify', ['caseId']);
        const caseId = identifier(query.get('caseId'), 'caseId', false);
        return { ok: true, route: { kind: 'verify', ...(caseId === undefined ? {} : { caseId }) } };
      }
    }
  } catch (error) {
    if (error instanceof ParameterError) return { ok: false, error: badParameter(error.parameter, error.message) };
    throw error;
  }
};
