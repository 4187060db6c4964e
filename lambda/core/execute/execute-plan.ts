import { PortError } from '../errors.js';
import type { Actor, LedgerEntry } from '../ledger/types.js';
import type { Plan, PlannedStep } from '../plan/steps.js';
import type { CasePorts } from './ports.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from './retry.js';
import { runStep, type StepEffect } from './run-step.js';

export type StepOutcome = 'succeeded' | 'already-done' | 'failed' | 'scheduled' | 'blocked';

export interface StepReport {
  readonly id: string;
  readonly type: PlannedStep['type'];
  readonly target: string;
  readonly outcome: StepOutcome;
  readonly durationMs?: number;
  readonly error?: string;
}

export type CaseStatus = 'completed' | 'failed' | 'scheduled';

export interface ExecutionReport {
  readonly status: CaseStatus;
  readonly steps: readonly StepReport[];
}

/**
 * Runs every step that is due, in plan order, recording each before and after it runs.
 *
 * Safe to call any number of times: steps the ledger shows as succeeded are skipped with their
 * recorded results, steps not yet due are handed to the scheduler once, and a step that was
 * started but never recorded as finished is resumed in a way that cannot double it. The
 * deferred-step handler simply calls this again when a step falls due.
 *
 * A failed step never stops the others (containment must go as far as it can); steps that
 * depend on it are reported `blocked`, and the case ends `failed`, never silently completed.
 *
 * @example
 * const report = await executePlan(plan, ports, { actor: { function: 'revoke', requestId } });
 */
export async function executePlan(
  plan: Plan,
  ports: CasePorts,
  options: { readonly actor: Actor; readonly retry?: RetryPolicy },
): Promise<ExecutionReport> {
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const history = await ports.ledger.readCase(plan.caseId);
  const state = replay(history);
  const reports: StepReport[] = [];
  const failed = new Set<string>();
  const pending = new Set<string>();
  const record = (type: LedgerEntry['type'], step: PlannedStep, data: Record<string, unknown>) =>
    ports.ledger.append({
      caseId: plan.caseId,
      employeeId: plan.employeeId,
      type,
      resourceArn: resourceOf(step),
      actor: options.actor,
      data: { actionId: step.id, actionType: step.type, target: step.target, ...data },
    });

  for (const step of plan.steps) {
    const base = { id: step.id, type: step.type, target: step.target };
    if (state.results.has(step.id)) {
      reports.push({ ...base, outcome: 'already-done' });
      continue;
    }
    if (step.dependsOn.some((id) => failed.has(id))) {
      failed.add(step.id);
      reports.push({ ...base, outcome: 'blocked' });
      continue;
    }
    const notYetDue = step.notBefore !== undefined && new Date(step.notBefore) > ports.clock.now();
    if (notYetDue || step.dependsOn.some((id) => pending.has(id))) {
      pending.add(step.id);
      // A step that only waits for another runs when that one's schedule fires.
      if (notYetDue && step.notBefore && !state.scheduled.has(step.id)) {
        const dueAt = step.notBefore;
        const call = await withRetry(() => ports.scheduler.schedule({ caseId: plan.caseId, stepId: step.id, dueAt }), retry);
        await record('step-deferred', step, { dueAt: step.notBefore, requestIds: call.value.requestId ? [call.value.requestId] : [] });
      }
      reports.push({ ...base, outcome: 'scheduled' });
      continue;
    }

    await record('action-started', step, { resumed: state.started.has(step.id) });
    const started = ports.clock.now().getTime();
    const outcome = await attempt(step, ports, state, plan.caseId, retry);
    const durationMs = ports.clock.now().getTime() - started;
    // Recording runs outside the attempt: a ledger failure must not be mistaken for a failed
    // action. It propagates, and the retry resumes the step knowing it was started.
    if (outcome.ok) {
      const { effect, attempts } = outcome;
      await record('action-succeeded', step, { ...effect, result: effect.result ?? {}, durationMs, attempts });
      state.results.set(step.id, effect.result ?? {});
      reports.push({ ...base, outcome: 'succeeded', durationMs });
    } else if (outcome.error instanceof PortError && outcome.error.code === 'ERR_ALREADY_DONE') {
      const { error } = outcome;
      await record('action-succeeded', step, {
        alreadyDone: true,
        detail: error.message,
        result: {},
        durationMs,
        requestIds: error.requestId ? [error.requestId] : [],
      });
      state.results.set(step.id, {});
      reports.push({ ...base, outcome: 'already-done', durationMs });
    } else {
      const detail = describeError(outcome.error);
      await record('action-failed', step, { error: detail, durationMs });
      failed.add(step.id);
      reports.push({ ...base, outcome: 'failed', durationMs, error: `${detail.code}: ${detail.message}` });
    }
  }

  const status: CaseStatus = failed.size > 0 ? 'failed' : pending.size > 0 ? 'scheduled' : 'completed';
  return { status, steps: reports };
}

type Replayed = ReturnType<typeof replay>;

/**
 * Runs one step with retries. Every attempt after the first counts as a resume: a call whose
 * response was lost (a timeout) may have taken effect, and creating a key twice must not happen.
 */
async function attempt(
  step: PlannedStep,
  ports: CasePorts,
  state: Replayed,
  caseId: string,
  retry: RetryPolicy,
): Promise<{ ok: true; effect: StepEffect; attempts: number } | { ok: false; error: unknown }> {
  let tries = 0;
  try {
    const { value: effect, attempts } = await withRetry(() => {
      const resumed = state.started.has(step.id) || tries > 0;
      tries += 1;
      return runStep(step, { ports, caseId, results: state.results, resumed });
    }, retry);
    return { ok: true, effect, attempts };
  } catch (error) {
    return { ok: false, error };
  }
}

/** What the ledger already says about a case: finished steps with their results, deferrals, starts. */
function replay(history: readonly LedgerEntry[]) {
  const results = new Map<string, Readonly<Record<string, unknown>>>();
  const scheduled = new Set<string>();
  const started = new Set<string>();
  for (const entry of history) {
    const id = entry.data.actionId;
    if (typeof id !== 'string') continue;
    if (entry.type === 'action-succeeded') results.set(id, (entry.data.result as Record<string, unknown>) ?? {});
    else if (entry.type === 'step-deferred') scheduled.add(id);
    else if (entry.type === 'action-started') started.add(id);
  }
  return { results, scheduled, started };
}

function describeError(error: unknown): { code: string; message: string; awsError?: string; requestId?: string } {
  if (error instanceof PortError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.awsError ? { awsError: error.awsError } : {}),
      ...(error.requestId ? { requestId: error.requestId } : {}),
    };
  }
  return { code: 'ERR_FAILED', message: error instanceof Error ? error.message : String(error) };
}

function resourceOf(step: PlannedStep): string {
  switch (step.type) {
    case 'create-replacement-key':
    case 'publish-public-key':
    case 'move-alias':
      return step.oldKeyArn;
    case 'revoke-grant':
    case 'disable-key':
    case 'revoke-key-id':
    case 'unpublish-public-key':
    case 'schedule-key-deletion':
      return step.keyArn;
    case 'rotate-secret':
      return step.secretArn;
    case 'rotate-parameter':
      return step.parameterArn;
    default:
      return step.target.split('#')[0] ?? step.target;
  }
}
