/**
 * Bounded fan-out for the snapshot collector: per-key and per-user calls run a few at a
 * time, so a large account neither serialises into minutes nor bursts into throttling.
 */

/** Runs tasks with at most `limit` of them in flight; extra tasks wait their turn. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * Creates a {@link Limiter}. A task must not wait on another task of the same limiter,
 * or the two can starve each other.
 *
 * @example
 * const limit = createLimiter(8);
 * const policies = await Promise.all(keyIds.map((id) => limit(() => getPolicy(id))));
 */
export function createLimiter(limit: number): Limiter {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  }
  let active = 0;
  const waiting: (() => void)[] = [];
  // A finishing task hands its slot straight to the next waiter, so a caller arriving in
  // between cannot slip past the limit.
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < limit) active += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      release();
    }
  };
}

/**
 * Maps `items` through `fn` under `limiter`, keeping input order. Rejects with the first
 * failure; items not yet started when a task fails are never started.
 */
export async function mapLimited<I, O>(items: readonly I[], limiter: Limiter, fn: (item: I, index: number) => Promise<O>): Promise<O[]> {
  let failed = false;
  return Promise.all(
    items.map((item, index) =>
      limiter(async () => {
        if (failed) throw new Error('skipped after an earlier failure');
        try {
          return await fn(item, index);
        } catch (error) {
          failed = true;
          throw error;
        }
      }),
    ),
  );
}
