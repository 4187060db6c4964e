import type { CallRecord, Scheduler } from '../../core/ports.js';

export interface DueStep {
  readonly caseId: string;
  readonly stepId: string;
  readonly dueAt: string;
}

/**
 * One-time schedules held in memory. Where EventBridge Scheduler would invoke the deferred-step
 * Lambda at `dueAt`, the sandbox asks for the next due time and runs the case when its clock
 * gets there.
 */
export class SandboxScheduler implements Scheduler {
  readonly #pending = new Map<string, DueStep>();
  readonly #count: (api: string) => void;

  constructor(count: (api: string) => void) {
    this.#count = count;
  }

  async schedule(request: DueStep): Promise<CallRecord> {
    this.#count('scheduler:CreateSchedule');
    this.#pending.set(request.stepId, request);
    return {};
  }

  /** The earliest pending due time, if any. */
  nextDue(): Date | undefined {
    const times = [...this.#pending.values()].map((s) => new Date(s.dueAt).getTime());
    return times.length > 0 ? new Date(Math.min(...times)) : undefined;
  }

  /** Removes and returns every schedule due at or before `now`, grouped by case. */
  takeDue(now: Date): Map<string, DueStep[]> {
    const due = new Map<string, DueStep[]>();
    for (const [stepId, step] of this.#pending) {
      if (new Date(step.dueAt) > now) continue;
      this.#pending.delete(stepId);
      due.set(step.caseId, [...(due.get(step.caseId) ?? []), step]);
    }
    return due;
  }
}
