import { TokensError } from './errors.js';
import { EMPTY_JWKS } from './jwks.js';
import type { JwksDocument, VersionedJwks } from './model.js';
import type { JwksChange } from './ports.js';

/** How many read-modify-write rounds a JWKS change gets before it gives up. */
export const DEFAULT_JWKS_MAX_ATTEMPTS = 5;

/** A write that only lands if the stored version is still the one the writer read. */
export type ConditionalWrite =
  | { readonly written: true; readonly version: string; readonly requestId?: string }
  | { readonly written: false };

/** One JWKS in a store with compare-and-swap (S3 conditional writes, the sandbox). */
export interface ConditionalJwksStore {
  read(): Promise<VersionedJwks | undefined>;
  /**
   * Stores `document` only if the stored version still equals `expectedVersion`
   * (`undefined`: only if nothing is stored yet). Returns `{ written: false }` on a mismatch.
   */
  writeIfUnchanged(document: JwksDocument, expectedVersion: string | undefined): Promise<ConditionalWrite>;
}

export interface ConditionalUpdateOptions {
  /** @default DEFAULT_JWKS_MAX_ATTEMPTS */
  readonly maxAttempts?: number;
  /** Names the JWKS in errors, e.g. `s3://bucket/jwks.json`. */
  readonly describe: string;
}

/**
 * Read → change → conditional write, re-reading on a version mismatch. A mismatch means another
 * writer's change landed, so every round some writer makes progress and a small bound suffices;
 * no back-off is needed because the loser re-reads a document that already includes the winner.
 *
 * @throws TokensError `ERR_JWKS_CONFLICT` after `maxAttempts` mismatches; whatever `change` throws.
 */
export async function updateJwksConditionally(
  store: ConditionalJwksStore,
  change: (document: JwksDocument) => JwksDocument,
  options: ConditionalUpdateOptions,
): Promise<JwksChange> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_JWKS_MAX_ATTEMPTS;
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const current = await store.read();
    const base = current?.document ?? EMPTY_JWKS;
    const next = change(base);
    if (current !== undefined && next === base) return { version: current.version, changed: false };
    const result = await store.writeIfUnchanged(next, current?.version);
    if (result.written) {
      return result.requestId === undefined
        ? { version: result.version, changed: true }
        : { version: result.version, changed: true, requestId: result.requestId };
    }
  }
  throw new TokensError(
    'ERR_JWKS_CONFLICT',
    `JWKS at ${options.describe} kept changing under concurrent writers; gave up after ${maxAttempts} attempts`,
  );
}
