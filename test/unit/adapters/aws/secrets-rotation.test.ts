import { createHash, createPublicKey } from 'node:crypto';
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsAdapterError } from '../../../../lambda/adapters/aws/errors.js';
import {
  type PendingKeyPublisher,
  RotationStepError,
  rotationClientRequestToken,
  SecretsManagerRotation,
} from '../../../../lambda/adapters/aws/secrets-rotation.js';
import { PortError } from '../../../../lambda/core/errors.js';
import { KeygenError } from '../../../../lambda/core/keygen/errors.js';
import { inspectSecretValue, rotateSecretValue, verifyRotatedSecret } from '../../../../lambda/core/keygen/secret-value.js';
import { rejectionOf } from '../../../fixtures/rejection.js';
import { ecKey, octJwk, pkcs8 } from '../../core/keygen/keys.js';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:payments/jwt-AbCdEf';
const TOKEN = rotationClientRequestToken('case-1/rotate-secret/payments-jwt');
const OLD = '11111111-2222-3333-4444-555555555555';
const STALE = '99999999-8888-7777-6666-555555555555';
const META = { $metadata: { requestId: 'req-sm-1' } };

const sm = mockClient(SecretsManagerClient);

const described = (stages: Record<string, string[]>, extra: Partial<DescribeSecretCommandOutput> = {}): DescribeSecretCommandOutput => ({
  ...META,
  ARN: SECRET,
  Name: 'payments/jwt',
  RotationEnabled: true,
  RotationLambdaARN: 'arn:aws:lambda:eu-west-1:111122223333:function:sever-rotate-secret',
  VersionIdsToStages: stages,
  Tags: [{ Key: 'sever:jwks', Value: 's3://jwks-bucket/payments.json' }],
  ...extra,
});

const notFound = (): ResourceNotFoundException =>
  new ResourceNotFoundException({
    message: "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
    $metadata: {},
  });

/** Mocks GetSecretValue by stage: AWSCURRENT → `current`, AWSPENDING → `pending` or not found. */
const values = (current: string, pending?: string): void => {
  sm.on(GetSecretValueCommand, { SecretId: SECRET, VersionStage: 'AWSCURRENT' }).resolves({ ...META, SecretString: current });
  const pendingStage = sm.on(GetSecretValueCommand, { SecretId: SECRET, VersionId: TOKEN, VersionStage: 'AWSPENDING' });
  if (pending === undefined) pendingStage.rejects(notFound());
  else pendingStage.resolves({ ...META, SecretString: pending });
};

const putInput = () => sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input;

