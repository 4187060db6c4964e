import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsJwksPublisher } from '../../../../lambda/adapters/aws/jwks-publisher.js';
import type { PublicJwk } from '../../../../lambda/core/tokens/model.js';

const s3Mock = mockClient(S3Client);
const ssmMock = mockClient(SSMClient);
const jwk: PublicJwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' };
const publisher = () =>
  new AwsJwksPublisher({
    s3: { client: new S3Client({ region: 'eu-west-1' }) },
    ssm: { client: new SSMClient({ region: 'eu-west-1' }) },
  });

describe('Class: AwsJwksPublisher', () => {
  afterEach(() => {
    s3Mock.reset();
    ssmMock.reset();
  });

  describe('Method: publish', () => {
    it('sends an S3 location to S3 only', async () => {
      // Prepare
      s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ $metadata: {}, message: 'missing' }));
      s3Mock.on(PutObjectCommand).resolves({ ETag: '"1"' });

      // Act
      await publisher().publish({ kind: 's3', bucket: 'acme-jwks', key: 'jwks.json' }, jwk);

      // Assess
      expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: 'acme-jwks', Key: 'jwks.json' });
      expect(ssmMock).not.toHaveReceivedAnyCommand();
    });

    it('sends an SSM location to SSM only', async () => {
      // Prepare
      ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ $metadata: {}, message: 'missing' }));
      ssmMock.on(PutParameterCommand).resolves({ Version: 1 });

      // Act
      await publisher().publish({ kind: 'ssm', name: '/app/jwks' }, jwk);

      // Assess
      expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, { Name: '/app/jwks' });
      expect(s3Mock).not.toHaveReceivedAnyCommand();
    });
  });
});
