import { GENESIS_HASH, hashEntry } from './chain.js';
import { digestMessage, hashDigest } from './digest.js';
import { compareLeaves, digestRoot } from './merkle.js';
import type { Digest, DigestSigner, LedgerEntry, LedgerFinding, LedgerFindingCode } from './types.js';

/**
 * Ledger verification: walks every case chain and the digest chain and reports what does
 * not add up. Pure apart from signature checks, which go through the injected verifier.
 *
 * What each check can prove:
 * - an entry's own hash catches an edit that left the stored hash alone (ERR_ENTRY_ALTERED);
 * - the successor's `prevHash` catches an edit whose hash was recomputed (ERR_ENTRY_ALTERED on
 *   the edited entry) and entries moved between positions (ERR_ENTRY_REORDERED);
 * - seq numbering catches removed entries (ERR_ENTRY_MISSING);
 * - digests catch what a chain cannot show about itself: a case deleted outright
 *   (ERR_CASE_MISSING), a case truncated or rewritten with all hashes recomputed
 *   (ERR_CASE_REWRITTEN); their signatures and chain catch forged or removed digests.
 */

/** An item at some position that could not be read as an entry or a digest. */
export interface MalformedItem {
  /** The item's sort key: the seq it occupies. */
  readonly position: number;
  readonly problem: string;
}

/** One case as read from storage. */
export interface AuditCase {
  readonly caseId: string;
  /** Entries in storage (sort key) order; verification relies on that order. */
  readonly entries: readonly LedgerEntry[];
  readonly malformed?: readonly MalformedItem[];
}

/** Everything verification reads. */
export interface LedgerAudit {
  readonly cases: readonly AuditCase[];
  /** Digests in storage (sort key) order. */
  readonly digests: readonly Digest[];
  readonly malformedDigests?: readonly MalformedItem[];
}

export interface VerifyLedgerOptions {
  /** Checks digest signatures against the trusted digest key. */
  readonly verifier: Pick<DigestSigner, 'verify'>;
  /** Restricts case checks to these cases; digests are always all checked. */
  readonly caseIds?: readonly string[];
}

export interface VerificationReport {
  /** True when there is no finding of severity `error`. */
  readonly ok: boolean;
  readonly findings: readonly LedgerFinding[];
  readonly casesChecked: number;
  readonly entriesChecked: number;
  readonly digestsChecked: number;
  /** The last digest whose signature and chain verified. */
  readonly lastDigest?: { readonly seq: number; readonly at: string };
}

const finding = (
  code: LedgerFindingCode,
  message: string,
  where: { caseId?: string; seq?: number; digestSeq?: number } = {},
): LedgerFinding => ({
  code,
  severity: code === 'ERR_UNDIGESTED' ? 'warning' : 'error',
  message,
  ...where,
});

const range = (from: number, to: number): string => (from === to ? `seq ${from}` : `seqs ${from}..${to}`);

const safeHash = (entry: LedgerEntry): string | undefined => {
  try {
    return hashEntry(entry);
  } catch {
    return undefined;
  }
};

/**
 * Walks one case chain.
 *
 * @example
 * ```ts
 * const findings = verifyCaseChain({ caseId, entries: await ledger.readCase(caseId) });
 * ```
 */
