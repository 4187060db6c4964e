import { generateKeyPairSync } from 'node:crypto';
import {
  DescribeSecretCommand,
  InvalidRequestException,
  RotateSecretCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  LabelParameterVersionCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { rotationClientRequestToken, SecretsManagerRotation } from '../../../../lambda/adapters/aws/secrets-rotation.js';
import { parameterRotationLabel } from '../../../../lambda/adapters/aws/ssm-parameter-rotator.js';
import { AwsStoredKeyRotator } from '../../../../lambda/adapters/aws/stored-key-rotator.js';
import { PortError } from '../../../../lambda/core/errors.js';
import { rejectionOf } from '../../../fixtures/rejection.js';

const secretsMock = mockClient(SecretsManagerClient);
const ssmMock = mockClient(SSMClient);

const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:payments/signing-AbCdEf';
const ROTATION_FN = 'arn:aws:lambda:eu-west-1:111122223333:function:sever-rotation';
const STEP = 'case-7f3a/rotate-secret/arn:aws:secretsmanager:eu-west-1:111122223333:secret:payments/signing-AbCdEf';
const TOKEN = rotationClientRequestToken(STEP);
const PARAMETER = '/payments/signing-key';
const PARAMETER_STEP = 'case-7f3a/rotate-parameter/arn:aws:ssm:eu-west-1:111122223333:parameter/payments/signing-key';
const LABEL = parameterRotationLabel(PARAMETER_STEP);

const rotator = (rotationLambdaArn?: string): AwsStoredKeyRotator =>
  new AwsStoredKeyRotator({
    secretsManagerClient: new SecretsManagerClient({ region: 'eu-west-1' }),
    ssmClient: new SSMClient({ region: 'eu-west-1' }),
    ...(rotationLambdaArn ? { rotationLambdaArn } : {}),
  });

const pemPrivateKey = (): string =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('Class: AwsStoredKeyRotator', () => {
  afterEach(() => {
    secretsMock.reset();
    ssmMock.reset();
  });

  describe('Method: rotateSecret', () => {
    it('sends RotateSecret with SecretId, the token as ClientRequestToken and RotateImmediately', async () => {
      // Prepare
      secretsMock.on(DescribeSecretCommand).resolves({
        ARN: SECRET,
        RotationEnabled: true,
        RotationLambdaARN: ROTATION_FN,
        VersionIdsToStages: { 'v-old': ['AWSCURRENT'] },
      });
      secretsMock.on(RotateSecretCommand).resolves({ ARN: SECRET, VersionId: TOKEN, $metadata: { requestId: 'req-rotate' } });

      // Act
      const result = await rotator().rotateSecret(SECRET, TOKEN);

      // Assess
      expect(secretsMock).toHaveReceivedCommandTimes(RotateSecretCommand, 1);
      expect(secretsMock.commandCalls(RotateSecretCommand)[0]?.args[0].input).toStrictEqual({
        SecretId: SECRET,
        ClientRequestToken: TOKEN,
        RotateImmediately: true,
      });
      expect(result).toStrictEqual({ requestId: 'req-rotate', status: 'started' });
    });

    it('sets Sever’s rotation function on a secret that has none', async () => {
      // Prepare
      secretsMock.on(DescribeSecretCommand).resolves({ ARN: SECRET, VersionIdsToStages: { 'v-old': ['AWSCURRENT'] } });
      secretsMock.on(RotateSecretCommand).resolves({ ARN: SECRET, VersionId: TOKEN, $metadata: {} });

      // Act
      await rotator(ROTATION_FN).rotateSecret(SECRET, TOKEN);

      // Assess
      expect(secretsMock).toHaveReceivedCommandWith(RotateSecretCommand, {
        SecretId: SECRET,
        ClientRequestToken: TOKEN,
        RotateImmediately: true,
        RotationLambdaARN: ROTATION_FN,
      });
    });

    it('reports the token’s own rotation already in progress (InvalidRequestException) as in-progress', async () => {
      // Prepare
      secretsMock.on(DescribeSecretCommand).resolves({
        ARN: SECRET,
        RotationEnabled: true,
        RotationLambdaARN: ROTATION_FN,
        VersionIdsToStages: { 'v-old': ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] },
      });
      secretsMock.on(RotateSecretCommand).rejects(
        new InvalidRequestException({
          message: "A previous rotation isn't complete. That rotation will be reattempted.",
          $metadata: { requestId: 'req-own' },
        }),
      );

      // Act
      const result = await rotator().rotateSecret(SECRET, TOKEN);

      // Assess
      expect(result).toStrictEqual({ requestId: 'req-own', status: 'in-progress' });
      expect(secretsMock).toHaveReceivedCommandWith(RotateSecretCommand, { SecretId: SECRET, ClientRequestToken: TOKEN });
    });

    it('reports another rotation in progress (InvalidRequestException) as a retryable ERR_CONFLICT with the request id', async () => {
      // Prepare
      secretsMock.on(DescribeSecretCommand).resolves({
        ARN: SECRET,
        RotationEnabled: true,
        RotationLambdaARN: ROTATION_FN,
        VersionIdsToStages: { 'v-old': ['AWSCURRENT'], 'v-other': ['AWSPENDING'] },
      });
      secretsMock.on(RotateSecretCommand).rejects(
        new InvalidRequestException({
          message: "A previous rotation isn't complete. That rotation will be reattempted.",
          $metadata: { requestId: 'req-busy' },
        }),
      );

      // Act
      const error = await rejectionOf(rotator().rotateSecret(SECRET, TOKEN), PortError);

      // Assess
      expect(error.code).toBe('ERR_CONFLICT');
      expect(error.retryable).toBe(true);
      expect(error.requestId).toBe('req-busy');
    });

    it('reports throttling on RotateSecret as a retryable ERR_THROTTLED', async () => {
      // Prepare
      secretsMock.on(DescribeSecretCommand).resolves({ ARN: SECRET, RotationLambdaARN: ROTATION_FN, VersionIdsToStages: {} });
      secretsMock.on(RotateSecretCommand).rejects(
        new SecretsManagerServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          message: 'Rate exceeded',
          $metadata: { requestId: 'req-t' },
        }),
      );

      // Act
      const error = await rejectionOf(rotator().rotateSecret(SECRET, TOKEN), PortError);

      // Assess
      expect(error.code).toBe('ERR_THROTTLED');
      expect(error.requestId).toBe('req-t');
    });

    it('uses an injected SecretsManagerRotation', async () => {
      // Prepare
      const client = new SecretsManagerClient({ region: 'eu-west-1' });
      secretsMock.on(DescribeSecretCommand).resolves({ ARN: SECRET, VersionIdsToStages: {} });
      secretsMock.on(RotateSecretCommand).resolves({ ARN: SECRET, VersionId: TOKEN, $metadata: {} });
      const storedKeys = new AwsStoredKeyRotator({
        secretRotation: new SecretsManagerRotation({ client, rotationLambdaArn: 'arn:injected' }),
      });

      // Act
      await storedKeys.rotateSecret(SECRET, TOKEN);

      // Assess
      expect(secretsMock).toHaveReceivedCommandWith(RotateSecretCommand, { RotationLambdaARN: 'arn:injected' });
    });
  });

  describe('Method: rotateParameter', () => {
    it('writes a new key as a new SecureString version under the same KMS key and labels it with the step', async () => {
      // Prepare
      const current = pemPrivateKey();
      ssmMock
        .on(GetParameterCommand, { Name: PARAMETER })
        .resolves({ Parameter: { Name: PARAMETER, Type: 'SecureString', Value: current, Version: 4 } })
        .on(GetParameterCommand, { Name: `${PARAMETER}:${LABEL}` })
        .rejects(new ParameterNotFound({ message: 'label not found', $metadata: {} }));
      ssmMock.on(DescribeParametersCommand).resolves({ Parameters: [{ Name: PARAMETER, KeyId: 'alias/payments', Tier: 'Standard' }] });
      ssmMock.on(PutParameterCommand).resolves({ Version: 5, $metadata: { requestId: 'req-put' } });
      ssmMock.on(LabelParameterVersionCommand).resolves({ InvalidLabels: [], ParameterVersion: 5 });

      // Act
      const result = await rotator().rotateParameter(PARAMETER, PARAMETER_STEP);

      // Assess
      expect(result).toStrictEqual({ requestId: 'req-put', version: 5 });
      expect(ssmMock).toHaveReceivedCommandTimes(PutParameterCommand, 1);
      expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
        Name: PARAMETER,
        Type: 'SecureString',
        Overwrite: true,
        KeyId: 'alias/payments',
      });
      const written = ssmMock.commandCalls(PutParameterCommand)[0]?.args[0].input.Value;
      expect(written).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(written).not.toBe(current);
      expect(ssmMock).toHaveReceivedCommandWith(LabelParameterVersionCommand, { Name: PARAMETER, ParameterVersion: 5, Labels: [LABEL] });
    });

    it('returns the labelled version without writing when this step already rotated the parameter', async () => {
      // Prepare
      ssmMock
        .on(GetParameterCommand, { Name: PARAMETER })
        .resolves({
          Parameter: { Name: PARAMETER, Type: 'SecureString', Value: pemPrivateKey(), Version: 5 },
          $metadata: { requestId: 'req-get' },
        })
        .on(GetParameterCommand, { Name: `${PARAMETER}:${LABEL}` })
        .resolves({ Parameter: { Name: PARAMETER, Version: 5 } });

      // Act
      const result = await rotator().rotateParameter(PARAMETER, PARAMETER_STEP);

      // Assess
      expect(result).toStrictEqual({ requestId: 'req-get', version: 5 });
      expect(ssmMock).toHaveReceivedCommandTimes(PutParameterCommand, 0);
    });
  });
});
