import {
  type CryptoKey,
  createLocalJWKSet,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTVerifyOptions,
  type JWTVerifyResult,
  jwtVerify,
} from 'jose';
import type { Clock } from '../core/ports.js';
import type { JwsAlgorithm } from '../core/tokens/jwk.js';
import type { RevocationSnapshot } from '../core/tokens/model.js';
import type { RevocationRegistryReader } from '../core/tokens/ports.js';
import { SeverVerifyError } from './errors.js';
import { type JwksSource, jwksFromUrl } from './jwks-source.js';

/**
 * Asymmetric JWS algorithms only: a JWKS is public, and `none` is never acceptable. The ones
 * Sever publishes, plus jose's fully specified `Ed25519` name for EdDSA.
 */
export type VerifierAlgorithm = JwsAlgorithm | 'Ed25519';

export const DEFAULT_VERIFIER_ALGORITHMS: readonly VerifierAlgorithm[] = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
  'Ed25519',
];

export interface VerifierOptions {
  /** HTTPS URL of the JWKS. Exactly one of `jwksUrl` and `jwks`. */
  readonly jwksUrl?: string | URL;
  /** A fixed JWK Set, or a function that fetches the current one (S3, SSM, the sandbox …). */
  readonly jwks?: JSONWebKeySet | JwksSource;
  readonly registry: RevocationRegistryReader;
  readonly issuer: string | readonly string[];
  readonly audience: string | readonly string[];
  /** @default DEFAULT_VERIFIER_ALGORITHMS */
  readonly algorithms?: readonly VerifierAlgorithm[];
  /**
   * Longest time the verifier trusts a registry read. Past it every token is rejected with
   * `ERR_REGISTRY_STALE` until a read succeeds, so a revocation is enforced within this bound
   * even if the registry becomes unreachable. Also the JWKS refresh period.
   * @default 30_000
   */
  readonly maxStalenessMs?: number;
  /**
   * Fraction of `maxStalenessMs` after which a verify call starts a background refresh (without
   * waiting for it), so the hot path does no I/O while the cache is healthy.
   * @default 0.5
   */
  readonly refreshAfterFraction?: number;
  /** Minimum time between two refresh attempts of one source, so an outage causes no storm. @default maxStalenessMs / 10 */
  readonly retryIntervalMs?: number;
  /** Minimum time between JWKS refreshes forced by unknown kids (key rollover). @default 1_000 */
  readonly unknownKidCooldownMs?: number;
  /** Longest a verify call waits for a refresh it needs (first load, stale registry). @default 5_000 */
  readonly refreshTimeoutMs?: number;
  /** Time source for staleness and for `exp`/`nbf`/`iat` checks. @default the system clock */
  readonly clock?: Clock;
  /** Passed to jose. */
  readonly clockTolerance?: string | number;
  /** Passed to jose. */
  readonly maxTokenAge?: string | number;
  /** Passed to jose. */
  readonly requiredClaims?: readonly string[];
  /** Passed to jose. */
  readonly typ?: string;
  /** For `jwksUrl`. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Told about every failed refresh (background ones included). Receives no token data. */
  readonly onRefreshError?: (source: 'jwks' | 'registry', error: unknown) => void;
}

/** Ages and sizes of the verifier's caches, for health checks and metrics. */
export interface VerifierStatus {
  /** Milliseconds since the JWKS was last read successfully; `undefined` before the first read. */
  readonly jwksAgeMs: number | undefined;
  readonly registryAgeMs: number | undefined;
  readonly kids: number;
  readonly revokedKids: number;
  readonly revokedSubjects: number;
}

export interface Verifier {
  /**
   * Verifies signature and claims with jose, then Sever's revocations.
   * @throws SeverVerifyError (see {@link SeverVerifyErrorCode}) or a jose error, each with a stable `code`.
   */
  verify(token: string): Promise<JWTVerifyResult>;
  /** Loads JWKS and registry now (e.g. at cold start). Rejects if either cannot be loaded. */
  ready(): Promise<void>;
  status(): VerifierStatus;
}

