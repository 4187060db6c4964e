import { type JSONWebKeySet, SignJWT } from 'jose';
import type { Clock } from '../../../lambda/core/ports.js';
import type { KidRevocation, RevocationSnapshot, SubjectRevocation } from '../../../lambda/core/tokens/model.js';
import type { RevocationRegistryReader } from '../../../lambda/core/tokens/ports.js';
import type { TestSigningKey } from '../core/tokens/fixtures.js';

export const ISSUER = 'https://auth.example.com';
export const AUDIENCE = 'payments-api';
export const T0 = Date.parse('2025-03-01T09:00:00.000Z');
export const T0_SECONDS = T0 / 1000;

export class ManualClock implements Clock {
  #ms: number;

  constructor(ms = T0) {
    this.#ms = ms;
  }

  now(): Date {
    return new Date(this.#ms);
  }

  advance(ms: number): void {
    this.#ms += ms;
  }
}

/** A registry whose contents and availability the test controls, counting reads. */
export class StubRegistry implements RevocationRegistryReader {
  readonly kids = new Map<string, KidRevocation>();
  readonly subjects = new Map<string, SubjectRevocation>();
  reads = 0;
  failure: Error | undefined;
  /** When set, reads never settle (a black-holed network). */
  hang = false;

  async readAll(): Promise<RevocationSnapshot> {
    this.reads += 1;
    if (this.hang) return new Promise<RevocationSnapshot>(() => {});
    if (this.failure !== undefined) throw this.failure;
    return { kids: new Map(this.kids), subjects: new Map(this.subjects) };
  }

  revokeKid(kid: string): void {
    this.kids.set(kid, {
      kid,
      revokedAt: new Date(T0).toISOString(),
      caseId: 'case-1',
      keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k',
    });
  }

  revokeSubject(sub: string, notBefore: number): void {
    this.subjects.set(sub, { sub, notBefore, caseId: 'case-1' });
  }
}

/** A JWKS endpoint the test can change, counting fetches. */
export class StubJwks {
  keys: TestSigningKey[] = [];
  fetches = 0;
  failure: Error | undefined;

  constructor(...keys: TestSigningKey[]) {
    this.keys = keys;
  }

  readonly source = async (): Promise<JSONWebKeySet> => {
    this.fetches += 1;
    if (this.failure !== undefined) throw this.failure;
    return { keys: this.keys.map((key) => key.jwk) };
  };
}

export interface TokenClaims {
  readonly sub?: string;
  readonly iss?: string;
  readonly aud?: string;
  /** Seconds. `null` leaves iat out. @default T0_SECONDS */
  readonly iat?: number | null;
  /** Seconds. @default iat + 600 */
  readonly exp?: number;
  /** `null` leaves the kid out of the header. */
  readonly kid?: string | null;
}

export async function sign(key: TestSigningKey, claims: TokenClaims = {}): Promise<string> {
  const iat = claims.iat === undefined ? T0_SECONDS : claims.iat;
  const kid = claims.kid === undefined ? key.jwk.kid : claims.kid;
  const jwt = new SignJWT({})
    .setProtectedHeader(kid === null ? { alg: key.alg } : { alg: key.alg, kid })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setSubject(claims.sub ?? 'alice')
    .setExpirationTime(claims.exp ?? (iat ?? T0_SECONDS) + 600);
  if (iat !== null) jwt.setIssuedAt(iat);
  return jwt.sign(key.privateKey);
}

/** Lets promises started in the background (refreshes) settle; no time passes. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
