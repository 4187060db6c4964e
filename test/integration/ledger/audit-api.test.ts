import { DeleteItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbLedger } from '../../../lambda/adapters/aws/dynamodb-ledger.js';
import type { RunningDynalite } from '../../../lambda/adapters/sandbox/dynalite.js';
import { startDynalite } from '../../../lambda/adapters/sandbox/dynalite.js';
import { LocalDigestSigner } from '../../../lambda/adapters/sandbox/local-digest-signer.js';
import { createDigest } from '../../../lambda/core/ledger/digest.js';
import type { LedgerEntry } from '../../../lambda/core/ledger/types.js';
import type { AuditApiEvent } from '../../../lambda/handlers/audit-api.js';
import { createAuditHandler } from '../../../lambda/handlers/audit-api.js';
import { entryInput, ManualClock } from './fixtures.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:payments/jwt-AbCdEf';

type Handler = ReturnType<typeof createAuditHandler>;
type Body = Record<string, unknown>;

const get = (resource: string, pathParameters: Record<string, string> | null, params: Record<string, string> = {}): AuditApiEvent => ({
  httpMethod: 'GET',
  resource,
  pathParameters,
  queryStringParameters: Object.keys(params).length === 0 ? null : params,
  multiValueQueryStringParameters:
    Object.keys(params).length === 0 ? null : Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])),
});

const call = async (audit: Handler, request: AuditApiEvent): Promise<{ status: number; body: Body }> => {
  const response = await audit(request, { awsRequestId: 'it-req' });
  expect(response.headers).toMatchObject({ 'content-type': 'application/json' });
  return { status: response.statusCode, body: JSON.parse(response.body) as Body };
};

/** Follows nextCursor from the first page to the last, as a client does. */
const allPages = async (audit: Handler, request: AuditApiEvent, limit: number): Promise<Body[]> => {
  const pages: Body[] = [];
  let cursor: string | null = null;
  do {
    const params: Record<string, string> = { ...(request.queryStringParameters as Record<string, string> | null), limit: String(limit) };
    if (cursor !== null) params.cursor = cursor;
    const { status, body } = await call(
      audit,
      get(request.resource, (request.pathParameters as Record<string, string> | null) ?? null, params),
    );
    expect(status).toBe(200);
    pages.push(body);
    cursor = body.nextCursor as string | null;
    if (pages.length > 50) throw new Error('pagination does not end');
  } while (cursor !== null);
  return pages;
};

const entriesOf = (pages: Body[]): LedgerEntry[] => pages.flatMap((page) => page.entries as LedgerEntry[]);

/**
 * The audit API on a real DynamoDB protocol server: emp-7 has two cases touching a KMS key and a
 * secret, emp-8 one case; one signed digest covers all three. Read-only tests share the
 * ledger; tampering tests build their own.
 */
