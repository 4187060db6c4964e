import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { TokensError } from '../../core/tokens/errors.js';
import { parseJwksDocument, serializeJwksDocument, withKey, withoutKey } from '../../core/tokens/jwks.js';
import { formatJwksLocation } from '../../core/tokens/jwks-location.js';
import type { JwksDocument, PublicJwk, S3JwksLocation, VersionedJwks } from '../../core/tokens/model.js';
import type { JwksChange } from '../../core/tokens/ports.js';
import {
  type ConditionalJwksStore,
  type ConditionalWrite,
  DEFAULT_JWKS_MAX_ATTEMPTS,
  updateJwksConditionally,
} from '../../core/tokens/publish.js';
import { awsErrorName, awsRequestId, toPortError } from './errors.js';

export interface S3JwksPublisherOptions {
  /** @default new S3Client(clientConfig) */
  readonly client?: S3Client;
  readonly clientConfig?: S3ClientConfig;
  /** @default DEFAULT_JWKS_MAX_ATTEMPTS */
  readonly maxAttempts?: number;
  /**
   * Account that must own the bucket; S3 refuses the call otherwise, so a bucket deleted and
   * re-created by someone else never receives (or serves us) a JWKS.
   */
  readonly expectedBucketOwner?: string;
  /**
   * `Cache-Control` of the stored object. A CDN in front of the bucket must not hold a JWKS
   * longer than verifiers' own staleness bound, or a removed key lingers.
   * @default 'no-cache'
   */
  readonly cacheControl?: string;
}

/**
 * Publishes JWKS documents as S3 objects with optimistic concurrency: every write is a
 * conditional PutObject (`If-Match` on the ETag that was read, `If-None-Match: *` when the object
 * did not exist), and a 412 PreconditionFailed or 409 ConditionalRequestConflict means another
 * writer got there first, so the change is re-applied to a fresh read.
 *
 * Needs `s3:GetObject` and `s3:PutObject` on the object (and `s3:ListBucket` on the bucket, so a
 * missing object reads as 404 rather than 403).
 *
 * @example
 * ```ts
 * const publisher = new S3JwksPublisher({ clientConfig: { region: 'eu-west-1' } });
 * await publisher.publish({ kind: 's3', bucket: 'acme-jwks', key: 'payments.json' }, jwk);
 * ```
 */
export class S3JwksPublisher {
  readonly #client: S3Client;
  readonly #maxAttempts: number;
  readonly #expectedBucketOwner: string | undefined;
  readonly #cacheControl: string;

  constructor(options: S3JwksPublisherOptions = {}) {
    this.#client = options.client ?? new S3Client(options.clientConfig ?? {});
    this.#maxAttempts = options.maxAttempts ?? DEFAULT_JWKS_MAX_ATTEMPTS;
    this.#expectedBucketOwner = options.expectedBucketOwner;
    this.#cacheControl = options.cacheControl ?? 'no-cache';
  }

  publish(location: S3JwksLocation, jwk: PublicJwk): Promise<JwksChange> {
    return this.#update(location, (document) => withKey(document, jwk));
  }

  remove(location: S3JwksLocation, kid: string): Promise<JwksChange> {
    return this.#update(location, (document) => withoutKey(document, kid));
  }

  async read(location: S3JwksLocation): Promise<VersionedJwks | undefined> {
    const uri = formatJwksLocation(location);
    let output: GetObjectCommandOutput;
    try {
      output = await this.#client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key, ...this.#owner() }));
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchKey') return undefined;
      throw toPortError(error, { operation: 's3:GetObject', resource: uri });
    }
    if (output.Body === undefined || output.ETag === undefined) {
      throw new TokensError('ERR_JWKS_DOCUMENT_INVALID', `JWKS at ${uri} came back without a body or ETag`);
    }
    const text = await output.Body.transformToString('utf-8');
    return { document: parseJwksDocument(text, uri), version: output.ETag };
  }

  #update(location: S3JwksLocation, change: (document: JwksDocument) => JwksDocument): Promise<JwksChange> {
    const store: ConditionalJwksStore = {
      read: () => this.read(location),
      writeIfUnchanged: (document, expectedVersion) => this.#write(location, document, expectedVersion),
    };
    return updateJwksConditionally(store, change, {
      maxAttempts: this.#maxAttempts,
      describe: formatJwksLocation(location),
    });
  }

  async #write(location: S3JwksLocation, document: JwksDocument, expectedVersion: string | undefined): Promise<ConditionalWrite> {
    const command = new PutObjectCommand({
      Bucket: location.bucket,
      Key: location.key,
      Body: serializeJwksDocument(document),
      ContentType: 'application/jwk-set+json',
      CacheControl: this.#cacheControl,
      ...(expectedVersion === undefined ? { IfNoneMatch: '*' } : { IfMatch: expectedVersion }),
      ...this.#owner(),
    });
    try {
      const output = await this.#client.send(command);
      if (output.ETag === undefined) {
        throw new TokensError('ERR_JWKS_DOCUMENT_INVALID', `PutObject on ${formatJwksLocation(location)} returned no ETag`);
      }
      const requestId = awsRequestId(output);
      return requestId === undefined ? { written: true, version: output.ETag } : { written: true, version: output.ETag, requestId };
    } catch (error) {
      if (isConditionalWriteConflict(error)) return { written: false };
      throw toPortError(error, { operation: 's3:PutObject', resource: formatJwksLocation(location) });
    }
  }

  #owner(): { ExpectedBucketOwner?: string } {
    return this.#expectedBucketOwner === undefined ? {} : { ExpectedBucketOwner: this.#expectedBucketOwner };
  }
}

const CONFLICT_NAMES: ReadonlySet<string> = new Set(['PreconditionFailed', 'ConditionalRequestConflict', 'OperationAborted']);

/**
 * 412 PreconditionFailed: the ETag changed, or the object appeared. 409 ConditionalRequestConflict
 * (OperationAborted in older responses): another conditional write to the key is in flight.
 */
function isConditionalWriteConflict(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return CONFLICT_NAMES.has(awsErrorName(error) ?? '') || status === 412;
}
