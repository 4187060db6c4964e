import { describe, expect, it } from 'vitest';
import { createLimiter, mapLimited } from '../../../../lambda/adapters/aws/snapshot-concurrency.js';

/** A task that stays in flight until the test releases it, recording how many ran at once. */
function gate() {
  let active = 0;
  let peak = 0;
  const started: number[] = [];
  const releases: (() => void)[] = [];
  const task = (n: number) => async (): Promise<number> => {
    active += 1;
    peak = Math.max(peak, active);
    started.push(n);
    await new Promise<void>((resolve) => releases.push(resolve));
    active -= 1;
    return n * 10;
  };
  const releaseAll = async (): Promise<void> => {
    while (releases.length > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { task, releaseAll, started, peak: () => peak };
}

describe('Function: createLimiter', () => {
  it('never runs more tasks at once than its limit', async () => {
    // Prepare
    const limit = createLimiter(3);
    const g = gate();

    // Act
    const all = Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => limit(g.task(n))));
    await new Promise((resolve) => setImmediate(resolve));
    const startedBeforeRelease = [...g.started];
    await g.releaseAll();
    const results = await all;

    // Assess
    expect(startedBeforeRelease).toEqual([1, 2, 3]);
    expect(g.peak()).toBe(3);
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70]);
  });

  it('frees the slot of a task that fails', async () => {
    // Prepare
    const limit = createLimiter(1);

    // Act
    const failed = limit(async () => {
      throw new Error('boom');
    });
    const next = limit(async () => 'ran');

    // Assess
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('rejects a limit that is not a positive integer', () => {
    // Act / Assess
    expect(() => createLimiter(0)).toThrow(RangeError);
    expect(() => createLimiter(1.5)).toThrow(RangeError);
  });
});

describe('Function: mapLimited', () => {
  it('keeps input order whatever order tasks finish in', async () => {
    // Prepare
    const delays = [30, 5, 20, 0];

    // Act
    const out = await mapLimited(delays, createLimiter(4), async (ms, i) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return `${i}:${ms}`;
    });

    // Assess
    expect(out).toEqual(['0:30', '1:5', '2:20', '3:0']);
  });

  it('rejects with the first failure and starts no task queued behind it', async () => {
    // Prepare
    const started: number[] = [];

    // Act
    const result = mapLimited([1, 2, 3, 4], createLimiter(1), async (n) => {
      started.push(n);
      if (n === 2) throw new Error(`item ${n} failed`);
      return n;
    });

    // Assess
    await expect(result).rejects.toThrow('item 2 failed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1, 2]);
  });
});
