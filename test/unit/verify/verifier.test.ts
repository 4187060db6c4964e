import { errors, SignJWT, UnsecuredJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InMemoryJwksPublisher, InMemoryRevocationRegistry } from '../../../lambda/adapters/sandbox/tokens.js';
import type { JwksLocation } from '../../../lambda/core/tokens/model.js';
import { createVerifier, SeverVerifyError, type VerifierOptions } from '../../../lambda/verify/index.js';
import { signingKey, type TestSigningKey } from '../core/tokens/fixtures.js';
import { AUDIENCE, ISSUER, ManualClock, StubJwks, StubRegistry, settle, sign, T0, T0_SECONDS } from './fixtures.js';

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; claim?: string; cause?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('Function: createVerifier', () => {
  let oldKey: TestSigningKey;
  let newKey: TestSigningKey;
  let rsaKey: TestSigningKey;

  beforeAll(async () => {
    [oldKey, newKey, rsaKey] = await Promise.all([signingKey('ES256'), signingKey('ES256'), signingKey('RS256')]);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  /** A verifier over a stub JWKS and registry, with a manual clock at T0. */
  function setup(overrides: Partial<VerifierOptions> = {}, keys: TestSigningKey[] = [oldKey]) {
    const clock = new ManualClock();
    const jwks = new StubJwks(...keys);
    const registry = new StubRegistry();
    const verifier = createVerifier({
      jwks: jwks.source,
      registry,
      issuer: ISSUER,
      audience: AUDIENCE,
      clock,
      ...overrides,
    });
    return { clock, jwks, registry, verifier };
  }

  describe('Method: verify (jose checks)', () => {
    it("accepts a valid ES256 token and returns jose's result", async () => {
      // Prepare
      const { verifier } = setup();

      // Act
      const result = await verifier.verify(await sign(oldKey));

      // Assess
      expect(result.payload).toMatchObject({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, iat: T0_SECONDS });
      expect(result.protectedHeader).toEqual({ alg: 'ES256', kid: oldKey.jwk.kid });
    });

    it('accepts an RS256 token', async () => {
      // Prepare
      const { verifier } = setup({}, [oldKey, rsaKey]);

      // Act
      const result = await verifier.verify(await sign(rsaKey));

      // Assess
      expect(result.protectedHeader.alg).toBe('RS256');
    });

    it('rejects an expired token with ERR_JWT_EXPIRED, judged by the injected clock', async () => {
      // Prepare
      const { clock, verifier } = setup({ maxStalenessMs: 3_600_000 });
      const token = await sign(oldKey, { exp: T0_SECONDS + 60 });
      await verifier.verify(token);
      clock.advance(61_000);

      // Act
      const error = await rejection(verifier.verify(token));

      // Assess
      expect(error).toBeInstanceOf(errors.JWTExpired);
      expect(error.code).toBe('ERR_JWT_EXPIRED');
    });

    it('rejects a wrong audience with ERR_JWT_CLAIM_VALIDATION_FAILED on aud', async () => {
      // Prepare
      const { verifier } = setup();

      // Act
      const error = await rejection(verifier.verify(await sign(oldKey, { aud: 'other-api' })));

      // Assess
      expect(error.code).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
      expect(error.claim).toBe('aud');
    });

    it('rejects a wrong issuer with ERR_JWT_CLAIM_VALIDATION_FAILED on iss', async () => {
      // Prepare
      const { verifier } = setup();

      // Act
      const error = await rejection(verifier.verify(await sign(oldKey, { iss: 'https://evil.example.com' })));

      // Assess
      expect(error.code).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
      expect(error.claim).toBe('iss');
    });

    it('rejects alg none with ERR_JOSE_ALG_NOT_ALLOWED', async () => {
      // Prepare
      const { verifier } = setup();
      const token = new UnsecuredJWT({ sub: 'alice' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(T0_SECONDS).encode();

      // Act
      const error = await rejection(verifier.verify(token));

      // Assess
      expect(error.code).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
    });

    it('rejects an HMAC token naming a published kid (key confusion) with ERR_JOSE_ALG_NOT_ALLOWED', async () => {
      // Prepare
      const { verifier } = setup();
      const token = await new SignJWT({ sub: 'alice' })
        .setProtectedHeader({ alg: 'HS256', kid: oldKey.jwk.kid })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(T0_SECONDS)
        .sign(new TextEncoder().encode(JSON.stringify(oldKey.jwk)));

      // Act
      const error = await rejection(verifier.verify(token));

      // Assess
      expect(error.code).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
    });

    it('rejects a forged signature with ERR_JWS_SIGNATURE_VERIFICATION_FAILED', async () => {
      // Prepare
      const { verifier } = setup({}, [oldKey, newKey]);
      const [header, payload] = (await sign(oldKey)).split('.');
      const [, , otherSignature] = (await sign(newKey, { kid: oldKey.jwk.kid })).split('.');

      // Act
      const error = await rejection(verifier.verify(`${header}.${payload}.${otherSignature}`));

      // Assess
      expect(error.code).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    });
  });

  describe('Method: verify (keys)', () => {
    it('rejects a token without kid with ERR_KID_MISSING', async () => {
      // Prepare
      const { verifier } = setup();

      // Act
      const error = await rejection(verifier.verify(await sign(oldKey, { kid: null })));

      // Assess
      expect(error).toBeInstanceOf(SeverVerifyError);
      expect(error.code).toBe('ERR_KID_MISSING');
    });

    it('rejects a kid that is not in the JWKS with ERR_UNKNOWN_KID after refreshing once', async () => {
      // Prepare
      const { jwks, verifier } = setup();
      await verifier.ready();

      // Act
      const error = await rejection(verifier.verify(await sign(newKey)));

      // Assess
      expect(error.code).toBe('ERR_UNKNOWN_KID');
      expect(error.message).toContain(newKey.jwk.kid);
      expect(jwks.fetches).toBe(2);
    });

    it('rate-limits refreshes forced by unknown kids', async () => {
      // Prepare
      const { clock, jwks, verifier } = setup({ unknownKidCooldownMs: 1_000 });
      await verifier.ready();
      const unknown = await sign(newKey);

      // Act
      await rejection(verifier.verify(unknown));
      await rejection(verifier.verify(unknown));
      await rejection(verifier.verify(unknown));
      const withinCooldown = jwks.fetches;
      clock.advance(1_000);
      await rejection(verifier.verify(unknown));

      // Assess
      expect(withinCooldown).toBe(2);
      expect(jwks.fetches).toBe(3);
    });

    it('rejects a revoked kid with ERR_KEY_REVOKED', async () => {
      // Prepare
      const { registry, verifier } = setup();
      registry.revokeKid(oldKey.jwk.kid);

      // Act
      const error = await rejection(verifier.verify(await sign(oldKey)));

      // Assess
      expect(error.code).toBe('ERR_KEY_REVOKED');
      expect(error.message).toContain(oldKey.jwk.kid);
    });

    it('answers ERR_KEY_REVOKED, not ERR_UNKNOWN_KID, when the revoked key is also gone from the JWKS', async () => {
      // Prepare
      const { registry, verifier } = setup({}, [newKey]);
      registry.revokeKid(oldKey.jwk.kid);

      // Act
      const error = await rejection(verifier.verify(await sign(oldKey)));

      // Assess
      expect(error.code).toBe('ERR_KEY_REVOKED');
    });
  });

  describe('Method: verify (subjects)', () => {
    it('rejects a token of a revoked subject issued before notBefore', async () => {
      // Prepare
      const { registry, verifier } = setup();
      registry.revokeSubject('alice', T0_SECONDS + 10);

      // Act
      const error = await rejection(verifier.verify(await sign(oldKey, { iat: T0_SECONDS + 9 })));

      // Assess
      expect(error.code).toBe('ERR_SUBJECT_REVOKED');
      expect(error.message).toContain('"alice"');
    });

    it('accepts a token of a revoked subject issued at or after notBefore', async () => {
      // Prepare
      const { clock, registry, verifier } = setup();
      registry.revokeSubject('alice', T0_SECONDS + 10);
      clock.advance(11_000);

      // Act
      const at = await verifier.verify(await sign(oldKey, { iat: T0_SECONDS + 10 }));
      const after = await verifier.verify(await sign(oldKey, { iat: T0_SECONDS + 11 }));

      // Assess
      expect(at.payload.iat).toBe(T0_SECONDS + 10);
      expect(after.payload.iat).toBe(T0_SECONDS + 11);
    });

    it("rejects a revoked subject's token that has no iat", async () => {
      // Prepare
      const { registry, verifier } = setup();
      registry.revokeSubject('alice', T0_SECONDS - 3_600);

      // Act
      const error = await rejection(verifier.verify(await sign(oldKey, { iat: null, exp: T0_SECONDS + 600 })));

      // Assess
      expect(error.code).toBe('ERR_SUBJECT_REVOKED');
    });

    it('leaves other subjects alone', async () => {
      // Prepare
      const { registry, verifier } = setup();
      registry.revokeSubject('alice', T0_SECONDS + 10);

      // Act
      const result = await verifier.verify(await sign(oldKey, { sub: 'bob' }));

      // Assess
      expect(result.payload.sub).toBe('bob');
    });
  });

  describe('Method: verify (registry staleness)', () => {
    it('does no I/O on the hot path while both caches are fresh', async () => {
      // Prepare
      const { clock, jwks, registry, verifier } = setup({ maxStalenessMs: 30_000 });
      const token = await sign(oldKey);
      await verifier.verify(token);

      // Act
      for (let index = 0; index < 5; index += 1) {
        clock.advance(2_000);
        await verifier.verify(token);
      }
      await settle();

      // Assess
      expect(registry.reads).toBe(1);
      expect(jwks.fetches).toBe(1);
    });

    it('refreshes in the background past half the bound, without waiting for it', async () => {
      // Prepare
      const { clock, jwks, registry, verifier } = setup({ maxStalenessMs: 30_000 });
      const token = await sign(oldKey);
      await verifier.verify(token);
      registry.revokeKid(oldKey.jwk.kid);
      clock.advance(16_000);

      // Act
      const during = await verifier.verify(token);
      await settle();
      const after = await rejection(verifier.verify(token));

      // Assess
      expect(during.payload.sub).toBe('alice');
      expect(after.code).toBe('ERR_KEY_REVOKED');
      expect(registry.reads).toBe(2);
      expect(jwks.fetches).toBe(2);
    });

    it('keeps accepting tokens while the registry is unreachable within the bound', async () => {
      // Prepare
      const { clock, registry, verifier } = setup({ maxStalenessMs: 30_000 });
      const token = await sign(oldKey);
      await verifier.verify(token);
      registry.failure = new Error('connect ETIMEDOUT');

      // Act
      clock.advance(20_000);
      const result = await verifier.verify(token);
      await settle();
      clock.advance(9_999);
      const lastMoment = await verifier.verify(token);

      // Assess
      expect(result.payload.sub).toBe('alice');
      expect(lastMoment.payload.sub).toBe('alice');
      expect(registry.reads).toBeGreaterThan(1);
    });

    it('fails closed with ERR_REGISTRY_STALE beyond the bound, and recovers once a read succeeds', async () => {
      // Prepare
      const onRefreshError = vi.fn();
      const { clock, registry, verifier } = setup({ maxStalenessMs: 30_000, retryIntervalMs: 1_000, onRefreshError });
      const token = await sign(oldKey);
      await verifier.verify(token);
      const outage = new Error('connect ETIMEDOUT');
      registry.failure = outage;

      // Act
      clock.advance(30_001);
      const stale = await rejection(verifier.verify(token));
      const readsWhenStale = registry.reads;
      const again = await rejection(verifier.verify(token));
      registry.failure = undefined;
      clock.advance(1_000);
      const recovered = await verifier.verify(token);

      // Assess
      expect(stale).toBeInstanceOf(SeverVerifyError);
      expect(stale.code).toBe('ERR_REGISTRY_STALE');
      expect(stale.cause).toBe(outage);
      expect(again.code).toBe('ERR_REGISTRY_STALE');
      // Right after a failed read the verifier fails fast instead of hammering the registry.
      expect(registry.reads).toBe(readsWhenStale + 1);
      expect(recovered.payload.sub).toBe('alice');
      expect(onRefreshError).toHaveBeenCalledWith('registry', outage);
    });

    it('fails closed when the registry was never read', async () => {
      // Prepare
      const { registry, verifier } = setup();
      registry.failure = new Error('AccessDeniedException');

      // Act
      const error = await rejection(verifier.verify(await sign(oldKey)));

      // Assess
      expect(error.code).toBe('ERR_REGISTRY_STALE');
      expect(error.message).toContain('never');
    });

    it('stops waiting for a hanging registry read after refreshTimeoutMs', async () => {
      // Prepare
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { registry, verifier } = setup({ refreshTimeoutMs: 2_000 });
      registry.hang = true;
      const token = await sign(oldKey);

      // Act
      const pending = rejection(verifier.verify(token));
      await vi.advanceTimersByTimeAsync(2_000);
      const error = await pending;

      // Assess
      expect(error.code).toBe('ERR_REGISTRY_STALE');
    });
  });

  describe('Method: verify (JWKS rollover)', () => {
    it('picks up a key published after the JWKS was cached, with one refresh', async () => {
      // Prepare
      const { jwks, verifier } = setup();
      await verifier.verify(await sign(oldKey));
      jwks.keys = [oldKey, newKey];

      // Act
      const result = await verifier.verify(await sign(newKey));

      // Assess
      expect(result.protectedHeader.kid).toBe(newKey.jwk.kid);
      expect(jwks.fetches).toBe(2);
    });

    it('shares one refresh between concurrent verifications during a rollover', async () => {
      // Prepare
      const { jwks, verifier } = setup();
      await verifier.ready();
      jwks.keys = [oldKey, newKey];
      const tokens = await Promise.all([sign(newKey, { sub: 'a' }), sign(newKey, { sub: 'b' }), sign(oldKey, { sub: 'c' })]);

      // Act
      const results = await Promise.all(tokens.map((token) => verifier.verify(token)));

      // Assess
      expect(results.map((result) => result.payload.sub)).toEqual(['a', 'b', 'c']);
      expect(jwks.fetches).toBe(2);
    });

    it('stops accepting the old key once a refresh shows it removed', async () => {
      // Prepare
      const { clock, jwks, verifier } = setup({ maxStalenessMs: 30_000 });
      const oldToken = await sign(oldKey);
      await verifier.verify(oldToken);
      jwks.keys = [newKey];
      clock.advance(16_000);
      await verifier.verify(oldToken);
      await settle();

      // Act
      const error = await rejection(verifier.verify(oldToken));

      // Assess
      expect(error.code).toBe('ERR_UNKNOWN_KID');
    });

    it('keeps the cached JWKS when a refresh fails (revocation stays enforced by the registry)', async () => {
      // Prepare
      const { clock, jwks, verifier } = setup({ maxStalenessMs: 30_000 });
      const token = await sign(oldKey);
      await verifier.verify(token);
      jwks.failure = new Error('503');

      // Act
      clock.advance(16_000);
      await verifier.verify(token);
      await settle();
      const result = await verifier.verify(token);

      // Assess
      expect(result.payload.sub).toBe('alice');
      expect(jwks.fetches).toBe(2);
    });

    it('rejects with ERR_JWKS_UNAVAILABLE when the JWKS cannot be loaded at all', async () => {
      // Prepare
      const { jwks, verifier } = setup();
      jwks.failure = new Error('ENOTFOUND');

      // Act
      const error = await rejection(verifier.verify(await sign(oldKey)));

      // Assess
      expect(error.code).toBe('ERR_JWKS_UNAVAILABLE');
      expect(error.cause).toBe(jwks.failure);
    });
  });

  describe('Method: verify (sandbox end to end)', () => {
    it('verifies both new keys after two concurrent rotations publish to one JWKS, and rejects the old ones', async () => {
      // Prepare
      const [oldA, oldB, nextA, nextB] = await Promise.all([signingKey(), signingKey(), signingKey(), signingKey()]);
      const location: JwksLocation = { kind: 'ssm', name: '/payments/jwks' };
      const publisher = new InMemoryJwksPublisher();
      const registry = new InMemoryRevocationRegistry();
      await publisher.publish(location, oldA.jwk);
      await publisher.publish(location, oldB.jwk);
      const rotate = async (from: TestSigningKey, to: TestSigningKey, keyArn: string) => {
        await publisher.publish(location, to.jwk);
        await registry.revokeKid(from.jwk.kid, { revokedAt: new Date(T0), caseId: 'case-1', keyArn });
        await publisher.remove(location, from.jwk.kid);
      };

      // Act
      await Promise.all([rotate(oldA, nextA, 'arn:aws:kms:::key/a'), rotate(oldB, nextB, 'arn:aws:kms:::key/b')]);
      const verifier = createVerifier({
        jwks: publisher.source(location),
        registry,
        issuer: ISSUER,
        audience: AUDIENCE,
        clock: new ManualClock(),
      });
      const accepted = await Promise.all([verifier.verify(await sign(nextA)), verifier.verify(await sign(nextB))]);
      const rejected = await Promise.all([rejection(verifier.verify(await sign(oldA))), rejection(verifier.verify(await sign(oldB)))]);

      // Assess
      expect(accepted.map((result) => result.protectedHeader.kid)).toEqual([nextA.jwk.kid, nextB.jwk.kid]);
      expect(rejected.map((error) => error.code)).toEqual(['ERR_KEY_REVOKED', 'ERR_KEY_REVOKED']);
      expect(publisher.conflicts).toBeGreaterThan(0);
    });
  });

  describe('Options', () => {
    it('fetches jwksUrl with the injected fetch', async () => {
      // Prepare
      const fetch = vi.fn(async () => new Response(JSON.stringify({ keys: [oldKey.jwk] }), { status: 200 }));
      const verifier = createVerifier({
        jwksUrl: 'https://keys.example.com/jwks.json',
        fetch: fetch as unknown as typeof globalThis.fetch,
        registry: new StubRegistry(),
        issuer: ISSUER,
        audience: AUDIENCE,
        clock: new ManualClock(),
      });

      // Act
      const result = await verifier.verify(await sign(oldKey));

      // Assess
      expect(result.payload.sub).toBe('alice');
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(String((fetch.mock.calls[0] as unknown[])[0])).toBe('https://keys.example.com/jwks.json');
    });

    it('accepts a fixed JWK Set and never refreshes it', async () => {
      // Prepare
      const verifier = createVerifier({
        jwks: { keys: [oldKey.jwk] },
        registry: new StubRegistry(),
        issuer: ISSUER,
        audience: AUDIENCE,
        clock: new ManualClock(),
      });

      // Act
      const ok = await verifier.verify(await sign(oldKey));
      const unknown = await rejection(verifier.verify(await sign(newKey)));

      // Assess
      expect(ok.payload.sub).toBe('alice');
      expect(unknown.code).toBe('ERR_UNKNOWN_KID');
    });

    it.each([
      ['both JWKS sources', { jwksUrl: 'https://k.example.com/jwks.json', jwks: { keys: [] } }, 'exactly one of jwksUrl and jwks'],
      ['no JWKS source', {}, 'exactly one of jwksUrl and jwks'],
      ['alg none', { jwks: { keys: [] }, algorithms: ['none'] }, 'refused: none'],
      ['an HMAC alg', { jwks: { keys: [] }, algorithms: ['ES256', 'HS256'] }, 'refused: HS256'],
      ['plain HTTP', { jwksUrl: 'http://keys.example.com/jwks.json' }, 'must use https'],
      ['a zero staleness bound', { jwks: { keys: [] }, maxStalenessMs: 0 }, 'maxStalenessMs'],
      ['a malformed fixed JWKS', { jwks: { nokeys: true } }, 'not a valid JWK Set'],
    ])('refuses %s with ERR_VERIFIER_CONFIG', (_label, options, reason) => {
      // Act
      let error: SeverVerifyError | undefined;
      try {
        createVerifier({ registry: new StubRegistry(), issuer: ISSUER, audience: AUDIENCE, ...(options as object) } as VerifierOptions);
      } catch (caught) {
        error = caught as SeverVerifyError;
      }

      // Assess
      expect(error?.code).toBe('ERR_VERIFIER_CONFIG');
      expect(error?.message).toContain(reason);
    });
  });

  describe('Method: status', () => {
    it('reports cache ages and sizes', async () => {
      // Prepare
      const { clock, registry, verifier } = setup({}, [oldKey, newKey]);
      registry.revokeKid('gone');
      registry.revokeSubject('mallory', T0_SECONDS);
      await verifier.ready();
      clock.advance(1_500);

      // Act
      const status = verifier.status();

      // Assess
      expect(status).toEqual({ jwksAgeMs: 1_500, registryAgeMs: 1_500, kids: 2, revokedKids: 1, revokedSubjects: 1 });
    });
  });
});
