import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { LedgerPage } from '../../../lambda/adapters/aws/dynamodb-ledger.js';
import { DynamoDbLedger, entryToItem } from '../../../lambda/adapters/aws/dynamodb-ledger.js';
import { KmsDigestSigner } from '../../../lambda/adapters/aws/kms-digest-signer.js';
import { GENESIS_HASH, sealEntry } from '../../../lambda/core/ledger/chain.js';
import { LedgerError } from '../../../lambda/core/ledger/errors.js';
import type { DigestSigner, LedgerEntry, LedgerEntryInput } from '../../../lambda/core/ledger/types.js';
import type { LedgerAudit } from '../../../lambda/core/ledger/verify.js';
import type { AuditApiDependencies, AuditApiEvent, AuditLedger } from '../../../lambda/handlers/audit-api.js';
import { createAuditHandler, dependenciesFromEnvironment, handler } from '../../../lambda/handlers/audit-api.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
/** Stands for ledger contents that must never reach a log line. */
const MARKER = 'witness-path-of-emp-42-do-not-log';

/** A valid chain of `count` entries of one case. */
const chain = (caseId: string, count: number, overrides: Partial<LedgerEntryInput> = {}): LedgerEntry[] => {
  const entries: LedgerEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    const previous = entries.at(-1);
    entries.push(
      sealEntry(
        {
          caseId,
          employeeId: 'emp-42',
          type: 'action-succeeded',
          resourceArn: KEY_ARN,
          actor: { function: 'revoke', requestId: `req-${i}` },
          data: { step: i, note: MARKER },
          ...overrides,
        },
        { seq: i + 1, at: new Date(Date.UTC(2025, 2, 1, 9, 0, i)).toISOString(), prevHash: previous?.hash ?? GENESIS_HASH },
      ),
    );
  }
  return entries;
};

const event = (overrides: Partial<AuditApiEvent>): AuditApiEvent => ({
  httpMethod: 'GET',
  resource: '/verify',
  pathParameters: null,
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  requestContext: { requestId: 'api-req-1', identity: { userArn: 'arn:aws:sts::111122223333:assumed-role/AuditorRole/alice' } },
  ...overrides,
});

const query = (params: Record<string, string>): Pick<AuditApiEvent, 'queryStringParameters' | 'multiValueQueryStringParameters'> => ({
  queryStringParameters: params,
  multiValueQueryStringParameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])),
});

const context = { awsRequestId: 'lambda-req-1' };

interface FakeLedger extends AuditLedger {
  queryPage: ReturnType<typeof vi.fn<AuditLedger['queryPage']>>;
  readAudit: ReturnType<typeof vi.fn<AuditLedger['readAudit']>>;
}

const fakeLedger = (): FakeLedger => ({
  queryPage: vi.fn<AuditLedger['queryPage']>(async (): Promise<LedgerPage> => ({ entries: [] })),
  readAudit: vi.fn<AuditLedger['readAudit']>(async (): Promise<LedgerAudit> => ({ cases: [], digests: [] })),
});

const body = (response: { body: string }): Record<string, unknown> => JSON.parse(response.body) as Record<string, unknown>;