export const verifyCaseChain = (auditCase: AuditCase): LedgerFinding[] => {
  const { caseId, entries } = auditCase;
  const malformed = auditCase.malformed ?? [];
  const findings: LedgerFinding[] = [];

  for (const item of malformed) {
    findings.push(
      finding('ERR_ENTRY_ALTERED', `Case ${caseId}: the item at seq ${item.position} is not a well-formed entry (${item.problem}).`, {
        caseId,
        seq: item.position,
      }),
    );
  }

  const valid: LedgerEntry[] = [];
  for (const entry of entries) {
    if (!Number.isSafeInteger(entry.seq) || entry.seq < 1) {
      findings.push(
        finding('ERR_ENTRY_ALTERED', `Case ${caseId}: an entry has seq ${String(entry.seq)}, not a positive integer.`, { caseId }),
      );
      continue;
    }
    valid.push(entry);
    if (entry.caseId !== caseId) {
      findings.push(
        finding('ERR_ENTRY_ALTERED', `Case ${caseId}: entry seq ${entry.seq} claims to belong to case ${entry.caseId}.`, {
          caseId,
          seq: entry.seq,
        }),
      );
    }
    const computed = safeHash(entry);
    if (computed !== entry.hash) {
      findings.push(
        finding(
          'ERR_ENTRY_ALTERED',
          computed === undefined
            ? `Case ${caseId}: entry seq ${entry.seq} holds data that cannot be encoded canonically, so its hash cannot match.`
            : `Case ${caseId}: entry seq ${entry.seq} hashes to ${computed}, but its stored hash is ${entry.hash}.`,
          { caseId, seq: entry.seq },
        ),
      );
    }
  }

  // Storage order must be strictly increasing seq: an entry moved to another key shows here.
  let highest = 0;
  for (const entry of valid) {
    if (entry.seq <= highest) {
      findings.push(
        finding(
          'ERR_ENTRY_REORDERED',
          entry.seq === highest
            ? `Case ${caseId}: seq ${entry.seq} appears more than once.`
            : `Case ${caseId}: entry seq ${entry.seq} is stored after seq ${highest}.`,
          { caseId, seq: entry.seq },
        ),
      );
    }
    highest = Math.max(highest, entry.seq);
  }

  // Gaps come from the sorted seqs themselves, so a forged huge seq costs nothing to check.
  const present = [...new Set<number>([...valid.map((e) => e.seq), ...malformed.map((m) => m.position)])]
    .filter((seq) => Number.isSafeInteger(seq) && seq >= 1)
    .sort((a, b) => a - b);
  const last = present.at(-1) ?? 0;
  let expected = 1;
  for (const seq of present) {
    if (seq > expected) {
      findings.push(
        finding('ERR_ENTRY_MISSING', `Case ${caseId}: ${range(expected, seq - 1)} missing (the chain has entries up to seq ${last}).`, {
          caseId,
          seq: expected,
        }),
      );
    }
    expected = seq + 1;
  }

  const bySeq = new Map<number, LedgerEntry>();
  const seqByHash = new Map<string, number>();
  for (const entry of valid) {
    if (!bySeq.has(entry.seq)) bySeq.set(entry.seq, entry);
    if (!seqByHash.has(entry.hash)) seqByHash.set(entry.hash, entry.seq);
  }
  for (const entry of [...bySeq.values()].sort((a, b) => a.seq - b.seq)) {
    const linked = seqByHash.get(entry.prevHash);
    if (entry.seq === 1) {
      if (entry.prevHash !== GENESIS_HASH) {
        findings.push(
          linked === undefined
            ? finding('ERR_ENTRY_ALTERED', `Case ${caseId}: entry seq 1 does not start from the genesis hash.`, { caseId, seq: 1 })
            : finding(
                'ERR_ENTRY_REORDERED',
                `Case ${caseId}: entry seq 1 links to seq ${linked}; the first entry must link to the genesis hash.`,
                {
                  caseId,
                  seq: 1,
                },
              ),
        );
      }
      continue;
    }
    const predecessor = bySeq.get(entry.seq - 1);
    if (predecessor === undefined) {
      // The gap is already reported; a link to a present entry other than the gap is a move.
      if (linked !== undefined && linked !== entry.seq - 1) {
        findings.push(
          finding('ERR_ENTRY_REORDERED', `Case ${caseId}: entry seq ${entry.seq} links to seq ${linked}, not seq ${entry.seq - 1}.`, {
            caseId,
            seq: entry.seq,
          }),
        );
      }
      continue;
    }
    if (entry.prevHash === predecessor.hash) continue;
    if (linked !== undefined) {
      findings.push(
        finding('ERR_ENTRY_REORDERED', `Case ${caseId}: entry seq ${entry.seq} links to seq ${linked}, not seq ${predecessor.seq}.`, {
          caseId,
          seq: entry.seq,
        }),
      );
    } else {
      findings.push(
        finding(
          'ERR_ENTRY_ALTERED',
          `Case ${caseId}: entry seq ${predecessor.seq} was rewritten: entry seq ${entry.seq} links to ${entry.prevHash}, which no entry of the case has.`,
          { caseId, seq: predecessor.seq },
        ),
      );
    }
  }
  return dedupe(findings);
};

