import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, sealEntry } from '../../../../lambda/core/ledger/chain.js';
import { signDigest } from '../../../../lambda/core/ledger/digest.js';
import type { Digest, LedgerEntry, LedgerFinding } from '../../../../lambda/core/ledger/types.js';
import { verifyCaseChain, verifyDigestChain, verifyLedger } from '../../../../lambda/core/ledger/verify.js';
import { FakeSigner } from './fakes.js';

const chain = (caseId: string, length: number): LedgerEntry[] => {
  const entries: LedgerEntry[] = [];
  for (let seq = 1; seq <= length; seq += 1) {
    entries.push(
      sealEntry(
        { caseId, employeeId: 'E1', type: 'action-succeeded', actor: { function: 'f', requestId: `r${seq}` }, data: { seq } },
        { seq, at: `2025-03-01T09:00:0${seq}.000Z`, prevHash: entries.at(-1)?.hash ?? GENESIS_HASH },
      ),
    );
  }
  return entries;
};

const codes = (findings: readonly LedgerFinding[]) =>
  findings.map(({ code, seq, digestSeq }) => ({
    code,
    ...(seq === undefined ? {} : { seq }),
    ...(digestSeq === undefined ? {} : { digestSeq }),
  }));

/** Re-seals an entry with new data, as a tamperer who recomputes the hash would. */
const reseal = (entry: LedgerEntry, change: Partial<LedgerEntry>): LedgerEntry => {
  const { hash: _old, ...rest } = { ...entry, ...change };
  return sealEntry(rest, rest);
};

describe('Function: verifyCaseChain', () => {
  it('accepts an intact chain', () => {
    // Act
    const findings = verifyCaseChain({ caseId: 'c', entries: chain('c', 5) });

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports ERR_ENTRY_ALTERED for an edited field whose stored hash was left alone', () => {
    // Prepare
    const entries = chain('c', 4);
    entries[1] = { ...entries[1]!, data: { seq: 99 } };

    // Act
    const findings = verifyCaseChain({ caseId: 'c', entries });

    // Assess
    expect(codes(findings)).toEqual([{ code: 'ERR_ENTRY_ALTERED', seq: 2 }]);
  });

  it('reports ERR_ENTRY_ALTERED on the rewritten entry when its hash was recomputed', () => {
    // Prepare
    const entries = chain('c', 4);
    entries[1] = reseal(entries[1]!, { data: { seq: 99 } });

    // Act
    const findings = verifyCaseChain({ caseId: 'c', entries });

    // Assess
    expect(codes(findings)).toEqual([{ code: 'ERR_ENTRY_ALTERED', seq: 2 }]);
    expect(findings[0]?.message).toContain('rewritten');
  });

  it('reports ERR_ENTRY_ALTERED when the first entry does not start from the genesis hash', () => {
    // Prepare
    const entries = chain('c', 1);
    entries[0] = reseal(entries[0]!, { prevHash: 'f'.repeat(64) });

    // Act
    const findings = verifyCaseChain({ caseId: 'c', entries });

    // Assess
    expect(codes(findings)).toEqual([{ code: 'ERR_ENTRY_ALTERED', seq: 1 }]);
  });

  it('reports one ERR_ENTRY_MISSING per gap, naming the range', () => {
    // Prepare
    const entries = chain('c', 6).filter((e) => e.seq !== 2 && e.seq !== 3);

    // Act
    const findings = verifyCaseChain({ caseId: 'c', entries });

    // Assess
    expect(codes(findings)).toEqual([{ code: 'ERR_ENTRY_MISSING', seq: 2 }]);
    expect(findings[0]?.message).toContain('seqs 2..3');
  });

  it('reports a forged huge seq as one gap without walking it', () => {
    // Prepare
    const entries = chain('c', 3);
    const far = reseal(entries[2]!, { seq: 2 ** 50 });

    // Act
    const findings = verifyCaseChain({ caseId: 'c', entries: [...entries, far] });

    // Assess
    expect(codes(findings)).toContainEqual({ code: 'ERR_ENTRY_MISSING', seq: 4 });
    expect(findings.find((f) => f.code === 'ERR_ENTRY_MISSING')?.message).toContain(`seqs 4..${2 ** 50 - 1}`);
  });

  it('reports ERR_ENTRY_REORDERED when entries are stored out of seq order', () => {
    // Prepare
    const [a, b, c, d] = chain('c', 4) as [LedgerEntry, LedgerEntry, LedgerEntry, LedgerEntry];

    // Act
    const findings = verifyCaseChain({ caseId: 'c', entries: [a, c, b, d] });

    // Assess
    expect(codes(findings)).toEqual([{ code: 'ERR_ENTRY_REORDERED', seq: 2 }]);
  });

  it('reports ERR_ENTRY_REORDERED when an entry links to a different entry than its predecessor', () => {
    // Prepare: entry 4 re-linked to entry 2, its hash recomputed.
    const entries = chain('c', 4);
    entries[3] = reseal(entries[3]!, { prevHash: entries[1]!.hash });

    // Act
    const findings = verifyCaseChain({ caseId: 'c', entries });

    // Assess
    expect(codes(findings)).toEqual([{ code: 'ERR_ENTRY_REORDERED', seq: 4 }]);
    expect(findings[0]?.message).toContain('links to seq 2');
  });

  it('reports a seq stored twice', () => {
    // Prepare
    const entries = chain('c', 3);

    // Act
    const findings = verifyCaseChain({ caseId: 'c', entries: [...entries, entries[2]!] });

    // Assess
    expect(codes(findings)).toEqual([{ code: 'ERR_ENTRY_REORDERED', seq: 3 }]);
  });

  it('reports an entry copied in from another case', () => {
    // Prepare
    const entries = chain('c', 2);
    const foreign = chain('other', 3)[2]!;

    // Act
    const findings = verifyCaseChain({ caseId: 'c', entries: [...entries, foreign] });

    // Assess
    expect(codes(findings)).toContainEqual({ code: 'ERR_ENTRY_ALTERED', seq: 3 });
    expect(findings.some((f) => f.message.includes('claims to belong to case other'))).toBe(true);
  });

  it('reports a malformed item as ERR_ENTRY_ALTERED at its position, not as a gap', () => {
    // Prepare
    const entries = chain('c', 3).filter((e) => e.seq !== 2);

    // Act
    const findings = verifyCaseChain({ caseId: 'c', entries, malformed: [{ position: 2, problem: 'hash is not a string' }] });

    // Assess
    expect(codes(findings)).toEqual([{ code: 'ERR_ENTRY_ALTERED', seq: 2 }]);
  });
});

