import type { LedgerEntryInput } from '../../../lambda/core/ledger/types.js';
import type { Clock } from '../../../lambda/core/ports.js';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  #ms: number;

  constructor(start: string) {
    this.#ms = Date.parse(start);
  }

  now(): Date {
    return new Date(this.#ms);
  }

  advance(ms: number): void {
    this.#ms += ms;
  }

  set(iso: string): void {
    this.#ms = Date.parse(iso);
  }
}

/** An entry input with sensible defaults. */
export const entryInput = (overrides: Partial<LedgerEntryInput> = {}): LedgerEntryInput => ({
  caseId: 'case-1',
  employeeId: 'emp-1',
  type: 'action-succeeded',
  actor: { function: 'revoke', requestId: 'req-1' },
  data: { actionId: 'a1' },
  ...overrides,
});
