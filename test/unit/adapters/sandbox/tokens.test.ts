import { describe, expect, it } from 'vitest';
import { InMemoryJwksPublisher, InMemoryRevocationRegistry } from '../../../../lambda/adapters/sandbox/tokens.js';
import type { TokensError } from '../../../../lambda/core/tokens/errors.js';
import type { JwksLocation, PublicJwk } from '../../../../lambda/core/tokens/model.js';

const LOCATION: JwksLocation = { kind: 's3', bucket: 'sandbox-jwks', key: 'app.json' };
const jwk = (kid: string): PublicJwk => ({ kty: 'EC', crv: 'P-256', x: `x-${kid}`, y: `y-${kid}`, kid });

describe('Class: InMemoryJwksPublisher', () => {
  describe('Method: publish', () => {
    it('numbers versions and skips writes that change nothing', async () => {
      // Prepare
      const jwks = new InMemoryJwksPublisher();

      // Act
      const first = await jwks.publish(LOCATION, jwk('a'));
      const again = await jwks.publish(LOCATION, jwk('a'));
      const second = await jwks.publish(LOCATION, jwk('b'));

      // Assess
      expect([first.version, again.version, second.version]).toEqual(['1', '1', '2']);
      expect(again.changed).toBe(false);
    });

    it('keeps both keys when two rotations publish to one JWKS at once', async () => {
      // Prepare
      const jwks = new InMemoryJwksPublisher();
      await jwks.publish(LOCATION, jwk('existing'));

      // Act
      await Promise.all([jwks.publish(LOCATION, jwk('rotation-a')), jwks.publish(LOCATION, jwk('rotation-b'))]);

      // Assess
      const stored = await jwks.read(LOCATION);
      expect(stored?.document.keys.map((key) => key.kid)).toEqual(['existing', 'rotation-a', 'rotation-b']);
      expect(stored?.version).toBe('3');
      // The rotations really raced: one conditional write lost and was retried.
      expect(jwks.conflicts).toBe(1);
    });

    it('gives up with ERR_JWKS_CONFLICT when more writers race than it has attempts', async () => {
      // Prepare
      const jwks = new InMemoryJwksPublisher({ maxAttempts: 1 });

      // Act
      const results = await Promise.allSettled([jwks.publish(LOCATION, jwk('a')), jwks.publish(LOCATION, jwk('b'))]);

      // Assess
      const rejected = results.filter((result) => result.status === 'rejected');
      expect(rejected).toHaveLength(1);
      expect(((rejected[0] as PromiseRejectedResult).reason as TokensError).code).toBe('ERR_JWKS_CONFLICT');
    });
  });

  describe('Method: remove', () => {
    it('retires the kid so it never comes back', async () => {
      // Prepare
      const jwks = new InMemoryJwksPublisher();
      await jwks.publish(LOCATION, jwk('old'));

      // Act
      await jwks.remove(LOCATION, 'old');
      const republish = await jwks.publish(LOCATION, jwk('old')).catch((caught: unknown) => caught as TokensError);

      // Assess
      expect((republish as TokensError).code).toBe('ERR_JWK_RETIRED');
      expect(await jwks.source(LOCATION)()).toEqual({ keys: [] });
    });
  });

  describe('Method: source', () => {
    it('serves the current public keys, and an empty set for a location never written', async () => {
      // Prepare
      const jwks = new InMemoryJwksPublisher();
      await jwks.publish(LOCATION, jwk('a'));

      // Act
      const served = await jwks.source(LOCATION)();
      const elsewhere = await jwks.source({ kind: 'ssm', name: '/other' })();

      // Assess
      expect(served).toEqual({ keys: [jwk('a')] });
      expect(elsewhere).toEqual({ keys: [] });
    });
  });
});

describe('Class: InMemoryRevocationRegistry', () => {
  describe('Method: revokeKid', () => {
    it('keeps the first revocation of a kid', async () => {
      // Prepare
      const registry = new InMemoryRevocationRegistry();
      await registry.revokeKid('k1', { revokedAt: new Date(1_000), caseId: 'first', keyArn: 'arn:k' });

      // Act
      const again = await registry.revokeKid('k1', { revokedAt: new Date(2_000), caseId: 'second', keyArn: 'arn:k' });

      // Assess
      expect(again.changed).toBe(false);
      expect((await registry.readAll()).kids.get('k1')?.caseId).toBe('first');
    });
  });

  describe('Method: revokeSubject', () => {
    it('moves notBefore forward, never back', async () => {
      // Prepare
      const registry = new InMemoryRevocationRegistry();
      await registry.revokeSubject('alice', { notBefore: new Date(10_000), caseId: 'c1' });

      // Act
      const earlier = await registry.revokeSubject('alice', { notBefore: new Date(5_000), caseId: 'c0' });
      const later = await registry.revokeSubject('alice', { notBefore: new Date(20_000), caseId: 'c2' });

      // Assess
      expect([earlier.changed, later.changed]).toEqual([false, true]);
      expect(registry.subjects.get('alice')).toEqual({ sub: 'alice', notBefore: 20, caseId: 'c2' });
    });
  });
});
