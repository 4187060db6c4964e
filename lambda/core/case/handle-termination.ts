import { createHash } from 'node:crypto';
import { type EventIssue, formatEventIssues, parseTerminationEvent, type TerminationEvent } from '../events/termination.js';
import { type ExecutionReport, executePlan } from '../execute/execute-plan.js';
import type { CasePorts } from '../execute/ports.js';
import type { RetryPolicy } from '../execute/retry.js';
import type { Actor, LedgerEntry } from '../ledger/types.js';
import { buildPlan, caseIdFor, type PlanConfig, type ReachSummary } from '../plan/build-plan.js';
import type { Plan } from '../plan/steps.js';
import type { AccountSnapshot } from '../snapshot/model.js';

/** Snapshot + employee → reach: the one seam between the reach engine and everything after it. */
export type ReachAnalysis<R extends ReachSummary> = (snapshot: AccountSnapshot, employeeId: string) => R;

export interface CaseDependencies<R extends ReachSummary> {
  readonly ports: CasePorts;
  /** The account as it is now: collected live on AWS, the sandbox's state in the sandbox. */
  readonly loadSnapshot: () => Promise<AccountSnapshot>;
  readonly analyseReach: ReachAnalysis<R>;
  readonly config: PlanConfig;
  readonly actor: Actor;
  readonly retry?: RetryPolicy;
}

/** Wall-clock milliseconds per stage, for people and benchmarks (not for decisions). */
export interface StageTimings {
  readonly [stage: string]: number;
}

export type CaseOutcome<R extends ReachSummary> =
  | { readonly kind: 'rejected'; readonly caseId: string; readonly issues: readonly EventIssue[]; readonly message: string }
  | {
      readonly kind: 'processed';
      readonly caseId: string;
      readonly event: TerminationEvent;
      /** Absent when the case was resumed from a plan already recorded. */
      readonly reach?: R;
      readonly plan: Plan;
      readonly execution: ExecutionReport;
      readonly timings: StageTimings;
    };

/**
 * Handles one HR termination event end to end: validate, open (or resume) the case, resolve the
 * engineer's principals and reach, plan, execute, close. Every stage is appended to the ledger
 * before the next begins. A malformed event is recorded as `event-rejected` and returned, never
 * dropped. A duplicate event resumes its case: the recorded plan is reused, so steps already done
 * are not repeated even if the account changed since.
 *
 * @example
 * const outcome = await handleTermination(event, { ports, loadSnapshot, analyseReach: computeReach, config, actor });
 */
export async function handleTermination<R extends ReachSummary>(raw: unknown, deps: CaseDependencies<R>): Promise<CaseOutcome<R>> {
  const { ports, actor } = deps;
  const timings: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => Promise<T> | T): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] = Math.round((performance.now() - start) * 100) / 100;
    }
  };

  const parsed = await timed('validate', () => parseTerminationEvent(raw));
  if (!parsed.ok) {
    const caseId = rejectedCaseId(raw);
    const message = formatEventIssues(parsed.issues);
    await ports.ledger.append({
      caseId,
      employeeId: employeeIdOf(raw),
      type: 'event-rejected',
      actor,
      data: { event: toJson(raw), issues: parsed.issues, receivedAt: ports.clock.now().toISOString() },
    });
    return { kind: 'rejected', caseId, issues: parsed.issues, message };
  }

  const event = parsed.event;
  const caseId = caseIdFor(event);
  const employeeId = event.detail.employeeId;
  const append = (type: LedgerEntry['type'], data: Record<string, unknown>) =>
    ports.ledger.append({ caseId, employeeId, type, actor, data });

  const history = await ports.ledger.readCase(caseId);
  if (!history.some((e) => e.type === 'case-opened')) {
    await append('case-opened', { event: toJson(raw), receivedAt: ports.clock.now().toISOString() });
  }

  const recorded = recordedPlan(history);
  let reach: R | undefined;
  let plan: Plan;
  if (recorded) {
    plan = recorded;
  } else {
    const snapshot = await timed('snapshot', deps.loadSnapshot);
    reach = await timed('reach', () => deps.analyseReach(snapshot, employeeId));
    await append('identity-resolved', { principals: reach.principals });
    await append('reach-computed', { reach: reach.reach, reachablePrincipals: reach.reachablePrincipals });
    const found = reach;
    plan = await timed('plan', () => buildPlan({ snapshot, reach: found, event, now: ports.clock.now(), config: deps.config }));
    await append('plan-made', { plan: toJson(plan) });
  }

  const execution = await timed('execute', () => executePlan(plan, ports, { actor, ...(deps.retry ? { retry: deps.retry } : {}) }));
  if (execution.status === 'completed') await closeOnce(caseId, employeeId, deps);
  return { kind: 'processed', caseId, event, ...(reach ? { reach } : {}), plan, execution, timings };
}

/**
 * Runs the steps of a recorded case that have fallen due. The deferred-step handler calls this
 * when a schedule fires; the sandbox calls it when its clock moves past a due time.
 */
export async function resumeCase(
  caseId: string,
  deps: Pick<CaseDependencies<ReachSummary>, 'ports' | 'actor' | 'retry'>,
): Promise<ExecutionReport> {
  const history = await deps.ports.ledger.readCase(caseId);
  const plan = recordedPlan(history);
  if (!plan) throw new Error(`case ${caseId} has no recorded plan to resume`);
  const execution = await executePlan(plan, deps.ports, { actor: deps.actor, ...(deps.retry ? { retry: deps.retry } : {}) });
  if (execution.status === 'completed') await closeOnce(caseId, plan.employeeId, deps);
  return execution;
}

/** A case is closed only when every step has succeeded; a failed case stays open for a retry. */
async function closeOnce(caseId: string, employeeId: string, deps: Pick<CaseDependencies<ReachSummary>, 'ports' | 'actor'>): Promise<void> {
  const history = await deps.ports.ledger.readCase(caseId);
  if (history.some((e) => e.type === 'case-closed')) return;
  await deps.ports.ledger.append({ caseId, employeeId, type: 'case-closed', actor: deps.actor, data: { status: 'completed' } });
}

function recordedPlan(history: readonly LedgerEntry[]): Plan | undefined {
  const entry = history.find((e) => e.type === 'plan-made');
  return entry ? (entry.data.plan as Plan) : undefined;
}

/** A rejected event still needs a stable case so a re-sent copy lands beside the first. */
function rejectedCaseId(raw: unknown): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(toJson(raw)) ?? 'undefined')
    .digest('hex');
  return `rejected-${digest.slice(0, 20)}`;
}

function employeeIdOf(raw: unknown): string {
  const detail = (raw as { detail?: { employeeId?: unknown } } | null)?.detail;
  return typeof detail?.employeeId === 'string' && detail.employeeId.length > 0 ? detail.employeeId : 'unknown';
}

/** Ledger data must be plain JSON: drop undefined, functions and prototypes. */
function toJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}
