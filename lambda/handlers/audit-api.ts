import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import type { LedgerPage, LedgerQuery } from '../adapters/aws/dynamodb-ledger.js';
import { DynamoDbLedger } from '../adapters/aws/dynamodb-ledger.js';
import { KmsDigestSigner } from '../adapters/aws/kms-digest-signer.js';
import { isLedgerError } from '../core/ledger/errors.js';
import type { DigestSigner, LedgerEntry } from '../core/ledger/types.js';
import type { LedgerAudit, VerificationReport } from '../core/ledger/verify.js';
import { verifyLedger } from '../core/ledger/verify.js';
import type { AuditApiError, AuditApiErrorCode, AuditRequest, AuditRoute, PageRequest } from './audit-routes.js';
import { routeAuditRequest } from './audit-routes.js';
import { log, readEnvironment } from './environment.js';

/**
 * The read-only audit API behind API Gateway (REST, Lambda proxy integration, AWS_IAM on every
 * method): cases by employee, one case, the history of a resource, and ledger verification.
 * Parse (audit-routes.ts) → call the ledger → map to JSON. Nothing here writes.
 */

/** What the audit API reads from the ledger; `DynamoDbLedger` provides it. */
export interface AuditLedger {
  queryPage(query: LedgerQuery, options?: { limit?: number; cursor?: string }): Promise<LedgerPage>;
  readAudit(options?: { caseIds?: readonly string[] }): Promise<LedgerAudit>;
}

export interface AuditApiDependencies {
  readonly ledger: AuditLedger;
  /** Checks digest signatures against the trusted digest key. */
  readonly verifier: Pick<DigestSigner, 'verify'>;
  /**
   * Largest serialised Lambda response; Lambda refuses synchronous responses over 6 MB.
   * @default 5_242_880
   */
  readonly maxResponseBytes?: number;
}

/** The proxy event fields the handler reads; an `APIGatewayProxyEvent` has them all. */
export interface AuditApiEvent extends AuditRequest {
  readonly requestContext?: {
    readonly requestId?: string;
    readonly identity?: { readonly userArn?: string | null };
  };
}

/** A page of entries. `nextCursor` is null on the last page; otherwise pass it back as `?cursor=`. */
export interface EntryPageBody {
  readonly entries: readonly LedgerEntry[];
  readonly nextCursor: string | null;
}

/** `GET /cases?employeeId=`: the employee's entries in time order and the cases they belong to. */
export interface CasesByEmployeeBody extends EntryPageBody {
  readonly employeeId: string;
  /** Distinct case ids of this page's entries, in order of first appearance; a case may span pages. */
  readonly caseIds: readonly string[];
}

/** `GET /cases/{caseId}`: the case's entries in seq order. */
export interface CaseBody extends EntryPageBody {
  readonly caseId: string;
}

/** `GET /resources/{arn}/history`: every entry about the resource, in time order, across cases. */
export interface ResourceHistoryBody extends EntryPageBody {
  readonly resourceArn: string;
}

/**
 * `GET /verify[?caseId=]`: the verification report. Answered with 200 whether or not the ledger
 * verifies; `ok` and `findings` carry the verdict.
 */
export interface VerifyBody extends VerificationReport {
  /** The case verification was limited to; null for the whole ledger. */
  readonly caseId: string | null;
}

/** Every error response. */
export interface ErrorBody {
  readonly code: AuditApiErrorCode;
  readonly message: string;
  readonly parameter?: string;
  /** The Lambda request id, to find the function's log lines. */
  readonly requestId: string | null;
}

const DEFAULT_MAX_RESPONSE_BYTES = 5_242_880;