interface LoadedJwks {
  readonly keySet: (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;
  readonly kids: ReadonlySet<string>;
}

const SYSTEM_CLOCK: Clock = { now: () => new Date() };

/**
 * Creates a JWT verifier that, on top of jose's checks, rejects tokens whose signing key or
 * subject Sever revoked, and fails closed when it cannot know about revocations.
 *
 * JWKS and registry are cached and refreshed in the background once older than
 * `refreshAfterFraction × maxStalenessMs`; a token whose kid is not in the cached JWKS triggers
 * one (rate-limited) refresh so a key rollover is picked up immediately.
 *
 * @example
 * ```ts
 * import { createVerifier, DynamoDbRevocationReader } from './verify/index.js';
 *
 * const verifier = createVerifier({
 *   jwksUrl: 'https://keys.example.com/payments/jwks.json',
 *   registry: new DynamoDbRevocationReader({ tableName: 'sever-revocations' }),
 *   issuer: 'https://auth.example.com',
 *   audience: 'payments-api',
 * });
 * const { payload } = await verifier.verify(bearerToken);
 * ```
 * @throws SeverVerifyError `ERR_VERIFIER_CONFIG` for unusable options.
 */
export function createVerifier(options: VerifierOptions): Verifier {
  return new JwtVerifier(options);
}

class JwtVerifier implements Verifier {
  readonly #clock: Clock;
  readonly #systemClock: boolean;
  readonly #maxStalenessMs: number;
  readonly #refreshAfterMs: number;
  readonly #retryIntervalMs: number;
  readonly #unknownKidCooldownMs: number;
  readonly #refreshTimeoutMs: number;
  readonly #joseOptions: Omit<JWTVerifyOptions, 'currentDate'>;
  readonly #jwks: Cached<LoadedJwks>;
  readonly #registry: Cached<RevocationSnapshot>;
  readonly #refreshable: boolean;
  #lastForcedJwksRefresh = Number.NEGATIVE_INFINITY;

  constructor(options: VerifierOptions) {
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#systemClock = options.clock === undefined;
    this.#maxStalenessMs = positive(options.maxStalenessMs ?? 30_000, 'maxStalenessMs');
    const fraction = options.refreshAfterFraction ?? 0.5;
    if (!(fraction > 0 && fraction <= 1)) {
      throw new SeverVerifyError('ERR_VERIFIER_CONFIG', `refreshAfterFraction must be in (0, 1], got ${fraction}`);
    }
    this.#refreshAfterMs = this.#maxStalenessMs * fraction;
    this.#retryIntervalMs = nonNegative(options.retryIntervalMs ?? this.#maxStalenessMs / 10, 'retryIntervalMs');
    this.#unknownKidCooldownMs = nonNegative(options.unknownKidCooldownMs ?? 1_000, 'unknownKidCooldownMs');
    this.#refreshTimeoutMs = positive(options.refreshTimeoutMs ?? 5_000, 'refreshTimeoutMs');
    this.#joseOptions = joseOptions(options);

    const now = () => this.#clock.now().getTime();
    const report = options.onRefreshError ?? (() => {});
    const source = jwksSource(options);
    this.#refreshable = typeof source === 'function';
    this.#jwks =
      typeof source === 'function'
        ? new Cached(
            async () => loadJwks(await source()),
            now,
            (error) => report('jwks', error),
          )
        : Cached.of(loadStaticJwks(source), now());
    this.#registry = new Cached(
      () => options.registry.readAll(),
      now,
      (error) => report('registry', error),
    );
  }

  async verify(token: string): Promise<JWTVerifyResult> {
    const now = this.#clock.now();
    const nowMs = now.getTime();
    // Awaited only when there is something to wait for: fresh caches cost no extra tick.
    const registryPending = this.#ensureRegistry(nowMs);
    const jwksPending = this.#ensureJwks(nowMs);
    if (registryPending !== undefined || jwksPending !== undefined) await Promise.all([registryPending, jwksPending]);
    // With the system clock jose reads the same time itself; the shared options object then
    // saves an allocation per call on the hot path.
    const result = await jwtVerify(
      token,
      this.#resolveKey,
      this.#systemClock ? this.#joseOptions : { ...this.#joseOptions, currentDate: now },
    );
    this.#checkSubject(result);
    return result;
  }