const dedupe = (findings: LedgerFinding[]): LedgerFinding[] => {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.code}|${f.caseId ?? ''}|${f.seq ?? ''}|${f.digestSeq ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

const leavesSortedAndUnique = (digest: Digest): boolean =>
  digest.leaves.every((leaf, index) => index === 0 || compareLeaves(digest.leaves[index - 1] as typeof leaf, leaf) < 0);

/**
 * Walks the digest chain: seq continuity, `prevHash` links, Merkle roots and signatures.
 *
 * @returns the findings and the digests that verified (only those are trusted as commitments).
 */
export const verifyDigestChain = async (
  digests: readonly Digest[],
  verifier: Pick<DigestSigner, 'verify'>,
  malformed: readonly MalformedItem[] = [],
): Promise<{ findings: LedgerFinding[]; trusted: Digest[] }> => {
  const findings: LedgerFinding[] = [];
  const trusted: Digest[] = [];

  for (const item of malformed) {
    findings.push(
      finding('ERR_DIGEST_FORGED', `The item at digest seq ${item.position} is not a well-formed digest (${item.problem}).`, {
        digestSeq: item.position,
      }),
    );
  }
  const malformedPositions = new Set(malformed.map((m) => m.position));

  let previous: { seq: number; hash: string } | undefined;
  for (const digest of digests) {
    const expectedSeq = (previous?.seq ?? 0) + 1;
    if (digest.seq !== expectedSeq) {
      let skipped = false;
      if (digest.seq > expectedSeq) {
        // Positions held by malformed digests are reported as forged, not as missing.
        const gap = digest.seq - expectedSeq;
        skipped = gap > malformedPositions.size;
        for (let seq = expectedSeq; !skipped && seq < digest.seq; seq += 1) skipped = !malformedPositions.has(seq);
      }
      if (digest.seq < expectedSeq) {
        findings.push(
          finding('ERR_DIGEST_CHAIN_BROKEN', `Digest seq ${digest.seq} is stored after digest seq ${expectedSeq - 1}.`, {
            digestSeq: digest.seq,
          }),
        );
      } else if (skipped) {
        findings.push(
          finding('ERR_DIGEST_CHAIN_BROKEN', `Digest ${range(expectedSeq, digest.seq - 1)} missing before digest seq ${digest.seq}.`, {
            digestSeq: digest.seq,
          }),
        );
      }
    } else {
      const expectedPrev = previous?.hash ?? GENESIS_HASH;
      if (digest.prevHash !== expectedPrev) {
        findings.push(
          finding(
            'ERR_DIGEST_CHAIN_BROKEN',
            `Digest seq ${digest.seq} links to ${digest.prevHash}, but ${previous === undefined ? 'the first digest must link to the genesis hash' : `digest seq ${previous.seq} hashes to ${previous.hash}`}.`,
            { digestSeq: digest.seq },
          ),
        );
      }
    }

    const problems: string[] = [];
    if (digest.version !== 1) problems.push(`unknown version ${String(digest.version)}`);
    if (digest.leafCount !== digest.leaves.length) problems.push(`leafCount ${digest.leafCount} but ${digest.leaves.length} leaves`);
    if (!leavesSortedAndUnique(digest)) problems.push('leaves are not sorted by caseId without repeats');
    let root: string | undefined;
    try {
      root = digestRoot(digest.leaves);
    } catch {
      root = undefined;
    }
    if (root !== digest.root) problems.push(`its leaves have Merkle root ${root ?? '(not computable)'}, not the signed ${digest.root}`);
    const computedHash = hashDigest(digest);
    if (computedHash !== digest.hash) problems.push(`its header hashes to ${computedHash}, not the stored ${digest.hash}`);
    const signatureValid = await verifier.verify(digestMessage(digest), digest.signature);
    if (!signatureValid) problems.push(`the signature by ${digest.signature.keyId} does not verify with the trusted digest key`);

    if (problems.length > 0) {
      findings.push(finding('ERR_DIGEST_FORGED', `Digest seq ${digest.seq}: ${problems.join('; ')}.`, { digestSeq: digest.seq }));
    } else {
      trusted.push(digest);
    }
    previous = { seq: Math.max(digest.seq, previous?.seq ?? 0), hash: computedHash };
  }
  return { findings: dedupe(findings), trusted };
};

/**
 * Verifies the ledger: every case chain in scope, every digest, and every digest commitment
 * against the cases as they are now.
 *
 * @throws whatever the verifier throws when signatures cannot be checked at all (fail closed).
 * @example
 * ```ts
 * const report = await verifyLedger(await ledger.readAudit(), { verifier: signer });
 * if (!report.ok) for (const f of report.findings) console.error(f.code, f.message);
 * ```
 */
export const verifyLedger = async (audit: LedgerAudit, options: VerifyLedgerOptions): Promise<VerificationReport> => {
  const scope = options.caseIds === undefined ? undefined : new Set(options.caseIds);
  const inScope = (caseId: string): boolean => scope === undefined || scope.has(caseId);
  const cases = new Map(audit.cases.filter((c) => inScope(c.caseId)).map((c) => [c.caseId, c]));

  const findings: LedgerFinding[] = [];
  let entriesChecked = 0;
  for (const auditCase of cases.values()) {
    entriesChecked += auditCase.entries.length + (auditCase.malformed?.length ?? 0);
    findings.push(...verifyCaseChain(auditCase));
  }

  const digestResult = await verifyDigestChain(audit.digests, options.verifier, audit.malformedDigests);
  findings.push(...digestResult.findings);

  const committedSeq = new Map<string, number>();
  const reported = new Set<string>();
  for (const digest of digestResult.trusted) {
    for (const leaf of digest.leaves) {
      if (!inScope(leaf.caseId)) continue;
      committedSeq.set(leaf.caseId, Math.max(committedSeq.get(leaf.caseId) ?? 0, leaf.headSeq));
      if (reported.has(leaf.caseId)) continue;
      const auditCase = cases.get(leaf.caseId);
      if (auditCase === undefined || (auditCase.entries.length === 0 && (auditCase.malformed?.length ?? 0) === 0)) {
        reported.add(leaf.caseId);
        findings.push(
          finding(
            'ERR_CASE_MISSING',
            `Case ${leaf.caseId}: digest seq ${digest.seq} commits to its head at seq ${leaf.headSeq}, but the case has no entries.`,
            { caseId: leaf.caseId, digestSeq: digest.seq },
          ),
        );
        continue;
      }
      const head = auditCase.entries.find((e) => e.seq === leaf.headSeq);
      if (head === undefined || head.hash !== leaf.headHash) {
        reported.add(leaf.caseId);
        findings.push(
          finding(
            'ERR_CASE_REWRITTEN',
            head === undefined
              ? `Case ${leaf.caseId}: digest seq ${digest.seq} commits to seq ${leaf.headSeq} with hash ${leaf.headHash}, but that entry is gone.`
              : `Case ${leaf.caseId}: digest seq ${digest.seq} commits to seq ${leaf.headSeq} with hash ${leaf.headHash}, but that entry now has hash ${head.hash}.`,
            { caseId: leaf.caseId, seq: leaf.headSeq, digestSeq: digest.seq },
          ),
        );
      }
    }
  }

  for (const auditCase of cases.values()) {
    const lastSeq = auditCase.entries.reduce((max, e) => (Number.isSafeInteger(e.seq) && e.seq > max ? e.seq : max), 0);
    const covered = committedSeq.get(auditCase.caseId) ?? 0;
    if (lastSeq > covered) {
      findings.push(
        finding(
          'ERR_UNDIGESTED',
          covered === 0
            ? `Case ${auditCase.caseId}: no digest covers the case yet (${range(1, lastSeq)}).`
            : `Case ${auditCase.caseId}: ${range(covered + 1, lastSeq)} came after the last digest that covers the case.`,
          { caseId: auditCase.caseId, seq: covered + 1 },
        ),
      );
    }
  }

  const last = digestResult.trusted.at(-1);
  return {
    ok: findings.every((f) => f.severity !== 'error'),
    findings,
    casesChecked: cases.size,
    entriesChecked,
    digestsChecked: audit.digests.length + (audit.malformedDigests?.length ?? 0),
    ...(last === undefined ? {} : { lastDigest: { seq: last.seq, at: last.at } }),
  };
};
