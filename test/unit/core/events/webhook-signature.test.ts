import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature, WEBHOOK_TOLERANCE_SECONDS } from '../../../../lambda/core/events/webhook-signature.js';

const SECRET = 'hr-shared-secret';
const NOW = new Date('2026-11-29T09:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const BODY = JSON.stringify({
  source: 'hr.workday',
  detail: { employeeId: 'E1042' },
});

const signed = (
  overrides: Partial<{
    secret: string;
    body: string;
    timestamp: string;
    now: Date;
  }> = {},
) => {
  const timestamp = overrides.timestamp ?? String(NOW_SECONDS);
  return {
    secret: SECRET,
    body: BODY,
    timestamp,
    signature: signWebhook(overrides.secret ?? SECRET, timestamp, overrides.body ?? BODY),
    now: overrides.now ?? NOW,
  };
};

describe('Function: signWebhook', () => {
  it('is sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">', () => {
    // Prepare
    const expected = createHmac('sha256', SECRET).update(`123.${BODY}`).digest('hex');

    // Act
    const header = signWebhook(SECRET, '123', BODY);

    // Assess
    expect(header).toBe(`sha256=${expected}`);
  });
});

describe('Function: verifyWebhookSignature', () => {
  it('accepts a request signed with the shared secret', () => {
    // Prepare
    const input = signed();

    // Act
    const result = verifyWebhookSignature(input);

    // Assess
    expect(result).toEqual({ ok: true });
  });

  it('rejects a signature made with another secret', () => {
    // Prepare
    const input = { ...signed({ secret: 'someone-else' }), secret: SECRET };

    // Act
    const result = verifyWebhookSignature(input);

    // Assess
    expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a body changed after signing', () => {
    // Prepare
    const input = { ...signed(), body: BODY.replace('E1042', 'E9999') };

    // Act
    const result = verifyWebhookSignature(input);

    // Assess
    expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a signature replayed with a different timestamp', () => {
    // Prepare
    const original = signed();
    const input = { ...original, timestamp: String(NOW_SECONDS - 1) };

    // Act
    const result = verifyWebhookSignature(input);

    // Assess
    expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    ['too old', -(WEBHOOK_TOLERANCE_SECONDS + 1)],
    ['too far in the future', WEBHOOK_TOLERANCE_SECONDS + 1],
  ])('rejects a timestamp %s, even with a valid signature', (_label, offset) => {
    // Prepare
    const input = signed({ timestamp: String(NOW_SECONDS + offset) });

    // Act
    const result = verifyWebhookSignature(input);

    // Assess
    expect(result).toMatchObject({ ok: false, reason: 'stale-timestamp' });
  });

  it.each([-WEBHOOK_TOLERANCE_SECONDS, WEBHOOK_TOLERANCE_SECONDS])('accepts a timestamp exactly %is from now', (offset) => {
    // Prepare
    const input = signed({ timestamp: String(NOW_SECONDS + offset) });

    // Act
    const result = verifyWebhookSignature(input);

    // Assess
    expect(result).toEqual({ ok: true });
  });

  it.each(['soon', '1764406800.5', '', '-'])('rejects a timestamp %j that is not whole Unix seconds', (timestamp) => {
    // Prepare
    const input = signed({ timestamp });

    // Act
    const result = verifyWebhookSignature(input);

    // Assess
    expect(result.ok).toBe(false);
    expect(result).not.toMatchObject({ reason: 'bad-signature' });
  });

  it.each([
    ['timestamp', { timestamp: undefined }],
    ['signature', { signature: undefined }],
    ['both', { timestamp: undefined, signature: undefined }],
  ])('rejects a request missing the %s header', (_label, missing) => {
    // Prepare
    const input = { ...signed(), ...missing };

    // Act
    const result = verifyWebhookSignature(input);

    // Assess
    expect(result).toMatchObject({ ok: false, reason: 'missing-header' });
  });

  it.each([
    ['truncated', (s: string) => s.slice(0, -2)],
    ['extended', (s: string) => `${s}00`],
    ['without the sha256= prefix', (s: string) => s.slice('sha256='.length)],
    ['empty hex', () => 'sha256='],
  ])('rejects a signature of another length (%s) without throwing', (_label, mangle) => {
    // Prepare
    const original = signed();
    const input = { ...original, signature: mangle(original.signature) };

    // Act
    const result = verifyWebhookSignature(input);

    // Assess
    expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a signature in upper-case hex (the header is compared byte for byte)', () => {
    // Prepare
    const original = signed();
    const input = {
      ...original,
      signature: `sha256=${original.signature.slice(7).toUpperCase()}`,
    };

    // Act
    const result = verifyWebhookSignature(input);

    // Assess
    expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('never echoes the expected signature in its detail', () => {
    // Prepare
    const original = signed();
    const input = { ...original, body: `${BODY} ` };

    // Act
    const result = verifyWebhookSignature(input);

    // Assess
    expect(result.ok).toBe(false);
    const expectedHex = signWebhook(SECRET, input.timestamp, input.body).slice(7);
    expect(JSON.stringify(result)).not.toContain(expectedHex);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });
});
