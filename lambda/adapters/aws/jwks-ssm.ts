import {
  GetParameterCommand,
  type GetParameterCommandOutput,
  GetParameterHistoryCommand,
  type ParameterHistory,
  PutParameterCommand,
  type PutParameterCommandOutput,
  SSMClient,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm';
import { TokensError } from '../../core/tokens/errors.js';
import {
  EMPTY_JWKS,
  jwksDocumentsEqual,
  mergeJwksDocuments,
  parseJwksDocument,
  serializeJwksDocument,
  withKey,
  withoutKey,
} from '../../core/tokens/jwks.js';
import type { JwksDocument, PublicJwk, SsmJwksLocation, VersionedJwks } from '../../core/tokens/model.js';
import type { JwksChange } from '../../core/tokens/ports.js';
import { DEFAULT_JWKS_MAX_ATTEMPTS } from '../../core/tokens/publish.js';
import { awsErrorName, awsRequestId, sendForPort, toPortError } from './errors.js';

export interface SsmJwksPublisherOptions {
  /** @default new SSMClient(clientConfig) */
  readonly client?: SSMClient;
  readonly clientConfig?: SSMClientConfig;
  /** Bounds both the create race and the repair rounds. @default DEFAULT_JWKS_MAX_ATTEMPTS */
  readonly maxAttempts?: number;
}

interface StoredParameter {
  readonly document: JwksDocument;
  readonly version: number;
}

/**
 * Publishes JWKS documents as SSM `String` parameters.
 *
 * SSM has no compare-and-swap: `PutParameter` with `Overwrite` always wins, so two writers that
 * read the same version would silently drop one change. Checking "my write got version read+1"
 * is not enough either, because the writer whose change is lost is the one that finished first
 * and saw nothing wrong. Instead the writer that overwrote others repairs the damage:
 *
 * 1. Read the parameter (version `b`), apply the change, `PutParameter` → version `w`.
 * 2. If `w === b + 1`, nobody wrote in between: done.
 * 3. Otherwise versions `b+1 … w-1` were written by others and our write replaced them. Read
 *    them from `GetParameterHistory`, merge them into our document and write again, now with
 *    `b = w`. Repeat until a write directly follows the version we merged, or nothing new was
 *    merged.
 *
 * Merging is a join (union of keys, minus the union of retired kids; see
 * `mergeJwksDocuments`), so repairs by different writers commute and never resurrect a
 * removed key. Every overwritten version is merged by the writer that overwrote it, so when all
 * writers have returned the latest version holds every writer's change. Creation uses
 * `Overwrite: false`, which is atomic (ParameterAlreadyExists on a race).
 *
 * Needs `ssm:GetParameter`, `ssm:GetParameterHistory` and `ssm:PutParameter` on the parameter.
 * SSM keeps the last 100 versions; more than that many concurrent writes between one read and
 * one write fail with `ERR_JWKS_CONFLICT` instead of guessing.
 *
 * @example
 * ```ts
 * const publisher = new SsmJwksPublisher({ clientConfig: { region: 'eu-west-1' } });
 * await publisher.publish({ kind: 'ssm', name: '/payments/jwks' }, jwk);
 * ```
 */
export class SsmJwksPublisher {
  readonly #client: SSMClient;
  readonly #maxAttempts: number;

  constructor(options: SsmJwksPublisherOptions = {}) {
    this.#client = options.client ?? new SSMClient(options.clientConfig ?? {});
    this.#maxAttempts = options.maxAttempts ?? DEFAULT_JWKS_MAX_ATTEMPTS;
  }

  publish(location: SsmJwksLocation, jwk: PublicJwk): Promise<JwksChange> {
    return this.#update(location, (document) => withKey(document, jwk));
  }

  remove(location: SsmJwksLocation, kid: string): Promise<JwksChange> {
    return this.#update(location, (document) => withoutKey(document, kid));
  }

  async read(location: SsmJwksLocation): Promise<VersionedJwks | undefined> {
    const stored = await this.#read(location);
    return stored === undefined ? undefined : { document: stored.document, version: String(stored.version) };
  }

  async #update(location: SsmJwksLocation, change: (document: JwksDocument) => JwksDocument): Promise<JwksChange> {
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt += 1) {
      const current = await this.#read(location);
      if (current === undefined) {
        const created = await this.#put(location, change(EMPTY_JWKS), false);
        if (created !== undefined) return changed(created.version, created.requestId);
        continue;
      }
      const next = change(current.document);
      if (next === current.document) return { version: String(current.version), changed: false };
      return this.#overwriteAndRepair(location, next, current.version, change);
    }
    throw conflict(location, `the parameter was created concurrently ${this.#maxAttempts} times`);
  }

  async #overwriteAndRepair(
    location: SsmJwksLocation,
    document: JwksDocument,
    baseVersion: number,
    change: (document: JwksDocument) => JwksDocument,
  ): Promise<JwksChange> {
    let doc = document;
    let base = baseVersion;
    for (let round = 1; round <= this.#maxAttempts; round += 1) {
      const written = await this.#put(location, doc, true);
      if (written === undefined) throw conflict(location, 'PutParameter with Overwrite reported an existing parameter');
      // A version at or below base means the parameter was deleted and re-created meanwhile:
      // its history is gone, and ours is now the whole of it.
      const overwritten = written.version > base + 1 ? await this.#versionsBetween(location, base, written.version) : [];
      const merged = overwritten.reduce(mergeJwksDocuments, doc);
      if (jwksDocumentsEqual(merged, doc)) {
        // Only for its throw: an overwritten version may have retired the kid being published.
        change(doc);
        return changed(written.version, written.requestId);
      }
      doc = merged;
      base = written.version;
    }
    throw conflict(location, `concurrent writers were still overwriting each other after ${this.#maxAttempts} repair rounds`);
  }

  async #read(location: SsmJwksLocation): Promise<StoredParameter | undefined> {
    let output: GetParameterCommandOutput;
    try {
      output = await this.#client.send(new GetParameterCommand({ Name: location.name }));
    } catch (error) {
      if (awsErrorName(error) === 'ParameterNotFound') return undefined;
      throw toPortError(error, { operation: 'ssm:GetParameter', resource: location.name });
    }
    const parameter = output.Parameter;
    if (parameter?.Value === undefined || parameter.Version === undefined) {
      throw new TokensError('ERR_JWKS_DOCUMENT_INVALID', `JWKS parameter ${location.name} came back without a value or version`);
    }
    if (parameter.Type !== undefined && parameter.Type !== 'String') {
      throw new TokensError(
        'ERR_JWKS_DOCUMENT_INVALID',
        `JWKS parameter ${location.name} is a ${parameter.Type}; a JWKS is public and must be a String parameter`,
      );
    }
    return { document: parseJwksDocument(parameter.Value, location.name), version: parameter.Version };
  }

  /** `undefined` when `overwrite` is false and the parameter already exists. */
  async #put(
    location: SsmJwksLocation,
    document: JwksDocument,
    overwrite: boolean,
  ): Promise<{ version: number; requestId?: string } | undefined> {
    const command = new PutParameterCommand({
      Name: location.name,
      Value: serializeJwksDocument(document),
      Overwrite: overwrite,
      // Intelligent-Tiering moves to the advanced tier by itself once the JWKS outgrows 4 KB.
      Tier: 'Intelligent-Tiering',
      ...(overwrite ? {} : { Type: 'String', Description: 'JSON Web Key Set (public signing keys)' }),
    });
    let output: PutParameterCommandOutput;
    try {
      output = await this.#client.send(command);
    } catch (error) {
      if (!overwrite && awsErrorName(error) === 'ParameterAlreadyExists') return undefined;
      throw toPortError(error, { operation: 'ssm:PutParameter', resource: location.name });
    }
    if (output.Version === undefined) {
      throw new TokensError('ERR_JWKS_DOCUMENT_INVALID', `PutParameter on ${location.name} returned no version`);
    }
    const requestId = awsRequestId(output);
    return requestId === undefined ? { version: output.Version } : { version: output.Version, requestId };
  }

  /** The documents of versions strictly between `after` and `before`. */
  async #versionsBetween(location: SsmJwksLocation, after: number, before: number): Promise<JwksDocument[]> {
    const history: ParameterHistory[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await sendForPort({ operation: 'ssm:GetParameterHistory', resource: location.name }, () =>
        this.#client.send(new GetParameterHistoryCommand({ Name: location.name, MaxResults: 50, NextToken: token })),
      );
      history.push(...(page.Parameters ?? []));
      // History is at most 100 versions (two pages); a token that does not move would loop forever.
      nextToken = page.NextToken === token ? undefined : page.NextToken;
    } while (nextToken !== undefined && nextToken !== '');
    const wanted = history.filter((entry) => entry.Version !== undefined && entry.Version > after && entry.Version < before);
    if (wanted.length !== before - after - 1) {
      throw conflict(location, `versions ${after + 1}…${before - 1} are no longer all in the parameter history`);
    }
    return wanted.map((entry) => parseJwksDocument(entry.Value ?? '', `${location.name}:${entry.Version}`));
  }
}

function changed(version: number, requestId: string | undefined): JwksChange {
  return requestId === undefined ? { version: String(version), changed: true } : { version: String(version), changed: true, requestId };
}

function conflict(location: SsmJwksLocation, reason: string): TokensError {
  return new TokensError('ERR_JWKS_CONFLICT', `JWKS parameter ${location.name}: ${reason}`);
}
