import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, sealEntry } from '../../../../lambda/core/ledger/chain.js';
import { chunkLeaves, createDigest, digestMessage, hashDigest, signDigest } from '../../../../lambda/core/ledger/digest.js';
import { digestRoot } from '../../../../lambda/core/ledger/merkle.js';
import type { LedgerEntry } from '../../../../lambda/core/ledger/types.js';
import { FakeSigner, MemoryDigestStore } from './fakes.js';

const clockAt = (iso: string) => {
  let ms = Date.parse(iso);
  return { now: () => new Date(ms), advance: (d: number) => (ms += d) };
};

const entry = (store: MemoryDigestStore, caseId: string, at: string): LedgerEntry => {
  const previous = store.cases.get(caseId)?.at(-1);
  const sealed = sealEntry(
    { caseId, employeeId: 'E1', type: 'token-check', actor: { function: 'f', requestId: 'r' }, data: {} },
    { seq: (previous?.seq ?? 0) + 1, at, prevHash: previous?.hash ?? GENESIS_HASH },
  );
  store.add(sealed);
  return sealed;
};

describe('Function: signDigest', () => {
  it('sorts leaves, roots them, chains to the previous digest and signs the header', async () => {
    // Prepare
    const signer = new FakeSigner();
    const leaves = [
      { caseId: 'b', headSeq: 2, headHash: 'b'.repeat(64) },
      { caseId: 'a', headSeq: 1, headHash: 'a'.repeat(64) },
    ];

    // Act
    const first = await signDigest({ previous: undefined, leaves, at: '2025-03-01T00:00:00.000Z', signer });
    const second = await signDigest({ previous: first, leaves: [], at: '2025-03-01T00:05:00.000Z', signer });

    // Assess
    expect(first).toMatchObject({ version: 1, seq: 1, prevHash: GENESIS_HASH, leafCount: 2, root: digestRoot([leaves[1]!, leaves[0]!]) });
    expect(first.leaves.map((l) => l.caseId)).toEqual(['a', 'b']);
    expect(first.hash).toBe(hashDigest(first));
    expect(Buffer.from(digestMessage(first)).toString()).toBe(
      `{"at":"2025-03-01T00:00:00.000Z","leafCount":2,"prevHash":"${GENESIS_HASH}","root":"${first.root}","seq":1,"version":1}`,
    );
    expect(await signer.verify(digestMessage(first), first.signature)).toBe(true);
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash, leafCount: 0 });
  });
});

describe('Function: chunkLeaves', () => {
  it('splits leaves into runs under the byte bound, keeping order', () => {
    // Prepare
    const leaves = Array.from({ length: 5 }, (_, i) => ({ caseId: `case-${i}`, headSeq: 1, headHash: 'f'.repeat(64) }));
    const oneLeaf = JSON.stringify(leaves[0]).length + 1;

    // Act
    const chunks = chunkLeaves(leaves, oneLeaf * 2);

    // Assess
    expect(chunks.map((c) => c.map((l) => l.caseId))).toEqual([['case-0', 'case-1'], ['case-2', 'case-3'], ['case-4']]);
  });
});

describe('Function: createDigest', () => {
  it('commits every case on the first run, then only cases whose head moved', async () => {
    // Prepare
    const store = new MemoryDigestStore();
    const signer = new FakeSigner();
    const clock = clockAt('2025-03-01T10:00:00.000Z');
    entry(store, 'a', '2025-03-01T09:00:00.000Z');
    entry(store, 'b', '2025-03-01T09:00:00.000Z');

    // Act
    const first = await createDigest({ store, signer, clock });
    clock.advance(60_000);
    const head = entry(store, 'b', '2025-03-01T10:00:30.000Z');
    const second = await createDigest({ store, signer, clock });
    clock.advance(60_000);
    const third = await createDigest({ store, signer, clock });

    // Assess
    expect(first.flatMap((d) => d.leaves.map((l) => l.caseId))).toEqual(['a', 'b']);
    expect(second.flatMap((d) => d.leaves)).toEqual([{ caseId: 'b', headSeq: 2, headHash: head.hash }]);
    expect(second[0]?.prevHash).toBe(first[0]?.hash);
    expect(third).toEqual([]);
    expect(store.digests).toHaveLength(2);
  });

  it('writes an empty heartbeat digest when asked to', async () => {
    // Prepare
    const store = new MemoryDigestStore();

    // Act
    const digests = await createDigest({ store, signer: new FakeSigner(), clock: clockAt('2025-03-01T10:00:00.000Z'), emitEmpty: true });

    // Assess
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ seq: 1, leafCount: 0 });
  });

  it('splits many changed cases into consecutive chained digests', async () => {
    // Prepare
    const store = new MemoryDigestStore();
    for (let i = 0; i < 5; i += 1) entry(store, `case-${i}`, '2025-03-01T09:00:00.000Z');

    // Act
    const digests = await createDigest({ store, signer: new FakeSigner(), clock: clockAt('2025-03-01T10:00:00.000Z'), maxLeafBytes: 250 });

    // Assess
    expect(digests.length).toBeGreaterThan(1);
    expect(digests.flatMap((d) => d.leaves.map((l) => l.caseId))).toEqual(['case-0', 'case-1', 'case-2', 'case-3', 'case-4']);
    expect(digests.map((d) => d.seq)).toEqual(digests.map((_, i) => i + 1));
    for (const [i, d] of digests.entries()) if (i > 0) expect(d.prevHash).toBe(digests[i - 1]?.hash);
  });

  it('re-reads and retries when another run takes the seq, without re-committing what it committed', async () => {
    // Prepare
    const store = new MemoryDigestStore();
    const signer = new FakeSigner();
    const clock = clockAt('2025-03-01T10:00:00.000Z');
    entry(store, 'a', '2025-03-01T09:59:00.000Z');
    entry(store, 'b', '2025-03-01T09:59:00.000Z');
    // The winning run committed case a only (b was written after it read).
    const a = store.cases.get('a')?.at(-1);
    if (a === undefined) throw new Error('fixture has no case a');
    const winner = await signDigest({
      previous: undefined,
      leaves: [{ caseId: 'a', headSeq: a.seq, headHash: a.hash }],
      at: '2025-03-01T09:59:30.000Z',
      signer,
    });
    store.racesToLose = 1;
    store.onRaceLost = () => store.digests.push(winner);

    // Act
    const digests = await createDigest({ store, signer, clock });

    // Assess
    expect(digests.map((d) => [d.seq, d.leaves.map((l) => l.caseId)])).toEqual([[2, ['b']]]);
    expect(digests[0]?.prevHash).toBe(store.digests[0]?.hash);
  });

  it('gives up with ERR_LEDGER_CONFLICT when other runs keep winning', async () => {
    // Prepare
    const store = new MemoryDigestStore();
    entry(store, 'a', '2025-03-01T09:59:00.000Z');
    store.racesToLose = 100;

    // Act
    const act = createDigest({ store, signer: new FakeSigner(), clock: clockAt('2025-03-01T10:00:00.000Z'), maxAttempts: 3 });

    // Assess
    await expect(act).rejects.toMatchObject({ code: 'ERR_LEDGER_CONFLICT' });
    expect(store.racesToLose).toBe(97);
  });
});