describe('Function: createAuditHandler', () => {
  let ledger: FakeLedger;
  let verifier: { verify: ReturnType<typeof vi.fn<DigestSigner['verify']>> };
  let deps: AuditApiDependencies;
  let logs: MockInstance<typeof console.log>;
  let errors: MockInstance<typeof console.error>;
  const logLines = (): string[] => [...logs.mock.calls, ...errors.mock.calls].map((call) => String(call[0]));

  beforeEach(() => {
    ledger = fakeLedger();
    verifier = { verify: vi.fn<DigestSigner['verify']>(async () => true) };
    deps = { ledger, verifier };
    logs = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('GET /cases?employeeId=', () => {
    it("queries the employee index with the page asked for and lists the page's cases", async () => {
      // Prepare
      const [a1, a2] = chain('case-a', 2);
      const [b1] = chain('case-b', 1);
      ledger.queryPage.mockResolvedValueOnce({ entries: [a1, b1, a2] as LedgerEntry[], cursor: 'next-page' });
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(
        event({ resource: '/cases', ...query({ employeeId: 'emp-42', since: '2025-03-01T00:00:00Z', limit: '3', cursor: 'this-page' }) }),
        context,
      );

      // Assess
      expect(ledger.queryPage).toHaveBeenCalledWith(
        { by: 'employee', employeeId: 'emp-42', since: '2025-03-01T00:00:00.000Z' },
        { limit: 3, cursor: 'this-page' },
      );
      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
      expect(body(response)).toEqual({
        employeeId: 'emp-42',
        caseIds: ['case-a', 'case-b'],
        entries: [a1, b1, a2],
        nextCursor: 'next-page',
      });
    });

    it('answers an employee without entries with an empty last page', async () => {
      // Prepare
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(event({ resource: '/cases', ...query({ employeeId: 'emp-none' }) }), context);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(body(response)).toEqual({ employeeId: 'emp-none', caseIds: [], entries: [], nextCursor: null });
      expect(ledger.queryPage).toHaveBeenCalledWith({ by: 'employee', employeeId: 'emp-none' }, { limit: 50 });
    });
  });

  describe('GET /cases/{caseId}', () => {
    it('answers the case page in seq order with nextCursor null on the last page', async () => {
      // Prepare
      const entries = chain('case-a', 3);
      ledger.queryPage.mockResolvedValueOnce({ entries });
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(event({ resource: '/cases/{caseId}', pathParameters: { caseId: 'case-a' } }), context);

      // Assess
      expect(ledger.queryPage).toHaveBeenCalledWith({ by: 'case', caseId: 'case-a' }, { limit: 50 });
      expect(response.statusCode).toBe(200);
      expect(body(response)).toEqual({ caseId: 'case-a', entries, nextCursor: null });
    });

    it('answers 404 ERR_CASE_NOT_FOUND for a case without entries', async () => {
      // Prepare
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(event({ resource: '/cases/{caseId}', pathParameters: { caseId: 'case-unknown' } }), context);

      // Assess
      expect(response.statusCode).toBe(404);
      expect(body(response)).toEqual({
        code: 'ERR_CASE_NOT_FOUND',
        message: expect.stringContaining('case-unknown'),
        requestId: 'lambda-req-1',
      });
    });

    it('answers an empty page past the end of a case with 200, not 404', async () => {
      // Prepare
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(
        event({ resource: '/cases/{caseId}', pathParameters: { caseId: 'case-a' }, ...query({ cursor: 'past-the-end' }) }),
        context,
      );

      // Assess
      expect(response.statusCode).toBe(200);
      expect(body(response)).toEqual({ caseId: 'case-a', entries: [], nextCursor: null });
    });
  });

  describe('GET /resources/{arn}/history', () => {
    it('queries the resource index with the ARN without the /history suffix', async () => {
      // Prepare
      const entries = chain('case-a', 2);
      ledger.queryPage.mockResolvedValueOnce({ entries, cursor: 'more' });
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(
        event({
          resource: '/resources/{arn+}',
          pathParameters: { arn: `${KEY_ARN}/history` },
          ...query({ until: '2025-04-01', limit: '2' }),
        }),
        context,
      );

      // Assess
      expect(ledger.queryPage).toHaveBeenCalledWith(
        { by: 'resource', resourceArn: KEY_ARN, until: '2025-04-01T00:00:00.000Z' },
        { limit: 2 },
      );
      expect(body(response)).toEqual({ resourceArn: KEY_ARN, entries, nextCursor: 'more' });
    });
  });

  describe('GET /verify', () => {
    it('verifies the whole ledger and answers the report', async () => {
      // Prepare
      ledger.readAudit.mockResolvedValueOnce({ cases: [{ caseId: 'case-a', entries: chain('case-a', 3) }], digests: [] });
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(event({ resource: '/verify' }), context);

      // Assess
      expect(ledger.readAudit).toHaveBeenCalledWith({});
      expect(response.statusCode).toBe(200);
      expect(body(response)).toEqual({
        caseId: null,
        ok: true,
        // Without a digest the case is only a warning, not a failure.
        findings: [expect.objectContaining({ code: 'ERR_UNDIGESTED', severity: 'warning', caseId: 'case-a' })],
        casesChecked: 1,
        entriesChecked: 3,
        digestsChecked: 0,
      });
    });

    it('reports an altered entry with ok false and still answers 200', async () => {
      // Prepare
      const entries = chain('case-a', 3);
      const altered = entries.map((e) => (e.seq === 2 ? { ...e, data: { step: 1, note: 'nothing happened' } } : e));
      ledger.readAudit.mockResolvedValueOnce({ cases: [{ caseId: 'case-a', entries: altered }], digests: [] });
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(event({ resource: '/verify', ...query({ caseId: 'case-a' }) }), context);

      // Assess
      expect(ledger.readAudit).toHaveBeenCalledWith({ caseIds: ['case-a'] });
      expect(response.statusCode).toBe(200);
      const report = body(response);
      expect(report).toMatchObject({ caseId: 'case-a', ok: false });
      expect(report.findings).toContainEqual(
        expect.objectContaining({ code: 'ERR_ENTRY_ALTERED', severity: 'error', caseId: 'case-a', seq: 2 }),
      );
    });

    it('answers 404 for a case that has no entries and no digest mentions', async () => {
      // Prepare
      ledger.readAudit.mockResolvedValueOnce({ cases: [{ caseId: 'case-x', entries: [] }], digests: [] });
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(event({ resource: '/verify', ...query({ caseId: 'case-x' }) }), context);

      // Assess
      expect(response.statusCode).toBe(404);
      expect(body(response)).toMatchObject({ code: 'ERR_CASE_NOT_FOUND' });
    });

    it('fails closed with 503 when digest signatures cannot be checked', async () => {
      // Prepare
      ledger.readAudit.mockResolvedValueOnce({
        cases: [],
        digests: [
          {
            version: 1,
            seq: 1,
            at: '2025-03-01T09:15:00.000Z',
            prevHash: GENESIS_HASH,
            root: 'r',
            leafCount: 0,
            leaves: [],
            hash: 'h',
            signature: { keyId: KEY_ARN, signature: 'c2ln', algorithm: 'ECDSA_SHA_256' },
          },
        ],
      });
      verifier.verify.mockRejectedValueOnce(
        new LedgerError('ERR_DIGEST_SIGNER_UNAVAILABLE', `KMS Verify with digest key ${KEY_ARN} failed (DisabledException)`),
      );
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(event({ resource: '/verify' }), context);

      // Assess
      expect(response.statusCode).toBe(503);
      expect(response.headers).toMatchObject({ 'retry-after': '5' });
      const answer = body(response);
      expect(answer).toMatchObject({ code: 'ERR_LEDGER_UNAVAILABLE' });
      expect(answer).not.toHaveProperty('ok');
      expect(response.body).not.toContain(KEY_ARN);
    });
  });

  describe('refusals', () => {
    it('answers 405 with Allow: GET for a write method, without touching the ledger', async () => {
      // Prepare
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(
        event({ httpMethod: 'POST', resource: '/cases/{caseId}', pathParameters: { caseId: 'case-a' } }),
        context,
      );

      // Assess
      expect(response.statusCode).toBe(405);
      expect(response.headers).toMatchObject({ allow: 'GET', 'content-type': 'application/json' });
      expect(body(response)).toMatchObject({ code: 'ERR_METHOD_NOT_ALLOWED' });
      expect(ledger.queryPage).not.toHaveBeenCalled();
    });

    it('answers 404 ERR_ROUTE_NOT_FOUND for an unknown route', async () => {
      // Prepare
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(event({ resource: '/digests' }), context);

      // Assess
      expect(response.statusCode).toBe(404);
      expect(body(response)).toMatchObject({ code: 'ERR_ROUTE_NOT_FOUND', requestId: 'lambda-req-1' });
    });

    it('answers 400 naming the parameter before any ledger call', async () => {
      // Prepare
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(event({ resource: '/cases', ...query({ employeeId: 'emp-42', limit: '500' }) }), context);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(body(response)).toMatchObject({ code: 'ERR_BAD_PARAMETER', parameter: 'limit', message: expect.stringContaining('limit') });
      expect(ledger.queryPage).not.toHaveBeenCalled();
    });

    it('answers 400 naming cursor when the ledger refuses the cursor', async () => {
      // Prepare
      ledger.queryPage.mockRejectedValueOnce(
        new LedgerError('ERR_LEDGER_INVALID_QUERY', 'The page cursor is invalid: it belongs to a different query.'),
      );
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(event({ resource: '/cases', ...query({ employeeId: 'emp-42', cursor: 'eyJ2IjoxfQ' }) }), context);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(body(response)).toMatchObject({
        code: 'ERR_BAD_PARAMETER',
        parameter: 'cursor',
        message: expect.stringContaining('different query'),
      });
    });

    it('refuses a page too large for one Lambda response, pointing at limit', async () => {
      // Prepare
      ledger.queryPage.mockResolvedValueOnce({ entries: chain('case-a', 20) });
      const audit = createAuditHandler({ ...deps, maxResponseBytes: 4_000 });

      // Act
      const response = await audit(
        event({ resource: '/cases/{caseId}', pathParameters: { caseId: 'case-a' }, ...query({ limit: '20' }) }),
        context,
      );

      // Assess
      expect(response.statusCode).toBe(400);
      expect(body(response)).toMatchObject({ code: 'ERR_RESPONSE_TOO_LARGE', parameter: 'limit' });
    });
  });

  describe('failures', () => {
    it.each([
      [
        new LedgerError('ERR_LEDGER_UNAVAILABLE', 'Query on ledger table t failed, retry later: Rate exceeded'),
        503,
        'ERR_LEDGER_UNAVAILABLE',
      ],
      [
        new LedgerError('ERR_LEDGER_CORRUPT_ITEM', 'Item CASE#case-a/2 in table sever-ledger is malformed: data is not a map.'),
        500,
        'ERR_LEDGER_CORRUPT',
      ],
      [new LedgerError('ERR_LEDGER_ACCESS_DENIED', 'Query on ledger table sever-ledger was denied: not authorized'), 500, 'ERR_INTERNAL'],
      [
        new LedgerError('ERR_LEDGER_INVALID_INPUT', 'Query on ledger table sever-ledger was rejected: key too long'),
        400,
        'ERR_BAD_PARAMETER',
      ],
    ])('maps %s to %i %s without passing its message on', async (error, status, code) => {
      // Prepare
      ledger.queryPage.mockRejectedValueOnce(error);
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(event({ resource: '/cases/{caseId}', pathParameters: { caseId: 'case-a' } }), context);

      // Assess
      expect(response.statusCode).toBe(status);
      expect(body(response)).toMatchObject({ code, requestId: 'lambda-req-1' });
      expect(response.body).not.toContain(error.message);
      expect(response.body).not.toContain('sever-ledger');
    });

    it('answers 500 for an unexpected error with neither its message nor its stack', async () => {
      // Prepare
      const crash = new TypeError("Cannot read properties of undefined (reading 'S')");
      ledger.queryPage.mockRejectedValueOnce(crash);
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(event({ resource: '/cases', ...query({ employeeId: 'emp-42' }) }), context);

      // Assess
      expect(response.statusCode).toBe(500);
      expect(body(response)).toEqual({ code: 'ERR_INTERNAL', message: expect.any(String), requestId: 'lambda-req-1' });
      expect(response.body).not.toContain('reading');
      expect(response.body).not.toContain('TypeError');
      expect(response.body).not.toContain(crash.stack?.split('\n')[1]?.trim() ?? 'no stack');
      const logged = logLines().map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged).toContainEqual(
        expect.objectContaining({ level: 'error', code: 'ERR_INTERNAL', cause: 'TypeError', requestId: 'lambda-req-1' }),
      );
    });

    it('falls back to the API Gateway request id when there is no Lambda context', async () => {
      // Prepare
      ledger.queryPage.mockRejectedValueOnce(new Error('boom'));
      const audit = createAuditHandler(deps);

      // Act
      const response = await audit(event({ resource: '/cases', ...query({ employeeId: 'emp-42' }) }));

      // Assess
      expect(body(response)).toMatchObject({ requestId: 'api-req-1' });
    });
  });

  describe('dependencies', () => {
    it('builds lazily built dependencies once, on the first request', async () => {
      // Prepare
      const build = vi.fn(() => deps);
      const audit = createAuditHandler(build);

      // Act
      const before = build.mock.calls.length;
      await audit(event({ resource: '/verify' }), context);
      await audit(event({ resource: '/verify' }), context);

      // Assess
      expect(before).toBe(0);
      expect(build).toHaveBeenCalledTimes(1);
    });

    it('answers 500 when the dependencies cannot be built, and tries again on the next request', async () => {
      // Prepare
      const build = vi
        .fn<() => AuditApiDependencies>()
        .mockImplementationOnce(() => {
          throw new Error('Sever is misconfigured: LEDGER_TABLE_NAME: expected string');
        })
        .mockImplementation(() => deps);
      const audit = createAuditHandler(build);

      // Act
      const first = await audit(event({ resource: '/verify' }), context);
      const second = await audit(event({ resource: '/verify' }), context);

      // Assess
      expect(first.statusCode).toBe(500);
      expect(first.body).not.toContain('LEDGER_TABLE_NAME');
      expect(second.statusCode).toBe(200);
      expect(build).toHaveBeenCalledTimes(2);
    });
  });

  describe('logging', () => {
    it('logs route, status, counts and caller, never entry contents', async () => {
      // Prepare
      ledger.queryPage.mockResolvedValue({ entries: chain('case-a', 2) });
      ledger.readAudit.mockResolvedValue({ cases: [{ caseId: 'case-a', entries: chain('case-a', 2) }], digests: [] });
      const audit = createAuditHandler(deps);

      // Act
      await audit(event({ resource: '/cases/{caseId}', pathParameters: { caseId: 'case-a' } }), context);
      await audit(event({ resource: '/resources/{arn+}', pathParameters: { arn: `${KEY_ARN}/history` } }), context);
      await audit(event({ resource: '/verify' }), context);

      // Assess
      const lines = logLines();
      expect(lines).toHaveLength(3);
      for (const line of lines) expect(line).not.toContain(MARKER);
      expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
        level: 'info',
        route: 'case',
        status: 200,
        entries: 2,
        requestId: 'lambda-req-1',
        caller: 'arn:aws:sts::111122223333:assumed-role/AuditorRole/alice',
      });
    });
  });
});