describe('Class: SecretsManagerRotation', () => {
  afterEach(() => {
    sm.reset();
  });

  describe('Method: createSecret', () => {
    it('writes a new key of the same algorithm as AWSPENDING under the token', async () => {
      // Prepare
      const current = pkcs8(ecKey('P-256'));
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      values(current);
      sm.on(PutSecretValueCommand).resolves(META);
      const rotation = new SecretsManagerRotation();

      // Act
      const outcome = await rotation.createSecret(SECRET, TOKEN);

      // Assess
      expect(sm).toHaveReceivedCommandExactlyOnceWith(DescribeSecretCommand, { SecretId: SECRET });
      expect(sm.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([
        { SecretId: SECRET, VersionStage: 'AWSCURRENT' },
        { SecretId: SECRET, VersionId: TOKEN, VersionStage: 'AWSPENDING' },
      ]);
      const input = putInput();
      expect(input).toEqual({
        SecretId: SECRET,
        ClientRequestToken: TOKEN,
        SecretString: expect.any(String),
        VersionStages: ['AWSPENDING'],
      });
      const info = await verifyRotatedSecret(current, input?.SecretString ?? '');
      expect(outcome).toEqual({
        step: 'createSecret',
        secretId: SECRET,
        versionId: TOKEN,
        outcome: 'created',
        algorithm: 'EC P-256',
        kid: info.kid,
        previousKid: (await inspectSecretValue(current)).kid,
      });
      expect(sm).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
    });

    it('passes the event RotationToken on to PutSecretValue', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      values(pkcs8(ecKey('P-256')));
      sm.on(PutSecretValueCommand).resolves(META);

      // Act
      await new SecretsManagerRotation().createSecret(SECRET, TOKEN, 'rotation-token-from-event');

      // Assess
      expect(putInput()?.RotationToken).toBe('rotation-token-from-event');
    });

    it('does nothing when the pending version already has a value (a retried step)', async () => {
      // Prepare
      const current = pkcs8(ecKey('P-256'));
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      values(current, (await rotateSecretValue(current)).value);

      // Act
      const outcome = await new SecretsManagerRotation().createSecret(SECRET, TOKEN);

      // Assess
      expect(outcome.outcome).toBe('already-created');
      expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
    });

    it('keeps the value another invocation wrote first for the same token', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      values(pkcs8(ecKey('P-256')));
      sm.on(PutSecretValueCommand).rejects(
        new ResourceExistsException({ message: 'A resource with the ID you requested already exists.', $metadata: {} }),
      );

      // Act
      const outcome = await new SecretsManagerRotation().createSecret(SECRET, TOKEN);

      // Assess
      expect(outcome.outcome).toBe('already-created');
      expect(sm).toHaveReceivedCommandTimes(PutSecretValueCommand, 1);
    });

    it('does nothing once the version is AWSCURRENT', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSCURRENT', 'AWSPENDING'], [OLD]: ['AWSPREVIOUS'] }));

      // Act
      const outcome = await new SecretsManagerRotation().createSecret(SECRET, TOKEN);

      // Assess
      expect(outcome.outcome).toBe('already-current');
      expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
      expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
    });

    it('removes AWSPENDING from an older version left by a failed rotation, then writes a fresh key', async () => {
      // Prepare
      const current = pkcs8(ecKey('P-256'));
      sm.on(DescribeSecretCommand).resolves(described({ [STALE]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      values(current);
      sm.on(UpdateSecretVersionStageCommand).resolves(META);
      sm.on(PutSecretValueCommand).resolves(META);

      // Act
      const outcome = await new SecretsManagerRotation().createSecret(SECRET, TOKEN);

      // Assess
      expect(sm.calls().map((call) => call.args[0].constructor.name)).toEqual([
        'DescribeSecretCommand',
        'GetSecretValueCommand',
        'UpdateSecretVersionStageCommand',
        'PutSecretValueCommand',
      ]);
      expect(sm.commandCalls(UpdateSecretVersionStageCommand)[0]?.args[0].input).toEqual({
        SecretId: SECRET,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: STALE,
      });
      expect(putInput()).toMatchObject({ ClientRequestToken: TOKEN, VersionStages: ['AWSPENDING'] });
      expect(outcome).toMatchObject({ outcome: 'created', removedStalePendingFrom: STALE });
    });

    it('removes AWSPENDING left on the current version', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [OLD]: ['AWSCURRENT', 'AWSPENDING'] }));
      values(pkcs8(ecKey('P-256')));
      sm.on(UpdateSecretVersionStageCommand).resolves(META);
      sm.on(PutSecretValueCommand).resolves(META);

      // Act
      await new SecretsManagerRotation().createSecret(SECRET, TOKEN);

      // Assess
      expect(sm).toHaveReceivedCommandWith(UpdateSecretVersionStageCommand, { VersionStage: 'AWSPENDING', RemoveFromVersionId: OLD });
      expect(sm).toHaveReceivedCommandTimes(PutSecretValueCommand, 1);
    });

    it('touches no label when the current value cannot be rotated', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [STALE]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      values(JSON.stringify({ username: 'svc', password: 'hunter2' }));

      // Act
      const error = await rejectionOf(new SecretsManagerRotation().createSecret(SECRET, TOKEN), KeygenError);

      // Assess
      expect(error.code).toBe('ERR_KEY_NOT_FOUND');
      expect(error.message).not.toContain('hunter2');
      expect(sm).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
      expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
    });

    it('refuses a secret whose rotation is not enabled', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }, { RotationEnabled: false }));

      // Act
      const error = await rejectionOf(new SecretsManagerRotation().createSecret(SECRET, TOKEN), RotationStepError);

      // Assess
      expect(error.code).toBe('ERR_ROTATION_NOT_ENABLED');
      expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
    });

    it('refuses a token that is not staged AWSPENDING when nothing stale explains it', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [OLD]: ['AWSCURRENT'] }));

      // Act
      const error = await rejectionOf(new SecretsManagerRotation().createSecret(SECRET, TOKEN), RotationStepError);

      // Assess
      expect(error.code).toBe('ERR_ROTATION_VERSION_NOT_PENDING');
      expect(error.message).toContain(TOKEN);
      expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
    });

    it('refuses a secret stored as SecretBinary', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      sm.on(GetSecretValueCommand).resolves({ ...META, SecretBinary: new Uint8Array([1, 2, 3]) });

      // Act
      const error = await rejectionOf(new SecretsManagerRotation().createSecret(SECRET, TOKEN), RotationStepError);

      // Assess
      expect(error.code).toBe('ERR_SECRET_NOT_STRING');
    });

    it('translates an unexpected failure of the pending lookup instead of treating it as absent', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      sm.on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' }).resolves({ ...META, SecretString: pkcs8(ecKey('P-256')) });
      sm.on(GetSecretValueCommand, { VersionId: TOKEN }).rejects(
        new SecretsManagerServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'denied', $metadata: {} }),
      );

      // Act
      const error = await rejectionOf(new SecretsManagerRotation().createSecret(SECRET, TOKEN), AwsAdapterError);

      // Assess
      expect(error.code).toBe('ERR_AWS_ACCESS_DENIED');
      expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
    });
  });

  describe('Method: setSecret', () => {
    it('hands the new public key and its kid to the publisher', async () => {
      // Prepare
      const key = ecKey('P-256');
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      sm.on(GetSecretValueCommand, { VersionId: TOKEN, VersionStage: 'AWSPENDING' }).resolves({ ...META, SecretString: pkcs8(key) });
      const onPending = vi.fn<PendingKeyPublisher>().mockResolvedValue(undefined);

      // Act
      const outcome = await new SecretsManagerRotation({ onPending }).setSecret(SECRET, TOKEN);

      // Assess
      const publicJwk = createPublicKey(key).export({ format: 'jwk' }) as JWK;
      const kid = await calculateJwkThumbprint(publicJwk);
      expect(onPending).toHaveBeenCalledExactlyOnceWith(
        { ...publicJwk, kid },
        { secretId: SECRET, versionId: TOKEN, tags: { 'sever:jwks': 's3://jwks-bucket/payments.json' } },
      );
      expect(onPending.mock.calls[0]?.[0]).not.toHaveProperty('d');
      expect(outcome).toEqual({ step: 'setSecret', secretId: SECRET, versionId: TOKEN, outcome: 'published', algorithm: 'EC P-256', kid });
    });

    it('reads nothing when no publisher is configured', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));

      // Act
      const outcome = await new SecretsManagerRotation().setSecret(SECRET, TOKEN);

      // Assess
      expect(outcome.outcome).toBe('no-publisher');
      expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
    });

    it('publishes nothing for an HMAC key', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      sm.on(GetSecretValueCommand).resolves({ ...META, SecretString: JSON.stringify(octJwk(32)) });
      const onPending = vi.fn<PendingKeyPublisher>();

      // Act
      const outcome = await new SecretsManagerRotation({ onPending }).setSecret(SECRET, TOKEN);

      // Assess
      expect(outcome.outcome).toBe('no-public-key');
      expect(onPending).not.toHaveBeenCalled();
    });

    it('does not publish again once the version is AWSCURRENT', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSCURRENT'], [OLD]: ['AWSPREVIOUS'] }));
      const onPending = vi.fn<PendingKeyPublisher>();

      // Act
      const outcome = await new SecretsManagerRotation({ onPending }).setSecret(SECRET, TOKEN);

      // Assess
      expect(outcome.outcome).toBe('already-current');
      expect(onPending).not.toHaveBeenCalled();
    });

    it('refuses a token that is not AWSPENDING even when another version is', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [STALE]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      const onPending = vi.fn<PendingKeyPublisher>();

      // Act
      const error = await rejectionOf(new SecretsManagerRotation({ onPending }).setSecret(SECRET, TOKEN), RotationStepError);

      // Assess
      expect(error.code).toBe('ERR_ROTATION_VERSION_NOT_PENDING');
      expect(sm).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
      expect(onPending).not.toHaveBeenCalled();
    });
  });

  describe('Method: testSecret', () => {
    it('accepts a pending key of the same algorithm that signs and verifies', async () => {
      // Prepare
      const current = pkcs8(ecKey('P-384'));
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      values(current, (await rotateSecretValue(current)).value);

      // Act
      const outcome = await new SecretsManagerRotation().testSecret(SECRET, TOKEN);

      // Assess
      expect(outcome).toMatchObject({ step: 'testSecret', outcome: 'tested', algorithm: 'EC P-384' });
      expect(sm.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([
        { SecretId: SECRET, VersionId: TOKEN, VersionStage: 'AWSPENDING' },
        { SecretId: SECRET, VersionStage: 'AWSCURRENT' },
      ]);
    });

    it('fails when the pending version still holds the current key', async () => {
      // Prepare
      const current = pkcs8(ecKey('P-256'));
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      values(current, current);

      // Act
      const error = await rejectionOf(new SecretsManagerRotation().testSecret(SECRET, TOKEN), KeygenError);

      // Assess
      expect(error.code).toBe('ERR_ROTATION_UNCHANGED');
    });

    it('fails when the pending key has another algorithm', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      values(pkcs8(ecKey('P-256')), pkcs8(ecKey('P-384')));

      // Act
      const error = await rejectionOf(new SecretsManagerRotation().testSecret(SECRET, TOKEN), KeygenError);

      // Assess
      expect(error.code).toBe('ERR_ROTATION_MISMATCH');
      expect(error.message).toContain('AWSPENDING');
    });

    it('does nothing once the version is AWSCURRENT', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSCURRENT'], [OLD]: ['AWSPREVIOUS'] }));

      // Act
      const outcome = await new SecretsManagerRotation().testSecret(SECRET, TOKEN);

      // Assess
      expect(outcome.outcome).toBe('already-current');
      expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
    });
  });

  describe('Method: finishSecret', () => {
    it('moves AWSCURRENT from the current version to the pending one', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      sm.on(UpdateSecretVersionStageCommand).resolves(META);

      // Act
      const outcome = await new SecretsManagerRotation().finishSecret(SECRET, TOKEN);

      // Assess
      expect(sm.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input)).toEqual([
        { SecretId: SECRET, VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN, RemoveFromVersionId: OLD },
      ]);
      expect(outcome).toEqual({ step: 'finishSecret', secretId: SECRET, versionId: TOKEN, outcome: 'finished', previousVersionId: OLD });
    });

    it('does nothing when the token is already AWSCURRENT', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSCURRENT', 'AWSPENDING'], [OLD]: ['AWSPREVIOUS'] }));

      // Act
      const outcome = await new SecretsManagerRotation().finishSecret(SECRET, TOKEN);

      // Assess
      expect(outcome.outcome).toBe('already-current');
      expect(sm).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
    });

    it('refuses to promote a version that is not AWSPENDING', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPREVIOUS'], [OLD]: ['AWSCURRENT'] }));

      // Act
      const error = await rejectionOf(new SecretsManagerRotation().finishSecret(SECRET, TOKEN), RotationStepError);

      // Assess
      expect(error.code).toBe('ERR_ROTATION_VERSION_NOT_PENDING');
      expect(error.message).toContain('it has AWSPREVIOUS');
      expect(sm).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
    });

    it('refuses when rotation was disabled meanwhile', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }, { RotationEnabled: false }));

      // Act
      const error = await rejectionOf(new SecretsManagerRotation().finishSecret(SECRET, TOKEN), RotationStepError);

      // Assess
      expect(error.code).toBe('ERR_ROTATION_NOT_ENABLED');
      expect(sm).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
    });
  });

  describe('Method: triggerSecretRotation', () => {
    const ACTION = 'case-7/rotate-secret/arn:aws:secretsmanager:eu-west-1:111122223333:secret:payments/jwt-AbCdEf';
    const ACTION_TOKEN = rotationClientRequestToken(ACTION);

    it('starts a rotation with a ClientRequestToken derived from the action id', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [OLD]: ['AWSCURRENT'] }));
      sm.on(RotateSecretCommand).resolves({ $metadata: { requestId: 'req-rotate' }, ARN: SECRET, VersionId: ACTION_TOKEN });

      // Act
      const result = await new SecretsManagerRotation().triggerSecretRotation({ secretId: SECRET, actionId: ACTION });

      // Assess
      expect(sm.commandCalls(RotateSecretCommand).map((call) => call.args[0].input)).toEqual([
        { SecretId: SECRET, ClientRequestToken: ACTION_TOKEN, RotateImmediately: true },
      ]);
      expect(result).toEqual({
        secretId: SECRET,
        clientRequestToken: ACTION_TOKEN,
        requestId: 'req-rotate',
        status: 'started',
        versionId: ACTION_TOKEN,
        rotationFunction: 'existing',
      });
    });

    it("sets Sever's rotation function only on a secret that has none", async () => {
      // Prepare
      const severFunction = 'arn:aws:lambda:eu-west-1:111122223333:function:sever-RotateSecret';
      sm.on(DescribeSecretCommand).resolves(described({ [OLD]: ['AWSCURRENT'] }, { RotationEnabled: false, RotationLambdaARN: undefined }));
      sm.on(RotateSecretCommand).resolves({ ...META, VersionId: ACTION_TOKEN });

      // Act
      const result = await new SecretsManagerRotation({ rotationLambdaArn: severFunction }).triggerSecretRotation({
        secretId: SECRET,
        actionId: ACTION,
      });

      // Assess
      expect(sm).toHaveReceivedCommandWith(RotateSecretCommand, { RotationLambdaARN: severFunction });
      expect(result).toMatchObject({ status: 'started', rotationFunction: 'sever' });
    });

    it('fails before calling RotateSecret when no rotation function is known', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [OLD]: ['AWSCURRENT'] }, { RotationLambdaARN: undefined }));

      // Act
      const error = await rejectionOf(
        new SecretsManagerRotation().triggerSecretRotation({ secretId: SECRET, actionId: ACTION }),
        PortError,
      );

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(sm).not.toHaveReceivedCommand(RotateSecretCommand);
    });

    it.each(["A previous rotation isn't complete. That rotation will be reattempted.", 'Rotation is already in progress for the secret.'])(
      'reports another rotation in progress (%s) instead of starting a second one',
      async (message) => {
        // Prepare
        sm.on(DescribeSecretCommand).resolves(described({ [STALE]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
        sm.on(RotateSecretCommand).rejects(new InvalidRequestException({ message, $metadata: { requestId: 'req-busy' } }));

        // Act
        const result = await new SecretsManagerRotation().triggerSecretRotation({ secretId: SECRET, actionId: ACTION });

        // Assess
        expect(result).toEqual({
          secretId: SECRET,
          clientRequestToken: ACTION_TOKEN,
          requestId: 'req-busy',
          status: 'in-progress',
          ownRotation: false,
          pendingVersionId: STALE,
        });
        expect(sm).toHaveReceivedCommandTimes(RotateSecretCommand, 1);
      },
    );

    it('asks again with the same token when its own rotation is pending, and reports it in progress', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [ACTION_TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      sm.on(RotateSecretCommand).rejects(
        new InvalidRequestException({ message: "A previous rotation isn't complete. That rotation will be reattempted.", $metadata: {} }),
      );

      // Act
      const result = await new SecretsManagerRotation().triggerSecretRotation({ secretId: SECRET, actionId: ACTION });

      // Assess
      expect(sm).toHaveReceivedCommandExactlyOnceWith(RotateSecretCommand, {
        SecretId: SECRET,
        ClientRequestToken: ACTION_TOKEN,
        RotateImmediately: true,
      });
      expect(result).toMatchObject({ status: 'in-progress', ownRotation: true, pendingVersionId: ACTION_TOKEN });
    });

    it('reports a rotation this action already completed', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [ACTION_TOKEN]: ['AWSCURRENT'], [OLD]: ['AWSPREVIOUS'] }));

      // Act
      const result = await new SecretsManagerRotation().triggerSecretRotation({ secretId: SECRET, actionId: ACTION });

      // Assess
      expect(result).toMatchObject({ status: 'completed', versionId: ACTION_TOKEN });
      expect(sm).not.toHaveReceivedCommand(RotateSecretCommand);
    });

    it('does not mistake other invalid requests for a rotation in progress', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [OLD]: ['AWSCURRENT'] }));
      sm.on(RotateSecretCommand).rejects(
        new InvalidRequestException({
          message: "You can't perform this operation on the secret because it was marked for deletion.",
          $metadata: {},
        }),
      );

      // Act
      const error = await rejectionOf(
        new SecretsManagerRotation().triggerSecretRotation({ secretId: SECRET, actionId: ACTION }),
        PortError,
      );

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.awsError).toBe('InvalidRequestException');
    });
  });

  describe('Method: rotateSecret', () => {
    it('reports a started rotation with its request id', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [OLD]: ['AWSCURRENT'] }));
      sm.on(RotateSecretCommand).resolves({ $metadata: { requestId: 'req-rotate' }, VersionId: TOKEN });

      // Act
      const result = await new SecretsManagerRotation().rotateSecret(SECRET, TOKEN);

      // Assess
      expect(result).toEqual({ requestId: 'req-rotate', status: 'started' });
      expect(sm).toHaveReceivedCommandWith(RotateSecretCommand, { ClientRequestToken: TOKEN });
    });

    it('reports its own rotation as in progress', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      sm.on(RotateSecretCommand).rejects(
        new InvalidRequestException({ message: 'Rotation is already in progress.', $metadata: { requestId: 'req-busy' } }),
      );

      // Act
      const result = await new SecretsManagerRotation().rotateSecret(SECRET, TOKEN);

      // Assess
      expect(result).toEqual({ requestId: 'req-busy', status: 'in-progress' });
    });

    it('reports a completed rotation of the same token as started, without rotating again', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [TOKEN]: ['AWSCURRENT'], [OLD]: ['AWSPREVIOUS'] }));

      // Act
      const result = await new SecretsManagerRotation().rotateSecret(SECRET, TOKEN);

      // Assess
      expect(result).toEqual({ requestId: 'req-sm-1', status: 'started' });
      expect(sm).not.toHaveReceivedCommand(RotateSecretCommand);
    });

    it('raises a retryable conflict when another rotation blocks this one', async () => {
      // Prepare
      sm.on(DescribeSecretCommand).resolves(described({ [STALE]: ['AWSPENDING'], [OLD]: ['AWSCURRENT'] }));
      sm.on(RotateSecretCommand).rejects(
        new InvalidRequestException({ message: "A previous rotation isn't complete. That rotation will be reattempted.", $metadata: {} }),
      );

      // Act
      const error = await rejectionOf(new SecretsManagerRotation().rotateSecret(SECRET, TOKEN), PortError);

      // Assess
      expect(error.code).toBe('ERR_CONFLICT');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain(STALE);
    });
  });
});

describe('Function: rotationClientRequestToken', () => {
  it('is the same 64 hex characters for the same action and differs between actions', () => {
    // Act
    const first = rotationClientRequestToken('case-1/rotate-secret/a');
    const again = rotationClientRequestToken('case-1/rotate-secret/a');
    const other = rotationClientRequestToken('case-1/rotate-secret/b');

    // Assess
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(first).toBe(createHash('sha256').update('case-1/rotate-secret/a').digest('hex'));
  });
});
