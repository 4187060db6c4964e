import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a webhook's timestamp may be from now: bounds replay of a captured request. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type WebhookSignatureResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing-header' | 'stale-timestamp' | 'bad-signature'; readonly detail: string };

/**
 * Checks an HR webhook's signature: header `x-sever-signature: sha256=<hex>` where hex is the
 * HMAC-SHA256, under the shared secret, of `<x-sever-timestamp>.<raw body>`; the timestamp is
 * Unix seconds and must be within five minutes of now. Compared in constant time.
 *
 * @example
 * const check = verifyWebhookSignature({ secret, body, timestamp: headers['x-sever-timestamp'], signature: headers['x-sever-signature'], now: new Date() });
 */
export function verifyWebhookSignature(input: {
  readonly secret: string;
  readonly body: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly now: Date;
}): WebhookSignatureResult {
  if (!input.timestamp || !input.signature) {
    return { ok: false, reason: 'missing-header', detail: 'x-sever-timestamp and x-sever-signature are required' };
  }
  const seconds = Number(input.timestamp);
  if (!Number.isInteger(seconds) || Math.abs(input.now.getTime() / 1000 - seconds) > WEBHOOK_TOLERANCE_SECONDS) {
    return {
      ok: false,
      reason: 'stale-timestamp',
      detail: `x-sever-timestamp must be Unix seconds within ${WEBHOOK_TOLERANCE_SECONDS}s of now`,
    };
  }
  const expected = Buffer.from(signWebhook(input.secret, input.timestamp, input.body));
  const given = Buffer.from(input.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'bad-signature', detail: 'x-sever-signature does not match the body' };
  }
  return { ok: true };
}

/** The header value an HR system sends: `sha256=<hex>`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