describe('Function: dependenciesFromEnvironment', () => {
  it('builds the DynamoDB ledger and the KMS verifier the environment names', () => {
    // Act
    const deps = dependenciesFromEnvironment({ LEDGER_TABLE_NAME: 'sever-ledger', DIGEST_KEY_ID: KEY_ARN });

    // Assess
    expect(deps.ledger).toBeInstanceOf(DynamoDbLedger);
    expect((deps.ledger as DynamoDbLedger).tableName).toBe('sever-ledger');
    expect(deps.verifier).toBeInstanceOf(KmsDigestSigner);
    expect((deps.verifier as KmsDigestSigner).keyId).toBe(KEY_ARN);
  });

  it('names the missing variable', () => {
    // Act
    const act = () => dependenciesFromEnvironment({ LEDGER_TABLE_NAME: 'sever-ledger' });

    // Assess
    expect(act).toThrow(/DIGEST_KEY_ID/);
  });
});

describe('Function: handler', () => {
  const dynamo = mockClient(DynamoDBClient);

  beforeEach(() => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    dynamo.reset();
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('reads its environment on the first request, not at import, and answers from the table it names', async () => {
    // Prepare
    const entries = chain('case-a', 2);
    dynamo.on(QueryCommand).resolves({ Items: entries.map(entryToItem) });
    vi.stubEnv('LEDGER_TABLE_NAME', '');
    vi.stubEnv('DIGEST_KEY_ID', KEY_ARN);
    const request = event({ resource: '/cases/{caseId}', pathParameters: { caseId: 'case-a' } });

    // Act
    const misconfigured = await handler(request, context);
    vi.stubEnv('LEDGER_TABLE_NAME', 'sever-ledger-test');
    const configured = await handler(request, context);

    // Assess
    expect(misconfigured.statusCode).toBe(500);
    expect(configured.statusCode).toBe(200);
    expect(body(configured)).toEqual({ caseId: 'case-a', entries, nextCursor: null });
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'sever-ledger-test',
      ConsistentRead: true,
      Limit: 50,
      ExpressionAttributeValues: { ':pk': { S: 'CASE#case-a' } },
    });
  });
});
