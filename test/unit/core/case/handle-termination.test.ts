import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { handleTermination, resumeCase } from '../../../../lambda/core/case/handle-termination.js';
import { PortError } from '../../../../lambda/core/errors.js';
import { formatEventIssues } from '../../../../lambda/core/events/termination.js';
import type { LedgerEntry } from '../../../../lambda/core/ledger/types.js';
import { caseIdFor, DEFAULT_PLAN_CONFIG, type PlanConfig } from '../../../../lambda/core/plan/build-plan.js';
import { computeReach } from '../../../../lambda/core/reach/compute-reach.js';
import type { AccountSnapshot } from '../../../../lambda/core/snapshot/model.js';
import type { SnapshotFiles } from '../../../../lambda/core/snapshot/parse.js';
import { type FakeCase, fakeCase, recordingRetry } from '../../../fixtures/pipeline/fake-ports.js';
import {
  EMPLOYEE_ID,
  keyArn,
  MALLORY_ARN,
  malloryEvent,
  rawMalloryEvent,
  sampleOrgFiles,
  sampleSnapshot,
} from '../../../fixtures/pipeline/sample-org.js';

const ACTOR = { function: 'sever-revoke', requestId: 'lambda-req-1' };
const START = '2026-11-29T09:00:05.000Z';
/** Later than every grace window of the sample org (600 s and the 900 s default). */
const AFTER_GRACE_MS = 3_600_000;
const MALFORMED = JSON.parse(readFileSync(new URL('../../../../examples/events/malformed.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;

const SAMPLE = sampleSnapshot(sampleOrgFiles());

function setup(options: { readonly files?: SnapshotFiles; readonly config?: Partial<PlanConfig> } = {}) {
  const fake = fakeCase({
    start: START,
    existingKeyArns: [1, 2, 3, 4, 5, 6].map(keyArn),
  });
  const loadSnapshot = vi.fn(async (): Promise<AccountSnapshot> => (options.files ? sampleSnapshot(options.files) : SAMPLE));
  const analyseReach = vi.fn((snapshot: AccountSnapshot, employeeId: string) => computeReach(snapshot, employeeId));
  const deps = {
    ports: fake.ports,
    loadSnapshot,
    analyseReach,
    config: { ...DEFAULT_PLAN_CONFIG, ...options.config },
    actor: ACTOR,
    retry: recordingRetry(),
  };
  return { fake, deps, loadSnapshot, analyseReach };
}

const processed = <T extends { kind: string }>(outcome: T): Extract<T, { kind: 'processed' }> => {
  if (outcome.kind !== 'processed') throw new Error(`expected a processed case, got ${outcome.kind}`);
  return outcome as Extract<T, { kind: 'processed' }>;
};
const types = (fake: FakeCase, caseId: string): LedgerEntry['type'][] => fake.ledger.entries(caseId).map((e) => e.type);
const count = (fake: FakeCase, caseId: string, type: LedgerEntry['type']) => types(fake, caseId).filter((t) => t === type).length;

describe('Function: handleTermination', () => {
  describe('a valid event', () => {
    it('opens the case, resolves identity and reach, records the plan, then acts', async () => {
      // Prepare
      const { fake, deps } = setup();

      // Act
      const outcome = processed(await handleTermination(rawMalloryEvent(), deps));

      // Assess
      expect(outcome.caseId).toBe(caseIdFor(malloryEvent()));
      const recorded = types(fake, outcome.caseId);
      expect(recorded.slice(0, 4)).toEqual(['case-opened', 'identity-resolved', 'reach-computed', 'plan-made']);
      expect(new Set(recorded.slice(4))).toEqual(new Set(['action-started', 'action-succeeded', 'step-deferred']));
    });

    it('records the event verbatim, unknown HR fields included, and when it arrived', async () => {
      // Prepare
      const { fake, deps } = setup();
      const raw = rawMalloryEvent();
      const event = {
        ...raw,
        detail: { ...(raw.detail as object), costCentre: 'CC-12' },
      };

      // Act
      const outcome = await handleTermination(event, deps);

      // Assess
      const opened = fake.ledger.ofType(outcome.caseId, 'case-opened')[0];
      expect(opened?.data).toEqual({ event, receivedAt: START });
      expect(opened?.employeeId).toBe(EMPLOYEE_ID);
    });

    it('records the principals, the reach and the plan it acts on', async () => {
      // Prepare
      const { fake, deps, analyseReach } = setup();

      // Act
      const outcome = processed(await handleTermination(rawMalloryEvent(), deps));

      // Assess
      expect(analyseReach).toHaveBeenCalledWith(expect.anything(), EMPLOYEE_ID);
      expect(fake.ledger.ofType(outcome.caseId, 'identity-resolved')[0]?.data).toEqual({ principals: [MALLORY_ARN] });
      expect(fake.ledger.ofType(outcome.caseId, 'reach-computed')[0]?.data).toEqual(
        JSON.parse(
          JSON.stringify({
            reach: outcome.reach?.reach,
            reachablePrincipals: outcome.reach?.reachablePrincipals,
          }),
        ),
      );
      expect(fake.ledger.ofType(outcome.caseId, 'plan-made')[0]?.data.plan).toEqual(JSON.parse(JSON.stringify(outcome.plan)));
      expect(outcome.plan.steps.length).toBeGreaterThan(0);
    });

    it('runs every due step once and leaves the grace-window steps scheduled, the case open', async () => {
      // Prepare
      const { fake, deps } = setup();

      // Act
      const outcome = processed(await handleTermination(rawMalloryEvent(), deps));

      // Assess
      const deferred = outcome.plan.steps.filter((s) => s.notBefore !== undefined && new Date(s.notBefore) > new Date(START));
      expect(deferred.length).toBeGreaterThan(0);
      expect(outcome.execution.status).toBe('scheduled');
      for (const report of outcome.execution.steps) {
        expect(report.outcome, report.id).toBe(deferred.some((d) => d.id === report.id) ? 'scheduled' : 'succeeded');
      }
      expect(fake.recorder.count('scheduler.schedule')).toBe(deferred.length);
      expect(count(fake, outcome.caseId, 'case-closed')).toBe(0);
    });

    it('times each stage', async () => {
      // Prepare
      const { deps } = setup();

      // Act
      const outcome = processed(await handleTermination(rawMalloryEvent(), deps));

      // Assess
      expect(Object.keys(outcome.timings).sort()).toEqual(['execute', 'plan', 'reach', 'snapshot', 'validate']);
    });

    it('records the state each access key had before, and leaves an inactive key to be deleted only', async () => {
      // Prepare
      const { fake, deps } = setup();

      // Act
      const outcome = await handleTermination(rawMalloryEvent(), deps);

      // Assess
      const before = Object.fromEntries(
        fake.ledger
          .ofType(outcome.caseId, 'action-succeeded')
          .filter((e) => e.data.actionType === 'deactivate-access-key')
          .map((e) => [e.data.target, (e.data.before as { status: string }).status]),
      );
      // The engineer's own active key, and the key minted for ci-bot during their tenure.
      expect(before).toEqual({ AKIAEXAMPLEMALLORY01: 'Active', AKIAEXAMPLECIBOT0002: 'Active' });
      const deleted = fake.ledger
        .ofType(outcome.caseId, 'action-succeeded')
        .filter((e) => e.data.actionType === 'delete-access-key')
        .map((e) => e.data.target);
      expect(deleted).toEqual(expect.arrayContaining(['AKIAEXAMPLEMALLORY01#delete', 'AKIAEXAMPLEMALLORY02#delete']));
    });

    it('completes and closes a hostile case at once', async () => {
      // Prepare
      const { fake, deps } = setup();
      const raw = rawMalloryEvent();
      const hostile = {
        ...raw,
        detail: { ...(raw.detail as object), terminationType: 'hostile' },
      };

      // Act
      const outcome = processed(await handleTermination(hostile, deps));

      // Assess
      expect(outcome.execution.status).toBe('completed');
      expect(fake.recorder.count('scheduler.schedule')).toBe(0);
      expect(types(fake, outcome.caseId).at(-1)).toBe('case-closed');
      expect(fake.ledger.ofType(outcome.caseId, 'case-closed')[0]?.data).toMatchObject({ status: 'completed' });
    });

    it('still revokes the tokens of an employee with no principals in the account', async () => {
      // Prepare
      const { fake, deps } = setup();
      const raw = rawMalloryEvent();
      const ghost = {
        ...raw,
        detail: {
          ...(raw.detail as object),
          eventId: 'WD-9',
          employeeId: 'E9999',
          email: 'ghost@example.com',
        },
      };

      // Act
      const outcome = processed(await handleTermination(ghost, deps));

      // Assess
      expect(outcome.execution.status).toBe('completed');
      expect([...fake.registry.subjects.keys()]).toEqual(['E9999', 'ghost@example.com']);
      expect(fake.recorder.methods()).toEqual(['registry.revokeSubject', 'registry.revokeSubject']);
      expect(types(fake, outcome.caseId).at(-1)).toBe('case-closed');
    });
  });

  describe('a malformed event', () => {
    it('records event-rejected with the raw event and its issues, and returns them', async () => {
      // Prepare
      const { fake, deps } = setup();

      // Act
      const outcome = await handleTermination(MALFORMED, deps);

      // Assess
      expect(outcome.kind).toBe('rejected');
      if (outcome.kind !== 'rejected') return;
      expect(outcome.issues.map((i) => i.path).sort()).toEqual(['detail.email', 'detail.terminationType']);
      expect(outcome.message).toBe(formatEventIssues(outcome.issues));
      expect(outcome.caseId).toMatch(/^rejected-[0-9a-f]{20}$/);
      const entries = fake.ledger.entries(outcome.caseId);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        type: 'event-rejected',
        employeeId: 'E3003',
        actor: ACTOR,
        data: {
          event: MALFORMED,
          issues: JSON.parse(JSON.stringify(outcome.issues)),
          receivedAt: START,
        },
      });
    });

    it('does nothing else: no snapshot, no reach, no AWS call, no other case', async () => {
      // Prepare
      const { fake, deps, loadSnapshot, analyseReach } = setup();

      // Act
      const outcome = await handleTermination(MALFORMED, deps);

      // Assess
      expect(loadSnapshot).not.toHaveBeenCalled();
      expect(analyseReach).not.toHaveBeenCalled();
      expect(fake.recorder.calls).toEqual([]);
      expect(fake.ledger.caseIds()).toEqual([outcome.caseId]);
    });

    it('files a re-sent copy in the same case', async () => {
      // Prepare
      const { fake, deps } = setup();
      const first = await handleTermination(MALFORMED, deps);

      // Act
      const second = await handleTermination(structuredClone(MALFORMED), deps);

      // Assess
      expect(second.caseId).toBe(first.caseId);
      expect(fake.ledger.entries(first.caseId).map((e) => [e.seq, e.type])).toEqual([
        [1, 'event-rejected'],
        [2, 'event-rejected'],
      ]);
    });

    it.each([
      ['undefined', undefined, null],
      ['a string', 'not json', 'not json'],
      ['null', null, null],
    ])('records %s as the event with employee "unknown"', async (_label, raw, recorded) => {
      // Prepare
      const { fake, deps } = setup();

      // Act
      const outcome = await handleTermination(raw, deps);

      // Assess
      expect(outcome.kind).toBe('rejected');
      expect(fake.ledger.entries(outcome.caseId)[0]).toMatchObject({
        employeeId: 'unknown',
        data: { event: recorded },
      });
    });
  });

  describe('a duplicate event', () => {
    it('reuses the recorded plan without loading the account or analysing reach again', async () => {
      // Prepare
      const { deps, loadSnapshot, analyseReach } = setup();
      const first = processed(await handleTermination(rawMalloryEvent(), deps));

      // Act
      const second = processed(await handleTermination(rawMalloryEvent(), deps));

      // Assess
      expect(analyseReach).toHaveBeenCalledTimes(1);
      expect(loadSnapshot).toHaveBeenCalledTimes(1);
      expect(second.caseId).toBe(first.caseId);
      expect(second.reach).toBeUndefined();
      expect(second.plan).toEqual(JSON.parse(JSON.stringify(first.plan)));
    });

    it('repeats no action and writes no second opening or plan', async () => {
      // Prepare
      const { fake, deps } = setup();
      const first = await handleTermination(rawMalloryEvent(), deps);
      const calls = fake.recorder.calls.length;
      const entries = fake.ledger.entries(first.caseId).length;

      // Act
      const second = processed(await handleTermination(rawMalloryEvent(), deps));

      // Assess
      expect(fake.recorder.calls.length).toBe(calls);
      expect(fake.ledger.entries(first.caseId).length).toBe(entries);
      expect(second.execution.status).toBe('scheduled');
      expect(second.execution.steps.filter((s) => s.outcome === 'succeeded')).toEqual([]);
    });

    it('keeps the recorded plan even if the account changed since', async () => {
      // Prepare
      const { deps, loadSnapshot } = setup();
      const first = processed(await handleTermination(rawMalloryEvent(), deps));
      loadSnapshot.mockResolvedValue(
        sampleSnapshot({
          ...sampleOrgFiles(),
          'credentials.json': '{"Users": []}',
        }),
      );

      // Act
      const second = processed(await handleTermination(rawMalloryEvent(), deps));

      // Assess
      expect(second.plan.steps.map((s) => s.id)).toEqual(first.plan.steps.map((s) => s.id));
    });

    it('computes the plan when an earlier run crashed before recording it, opening the case once', async () => {
      // Prepare
      const { fake, deps, analyseReach } = setup();
      fake.ledger.crashWhen = (entry) => entry.type === 'plan-made';
      await expect(handleTermination(rawMalloryEvent(), deps)).rejects.toThrow('process crashed');
      fake.ledger.restart();

      // Act
      const outcome = processed(await handleTermination(rawMalloryEvent(), deps));

      // Assess
      expect(analyseReach).toHaveBeenCalledTimes(2);
      expect(count(fake, outcome.caseId, 'case-opened')).toBe(1);
      expect(count(fake, outcome.caseId, 'plan-made')).toBe(1);
      expect(outcome.execution.status).toBe('scheduled');
    });
  });

  describe('a failing step', () => {
    it('leaves the case open and failed, then completes it on a later run', async () => {
      // Prepare
      const { fake, deps } = setup();
      fake.recorder.failAlways('sessions.putRolePolicy', new PortError('ERR_ACCESS_DENIED', 'iam:PutRolePolicy: denied'));

      // Act
      const failed = processed(await handleTermination(rawMalloryEvent(), deps));
      fake.recorder.heal('sessions.putRolePolicy');
      fake.clock.advance(AFTER_GRACE_MS);
      const retried = processed(await handleTermination(rawMalloryEvent(), deps));

      // Assess
      expect(failed.execution.status).toBe('failed');
      expect(failed.execution.steps.filter((s) => s.outcome === 'failed').every((s) => s.type === 'deny-role-sessions')).toBe(true);
      expect(retried.execution.status).toBe('completed');
      expect(count(fake, failed.caseId, 'case-closed')).toBe(1);
      expect(types(fake, failed.caseId).at(-1)).toBe('case-closed');
    });
  });
});

describe('Function: resumeCase', () => {
  it('runs the deferred steps once they are due and closes the case once', async () => {
    // Prepare
    const { fake, deps } = setup();
    const outcome = processed(await handleTermination(rawMalloryEvent(), deps));
    const scheduled = outcome.execution.steps.filter((s) => s.outcome === 'scheduled').map((s) => s.id);
    fake.clock.advance(AFTER_GRACE_MS);

    // Act
    const execution = await resumeCase(outcome.caseId, deps);

    // Assess
    expect(execution.status).toBe('completed');
    expect(execution.steps.filter((s) => s.outcome === 'succeeded').map((s) => s.id)).toEqual(scheduled);
    expect(count(fake, outcome.caseId, 'case-closed')).toBe(1);
    expect(types(fake, outcome.caseId).at(-1)).toBe('case-closed');
    expect(fake.recorder.count('scheduler.schedule')).toBe(scheduled.length);
  });

  it('does nothing more when called again after the case closed', async () => {
    // Prepare
    const { fake, deps } = setup();
    const outcome = await handleTermination(rawMalloryEvent(), deps);
    fake.clock.advance(AFTER_GRACE_MS);
    await resumeCase(outcome.caseId, deps);
    const calls = fake.recorder.calls.length;
    const entries = fake.ledger.entries(outcome.caseId).length;

    // Act
    const again = await resumeCase(outcome.caseId, deps);

    // Assess
    expect(again.status).toBe('completed');
    expect(fake.recorder.calls.length).toBe(calls);
    expect(fake.ledger.entries(outcome.caseId).length).toBe(entries);
  });

  it('leaves the case open when called before anything is due', async () => {
    // Prepare
    const { fake, deps } = setup();
    const outcome = await handleTermination(rawMalloryEvent(), deps);
    const calls = fake.recorder.calls.length;

    // Act
    const execution = await resumeCase(outcome.caseId, deps);

    // Assess
    expect(execution.status).toBe('scheduled');
    expect(fake.recorder.calls.length).toBe(calls);
    expect(count(fake, outcome.caseId, 'case-closed')).toBe(0);
  });

  it('runs a step scheduled for exactly now', async () => {
    // Prepare
    const { fake, deps } = setup();
    const outcome = processed(await handleTermination(rawMalloryEvent(), deps));
    const first = outcome.plan.steps.find((s) => s.notBefore !== undefined && new Date(s.notBefore) > new Date(START));
    fake.clock.set(first?.notBefore as string);

    // Act
    const execution = await resumeCase(outcome.caseId, deps);

    // Assess
    expect(execution.steps.find((s) => s.id === first?.id)?.outcome).toBe('succeeded');
  });

  it('refuses a case with no recorded plan, naming it', async () => {
    // Prepare
    const { deps } = setup();

    // Act
    const resume = resumeCase('case-unknown', deps);

    // Assess
    await expect(resume).rejects.toThrow('case-unknown');
  });
});
