import type { Clock } from '../../core/ports.js';

/** A clock that moves only when told to: the sandbox runs grace windows in no time. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: Date) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  advanceTo(instant: Date): void {
    if (instant.getTime() > this.#now) this.#now = instant.getTime();
  }

  advanceBy(milliseconds: number): void {
    this.#now += milliseconds;
  }
}
