import { describe, expect, it } from 'vitest';
import type { TokensError } from '../../../../lambda/core/tokens/errors.js';
import { EMPTY_JWKS, withKey } from '../../../../lambda/core/tokens/jwks.js';
import type { JwksDocument, PublicJwk, VersionedJwks } from '../../../../lambda/core/tokens/model.js';
import { type ConditionalJwksStore, type ConditionalWrite, updateJwksConditionally } from '../../../../lambda/core/tokens/publish.js';

const jwk = (kid: string): PublicJwk => ({ kty: 'EC', crv: 'P-256', x: `x-${kid}`, y: `y-${kid}`, kid });

/** A compare-and-swap store whose `beforeWrite` hook can play another writer. */
class FakeStore implements ConditionalJwksStore {
  current: VersionedJwks | undefined;
  writes: { document: JwksDocument; expected: string | undefined }[] = [];
  beforeWrite: () => void = () => {};
  #counter = 0;

  async read(): Promise<VersionedJwks | undefined> {
    return this.current;
  }

  async writeIfUnchanged(document: JwksDocument, expected: string | undefined): Promise<ConditionalWrite> {
    this.beforeWrite();
    this.writes.push({ document, expected });
    if (this.current?.version !== expected) return { written: false };
    this.#counter += 1;
    this.current = { document, version: `v${this.#counter}` };
    return { written: true, version: `v${this.#counter}`, requestId: `req-${this.#counter}` };
  }

  /** Another writer's change landing out of band. */
  interfere(document: JwksDocument): void {
    this.#counter += 1;
    this.current = { document, version: `v${this.#counter}` };
  }
}

describe('Function: updateJwksConditionally', () => {
  it('creates the document when nothing is stored (expects absence)', async () => {
    // Prepare
    const store = new FakeStore();

    // Act
    const change = await updateJwksConditionally(store, (doc) => withKey(doc, jwk('a')), { describe: 'test' });

    // Assess
    expect(change).toEqual({ version: 'v1', changed: true, requestId: 'req-1' });
    expect(store.writes).toEqual([{ document: withKey(EMPTY_JWKS, jwk('a')), expected: undefined }]);
  });

  it('skips the write when the change is already there', async () => {
    // Prepare
    const store = new FakeStore();
    store.current = { document: withKey(EMPTY_JWKS, jwk('a')), version: 'etag-1' };

    // Act
    const change = await updateJwksConditionally(store, (doc) => withKey(doc, jwk('a')), { describe: 'test' });

    // Assess
    expect(change).toEqual({ version: 'etag-1', changed: false });
    expect(store.writes).toHaveLength(0);
  });

  it("re-reads after losing a race and keeps the other writer's key", async () => {
    // Prepare
    const store = new FakeStore();
    store.current = { document: EMPTY_JWKS, version: 'v0' };
    let interfered = false;
    store.beforeWrite = () => {
      if (!interfered) store.interfere(withKey(EMPTY_JWKS, jwk('other')));
      interfered = true;
    };

    // Act
    const change = await updateJwksConditionally(store, (doc) => withKey(doc, jwk('mine')), { describe: 'test' });

    // Assess
    expect(change.changed).toBe(true);
    expect(store.writes.map((write) => write.expected)).toEqual(['v0', 'v1']);
    expect(store.current?.document.keys.map((key) => key.kid)).toEqual(['mine', 'other']);
  });

  it('gives up with ERR_JWKS_CONFLICT after maxAttempts lost races', async () => {
    // Prepare
    const store = new FakeStore();
    store.current = { document: EMPTY_JWKS, version: 'v0' };
    let n = 0;
    store.beforeWrite = () => {
      n += 1;
      store.interfere(withKey(EMPTY_JWKS, jwk(`other-${n}`)));
    };

    // Act
    const error = await updateJwksConditionally(store, (doc) => withKey(doc, jwk('mine')), {
      describe: 's3://acme-jwks/jwks.json',
      maxAttempts: 3,
    }).then(
      () => undefined,
      (caught: unknown) => caught as TokensError,
    );

    // Assess
    expect(error?.code).toBe('ERR_JWKS_CONFLICT');
    expect(error?.message).toContain('s3://acme-jwks/jwks.json');
    expect(store.writes).toHaveLength(3);
  });
});
