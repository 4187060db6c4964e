import { describe, expect, it } from 'vitest';
import { buildCaseEvidence, categorize } from '../../../../lambda/core/ledger/evidence.js';
import { escapeHtml, formatDuration, renderEvidenceReport } from '../../../../lambda/core/ledger/report.js';
import type { VerificationReport } from '../../../../lambda/core/ledger/verify.js';
import {
  CASE_ID,
  EMPLOYEE_ID,
  HOSTILE_REASON,
  NEW_KEY_ARN,
  OLD_KEY_ARN,
  revocationCase,
  SECRET_ARN,
  sealCase,
  USER_ARN,
} from './case-fixture.js';

const intact: VerificationReport = {
  ok: true,
  findings: [],
  casesChecked: 1,
  entriesChecked: 17,
  digestsChecked: 1,
  lastDigest: { seq: 1, at: '2025-03-01T09:05:00.000Z' },
};
const failed: VerificationReport = {
  ok: false,
  findings: [
    {
      code: 'ERR_ENTRY_ALTERED',
      severity: 'error',
      caseId: CASE_ID,
      seq: 6,
      message: 'Case case-7: entry seq 6 hashes to x, but its stored hash is y.',
    },
  ],
  casesChecked: 1,
  entriesChecked: 17,
  digestsChecked: 1,
};
const generatedAt = new Date('2025-03-02T10:00:00.000Z');

describe('Function: buildCaseEvidence', () => {
  it('derives the timeline, time to contain and time to revoke from the entries', () => {
    // Prepare
    const entries = sealCase(revocationCase());

    // Act
    const evidence = buildCaseEvidence(entries, intact, generatedAt);

    // Assess
    expect(evidence.milestones.map((m) => [m.key, m.at, m.state])).toEqual([
      ['event', '2025-03-01T09:00:00.000Z', 'done'],
      ['received', '2025-03-01T09:00:01.200Z', 'done'],
      ['contained', '2025-03-01T09:00:02.500Z', 'done'],
      ['rotated', '2025-03-01T09:00:05.000Z', 'done'],
      ['tokens-invalid', '2025-03-01T09:00:06.000Z', 'done'],
      ['verified', '2025-03-02T10:00:00.000Z', 'done'],
    ]);
    expect(evidence.timeToContainMs).toBe(2500);
    expect(evidence.timeToRevokeMs).toBe(6000);
    expect(evidence.concerns).toEqual([]);
    expect(evidence.principals).toEqual([USER_ARN]);
    expect(evidence.closedStatus).toBe('scheduled');
  });

  it('lists every credential and key with its actions and before/after state', () => {
    // Prepare
    const entries = sealCase(revocationCase());

    // Act
    const evidence = buildCaseEvidence(entries, intact, generatedAt);

    // Assess
    const byResource = Object.fromEntries(evidence.resources.map((r) => [r.resource, r.actions.map((a) => [a.actionId, a.outcome])]));
    expect(byResource).toEqual({
      [USER_ARN]: [
        ['s1', 'succeeded'],
        ['s2', 'succeeded'],
      ],
      [OLD_KEY_ARN]: [
        ['s3', 'succeeded'],
        ['s4', 'succeeded'],
        ['s5', 'deferred'],
      ],
      [SECRET_ARN]: [['s6', 'succeeded']],
    });
    const moveAlias = evidence.resources.flatMap((r) => r.actions).find((a) => a.actionId === 's4');
    expect(moveAlias).toMatchObject({ before: { targetKeyArn: OLD_KEY_ARN }, after: { targetKeyArn: NEW_KEY_ARN }, category: 'rotation' });
    expect(evidence.resources.flatMap((r) => r.actions).find((a) => a.actionId === 's5')?.dueAt).toBe('2025-03-08T09:00:00.000Z');
  });

  it('leaves revocation incomplete and raises a concern when an action failed', () => {
    // Prepare
    const entries = sealCase(revocationCase({ rotateSecretFails: true }));

    // Act
    const evidence = buildCaseEvidence(entries, intact, generatedAt);

    // Assess
    expect(evidence.timeToContainMs).toBe(2500);
    expect(evidence.timeToRevokeMs).toBeUndefined();
    expect(evidence.milestones.find((m) => m.key === 'rotated')).toMatchObject({ state: 'incomplete' });
    expect(evidence.concerns).toEqual([`Action s6 (rotate-secret on ${SECRET_ARN}) failed.`]);
  });

  it('raises a concern when a token was still accepted', () => {
    // Prepare
    const timed = revocationCase();
    const check = timed.find((t) => t.input.type === 'token-check');
    if (check === undefined) throw new Error('fixture has no token check');
    const accepted = timed.map((t) => (t === check ? { ...t, input: { ...t.input, data: { ...t.input.data, outcome: 'accepted' } } } : t));

    // Act
    const evidence = buildCaseEvidence(sealCase(accepted), intact, generatedAt);

    // Assess
    expect(evidence.milestones.find((m) => m.key === 'tokens-invalid')).toMatchObject({ state: 'incomplete' });
    expect(evidence.timeToRevokeMs).toBeUndefined();
    expect(evidence.concerns).toHaveLength(1);
    expect(evidence.concerns[0]).toContain('kid-old-1');
  });

  it('reads a plan recorded whole, as { plan: { steps } }', () => {
    // Prepare
    const timed = revocationCase().map((t) =>
      t.input.type === 'plan-made' ? { ...t, input: { ...t.input, data: { plan: { caseId: CASE_ID, steps: t.input.data.actions } } } } : t,
    );
    const withoutS6 = timed.filter((t) => t.input.data.actionId !== 's6');

    // Act
    const evidence = buildCaseEvidence(sealCase(withoutS6), intact, generatedAt);

    // Assess
    expect(evidence.concerns).toEqual([`Action s6 (rotate-secret on ${SECRET_ARN}) was planned but never run.`]);
  });
});

