import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runLedger } from '../../../bin/commands/ledger.js';
import { DynamoDbLedger } from '../../../lambda/adapters/aws/dynamodb-ledger.js';
import { startDynalite } from '../../../lambda/adapters/sandbox/dynalite.js';
import { openLocalDigestSigner } from '../../../lambda/adapters/sandbox/local-digest-signer.js';
import { createDigest } from '../../../lambda/core/ledger/digest.js';
import { CASE_ID, EMPLOYEE_ID, NEW_KEY_ARN, OLD_KEY_ARN, revocationCase } from '../../unit/core/ledger/case-fixture.js';
import { entryInput, ManualClock } from './fixtures.js';

interface Captured {
  readonly io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
  out(): string;
  err(): string;
}

const capture = (): Captured => {
  let out = '';
  let err = '';
  const stream = (append: (s: string) => void) =>
    ({
      write: (chunk: string) => {
        append(chunk);
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  return {
    io: {
      stdout: stream((s) => (out += s)),
      stderr: stream((s) => (err += s)),
    },
    out: () => out,
    err: () => err,
  };
};

const clock = new ManualClock('2025-03-02T10:00:00.000Z');
const fixture = revocationCase();

/** Writes the fixture case and one other case into a sandbox store, then one signed digest. */
const seed = async (dir: string): Promise<void> => {
  const dynamo = await startDynalite({ dir });
  try {
    const seedClock = new ManualClock('2025-03-01T00:00:00.000Z');
    const ledger = new DynamoDbLedger({
      tableName: dynamo.tableName,
      client: dynamo.client,
      clock: seedClock,
    });
    for (const { at, input } of fixture) {
      seedClock.set(at);
      await ledger.append(input);
    }
    seedClock.set('2025-03-01T12:00:00.000Z');
    await ledger.append(
      entryInput({
        caseId: 'case-8',
        employeeId: 'E2002',
        type: 'case-opened',
        data: { event: {}, receivedAt: '2025-03-01T12:00:00.000Z' },
      }),
    );
    seedClock.set('2025-03-01T12:05:00.000Z');
    await createDigest({
      store: ledger,
      signer: await openLocalDigestSigner(dir),
      clock: seedClock,
    });
  } finally {
    await dynamo.close();
  }
};

describe('Function: runLedger (sandbox store on disk)', () => {
  describe('on a seeded ledger it only reads', () => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'sever-ledger-cli-'));
      await seed(dir);
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    describe('Command: query', () => {
      it('lists a case in seq order, one line per entry', async () => {
        // Prepare
        const { io, out, err } = capture();

        // Act
        const code = await runLedger(['query', '--case', CASE_ID, '--local', dir], io, { clock });

        // Assess
        expect(code).toBe(0);
        const lines = out().trimEnd().split('\n');
        expect(lines).toHaveLength(fixture.length);
        expect(lines.map((l) => l.match(/#(\d+)/)?.[1])).toEqual(fixture.map((_, i) => String(i + 1)));
        expect(err()).toContain(`${fixture.length} entries`);
      });

      it('prints an employee as a JSON array', async () => {
        // Prepare
        const { io, out } = capture();

        // Act
        const code = await runLedger(['query', '--employee', EMPLOYEE_ID, '--json', '--page-size', '4', '--local', dir], io, { clock });

        // Assess
        expect(code).toBe(0);
        const entries = JSON.parse(out()) as {
          employeeId: string;
          at: string;
        }[];
        expect(entries).toHaveLength(fixture.length);
        expect(entries.every((e) => e.employeeId === EMPLOYEE_ID)).toBe(true);
        expect(entries.map((e) => e.at)).toEqual(fixture.map((t) => t.at));
      });

      it('prints a resource as CSV with quoted JSON data', async () => {
        // Prepare
        const { io, out } = capture();
        const expected = fixture.filter((t) => t.input.resourceArn === OLD_KEY_ARN).length;

        // Act
        const code = await runLedger(['query', '--resource', OLD_KEY_ARN, '--csv', '--local', dir], io, { clock });

        // Assess
        expect(code).toBe(0);
        const rows = out().trimEnd().split('\r\n');
        expect(rows[0]).toBe('caseId,seq,at,employeeId,type,resourceArn,actorFunction,actorRequestId,data,prevHash,hash');
        expect(rows).toHaveLength(expected + 1);
        expect(out()).toContain(`""targetKeyArn"":""${NEW_KEY_ARN}""`);
      });

      it('lists a time window, since inclusive and until exclusive', async () => {
        // Prepare
        const { io, out } = capture();
        const since = '2025-03-01T09:00:02.000Z';
        const until = '2025-03-01T09:00:05.000Z';
        const expected = fixture.filter((t) => t.at >= since && t.at < until).length;

        // Act
        const code = await runLedger(['query', '--since', since, '--until', until, '--json', '--local', dir], io, { clock });

        // Assess
        expect(code).toBe(0);
        expect(JSON.parse(out())).toHaveLength(expected);
      });
    });

    describe('Command: verify', () => {
      it('exits 0 on an intact ledger', async () => {
        // Prepare
        const { io, out } = capture();

        // Act
        const code = await runLedger(['verify', '--local', dir], io, { clock });

        // Assess
        expect(code).toBe(0);
        expect(out()).toContain('Ledger verified');
      });

      it('exits 1 for a case that does not exist', async () => {
        // Prepare
        const { io, err } = capture();

        // Act
        const code = await runLedger(['verify', '--case', 'no-such-case', '--local', dir], io, { clock });

        // Assess
        expect(code).toBe(1);
        expect(err()).toContain('no-such-case has no entries');
      });
    });

    describe('Command: report', () => {
      it('writes a self-contained HTML evidence report', async () => {
        // Prepare
        const { io, out } = capture();
        const file = join(dir, 'case-7.html');

        // Act
        const code = await runLedger(['report', '--case', CASE_ID, '--out', file, '--local', dir], io, { clock });

        // Assess
        expect(code).toBe(0);
        expect(out()).toContain('intact');
        const html = await readFile(file, 'utf8');
        for (const fact of [CASE_ID, EMPLOYEE_ID, OLD_KEY_ARN, NEW_KEY_ARN, '2.5 s', '6.0 s', 'Intact']) expect(html).toContain(fact);
        expect(html).not.toMatch(/<script|<link|src="http/);
      });
    });
  });

  describe('on a seeded ledger it changes', () => {
    let dir: string;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'sever-ledger-cli-'));
      await seed(dir);
    });

    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    describe('Command: verify', () => {
      it('exits 1 and prints each finding when an entry was edited', async () => {
        // Prepare
        const dynamo = await startDynalite({ dir });
        await dynamo.client.send(
          new UpdateItemCommand({
            TableName: dynamo.tableName,
            Key: { pk: { S: `CASE#${CASE_ID}` }, sk: { N: '6' } },
            UpdateExpression: 'SET #data.#after = :after',
            ExpressionAttributeNames: { '#data': 'data', '#after': 'after' },
            ExpressionAttributeValues: {
              ':after': { M: { status: { S: 'Active' } } },
            },
          }),
        );
        await dynamo.close();
        const { io, out } = capture();

        // Act
        const code = await runLedger(['verify', '--case', CASE_ID, '--local', dir], io, { clock });

        // Assess
        expect(code).toBe(1);
        expect(out()).toMatch(new RegExp(`^ERROR ERR_ENTRY_ALTERED case=${CASE_ID} seq=6: `, 'm'));
        expect(out()).toContain('Ledger verification FAILED');
      });
    });

    describe('Command: digest', () => {
      it('commits the cases changed since the last digest', async () => {
        // Prepare
        const dynamo = await startDynalite({ dir });
        await new DynamoDbLedger({
          tableName: dynamo.tableName,
          client: dynamo.client,
          clock,
        }).append(entryInput({ caseId: 'case-8', employeeId: 'E2002' }));
        await dynamo.close();
        const { io, out } = capture();

        // Act
        const code = await runLedger(['digest', '--local', dir], io, { clock });
        const verify = capture();
        const verifyCode = await runLedger(['verify', '--local', dir], verify.io, { clock });

        // Assess
        expect(code).toBe(0);
        expect(out()).toMatch(/^Digest 2: 1 case\(s\)/);
        expect(verifyCode).toBe(0);
        expect(verify.out()).not.toContain('ERR_UNDIGESTED');
      });
    });
  });

  describe('Arguments', () => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'sever-ledger-cli-'));
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it.each([
      ['no ledger named', ['query', '--case', 'x']],
      ['two ledgers named', ['query', '--case', 'x', '--local', '/tmp/x', '--table', 't']],
      ['nothing to query', ['query', '--local', '/tmp/x']],
      ['two selectors', ['query', '--case', 'x', '--employee', 'y', '--local', '/tmp/x']],
      ['two formats', ['query', '--case', 'x', '--json', '--csv', '--local', '/tmp/x']],
      ['an unknown command', ['rewrite', '--local', '/tmp/x']],
      ['an unknown option', ['query', '--frobnicate']],
      ['report without --out', ['report', '--case', 'x', '--local', '/tmp/x']],
      ['verify on AWS without a digest key', ['verify', '--table', 'sever-ledger']],
    ])('exits 2 with usage for %s', async (_name, argv) => {
      // Prepare
      const { io, err } = capture();
      const local = argv.indexOf('/tmp/x');
      const args = local === -1 ? argv : argv.map((a, i) => (i === local ? dir : a));

      // Act
      const code = await runLedger(args, io, { clock, env: {} });

      // Assess
      expect(code).toBe(2);
      expect(err()).toContain('Usage:');
    });

    it('exits 1 for a sandbox directory that does not exist, without creating it', async () => {
      // Prepare
      const { io, err } = capture();
      const missing = join(dir, 'missing');

      // Act
      const code = await runLedger(['verify', '--local', missing], io, {
        clock,
      });

      // Assess
      expect(code).toBe(1);
      expect(err()).toContain('ERR_LEDGER_TABLE_NOT_FOUND');
      await expect(readFile(join(missing, 'sever-dynalite.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });
});
