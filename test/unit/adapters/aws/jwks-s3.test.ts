import {
  GetObjectCommand,
  type GetObjectCommandInput,
  NoSuchKey,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3JwksPublisher } from '../../../../lambda/adapters/aws/jwks-s3.js';
import { PortError } from '../../../../lambda/core/errors.js';
import type { TokensError } from '../../../../lambda/core/tokens/errors.js';
import { EMPTY_JWKS, parseJwksDocument, serializeJwksDocument, withKey } from '../../../../lambda/core/tokens/jwks.js';
import type { PublicJwk, S3JwksLocation } from '../../../../lambda/core/tokens/model.js';

const s3Mock = mockClient(S3Client);
const LOCATION: S3JwksLocation = { kind: 's3', bucket: 'acme-jwks', key: 'payments/jwks.json' };
const jwk = (kid: string): PublicJwk => ({ kty: 'EC', crv: 'P-256', x: `x-${kid}`, y: `y-${kid}`, kid, alg: 'ES256', use: 'sig' });
const publisher = (options: { maxAttempts?: number; expectedBucketOwner?: string } = {}) =>
  new S3JwksPublisher({ client: new S3Client({ region: 'eu-west-1' }), ...options });

/** What GetObject resolves with; the SDK's stream type is irrelevant to the adapter. */
const object = (text: string, etag: string) => ({ Body: { transformToString: async () => text }, ETag: etag }) as never;
const noSuchKey = () => new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' });
const preconditionFailed = () =>
  new S3ServiceException({
    name: 'PreconditionFailed',
    $fault: 'client',
    $metadata: { httpStatusCode: 412 },
    message: 'At least one of the pre-conditions you specified did not hold',
  });

/**
 * A one-object bucket with S3's conditional-write semantics. The first `readers` GetObject calls
 * wait for each other, so concurrent writers provably read the same ETag before anyone writes.
 */
class FakeBucket {
  text: string | undefined;
  etag = 0;
  readonly #arrived: (() => void)[] = [];

  constructor(private readonly readers = 0) {}

  get = async (_input: GetObjectCommandInput) => {
    if (this.#arrived.length < this.readers) {
      await new Promise<void>((resolve) => {
        this.#arrived.push(resolve);
        if (this.#arrived.length === this.readers) for (const release of this.#arrived) release();
      });
    }
    if (this.text === undefined) throw noSuchKey();
    return object(this.text, `"${this.etag}"`);
  };

  put = async (input: PutObjectCommandInput) => {
    const current = this.text === undefined ? undefined : `"${this.etag}"`;
    if ((input.IfNoneMatch === '*' && current !== undefined) || (input.IfMatch !== undefined && input.IfMatch !== current)) {
      throw preconditionFailed();
    }
    this.text = String(input.Body);
    this.etag += 1;
    return { ETag: `"${this.etag}"`, $metadata: { requestId: `put-${this.etag}` } };
  };
}

describe('Class: S3JwksPublisher', () => {
  afterEach(() => {
    s3Mock.reset();
  });

  describe('Method: read', () => {
    it('returns undefined when the object does not exist', async () => {
      // Prepare
      s3Mock.on(GetObjectCommand).rejects(noSuchKey());

      // Act
      const result = await publisher().read(LOCATION);

      // Assess
      expect(result).toBeUndefined();
      expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'acme-jwks', Key: 'payments/jwks.json' });
    });

    it('returns the document and its ETag as version', async () => {
      // Prepare
      const document = withKey(EMPTY_JWKS, jwk('a'));
      s3Mock.on(GetObjectCommand).resolves(object(serializeJwksDocument(document), '"etag-1"'));

      // Act
      const result = await publisher().read(LOCATION);

      // Assess
      expect(result).toEqual({ document, version: '"etag-1"' });
    });

    it('translates other S3 errors into a PortError', async () => {
      // Prepare
      s3Mock
        .on(GetObjectCommand)
        .rejects(
          new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' }),
        );

      // Act
      const error = await publisher()
        .read(LOCATION)
        .catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(PortError);
      expect((error as PortError).code).toBe('ERR_ACCESS_DENIED');
      expect((error as PortError).message).toContain('s3:GetObject on s3://acme-jwks/payments/jwks.json');
    });
  });