describe('Function: categorize', () => {
  it('sorts known action types and guesses unknown ones by their wording', () => {
    // Act
    const categories = [
      'deactivate-access-key',
      'deny-role-sessions',
      'move-alias',
      'rotate-parameter',
      'revoke-oauth-sessions',
      'rotate-webhook-secret',
      'notify-manager',
    ].map(categorize);

    // Assess
    expect(categories).toEqual(['containment', 'containment', 'rotation', 'rotation', 'containment', 'rotation', 'other']);
  });
});

describe('Function: renderEvidenceReport', () => {
  it('states the key facts of the case', () => {
    // Prepare
    const evidence = buildCaseEvidence(sealCase(revocationCase()), intact, generatedAt);

    // Act
    const html = renderEvidenceReport(evidence);

    // Assess
    for (const fact of [
      CASE_ID,
      EMPLOYEE_ID,
      'alice@example.com',
      '2.5 s',
      '6.0 s',
      'AKIAALICE0000001',
      OLD_KEY_ARN,
      NEW_KEY_ARN,
      SECRET_ARN,
      'kid-old-1',
      'Intact',
    ]) {
      expect(html).toContain(fact);
    }
    expect(html).toContain('<span class="k">status:</span> Active');
    expect(html).toContain('<span class="k">status:</span> Inactive');
    expect(html).toMatch(/data-milestone="contained"[^>]*>.*2025-03-01 09:00:02\.500 UTC/);
  });

  it('escapes everything taken from the ledger', () => {
    // Prepare
    const evidence = buildCaseEvidence(sealCase(revocationCase()), intact, generatedAt);

    // Act
    const html = renderEvidenceReport(evidence);

    // Assess
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain(escapeHtml(HOSTILE_REASON));
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'`);
  });

  it('says so plainly when verification failed, with each finding', () => {
    // Prepare
    const evidence = buildCaseEvidence(sealCase(revocationCase()), failed, generatedAt);

    // Act
    const html = renderEvidenceReport(evidence);

    // Assess
    expect(html).toContain('FAILED');
    expect(html).toContain('ERR_ENTRY_ALTERED');
    expect(html).not.toContain('Intact:');
  });
});

describe('Function: escapeHtml', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    // Act
    const escaped = escapeHtml(`<a href="x" title='y'>&</a>`);

    // Assess
    expect(escaped).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('Function: formatDuration', () => {
  it('picks a unit a person reads at a glance', () => {
    // Act
    const formatted = [850, 2500, 14_200, 192_000, 7_500_000, 273_600_000].map(formatDuration);

    // Assess
    expect(formatted).toEqual(['850 ms', '2.5 s', '14 s', '3 min 12 s', '2 h 5 min', '3 d 4 h']);
  });
});