describe('Function: verifyDigestChain', () => {
  const signer = new FakeSigner();
  const leaf = (caseId: string, entries: LedgerEntry[]) => ({ caseId, headSeq: entries.at(-1)!.seq, headHash: entries.at(-1)!.hash });
  const digestChain = async (count: number): Promise<Digest[]> => {
    const digests: Digest[] = [];
    for (let i = 0; i < count; i += 1) {
      digests.push(
        await signDigest({
          previous: digests.at(-1),
          leaves: [leaf(`c${i}`, chain(`c${i}`, 1))],
          at: `2025-03-01T10:0${i}:00.000Z`,
          signer,
        }),
      );
    }
    return digests;
  };

  it('trusts an intact, correctly signed chain', async () => {
    // Prepare
    const digests = await digestChain(3);

    // Act
    const result = await verifyDigestChain(digests, signer);

    // Assess
    expect(result.findings).toEqual([]);
    expect(result.trusted).toHaveLength(3);
  });

  it('reports ERR_DIGEST_FORGED for a signature from another key, and does not trust it', async () => {
    // Prepare
    const digests = await digestChain(2);
    const impostor = new FakeSigner('impostor', 'other-secret');
    const forged = await signDigest({ previous: digests[0], leaves: digests[1]!.leaves, at: digests[1]!.at, signer: impostor });

    // Act
    const result = await verifyDigestChain([digests[0]!, forged], signer);

    // Assess
    expect(codes(result.findings)).toEqual([{ code: 'ERR_DIGEST_FORGED', digestSeq: 2 }]);
    expect(result.trusted.map((d) => d.seq)).toEqual([1]);
  });

  it('reports ERR_DIGEST_FORGED when leaves no longer match the signed root', async () => {
    // Prepare
    const [digest] = await digestChain(1);
    const edited = { ...digest!, leaves: [{ ...digest!.leaves[0]!, headSeq: 7 }] };

    // Act
    const result = await verifyDigestChain([edited], signer);

    // Assess
    expect(codes(result.findings)).toEqual([{ code: 'ERR_DIGEST_FORGED', digestSeq: 1 }]);
    expect(result.findings[0]?.message).toContain('Merkle root');
  });

  it('reports ERR_DIGEST_CHAIN_BROKEN for a removed digest and for a wrong link', async () => {
    // Prepare
    const digests = await digestChain(3);
    const relinked = await signDigest({ previous: { seq: 1, hash: 'e'.repeat(64) }, leaves: [], at: '2025-03-01T11:00:00.000Z', signer });

    // Act
    const gap = await verifyDigestChain([digests[0]!, digests[2]!], signer);
    const wrongLink = await verifyDigestChain([digests[0]!, relinked], signer);

    // Assess
    expect(codes(gap.findings)).toEqual([{ code: 'ERR_DIGEST_CHAIN_BROKEN', digestSeq: 3 }]);
    expect(codes(wrongLink.findings)).toEqual([{ code: 'ERR_DIGEST_CHAIN_BROKEN', digestSeq: 2 }]);
  });
});