describe('Function: createAuditHandler (against dynalite)', () => {
  let dynamo: RunningDynalite;
  let ledger: DynamoDbLedger;
  let signer: LocalDigestSigner;
  let audit: Handler;

  const seed = async (): Promise<void> => {
    const clock = new ManualClock('2025-03-01T09:00:00.000Z');
    ledger = new DynamoDbLedger({ tableName: dynamo.tableName, client: dynamo.client, clock });
    signer = LocalDigestSigner.generate();
    for (let i = 0; i < 4; i += 1) {
      await ledger.append(
        entryInput({ caseId: 'case-a', employeeId: 'emp-7', resourceArn: i % 2 === 0 ? KEY_ARN : SECRET_ARN, data: { i } }),
      );
      clock.advance(1_000);
      await ledger.append(entryInput({ caseId: 'case-b', employeeId: 'emp-7', resourceArn: KEY_ARN, data: { i } }));
      clock.advance(1_000);
      await ledger.append(entryInput({ caseId: 'case-c', employeeId: 'emp-8', data: { i } }));
      clock.advance(1_000);
    }
    await createDigest({ store: ledger, signer, clock });
    audit = createAuditHandler({ ledger, verifier: signer });
  };

  beforeAll(() => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  afterAll(() => {
    vi.restoreAllMocks();
  });

  describe('read routes', () => {
    beforeAll(async () => {
      dynamo = await startDynalite();
      await seed();
    });

    afterAll(async () => {
      await dynamo.close();
    });

    it('pages through the cases of an employee with nextCursor until it is null', async () => {
      // Act
      const pages = await allPages(audit, get('/cases', null, { employeeId: 'emp-7' }), 3);

      // Assess
      const expected = await ledger.queryAll({ by: 'employee', employeeId: 'emp-7' });
      expect(entriesOf(pages)).toEqual(expected);
      expect(expected).toHaveLength(8);
      for (const page of pages) expect((page.entries as unknown[]).length).toBeLessThanOrEqual(3);
      expect(new Set(pages.flatMap((page) => page.caseIds as string[]))).toEqual(new Set(['case-a', 'case-b']));
      expect(pages.at(-1)?.nextCursor).toBeNull();
    });

    it('bounds the employee listing by since and until', async () => {
      // Act
      const { status, body } = await call(
        audit,
        get('/cases', null, { employeeId: 'emp-7', since: '2025-03-01T09:00:03.000Z', until: '2025-03-01T09:00:06.000Z' }),
      );

      // Assess
      expect(status).toBe(200);
      expect((body.entries as LedgerEntry[]).map((e) => `${e.caseId}#${e.seq}`)).toEqual(['case-a#2', 'case-b#2']);
    });

    it('pages through one case in seq order, the pages joining to the whole case', async () => {
      // Act
      const pages = await allPages(audit, get('/cases/{caseId}', { caseId: 'case-b' }), 3);

      // Assess
      expect(entriesOf(pages)).toEqual(await ledger.readCase('case-b'));
      expect(entriesOf(pages).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(pages.length).toBeGreaterThan(1);
    });

    it('answers 404 for a case the ledger does not have', async () => {
      // Act
      const { status, body } = await call(audit, get('/cases/{caseId}', { caseId: 'case-zzz' }));

      // Assess
      expect(status).toBe(404);
      expect(body).toMatchObject({ code: 'ERR_CASE_NOT_FOUND' });
    });

    it('refuses a cursor of one query on another with 400 naming cursor', async () => {
      // Prepare
      const first = await call(audit, get('/cases/{caseId}', { caseId: 'case-a' }, { limit: '1' }));
      const cursor = first.body.nextCursor as string;

      // Act
      const { status, body } = await call(audit, get('/cases/{caseId}', { caseId: 'case-b' }, { cursor }));

      // Assess
      expect(cursor).toEqual(expect.any(String));
      expect(status).toBe(400);
      expect(body).toMatchObject({ code: 'ERR_BAD_PARAMETER', parameter: 'cursor' });
    });

    it('refuses a forged cursor with 400 naming cursor', async () => {
      // Prepare
      const forged = Buffer.from(JSON.stringify({ v: 1, q: 'x', k: { pk: { S: 'DIGEST' } } })).toString('base64url');

      // Act
      const { status, body } = await call(audit, get('/cases', null, { employeeId: 'emp-7', cursor: forged }));

      // Assess
      expect(status).toBe(400);
      expect(body).toMatchObject({ code: 'ERR_BAD_PARAMETER', parameter: 'cursor' });
    });

    it('lists the history of a resource across cases, paginated', async () => {
      // Act
      const pages = await allPages(audit, get('/resources/{arn+}', { arn: `${KEY_ARN}/history` }), 2);

      // Assess
      const history = entriesOf(pages);
      expect(history.map((e) => `${e.caseId}#${e.seq}`)).toEqual(['case-a#1', 'case-b#1', 'case-b#2', 'case-a#3', 'case-b#3', 'case-b#4']);
      expect(history.every((e) => e.resourceArn === KEY_ARN)).toBe(true);
      expect(pages[0]).toMatchObject({ resourceArn: KEY_ARN });
    });

    it('answers an empty history for a resource no case touched', async () => {
      // Act
      const { status, body } = await call(
        audit,
        get('/resources/{arn+}', { arn: 'arn:aws:kms:eu-west-1:111122223333:key/untouched/history' }),
      );

      // Assess
      expect(status).toBe(200);
      expect(body).toMatchObject({ entries: [], nextCursor: null });
    });

    it('verifies the untouched ledger: every chain and the signed digest', async () => {
      // Act
      const { status, body } = await call(audit, get('/verify', null));

      // Assess
      expect(status).toBe(200);
      expect(body).toEqual({
        caseId: null,
        ok: true,
        findings: [],
        casesChecked: 3,
        entriesChecked: 12,
        digestsChecked: 1,
        lastDigest: { seq: 1, at: expect.any(String) },
      });
    });

    it('verifies one case when asked, and answers 404 for a case nothing knows', async () => {
      // Act
      const one = await call(audit, get('/verify', null, { caseId: 'case-c' }));
      const unknown = await call(audit, get('/verify', null, { caseId: 'case-zzz' }));

      // Assess
      expect(one.body).toMatchObject({ caseId: 'case-c', ok: true, casesChecked: 1, entriesChecked: 4 });
      expect(unknown.status).toBe(404);
    });

    it('refuses a digest key other than the one that signed', async () => {
      // Prepare
      const strangers = createAuditHandler({ ledger, verifier: LocalDigestSigner.generate() });

      // Act
      const { status, body } = await call(strangers, get('/verify', null));

      // Assess
      expect(status).toBe(200);
      expect(body.ok).toBe(false);
      expect(body.findings).toContainEqual(expect.objectContaining({ code: 'ERR_DIGEST_FORGED', digestSeq: 1 }));
    });
  });

  describe('tampering', () => {
    beforeEach(async () => {
      dynamo = await startDynalite();
      await seed();
      return async () => {
        await dynamo.close();
      };
    });

    it('reports an edited entry of a case, while the other cases still verify', async () => {
      // Prepare
      await dynamo.client.send(
        new UpdateItemCommand({
          TableName: dynamo.tableName,
          Key: { pk: { S: 'CASE#case-b' }, sk: { N: '2' } },
          UpdateExpression: 'SET #data.#i = :i',
          ExpressionAttributeNames: { '#data': 'data', '#i': 'i' },
          ExpressionAttributeValues: { ':i': { N: '99' } },
        }),
      );

      // Act
      const whole = await call(audit, get('/verify', null));
      const tampered = await call(audit, get('/verify', null, { caseId: 'case-b' }));
      const intact = await call(audit, get('/verify', null, { caseId: 'case-a' }));

      // Assess
      expect(whole.status).toBe(200);
      expect(whole.body.ok).toBe(false);
      expect(whole.body.findings).toContainEqual(
        expect.objectContaining({ code: 'ERR_ENTRY_ALTERED', severity: 'error', caseId: 'case-b', seq: 2 }),
      );
      expect(tampered.body).toMatchObject({ caseId: 'case-b', ok: false });
      expect(intact.body).toMatchObject({ caseId: 'case-a', ok: true });
    });

    it('reports a deleted case that a digest remembers, rather than answering 404', async () => {
      // Prepare
      const { Items: items = [] } = await dynamo.client.send(
        new QueryCommand({
          TableName: dynamo.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'CASE#case-c' } },
        }),
      );
      for (const item of items) {
        await dynamo.client.send(
          new DeleteItemCommand({ TableName: dynamo.tableName, Key: { pk: item.pk as never, sk: item.sk as never } }),
        );
      }

      // Act
      const { status, body } = await call(audit, get('/verify', null, { caseId: 'case-c' }));

      // Assess
      expect(items).toHaveLength(4);
      expect(status).toBe(200);
      expect(body).toMatchObject({ ok: false });
      expect(body.findings).toContainEqual(expect.objectContaining({ code: 'ERR_CASE_MISSING', caseId: 'case-c' }));
    });

    it('answers 500 ERR_LEDGER_CORRUPT for a page holding a malformed item, and /verify names the item', async () => {
      // Prepare
      await dynamo.client.send(
        new PutItemCommand({
          TableName: dynamo.tableName,
          Item: { pk: { S: 'CASE#case-a' }, sk: { N: '5' }, caseId: { S: 'case-a' }, seq: { N: '5' }, data: { S: 'not a map' } },
        }),
      );

      // Act
      const page = await call(audit, get('/cases/{caseId}', { caseId: 'case-a' }));
      const report = await call(audit, get('/verify', null, { caseId: 'case-a' }));

      // Assess
      expect(page.status).toBe(500);
      expect(page.body).toMatchObject({ code: 'ERR_LEDGER_CORRUPT', requestId: 'it-req' });
      expect(JSON.stringify(page.body)).not.toContain(dynamo.tableName);
      expect(report.body.ok).toBe(false);
      expect(report.body.findings).toContainEqual(expect.objectContaining({ code: 'ERR_ENTRY_ALTERED', caseId: 'case-a', seq: 5 }));
    });
  });
});