  describe('Method: publish', () => {
    it('creates the object with If-None-Match: * when it does not exist', async () => {
      // Prepare
      s3Mock.on(GetObjectCommand).rejects(noSuchKey());
      s3Mock.on(PutObjectCommand).resolves({ ETag: '"new"', $metadata: { requestId: 'req-1' } });

      // Act
      const change = await publisher({ expectedBucketOwner: '111122223333' }).publish(LOCATION, jwk('a'));

      // Assess
      expect(change).toEqual({ version: '"new"', changed: true, requestId: 'req-1' });
      expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
      expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
        Bucket: 'acme-jwks',
        Key: 'payments/jwks.json',
        Body: serializeJwksDocument(withKey(EMPTY_JWKS, jwk('a'))),
        ContentType: 'application/jwk-set+json',
        CacheControl: 'no-cache',
        IfNoneMatch: '*',
        ExpectedBucketOwner: '111122223333',
      });
      expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { ExpectedBucketOwner: '111122223333' });
    });

    it('overwrites with If-Match on the ETag it read', async () => {
      // Prepare
      s3Mock.on(GetObjectCommand).resolves(object(serializeJwksDocument(withKey(EMPTY_JWKS, jwk('a'))), '"etag-7"'));
      s3Mock.on(PutObjectCommand).resolves({ ETag: '"etag-8"', $metadata: {} });

      // Act
      const change = await publisher().publish(LOCATION, jwk('b'));

      // Assess
      expect(change).toEqual({ version: '"etag-8"', changed: true });
      const input = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
      expect(input?.IfMatch).toBe('"etag-7"');
      expect(input?.IfNoneMatch).toBeUndefined();
      expect(parseJwksDocument(String(input?.Body), 'put').keys.map((key) => key.kid)).toEqual(['a', 'b']);
    });

    it('does not write when the key is already published', async () => {
      // Prepare
      s3Mock.on(GetObjectCommand).resolves(object(serializeJwksDocument(withKey(EMPTY_JWKS, jwk('a'))), '"etag-7"'));

      // Act
      const change = await publisher().publish(LOCATION, jwk('a'));

      // Assess
      expect(change).toEqual({ version: '"etag-7"', changed: false });
      expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
    });

    it('re-reads and retries on 412 PreconditionFailed', async () => {
      // Prepare
      s3Mock
        .on(GetObjectCommand)
        .resolvesOnce(object(serializeJwksDocument(EMPTY_JWKS), '"v1"'))
        .resolves(object(serializeJwksDocument(withKey(EMPTY_JWKS, jwk('other'))), '"v2"'));
      s3Mock.on(PutObjectCommand).rejectsOnce(preconditionFailed()).resolves({ ETag: '"v3"', $metadata: {} });

      // Act
      const change = await publisher().publish(LOCATION, jwk('mine'));

      // Assess
      expect(change.version).toBe('"v3"');
      expect(s3Mock).toHaveReceivedNthCommandWith(PutObjectCommand, 1, { IfMatch: '"v1"' });
      expect(s3Mock).toHaveReceivedNthCommandWith(PutObjectCommand, 2, { IfMatch: '"v2"' });
      const body = s3Mock.commandCalls(PutObjectCommand)[1]?.args[0].input.Body;
      expect(parseJwksDocument(String(body), 'put').keys.map((key) => key.kid)).toEqual(['mine', 'other']);
    });

    it('gives up with ERR_JWKS_CONFLICT after maxAttempts conflicts', async () => {
      // Prepare
      s3Mock.on(GetObjectCommand).resolves(object(serializeJwksDocument(EMPTY_JWKS), '"v1"'));
      s3Mock.on(PutObjectCommand).rejects(
        new S3ServiceException({
          name: 'ConditionalRequestConflict',
          $fault: 'client',
          $metadata: { httpStatusCode: 409 },
          message: 'conflict',
        }),
      );

      // Act
      const error = (await publisher({ maxAttempts: 3 })
        .publish(LOCATION, jwk('a'))
        .catch((caught: unknown) => caught)) as TokensError;

      // Assess
      expect(error.code).toBe('ERR_JWKS_CONFLICT');
      expect(error.message).toContain('s3://acme-jwks/payments/jwks.json');
      expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 3);
    });

    it('keeps both keys when two rotations publish to one JWKS at once', async () => {
      // Prepare
      const bucket = new FakeBucket(2);
      bucket.text = serializeJwksDocument(withKey(EMPTY_JWKS, jwk('existing')));
      s3Mock.on(GetObjectCommand).callsFake(bucket.get);
      s3Mock.on(PutObjectCommand).callsFake(bucket.put);
      const s3 = publisher();

      // Act
      const changes = await Promise.all([s3.publish(LOCATION, jwk('rotation-a')), s3.publish(LOCATION, jwk('rotation-b'))]);

      // Assess
      expect(changes.every((change) => change.changed)).toBe(true);
      expect(parseJwksDocument(bucket.text ?? '', 'bucket').keys.map((key) => key.kid)).toEqual(['existing', 'rotation-a', 'rotation-b']);
      // Both wrote against the ETag they both read; the loser retried against the winner's.
      expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 3);
      expect(s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.IfMatch)).toEqual(['"0"', '"0"', '"1"']);
    });

    it('keeps both keys when two rotations create the JWKS at once', async () => {
      // Prepare
      const bucket = new FakeBucket(2);
      s3Mock.on(GetObjectCommand).callsFake(bucket.get);
      s3Mock.on(PutObjectCommand).callsFake(bucket.put);
      const s3 = publisher();

      // Act
      await Promise.all([s3.publish(LOCATION, jwk('rotation-a')), s3.publish(LOCATION, jwk('rotation-b'))]);

      // Assess
      expect(parseJwksDocument(bucket.text ?? '', 'bucket').keys.map((key) => key.kid)).toEqual(['rotation-a', 'rotation-b']);
      expect(s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.IfNoneMatch)).toEqual(['*', '*', undefined]);
    });
  });

  describe('Method: remove', () => {
    it('removes the kid and records it as retired', async () => {
      // Prepare
      const bucket = new FakeBucket();
      bucket.text = serializeJwksDocument(withKey(withKey(EMPTY_JWKS, jwk('old')), jwk('new')));
      s3Mock.on(GetObjectCommand).callsFake(bucket.get);
      s3Mock.on(PutObjectCommand).callsFake(bucket.put);

      // Act
      const change = await publisher().remove(LOCATION, 'old');

      // Assess
      expect(change).toEqual({ version: '"1"', changed: true, requestId: 'put-1' });
      const stored = parseJwksDocument(bucket.text ?? '', 'bucket');
      expect(stored.keys.map((key) => key.kid)).toEqual(['new']);
      expect(stored.retired).toEqual(['old']);
    });
  });
});