describe('Function: verifyLedger', () => {
  const signer = new FakeSigner();

  it('reports ERR_CASE_MISSING and ERR_CASE_REWRITTEN against trusted digests only', async () => {
    // Prepare
    const kept = chain('kept', 3);
    const gone = chain('gone', 2);
    const rewritten = chain('rewritten', 2);
    const digest = await signDigest({
      previous: undefined,
      leaves: [kept, gone, rewritten].map((entries) => ({
        caseId: entries[0]!.caseId,
        headSeq: entries.at(-1)!.seq,
        headHash: entries.at(-1)!.hash,
      })),
      at: '2025-03-01T10:00:00.000Z',
      signer,
    });
    const rewrittenNow = [rewritten[0]!, reseal(rewritten[1]!, { data: { seq: 'changed' } })];

    // Act
    const report = await verifyLedger(
      {
        cases: [
          { caseId: 'kept', entries: kept },
          { caseId: 'rewritten', entries: rewrittenNow },
        ],
        digests: [digest],
      },
      { verifier: signer },
    );

    // Assess
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => [f.code, f.caseId])).toEqual([
      ['ERR_CASE_MISSING', 'gone'],
      ['ERR_CASE_REWRITTEN', 'rewritten'],
    ]);
  });

  it('ignores what a forged digest claims about cases', async () => {
    // Prepare
    const impostor = new FakeSigner('impostor', 'x');
    const forged = await signDigest({
      previous: undefined,
      leaves: [{ caseId: 'never', headSeq: 1, headHash: 'a'.repeat(64) }],
      at: '2025-03-01T10:00:00.000Z',
      signer: impostor,
    });

    // Act
    const report = await verifyLedger({ cases: [], digests: [forged] }, { verifier: signer });

    // Assess
    expect(report.findings.map((f) => f.code)).toEqual(['ERR_DIGEST_FORGED']);
  });

  it('warns ERR_UNDIGESTED for entries after the last digest and stays ok', async () => {
    // Prepare
    const entries = chain('c', 4);
    const digest = await signDigest({
      previous: undefined,
      leaves: [{ caseId: 'c', headSeq: 2, headHash: entries[1]!.hash }],
      at: '2025-03-01T10:00:00.000Z',
      signer,
    });

    // Act
    const report = await verifyLedger({ cases: [{ caseId: 'c', entries }], digests: [digest] }, { verifier: signer });

    // Assess
    expect(report.ok).toBe(true);
    expect(report.findings).toEqual([expect.objectContaining({ code: 'ERR_UNDIGESTED', severity: 'warning', caseId: 'c', seq: 3 })]);
    expect(report.findings[0]?.message).toContain('seqs 3..4');
    expect(report.lastDigest).toEqual({ seq: 1, at: '2025-03-01T10:00:00.000Z' });
  });

  it('checks only the cases in scope, but every digest', async () => {
    // Prepare
    const broken = chain('broken', 3).filter((e) => e.seq !== 2);
    const fine = chain('fine', 2);
    const digest = await signDigest({
      previous: undefined,
      leaves: [
        { caseId: 'fine', headSeq: 2, headHash: fine[1]!.hash },
        { caseId: 'gone', headSeq: 1, headHash: 'a'.repeat(64) },
      ],
      at: '2025-03-01T10:00:00.000Z',
      signer,
    });

    // Act
    const report = await verifyLedger(
      {
        cases: [
          { caseId: 'broken', entries: broken },
          { caseId: 'fine', entries: fine },
        ],
        digests: [digest],
      },
      { verifier: signer, caseIds: ['fine'] },
    );

    // Assess
    expect(report.findings).toEqual([]);
    expect(report.casesChecked).toBe(1);
    expect(report.digestsChecked).toBe(1);
  });

  it('fails closed when signatures cannot be checked at all', async () => {
    // Prepare
    const digest = await signDigest({ previous: undefined, leaves: [], at: '2025-03-01T10:00:00.000Z', signer });
    const unreachable = { verify: async () => Promise.reject(new Error('KMS unreachable')) };

    // Act
    const act = verifyLedger({ cases: [], digests: [digest] }, { verifier: unreachable });

    // Assess
    await expect(act).rejects.toThrow('KMS unreachable');
  });
});
