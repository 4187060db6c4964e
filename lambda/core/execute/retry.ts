import { PortError } from '../errors.js';

export interface RetryPolicy {
  /** Total attempts including the first. @default 6 */
  readonly maxAttempts: number;
  /** @default 200 */
  readonly baseDelayMs: number;
  /** @default 5000 */
  readonly maxDelayMs: number;
  /** Injected so tests and the sandbox do not wait for real. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Injected for deterministic tests. @default Math.random */
  readonly random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Runs `operation`, retrying throttling, conflicts and transient failures with capped
 * exponential backoff and full jitter. KMS allows 5 CreateKey/UpdateAlias/DisableKey/
 * ScheduleKeyDeletion per second per account, so a mass rotation will be throttled; jitter
 * keeps parallel cases from retrying in lockstep. Anything not retryable is thrown at once.
 */
export async function withRetry<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy,
): Promise<{ readonly value: T; readonly attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await operation(), attempts: attempt };
    } catch (error) {
      const retryable = error instanceof PortError && error.retryable;
      if (!retryable || attempt >= policy.maxAttempts) throw error;
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await policy.sleep(Math.floor(policy.random() * ceiling));
    }
  }
}
