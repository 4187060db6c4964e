import type { JSONWebKeySet } from 'jose';
import { SeverVerifyError } from './errors.js';

/** Where a verifier gets its JWK Set. Called on every (background) refresh. */
export type JwksSource = () => Promise<JSONWebKeySet>;

export interface JwksFromUrlOptions {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default 5_000 */
  readonly timeoutMs?: number;
}

/** A JWKS of a few dozen keys is a few tens of KB; anything far larger is not a JWKS. */
const MAX_JWKS_BYTES = 1_000_000;

/**
 * A {@link JwksSource} that GETs a JWKS over HTTPS (plain HTTP only for localhost).
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ jwks: jwksFromUrl('https://keys.example.com/jwks.json'), registry, issuer, audience });
 * ```
 * @throws SeverVerifyError `ERR_VERIFIER_CONFIG` for a URL that is not HTTPS.
 */
export function jwksFromUrl(url: string | URL, options: JwksFromUrlOptions = {}): JwksSource {
  const target = new URL(url);
  const local = target.hostname === 'localhost' || target.hostname === '127.0.0.1' || target.hostname === '[::1]';
  if (target.protocol !== 'https:' && !(target.protocol === 'http:' && local)) {
    throw new SeverVerifyError('ERR_VERIFIER_CONFIG', `jwksUrl ${target.href} must use https`);
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  return async () => {
    const response = await fetchImpl(target, {
      headers: { accept: 'application/jwk-set+json, application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      throw new SeverVerifyError('ERR_JWKS_UNAVAILABLE', `GET ${target.href} returned HTTP ${response.status}`);
    }
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) {
      throw new SeverVerifyError('ERR_JWKS_UNAVAILABLE', `GET ${target.href} returned more than ${MAX_JWKS_BYTES} bytes`);
    }
    return parseJwks(text, target.href);
  };
}

function parseJwks(text: string, source: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new SeverVerifyError('ERR_JWKS_UNAVAILABLE', `JWKS from ${source} is not valid JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys)) {
    throw new SeverVerifyError('ERR_JWKS_UNAVAILABLE', `JWKS from ${source} has no "keys" array`);
  }
  return parsed as JSONWebKeySet;
}