  async ready(): Promise<void> {
    const nowMs = this.#clock.now().getTime();
    await Promise.all([this.#ensureRegistry(nowMs), this.#ensureJwks(nowMs)]);
  }

  status(): VerifierStatus {
    const nowMs = this.#clock.now().getTime();
    const age = (cached: Cached<unknown>) => (cached.value === undefined ? undefined : nowMs - cached.loadedAt);
    return {
      jwksAgeMs: age(this.#jwks),
      registryAgeMs: age(this.#registry),
      kids: this.#jwks.value?.kids.size ?? 0,
      revokedKids: this.#registry.value?.kids.size ?? 0,
      revokedSubjects: this.#registry.value?.subjects.size ?? 0,
    };
  }

  /** Returns without awaiting anything while the registry is fresh: the hot path. */
  #ensureRegistry(nowMs: number): Promise<void> | undefined {
    const registry = this.#registry;
    const age = nowMs - registry.loadedAt;
    if (age <= this.#maxStalenessMs) {
      if (age > this.#refreshAfterMs) this.#backgroundRefresh(registry, nowMs);
      return undefined;
    }
    return this.#refreshStaleRegistry(nowMs);
  }

  async #refreshStaleRegistry(nowMs: number): Promise<void> {
    const registry = this.#registry;
    // Right after a failed attempt, fail fast instead of stalling every request on a dead registry.
    if (registry.inFlight !== undefined || nowMs - registry.attemptedAt >= this.#retryIntervalMs) {
      await this.#bounded(registry.refresh());
    }
    const age = this.#clock.now().getTime() - registry.loadedAt;
    if (age > this.#maxStalenessMs) {
      const last = registry.value === undefined ? 'never' : `${Math.round(age / 1000)} s ago`;
      throw new SeverVerifyError(
        'ERR_REGISTRY_STALE',
        `Revocation registry last read successfully ${last}; the bound is ${this.#maxStalenessMs} ms`,
        { cause: registry.lastError },
      );
    }
  }

  #ensureJwks(nowMs: number): Promise<void> | undefined {
    const jwks = this.#jwks;
    if (jwks.value === undefined) return this.#loadJwksFirstTime();
    // Past the bound the cached JWKS stays in use: revocation is enforced by the registry, which
    // fails closed, so a JWKS outage costs only rollovers, not security.
    if (this.#refreshable && nowMs - jwks.loadedAt > this.#refreshAfterMs) this.#backgroundRefresh(jwks, nowMs);
    return undefined;
  }

  async #loadJwksFirstTime(): Promise<void> {
    const jwks = this.#jwks;
    if (jwks.inFlight !== undefined || this.#clock.now().getTime() - jwks.attemptedAt >= this.#retryIntervalMs) {
      await this.#bounded(jwks.refresh());
    }
    if (this.#jwks.value === undefined) {
      throw new SeverVerifyError('ERR_JWKS_UNAVAILABLE', 'The JWKS could not be loaded', { cause: this.#jwks.lastError });
    }
  }

  #backgroundRefresh(cached: Cached<unknown>, nowMs: number): void {
    if (cached.inFlight === undefined && nowMs - cached.attemptedAt >= this.#retryIntervalMs) {
      void cached.refresh();
    }
  }

  /**
   * jose calls this after it has checked `alg` against the allow-list, before the signature.
   * Not `async`: on the hot path it hands back jose's own key lookup without another promise.
   */
  readonly #resolveKey = (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    const kid = header.kid;
    if (typeof kid !== 'string' || kid === '') {
      throw new SeverVerifyError('ERR_KID_MISSING', 'The token header has no "kid"; its key cannot be checked for revocation');
    }
    const registry = this.#registry.value;
    if (registry === undefined) {
      throw new SeverVerifyError('ERR_REGISTRY_STALE', 'The revocation registry has never been read');
    }
    // Checked before the JWKS: a revoked key is usually also gone from the JWKS, and
    // "revoked" is the truer answer than "unknown".
    if (registry.kids.has(kid)) {
      throw new SeverVerifyError('ERR_KEY_REVOKED', `Signing key "${kid}" was revoked`);
    }
    const jwks = this.#jwks.value;
    if (jwks?.kids.has(kid)) return jwks.keySet(header, token);
    return this.#resolveUnknownKid(kid, header, token);
  };

  async #resolveUnknownKid(kid: string, header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    await this.#refreshForUnknownKid();
    const jwks = this.#jwks.value;
    if (jwks === undefined || !jwks.kids.has(kid)) {
      throw new SeverVerifyError('ERR_UNKNOWN_KID', `Signing key "${kid}" is not in the JWKS`);
    }
    return jwks.keySet(header, token);
  }

  async #refreshForUnknownKid(): Promise<void> {
    const jwks = this.#jwks;
    if (!this.#refreshable) return;
    if (jwks.inFlight !== undefined) {
      await this.#bounded(jwks.inFlight);
      return;
    }
    // Only forced refreshes count against the cooldown: a rollover right after a scheduled
    // refresh must still be picked up, while a flood of made-up kids costs one fetch per cooldown.
    const nowMs = this.#clock.now().getTime();
    if (nowMs - this.#lastForcedJwksRefresh >= this.#unknownKidCooldownMs) {
      this.#lastForcedJwksRefresh = nowMs;
      await this.#bounded(jwks.refresh());
    }
  }

  #checkSubject(result: JWTVerifyResult): void {
    const { sub, iat } = result.payload;
    if (sub === undefined) return;
    const revocation = this.#registry.value?.subjects.get(sub);
    if (revocation === undefined) return;
    // A token without iat cannot prove it was issued after the revocation.
    if (typeof iat !== 'number' || iat < revocation.notBefore) {
      throw new SeverVerifyError(
        'ERR_SUBJECT_REVOKED',
        `Tokens of subject "${sub}" issued before ${new Date(revocation.notBefore * 1000).toISOString()} were revoked`,
      );
    }
  }

