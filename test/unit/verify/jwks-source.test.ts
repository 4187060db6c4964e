import { describe, expect, it, vi } from 'vitest';
import type { SeverVerifyError } from '../../../lambda/verify/errors.js';
import { jwksFromUrl } from '../../../lambda/verify/jwks-source.js';

const fetchReturning = (body: string, status = 200) => vi.fn(async (_url: URL, _init: RequestInit) => new Response(body, { status }));

describe('Function: jwksFromUrl', () => {
  it('GETs the JWKS without following redirects and with a timeout', async () => {
    // Prepare
    const fetch = fetchReturning(JSON.stringify({ keys: [{ kty: 'EC', kid: 'a' }] }));
    const source = jwksFromUrl('https://keys.example.com/jwks.json', { fetch: fetch as unknown as typeof globalThis.fetch });

    // Act
    const set = await source();

    // Assess
    expect(set).toEqual({ keys: [{ kty: 'EC', kid: 'a' }] });
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(String(url)).toBe('https://keys.example.com/jwks.json');
    expect(init?.redirect).toBe('error');
    expect(init?.signal).toBeInstanceOf(AbortSignal);
  });

  it('allows plain HTTP for localhost only', () => {
    // Act
    const local = () => jwksFromUrl('http://localhost:8080/jwks.json');
    const remote = () => jwksFromUrl('http://keys.example.com/jwks.json');

    // Assess
    expect(local).not.toThrow();
    expect(remote).toThrow('must use https');
  });

  it.each([
    ['an HTTP error', 'oops', 503, 'returned HTTP 503'],
    ['invalid JSON', '<html>', 200, 'is not valid JSON'],
    ['no keys array', '{"kids":[]}', 200, 'has no "keys" array'],
  ])('rejects %s with ERR_JWKS_UNAVAILABLE', async (_label, body, status, reason) => {
    // Prepare
    const source = jwksFromUrl('https://keys.example.com/jwks.json', {
      fetch: fetchReturning(body, status) as unknown as typeof globalThis.fetch,
    });

    // Act
    const error = (await source().catch((caught: unknown) => caught)) as SeverVerifyError;

    // Assess
    expect(error.code).toBe('ERR_JWKS_UNAVAILABLE');
    expect(error.message).toContain(reason);
    expect(error.message).toContain('https://keys.example.com/jwks.json');
  });
});
