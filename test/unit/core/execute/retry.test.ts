import { describe, expect, it, vi } from 'vitest';
import { PortError, type PortErrorCode } from '../../../../lambda/core/errors.js';
import { DEFAULT_RETRY_POLICY, withRetry } from '../../../../lambda/core/execute/retry.js';
import { recordingRetry } from '../../../fixtures/pipeline/fake-ports.js';

/** An operation that fails with these errors, in turn, and then returns 'done'. */
const failingThen = (...errors: unknown[]) => {
  const queue = [...errors];
  return vi.fn(async () => {
    const error = queue.shift();
    if (error !== undefined) throw error;
    return 'done';
  });
};
const portError = (code: PortErrorCode) => new PortError(code, `kms:DisableKey: ${code}`);

describe('Function: withRetry', () => {
  it('returns the value of a first attempt that succeeds, without sleeping', async () => {
    // Prepare
    const policy = recordingRetry();
    const operation = failingThen();

    // Act
    const result = await withRetry(operation, policy);

    // Assess
    expect(result).toEqual({ value: 'done', attempts: 1 });
    expect(policy.delays).toEqual([]);
  });

  it.each<PortErrorCode>(['ERR_THROTTLED', 'ERR_TRANSIENT', 'ERR_CONFLICT'])('retries %s and then succeeds', async (code) => {
    // Prepare
    const policy = recordingRetry();
    const operation = failingThen(portError(code), portError(code));

    // Act
    const result = await withRetry(operation, policy);

    // Assess
    expect(result).toEqual({ value: 'done', attempts: 3 });
    expect(operation).toHaveBeenCalledTimes(3);
  });

  it('backs off exponentially with full jitter', async () => {
    // Prepare
    const policy = recordingRetry({
      baseDelayMs: 100,
      maxDelayMs: 10_000,
      random: () => 0.5,
    });
    const operation = failingThen(...Array.from({ length: 4 }, () => portError('ERR_THROTTLED')));

    // Act
    await withRetry(operation, policy);

    // Assess
    expect(policy.delays).toEqual([50, 100, 200, 400]);
  });

  it('caps every delay at maxDelayMs', async () => {
    // Prepare
    const policy = recordingRetry({
      maxAttempts: 8,
      baseDelayMs: 100,
      maxDelayMs: 300,
      random: () => 0.999,
    });
    const operation = failingThen(...Array.from({ length: 7 }, () => portError('ERR_THROTTLED')));

    // Act
    await withRetry(operation, policy);

    // Assess
    expect(policy.delays).toEqual([99, 199, 299, 299, 299, 299, 299]);
    expect(Math.max(...policy.delays)).toBeLessThan(300);
  });

  it('draws each delay from [0, ceiling) with the injected random source', async () => {
    // Prepare
    const policy = recordingRetry({
      baseDelayMs: 100,
      maxDelayMs: 1000,
      random: () => 0,
    });
    const operation = failingThen(portError('ERR_TRANSIENT'), portError('ERR_TRANSIENT'));

    // Act
    await withRetry(operation, policy);

    // Assess
    expect(policy.delays).toEqual([0, 0]);
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    // Prepare
    const policy = recordingRetry({ maxAttempts: 3 });
    const last = portError('ERR_THROTTLED');
    const operation = failingThen(portError('ERR_THROTTLED'), portError('ERR_THROTTLED'), last);

    // Act
    const attempt = withRetry(operation, policy);

    // Assess
    await expect(attempt).rejects.toBe(last);
    expect(operation).toHaveBeenCalledTimes(3);
    expect(policy.delays).toHaveLength(2);
  });

  it.each<PortErrorCode>(['ERR_ACCESS_DENIED', 'ERR_FAILED', 'ERR_ALREADY_DONE'])('throws %s at once', async (code) => {
    // Prepare
    const policy = recordingRetry();
    const error = portError(code);
    const operation = failingThen(error);

    // Act
    const attempt = withRetry(operation, policy);

    // Assess
    await expect(attempt).rejects.toBe(error);
    expect(operation).toHaveBeenCalledTimes(1);
    expect(policy.delays).toEqual([]);
  });

  it('never retries an error that is not a PortError', async () => {
    // Prepare
    const policy = recordingRetry();
    const operation = failingThen(new TypeError('bug'));

    // Act
    const attempt = withRetry(operation, policy);

    // Assess
    await expect(attempt).rejects.toThrow('bug');
    expect(operation).toHaveBeenCalledTimes(1);
  });
});

describe('Constant: DEFAULT_RETRY_POLICY', () => {
  it('allows 6 attempts with 200 ms base and 5 s cap', () => {
    // Assess
    expect(DEFAULT_RETRY_POLICY).toMatchObject({
      maxAttempts: 6,
      baseDelayMs: 200,
      maxDelayMs: 5000,
    });
  });
});
