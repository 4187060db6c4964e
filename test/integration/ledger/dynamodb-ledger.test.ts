import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../../lambda/adapters/aws/dynamodb-ledger.js';
import type { RunningDynalite } from '../../../lambda/adapters/sandbox/dynalite.js';
import { startDynalite } from '../../../lambda/adapters/sandbox/dynalite.js';
import { LocalDigestSigner } from '../../../lambda/adapters/sandbox/local-digest-signer.js';
import { GENESIS_HASH, hashEntry } from '../../../lambda/core/ledger/chain.js';
import { createDigest } from '../../../lambda/core/ledger/digest.js';
import { LedgerError } from '../../../lambda/core/ledger/errors.js';
import { verifyCaseChain, verifyLedger } from '../../../lambda/core/ledger/verify.js';
import { entryInput, ManualClock } from './fixtures.js';

describe('Class: DynamoDbLedger (dynalite)', () => {
  let dynamo: RunningDynalite;
  const clock = new ManualClock('2025-03-01T09:00:00.000Z');
  let ledger: DynamoDbLedger;

  beforeAll(async () => {
    dynamo = await startDynalite();
    ledger = new DynamoDbLedger({ tableName: dynamo.tableName, client: dynamo.client, clock });
  });

  afterAll(async () => {
    await dynamo.close();
  });

  describe('Method: append', () => {
    it('starts a case at seq 1 from the genesis hash and chains every next entry', async () => {
      // Prepare
      const caseId = 'append-chain';

      // Act
      const first = await ledger.append(entryInput({ caseId, type: 'case-opened' }));
      clock.advance(5);
      const second = await ledger.append(entryInput({ caseId, type: 'plan-made' }));

      // Assess
      expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, at: '2025-03-01T09:00:00.000Z' });
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash, at: '2025-03-01T09:00:00.005Z' });
      expect(hashEntry(second)).toBe(second.hash);
      expect(await ledger.readCase(caseId)).toEqual([first, second]);
    });

    it('stores data so that it reads back with the same hash', async () => {
      // Prepare
      const data = {
        text: 'Zoë 😀 \u0000 "quoted"',
        empty: '',
        nested: { list: [1, -2.5, 1.5e-7, 0.1, null, true, { deep: [] }], map: {} },
        arn: 'arn:aws:kms:eu-west-1:111122223333:key/abc',
      };

      // Act
      await ledger.append(entryInput({ caseId: 'round-trip', data, resourceArn: 'arn:aws:iam::111122223333:user/zoe' }));
      const [read] = await ledger.readCase('round-trip');

      // Assess
      expect(read?.data).toEqual(data);
      expect(read === undefined ? undefined : hashEntry(read)).toBe(read?.hash);
    });

    it('rejects data that is not JSON and writes nothing', async () => {
      // Prepare
      const data = { when: new Date() } as unknown as Record<string, unknown>;

      // Act
      const act = ledger.append(entryInput({ caseId: 'bad-data', data }));

      // Assess
      await expect(act).rejects.toMatchObject({ code: 'ERR_LEDGER_INVALID_INPUT' });
      expect(await ledger.readCase('bad-data')).toEqual([]);
    });

    it('ends 20 parallel appends to one case as one unbroken chain', async () => {
      // Prepare
      const caseId = 'parallel';
      const inputs = Array.from({ length: 20 }, (_, i) => entryInput({ caseId, actor: { function: 'revoke', requestId: `req-${i}` } }));

      // Act
      const written = await Promise.all(inputs.map((input) => ledger.append(input)));
      const entries = await ledger.readCase(caseId);

      // Assess
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(new Set(entries.map((e) => e.actor.requestId)).size).toBe(20);
      expect(verifyCaseChain({ caseId, entries })).toEqual([]);
      expect(new Set(written.map((e) => e.seq)).size).toBe(20);
    });
  });

  describe('Method: queryPage', () => {
    it('pages through a case in seq order, two entries per page', async () => {
      // Prepare
      const caseId = 'paged-case';
      for (let i = 0; i < 5; i += 1) await ledger.append(entryInput({ caseId }));

      // Act
      const pages: number[][] = [];
      let cursor: string | undefined;
      do {
        const page = await ledger.queryPage({ by: 'case', caseId }, { limit: 2, ...(cursor === undefined ? {} : { cursor }) });
        pages.push(page.entries.map((e) => e.seq));
        cursor = page.cursor;
      } while (cursor !== undefined);

      // Assess
      expect(pages.flat()).toEqual([1, 2, 3, 4, 5]);
      expect(pages.slice(0, 2)).toEqual([
        [1, 2],
        [3, 4],
      ]);
    });

    it('refuses a cursor issued for another query', async () => {
      // Prepare
      const page = await ledger.queryPage({ by: 'case', caseId: 'paged-case' }, { limit: 1 });

      // Act
      const act = ledger.queryPage(
        { by: 'case', caseId: 'parallel' },
        { limit: 1, ...(page.cursor === undefined ? {} : { cursor: page.cursor }) },
      );

      // Assess
      expect(page.cursor).toBeDefined();
      await expect(act).rejects.toMatchObject({ code: 'ERR_LEDGER_INVALID_QUERY' });
    });
  });

  describe('Method: query', () => {
    it('lists an employee across cases in time order, bounded by since/until', async () => {
      // Prepare
      clock.set('2025-04-01T10:00:00.000Z');
      const employeeId = 'emp-query';
      for (let i = 0; i < 3; i += 1) {
        await ledger.append(entryInput({ caseId: 'emp-a', employeeId, data: { n: `a${i}` } }));
        clock.advance(1000);
        await ledger.append(entryInput({ caseId: 'emp-b', employeeId, data: { n: `b${i}` } }));
        clock.advance(1000);
      }

      // Act
      const all = await ledger.queryAll({ by: 'employee', employeeId }, { pageSize: 2 });
      const bounded = await ledger.queryAll(
        { by: 'employee', employeeId, since: '2025-04-01T10:00:01.000Z', until: '2025-04-01T10:00:04.000Z' },
        { pageSize: 1 },
      );

      // Assess
      expect(all.map((e) => e.data.n)).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
      expect(bounded.map((e) => e.data.n)).toEqual(['b0', 'a1', 'b1']);
    });

    it('lists a resource ARN across cases, paginated', async () => {
      // Prepare
      clock.set('2025-05-01T10:00:00.000Z');
      const resourceArn = 'arn:aws:kms:eu-west-1:111122223333:key/query-resource';
      for (const caseId of ['res-a', 'res-b', 'res-a']) {
        await ledger.append(entryInput({ caseId, resourceArn }));
        clock.advance(10);
      }
      await ledger.append(entryInput({ caseId: 'res-a', resourceArn: 'arn:aws:kms:eu-west-1:111122223333:key/other' }));

      // Act
      const entries = await ledger.queryAll({ by: 'resource', resourceArn }, { pageSize: 1 });

      // Assess
      expect(entries.map((e) => `${e.caseId}#${e.seq}`)).toEqual(['res-a#1', 'res-b#1', 'res-a#2']);
    });

    it('lists a time window across days, paginated within and across days', async () => {
      // Prepare
      const times = [
        '2025-06-01T23:59:59.000Z',
        '2025-06-02T00:00:01.000Z',
        '2025-06-02T12:00:00.000Z',
        '2025-06-03T08:00:00.000Z',
        '2025-06-04T00:00:00.000Z',
      ];
      for (const [i, time] of times.entries()) {
        clock.set(time);
        await ledger.append(entryInput({ caseId: `window-${i}`, data: { i } }));
      }

      // Act
      const pages: number[][] = [];
      let cursor: string | undefined;
      const query = { by: 'window', since: '2025-06-02T00:00:00.000Z', until: '2025-06-04T00:00:00.000Z' } as const;
      do {
        const page = await ledger.queryPage(query, { limit: 2, ...(cursor === undefined ? {} : { cursor }) });
        pages.push(page.entries.map((e) => e.data.i as number));
        cursor = page.cursor;
      } while (cursor !== undefined);

      // Assess
      expect(pages.flat()).toEqual([1, 2, 3]);
      expect(pages[0]).toEqual([1, 2]);
    });

    it('refuses a window whose since is not before its until', async () => {
      // Act
      const act = ledger.queryAll({ by: 'window', since: '2025-06-03', until: '2025-06-02' });

      // Assess
      await expect(act).rejects.toBeInstanceOf(LedgerError);
      await expect(act).rejects.toMatchObject({ code: 'ERR_LEDGER_INVALID_QUERY' });
    });
  });

  describe('Function: createDigest (on DynamoDB)', () => {
    it('commits changed cases only, chains digests, and survives two concurrent runs', async () => {
      // Prepare
      const dedicated = await startDynalite();
      const digestClock = new ManualClock('2025-07-01T00:00:00.000Z');
      const store = new DynamoDbLedger({ tableName: dedicated.tableName, client: dedicated.client, clock: digestClock });
      const signer = LocalDigestSigner.generate();
      try {
        await store.append(entryInput({ caseId: 'd1' }));
        await store.append(entryInput({ caseId: 'd2' }));

        // Act
        const first = await createDigest({ store, signer, clock: digestClock });
        digestClock.advance(60_000);
        await store.append(entryInput({ caseId: 'd2' }));
        const concurrent = await Promise.all([
          createDigest({ store, signer, clock: digestClock }),
          createDigest({ store, signer, clock: digestClock }),
        ]);
        digestClock.advance(60_000);
        const idle = await createDigest({ store, signer, clock: digestClock });
        const digests = await store.readDigests();
        const report = await verifyLedger(await store.readAudit(), { verifier: signer });

        // Assess
        expect(first.map((d) => d.leaves.map((l) => l.caseId))).toEqual([['d1', 'd2']]);
        expect(concurrent.flat().flatMap((d) => d.leaves)).toContainEqual(expect.objectContaining({ caseId: 'd2', headSeq: 2 }));
        expect(idle).toEqual([]);
        expect(digests.map((d) => d.seq)).toEqual(Array.from({ length: digests.length }, (_, i) => i + 1));
        expect(report.findings).toEqual([]);
        expect(report.ok).toBe(true);
      } finally {
        await dedicated.close();
      }
    });
  });
});