  /** Waits for `refresh` at most `refreshTimeoutMs`; the refresh itself carries on either way. */
  async #bounded(refresh: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#refreshTimeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([refresh, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A cached value and its refresh. `loadedAt` is when the successful read *started*: the value
 * describes the source at least that fresh, never fresher, so staleness is never underestimated.
 */
class Cached<T> {
  value: T | undefined;
  loadedAt = Number.NEGATIVE_INFINITY;
  attemptedAt = Number.NEGATIVE_INFINITY;
  lastError: unknown;
  inFlight: Promise<void> | undefined;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly now: () => number,
    private readonly onError: (error: unknown) => void,
  ) {}

  static of<T>(value: T, at: number): Cached<T> {
    const cached = new Cached<T>(
      () => Promise.resolve(value),
      () => at,
      () => {},
    );
    cached.value = value;
    cached.loadedAt = at;
    return cached;
  }

  /** Never rejects: failures land in `lastError` and `onError`. One refresh at a time. */
  refresh(): Promise<void> {
    if (this.inFlight !== undefined) return this.inFlight;
    const startedAt = this.now();
    this.attemptedAt = startedAt;
    const run = async () => {
      try {
        this.value = await this.load();
        this.loadedAt = startedAt;
        this.lastError = undefined;
      } catch (error) {
        this.lastError = error;
        this.onError(error);
      } finally {
        this.inFlight = undefined;
      }
    };
    this.inFlight = run();
    return this.inFlight;
  }
}

function jwksSource(options: VerifierOptions): JSONWebKeySet | JwksSource {
  if ((options.jwksUrl === undefined) === (options.jwks === undefined)) {
    throw new SeverVerifyError('ERR_VERIFIER_CONFIG', 'Give exactly one of jwksUrl and jwks');
  }
  if (options.jwksUrl !== undefined) {
    return jwksFromUrl(options.jwksUrl, options.fetch === undefined ? {} : { fetch: options.fetch });
  }
  return options.jwks as JSONWebKeySet | JwksSource;
}

function loadJwks(set: JSONWebKeySet): LoadedJwks {
  let keySet: LoadedJwks['keySet'];
  try {
    keySet = createLocalJWKSet(set);
  } catch (cause) {
    throw new SeverVerifyError('ERR_JWKS_UNAVAILABLE', 'The JWKS is not a valid JWK Set', { cause });
  }
  const kids = new Set(set.keys.flatMap((jwk) => (typeof jwk.kid === 'string' ? [jwk.kid] : [])));
  return { keySet, kids };
}

function loadStaticJwks(set: JSONWebKeySet): LoadedJwks {
  try {
    return loadJwks(set);
  } catch (cause) {
    throw new SeverVerifyError('ERR_VERIFIER_CONFIG', 'options.jwks is not a valid JWK Set', { cause });
  }
}

function joseOptions(options: VerifierOptions): Omit<JWTVerifyOptions, 'currentDate'> {
  const algorithms = options.algorithms ?? DEFAULT_VERIFIER_ALGORITHMS;
  const allowed = new Set<string>(DEFAULT_VERIFIER_ALGORITHMS);
  const refused = algorithms.filter((alg) => !allowed.has(alg));
  if (algorithms.length === 0 || refused.length > 0) {
    throw new SeverVerifyError(
      'ERR_VERIFIER_CONFIG',
      `algorithms must be a non-empty subset of ${DEFAULT_VERIFIER_ALGORITHMS.join(', ')}${refused.length > 0 ? `; refused: ${refused.join(', ')}` : ''}`,
    );
  }
  if (options.issuer.length === 0 || options.audience.length === 0) {
    throw new SeverVerifyError('ERR_VERIFIER_CONFIG', 'issuer and audience must not be empty');
  }
  return {
    issuer: typeof options.issuer === 'string' ? options.issuer : [...options.issuer],
    audience: typeof options.audience === 'string' ? options.audience : [...options.audience],
    algorithms: [...algorithms],
    ...(options.clockTolerance === undefined ? {} : { clockTolerance: options.clockTolerance }),
    ...(options.maxTokenAge === undefined ? {} : { maxTokenAge: options.maxTokenAge }),
    ...(options.requiredClaims === undefined ? {} : { requiredClaims: [...options.requiredClaims] }),
    ...(options.typ === undefined ? {} : { typ: options.typ }),
  };
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new SeverVerifyError('ERR_VERIFIER_CONFIG', `${name} must be a positive number of milliseconds, got ${value}`);
  }
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new SeverVerifyError('ERR_VERIFIER_CONFIG', `${name} must be a non-negative number of milliseconds, got ${value}`);
  }
  return value;
}