const BASE_HEADERS = {
  'content-type': 'application/json',
  // Audit data: never kept by a browser or proxy cache.
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

type Answer =
  | { readonly status: 200; readonly body: unknown; readonly entries?: number }
  | { readonly status: number; readonly error: AuditApiError };

const pageOptions = (page: PageRequest): { limit: number; cursor?: string } => ({
  limit: page.limit,
  ...(page.cursor === undefined ? {} : { cursor: page.cursor }),
});

const bounds = (route: { since?: string; until?: string }): { since?: string; until?: string } => ({
  ...(route.since === undefined ? {} : { since: route.since }),
  ...(route.until === undefined ? {} : { until: route.until }),
});

const caseNotFound = (caseId: string): Answer => ({
  status: 404,
  error: { status: 404, code: 'ERR_CASE_NOT_FOUND', message: `The ledger has no case ${JSON.stringify(caseId)}.` },
});

const answer = async (route: AuditRoute, deps: AuditApiDependencies): Promise<Answer> => {
  switch (route.kind) {
    case 'cases-by-employee': {
      const page = await deps.ledger.queryPage({ by: 'employee', employeeId: route.employeeId, ...bounds(route) }, pageOptions(route.page));
      const body: CasesByEmployeeBody = {
        employeeId: route.employeeId,
        caseIds: [...new Set(page.entries.map((entry) => entry.caseId))],
        entries: page.entries,
        nextCursor: page.cursor ?? null,
      };
      return { status: 200, body, entries: page.entries.length };
    }
    case 'case': {
      const page = await deps.ledger.queryPage({ by: 'case', caseId: route.caseId }, pageOptions(route.page));
      // Only the first page can tell that a case does not exist; a later one may just be past the end.
      if (page.entries.length === 0 && route.page.cursor === undefined) return caseNotFound(route.caseId);
      const body: CaseBody = { caseId: route.caseId, entries: page.entries, nextCursor: page.cursor ?? null };
      return { status: 200, body, entries: page.entries.length };
    }
    case 'resource-history': {
      const page = await deps.ledger.queryPage(
        { by: 'resource', resourceArn: route.resourceArn, ...bounds(route) },
        pageOptions(route.page),
      );
      const body: ResourceHistoryBody = { resourceArn: route.resourceArn, entries: page.entries, nextCursor: page.cursor ?? null };
      return { status: 200, body, entries: page.entries.length };
    }
    case 'verify': {
      const caseIds = route.caseId === undefined ? undefined : [route.caseId];
      const audit = await deps.ledger.readAudit(caseIds === undefined ? {} : { caseIds });
      const report = await verifyLedger(audit, { verifier: deps.verifier, ...(caseIds === undefined ? {} : { caseIds }) });
      // A case nobody wrote and no digest remembers is unknown, not "verified".
      if (route.caseId !== undefined && report.entriesChecked === 0 && report.findings.every((f) => f.caseId !== route.caseId)) {
        return caseNotFound(route.caseId);
      }
      const body: VerifyBody = { caseId: route.caseId ?? null, ...report };
      return { status: 200, body };
    }
  }
};

/** Maps a failure to a response. Only messages this code controls reach the caller. */
const failure = (error: unknown, route: AuditRoute): AuditApiError => {
  if (isLedgerError(error)) {
    switch (error.code) {
      case 'ERR_LEDGER_INVALID_QUERY': {
        // Every other query parameter was checked by the router, so what the ledger refuses is the cursor.
        const cursor = 'page' in route && route.page.cursor !== undefined;
        return { status: 400, code: 'ERR_BAD_PARAMETER', message: error.message, ...(cursor ? { parameter: 'cursor' } : {}) };
      }
      case 'ERR_LEDGER_INVALID_INPUT':
        return {
          status: 400,
          code: 'ERR_BAD_PARAMETER',
          message: 'The ledger refused the query built from this request; check its parameters.',
        };
      case 'ERR_LEDGER_UNAVAILABLE':
        return { status: 503, code: 'ERR_LEDGER_UNAVAILABLE', message: 'The ledger table is busy or unreachable; retry later.' };
      case 'ERR_DIGEST_SIGNER_UNAVAILABLE':
        return {
          status: 503,
          code: 'ERR_LEDGER_UNAVAILABLE',
          message: 'Digest signatures could not be checked with the digest key, so verification did not run; retry later.',
        };
      case 'ERR_LEDGER_CORRUPT_ITEM':
        return {
          status: 500,
          code: 'ERR_LEDGER_CORRUPT',
          message: 'The ledger holds an item that is not a well-formed entry; GET /verify reports which one.',
        };
      default:
        break;
    }
  }
  return { status: 500, code: 'ERR_INTERNAL', message: 'The audit API failed; its log holds the details under this request id.' };
};

const errorResult = (error: AuditApiError, requestId: string | null): APIGatewayProxyResult => {
  const body: ErrorBody = {
    code: error.code,
    message: error.message,
    ...(error.parameter === undefined ? {} : { parameter: error.parameter }),
    requestId,
  };
  const extra: Record<string, string> = {};
  if (error.status === 405) extra.allow = 'GET';
  if (error.status === 503) extra['retry-after'] = '5';
  return { statusCode: error.status, headers: { ...BASE_HEADERS, ...extra }, body: JSON.stringify(body) };
};

/** Refuses an answer too big for Lambda instead of letting the invocation fail opaquely. */
const tooLarge = (route: AuditRoute, bytes: number, max: number): AuditApiError => {
  if ('page' in route && route.page.limit > 1) {
    return {
      status: 400,
      code: 'ERR_RESPONSE_TOO_LARGE',
      parameter: 'limit',
      message: `A page of ${route.page.limit} entries is ${bytes} bytes, over the ${max}-byte response limit; retry with a smaller limit.`,
    };
  }
  return {
    status: 500,
    code: 'ERR_RESPONSE_TOO_LARGE',
    message: `The answer is ${bytes} bytes, over the ${max}-byte response limit; use \`sever ledger\` against the table instead.`,
  };
};

/**
 * Builds the audit API handler around a ledger and a digest verifier. Pass a function to build
 * them on the first request instead of at import.
 *
 * Responses are JSON. Errors are `{ code, message, parameter?, requestId }` with 400 (bad
 * parameter, naming it), 404 (unknown route or case), 405 (not GET), 500 or 503; never a stack.
 *
 * @example
 * ```ts
 * const handler = createAuditHandler({
 *   ledger: new DynamoDbLedger({ tableName: 'sever-ledger' }),
 *   verifier: new KmsDigestSigner({ keyId: 'alias/sever-digest' }),
 * });
 * const response = await handler({ httpMethod: 'GET', resource: '/verify', pathParameters: null, queryStringParameters: null });
 * JSON.parse(response.body).ok; // true when every chain and digest verifies
 * ```
 */
export const createAuditHandler = (dependencies: AuditApiDependencies | (() => AuditApiDependencies)) => {
  let resolved = typeof dependencies === 'function' ? undefined : dependencies;
  const build = dependencies as () => AuditApiDependencies;

  return async (event: AuditApiEvent, context?: Pick<Context, 'awsRequestId'>): Promise<APIGatewayProxyResult> => {
    const requestId = context?.awsRequestId ?? event.requestContext?.requestId ?? null;
    const caller = event.requestContext?.identity?.userArn ?? null;

    const match = routeAuditRequest(event);
    if (!match.ok) {
      log('info', 'audit request refused', {
        status: match.error.status,
        code: match.error.code,
        parameter: match.error.parameter,
        requestId,
        caller,
      });
      return errorResult(match.error, requestId);
    }
    const { route } = match;

    let outcome: Answer;
    let deps: AuditApiDependencies;
    try {
      resolved ??= build();
      deps = resolved;
      outcome = await answer(route, deps);
    } catch (error) {
      const mapped = failure(error, route);
      // Codes and messages only: ledger errors name items and tables, never entry contents.
      log(mapped.status >= 500 ? 'error' : 'info', 'audit request failed', {
        route: route.kind,
        status: mapped.status,
        code: mapped.code,
        cause: isLedgerError(error) ? error.code : error instanceof Error ? error.name : typeof error,
        error: error instanceof Error ? error.message : String(error),
        requestId,
        caller,
      });
      return errorResult(mapped, requestId);
    }

    if (!('body' in outcome)) {
      log('info', 'audit request answered', { route: route.kind, status: outcome.status, code: outcome.error.code, requestId, caller });
      return errorResult(outcome.error, requestId);
    }
    const result: APIGatewayProxyResult = { statusCode: 200, headers: { ...BASE_HEADERS }, body: JSON.stringify(outcome.body) };
    const bytes = Buffer.byteLength(JSON.stringify(result), 'utf8');
    const max = deps.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (bytes > max) {
      const refused = tooLarge(route, bytes, max);
      log('warn', 'audit response too large', { route: route.kind, status: refused.status, bytes, requestId, caller });
      return errorResult(refused, requestId);
    }
    log('info', 'audit request answered', { route: route.kind, status: 200, entries: outcome.entries, bytes, requestId, caller });
    return result;
  };
};

const AUDIT_ENVIRONMENT = {
  LEDGER_TABLE_NAME: z.string().min(1),
  DIGEST_KEY_ID: z.string().min(1),
};

/**
 * The deployed dependencies: the ledger table and the KMS digest key the stack names in the
 * function's environment.
 *
 * @throws {Error} naming the missing or malformed variable.
 */
export const dependenciesFromEnvironment = (env: NodeJS.ProcessEnv = process.env): AuditApiDependencies => {
  const config = readEnvironment(AUDIT_ENVIRONMENT, env);
  return {
    ledger: new DynamoDbLedger({ tableName: config.LEDGER_TABLE_NAME }),
    verifier: new KmsDigestSigner({ keyId: config.DIGEST_KEY_ID }),
  };
};

/** The Lambda entry point; its clients are built on the first request and reused after. */
export const handler = createAuditHandler(() => dependenciesFromEnvironment());
