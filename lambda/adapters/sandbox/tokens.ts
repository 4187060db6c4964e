import type { JSONWebKeySet } from 'jose';
import { parseJwksDocument, serializeJwksDocument, toJsonWebKeySet, withKey, withoutKey } from '../../core/tokens/jwks.js';
import { formatJwksLocation } from '../../core/tokens/jwks-location.js';
import type {
  JwksDocument,
  JwksLocation,
  KidRevocation,
  PublicJwk,
  RevocationSnapshot,
  SubjectRevocation,
  VersionedJwks,
} from '../../core/tokens/model.js';
import type {
  JwksChange,
  JwksPublisher,
  KidRevocationDetails,
  RevocationRegistry,
  RevocationRegistryReader,
  RevocationWrite,
  SubjectRevocationDetails,
} from '../../core/tokens/ports.js';
import {
  type ConditionalJwksStore,
  type ConditionalWrite,
  DEFAULT_JWKS_MAX_ATTEMPTS,
  updateJwksConditionally,
} from '../../core/tokens/publish.js';
import {
  kidRevocationItem,
  type RevocationItem,
  revocationSnapshotFromItems,
  subjectRevocationItem,
} from '../../core/tokens/revocation.js';

interface StoredJwks {
  readonly text: string;
  readonly version: number;
}

/**
 * The sandbox's JWKS store: one serialised document per location with a version counter, and the
 * same compare-and-swap contract as S3 conditional writes. Reads and writes yield to the event
 * loop, so concurrent rotations in one process really interleave and really conflict.
 *
 * @example
 * ```ts
 * const jwks = new InMemoryJwksPublisher();
 * await jwks.publish({ kind: 's3', bucket: 'sandbox-jwks', key: 'app.json' }, jwk);
 * const verifier = createVerifier({ jwks: jwks.source(location), registry, issuer, audience });
 * ```
 */
export class InMemoryJwksPublisher implements JwksPublisher {
  readonly #objects = new Map<string, StoredJwks>();
  readonly #maxAttempts: number;
  #conflicts = 0;

  constructor(options: { readonly maxAttempts?: number } = {}) {
    this.#maxAttempts = options.maxAttempts ?? DEFAULT_JWKS_MAX_ATTEMPTS;
  }

  /** How many conditional writes lost a race so far (each was retried). */
  get conflicts(): number {
    return this.#conflicts;
  }

  publish(location: JwksLocation, jwk: PublicJwk): Promise<JwksChange> {
    return this.#update(location, (document) => withKey(document, jwk));
  }

  remove(location: JwksLocation, kid: string): Promise<JwksChange> {
    return this.#update(location, (document) => withoutKey(document, kid));
  }

  async read(location: JwksLocation): Promise<VersionedJwks | undefined> {
    await yieldToEventLoop();
    const stored = this.#objects.get(formatJwksLocation(location));
    if (stored === undefined) return undefined;
    return {
      document: parseJwksDocument(stored.text, formatJwksLocation(location)),
      version: String(stored.version),
    };
  }

  /** What a verifier fetches from `location`: the public JWK Set (an empty one if nothing is there). */
  source(location: JwksLocation): () => Promise<JSONWebKeySet> {
    return async () => {
      const current = await this.read(location);
      return current === undefined ? { keys: [] } : toJsonWebKeySet(current.document);
    };
  }

  #update(location: JwksLocation, change: (document: JwksDocument) => JwksDocument): Promise<JwksChange> {
    const store: ConditionalJwksStore = {
      read: () => this.read(location),
      writeIfUnchanged: (document, expectedVersion) => this.#writeIfUnchanged(location, document, expectedVersion),
    };
    return updateJwksConditionally(store, change, {
      maxAttempts: this.#maxAttempts,
      describe: formatJwksLocation(location),
    });
  }

  async #writeIfUnchanged(location: JwksLocation, document: JwksDocument, expectedVersion: string | undefined): Promise<ConditionalWrite> {
    await yieldToEventLoop();
    const id = formatJwksLocation(location);
    const stored = this.#objects.get(id);
    const current = stored === undefined ? undefined : String(stored.version);
    if (current !== expectedVersion) {
      this.#conflicts += 1;
      return { written: false };
    }
    const version = (stored?.version ?? 0) + 1;
    this.#objects.set(id, { text: serializeJwksDocument(document), version });
    return { written: true, version: String(version), requestId: `sandbox-jwks-${id}-v${version}` };
  }
}

/**
 * The sandbox's revocation registry, writer and reader in one. Stores the same items the
 * DynamoDB table holds and applies the same conditions (first kid revocation wins, the latest
 * subject notBefore wins), so verifiers behave as they would on AWS.
 *
 * @example
 * ```ts
 * const registry = new InMemoryRevocationRegistry();
 * await registry.revokeKid(kid, { revokedAt: clock.now(), caseId, keyArn });
 * const verifier = createVerifier({ jwks, registry, issuer, audience });
 * ```
 */
export class InMemoryRevocationRegistry implements RevocationRegistry, RevocationRegistryReader {
  readonly #items = new Map<string, RevocationItem>();
  #writes = 0;

  async revokeKid(kid: string, details: KidRevocationDetails): Promise<RevocationWrite> {
    await yieldToEventLoop();
    const item = kidRevocationItem(kid, details);
    if (this.#items.has(item.pk)) return { changed: false };
    return this.#store(item.pk, item);
  }

  async revokeSubject(sub: string, details: SubjectRevocationDetails): Promise<RevocationWrite> {
    await yieldToEventLoop();
    const item = subjectRevocationItem(sub, details);
    const existing = this.#items.get(item.pk);
    if (existing?.kind === 'sub' && existing.notBefore >= item.notBefore) {
      return { changed: false };
    }
    return this.#store(item.pk, item);
  }

  async readAll(): Promise<RevocationSnapshot> {
    await yieldToEventLoop();
    return revocationSnapshotFromItems(this.#items.values());
  }

  /** Synchronous view for the sandbox's own reports and tests. */
  get kids(): ReadonlyMap<string, KidRevocation> {
    return revocationSnapshotFromItems(this.#items.values()).kids;
  }

  get subjects(): ReadonlyMap<string, SubjectRevocation> {
    return revocationSnapshotFromItems(this.#items.values()).subjects;
  }

  #store(pk: string, item: RevocationItem): RevocationWrite {
    this.#items.set(pk, { ...item });
    this.#writes += 1;
    return { changed: true, requestId: `sandbox-revocation-${this.#writes}` };
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
