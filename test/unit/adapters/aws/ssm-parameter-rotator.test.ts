import { createHash } from 'node:crypto';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  LabelParameterVersionCommand,
  ParameterNotFound,
  ParameterVersionLabelLimitExceeded,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { parameterRotationLabel, SsmParameterRotator } from '../../../../lambda/adapters/aws/ssm-parameter-rotator.js';
import { PortError } from '../../../../lambda/core/errors.js';
import { KeygenError } from '../../../../lambda/core/keygen/errors.js';
import { inspectSecretValue, rotateSecretValue, verifyRotatedSecret } from '../../../../lambda/core/keygen/secret-value.js';
import { rejectionOf } from '../../../fixtures/rejection.js';
import { ecKey, pkcs8, privateJwk } from '../../core/keygen/keys.js';

const NAME = '/payments/jwt-signing-key';
const ACTION = 'case-3/rotate-parameter/arn:aws:ssm:eu-west-1:111122223333:parameter/payments/jwt-signing-key';
const LABEL = parameterRotationLabel(ACTION);
const KEY_ID = 'arn:aws:kms:eu-west-1:111122223333:key/0d5e3c36-1111-2222-3333-444455556666';

const ssm = mockClient(SSMClient);

interface Stored {
  readonly value: string;
  readonly version: number;
  readonly type?: 'SecureString' | 'String';
  /** The version carrying this action's label, if any. */
  readonly labelled?: number;
  /** `null`: DescribeParameters reports no KeyId. */
  readonly keyId?: string | null;
}

/** Mocks the reads of one parameter: its latest version, the label lookup and its metadata. */
const stored = ({ value, version, type = 'SecureString', labelled, keyId = KEY_ID }: Stored): void => {
  ssm.on(GetParameterCommand, { Name: NAME }).resolves({
    $metadata: { requestId: 'req-get' },
    Parameter: { Name: NAME, Type: type, Value: value, Version: version },
  });
  const byLabel = ssm.on(GetParameterCommand, { Name: `${NAME}:${LABEL}` });
  if (labelled === undefined) byLabel.rejects(new ParameterNotFound({ message: 'Parameter not found', $metadata: {} }));
  else byLabel.resolves({ Parameter: { Name: NAME, Type: type, Value: 'ciphertext', Version: labelled, Selector: `:${LABEL}` } });
  ssm.on(DescribeParametersCommand).resolves({
    Parameters: [
      {
        Name: NAME,
        Type: type,
        ...(keyId === null ? {} : { KeyId: keyId }),
        Tier: 'Advanced',
        DataType: 'text',
        Description: 'JWT signing key',
        Version: version,
      },
    ],
  });
};

const written = (version: number): void => {
  ssm.on(PutParameterCommand).resolves({ $metadata: { requestId: 'req-put' }, Version: version, Tier: 'Advanced' });
  ssm.on(LabelParameterVersionCommand).resolves({ InvalidLabels: [], ParameterVersion: version });
};

describe('Class: SsmParameterRotator', () => {
  afterEach(() => {
    ssm.reset();
  });

  describe('Method: rotate', () => {
    it('overwrites the parameter with a new key under the same KMS key and labels the new version', async () => {
      // Prepare
      const current = pkcs8(ecKey('P-256'));
      stored({ value: current, version: 4 });
      written(5);

      // Act
      const result = await new SsmParameterRotator().rotate({ name: NAME, actionId: ACTION, expectedVersion: 4 });

      // Assess
      expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toEqual([
        { Name: NAME, WithDecryption: true },
        { Name: `${NAME}:${LABEL}` },
      ]);
      expect(ssm).toHaveReceivedCommandExactlyOnceWith(DescribeParametersCommand, {
        ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [NAME] }],
      });
      const put = ssm.commandCalls(PutParameterCommand)[0]?.args[0].input;
      expect(put).toEqual({
        Name: NAME,
        Value: expect.any(String),
        Type: 'SecureString',
        Overwrite: true,
        KeyId: KEY_ID,
        Tier: 'Advanced',
        DataType: 'text',
        Description: 'JWT signing key',
      });
      const after = await verifyRotatedSecret(current, put?.Value ?? '');
      expect(ssm.commandCalls(LabelParameterVersionCommand).map((call) => call.args[0].input)).toEqual([
        { Name: NAME, ParameterVersion: 5, Labels: [LABEL] },
      ]);
      expect(result).toEqual({
        requestId: 'req-put',
        name: NAME,
        label: LABEL,
        status: 'rotated',
        beforeVersion: 4,
        afterVersion: 5,
        algorithm: 'EC P-256',
        kid: after.kid,
        publicJwk: after.publicJwk,
        previousKid: (await inspectSecretValue(current)).kid,
        labelled: true,
        overwrittenVersions: 0,
        typeChanged: false,
        changedSincePlan: false,
      });
      expect(result.publicJwk).not.toHaveProperty('d');
    });

    it('writes nothing when the latest version carries this action label (a repeated action)', async () => {
      // Prepare
      const current = (await rotateSecretValue(pkcs8(ecKey('P-256')))).value;
      stored({ value: current, version: 5, labelled: 5 });

      // Act
      const result = await new SsmParameterRotator().rotate({ name: NAME, actionId: ACTION, expectedVersion: 4 });

      // Assess
      expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
      expect(ssm).not.toHaveReceivedCommand(LabelParameterVersionCommand);
      expect(ssm).not.toHaveReceivedCommand(DescribeParametersCommand);
      const info = await inspectSecretValue(current);
      expect(result).toEqual({
        requestId: 'req-get',
        name: NAME,
        label: LABEL,
        status: 'already-rotated',
        beforeVersion: 4,
        afterVersion: 5,
        algorithm: 'EC P-256',
        kid: info.kid,
        publicJwk: info.publicJwk,
        changedSincePlan: true,
      });
    });

    it('rotates again when someone wrote the parameter after the labelled rotation', async () => {
      // Prepare
      stored({ value: pkcs8(ecKey('P-256')), version: 6, labelled: 5 });
      written(7);

      // Act
      const result = await new SsmParameterRotator().rotate({ name: NAME, actionId: ACTION, expectedVersion: 4 });

      // Assess
      expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
      expect(ssm).toHaveReceivedCommandWith(LabelParameterVersionCommand, { ParameterVersion: 7, Labels: [LABEL] });
      expect(result).toMatchObject({ status: 'rotated', beforeVersion: 6, afterVersion: 7 });
    });

    it('rotates again after a crash between PutParameter and LabelParameterVersion', async () => {
      // Prepare
      stored({ value: pkcs8(ecKey('P-256')), version: 5 });
      written(6);

      // Act
      const result = await new SsmParameterRotator().rotate({ name: NAME, actionId: ACTION, expectedVersion: 4 });

      // Assess
      expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
      expect(result).toMatchObject({ status: 'rotated', beforeVersion: 5, afterVersion: 6, changedSincePlan: true });
    });

    it('does not trust a label on a version no newer than the expected one (parameter recreated)', async () => {
      // Prepare
      stored({ value: pkcs8(ecKey('P-256')), version: 2, labelled: 2 });
      written(3);

      // Act
      const result = await new SsmParameterRotator().rotate({ name: NAME, actionId: ACTION, expectedVersion: 4 });

      // Assess
      expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
      expect(result.status).toBe('rotated');
    });

    it('writes a plain String parameter back as a SecureString under the default key', async () => {
      // Prepare
      stored({ value: JSON.stringify(privateJwk(ecKey('P-384'))), version: 1, type: 'String', keyId: null });
      written(2);

      // Act
      const result = await new SsmParameterRotator().rotate({ name: NAME, actionId: ACTION });

      // Assess
      const put = ssm.commandCalls(PutParameterCommand)[0]?.args[0].input;
      expect(put?.Type).toBe('SecureString');
      expect(put).not.toHaveProperty('KeyId');
      expect(result).toMatchObject({ status: 'rotated', typeChanged: true, algorithm: 'EC P-384' });
      expect(result).not.toHaveProperty('changedSincePlan');
    });

    it('refuses to overwrite a SecureString whose KMS key it cannot read', async () => {
      // Prepare
      stored({ value: pkcs8(ecKey('P-256')), version: 3, keyId: null });

      // Act
      const error = await rejectionOf(new SsmParameterRotator().rotate({ name: NAME, actionId: ACTION }), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.message).toContain(NAME);
      expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
    });

    it('writes nothing when the value is not a key it can rotate', async () => {
      // Prepare
      stored({ value: 'correct-horse-battery-staple', version: 3 });

      // Act
      const error = await rejectionOf(new SsmParameterRotator().rotate({ name: NAME, actionId: ACTION }), KeygenError);

      // Assess
      expect(error.code).toBe('ERR_KEY_NOT_FOUND');
      expect(error.message).not.toContain('correct-horse');
      expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
    });

    it('reports versions written by others between its read and its write', async () => {
      // Prepare
      stored({ value: pkcs8(ecKey('P-256')), version: 4 });
      written(7);

      // Act
      const result = await new SsmParameterRotator().rotate({ name: NAME, actionId: ACTION });

      // Assess
      expect(result).toMatchObject({ status: 'rotated', beforeVersion: 4, afterVersion: 7, overwrittenVersions: 2 });
    });

    it('reports a label it could not attach instead of failing the finished rotation', async () => {
      // Prepare
      stored({ value: pkcs8(ecKey('P-256')), version: 4 });
      ssm.on(PutParameterCommand).resolves({ Version: 5 });
      ssm
        .on(LabelParameterVersionCommand)
        .rejects(
          new ParameterVersionLabelLimitExceeded({ message: 'A parameter version can have a maximum of ten labels.', $metadata: {} }),
        );

      // Act
      const result = await new SsmParameterRotator().rotate({ name: NAME, actionId: ACTION });

      // Assess
      expect(result).toMatchObject({ status: 'rotated', afterVersion: 5, labelled: false });
    });

    it('reports a label SSM rejected as invalid', async () => {
      // Prepare
      stored({ value: pkcs8(ecKey('P-256')), version: 4 });
      ssm.on(PutParameterCommand).resolves({ Version: 5 });
      ssm.on(LabelParameterVersionCommand).resolves({ InvalidLabels: [LABEL], ParameterVersion: 5 });

      // Act
      const result = await new SsmParameterRotator().rotate({ name: NAME, actionId: ACTION });

      // Assess
      expect(result).toMatchObject({ labelled: false });
    });

    it('fails with a port error when the parameter does not exist', async () => {
      // Prepare
      ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'Parameter not found', $metadata: {} }));

      // Act
      const error = await rejectionOf(new SsmParameterRotator().rotate({ name: NAME, actionId: ACTION }), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.awsError).toBe('ParameterNotFound');
      expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
    });
  });

  describe('Method: rotateParameter', () => {
    it('returns the version that holds the new key', async () => {
      // Prepare
      stored({ value: pkcs8(ecKey('P-256')), version: 8 });
      written(9);

      // Act
      const result = await new SsmParameterRotator().rotateParameter(NAME, ACTION);

      // Assess
      expect(result).toEqual({ requestId: 'req-put', version: 9 });
    });
  });
});

describe('Function: parameterRotationLabel', () => {
  it('derives a valid, stable label from the action id', () => {
    // Act
    const label = parameterRotationLabel(ACTION);

    // Assess
    expect(label).toMatch(/^sever-[0-9a-f]{32}$/);
    expect(parameterRotationLabel(ACTION)).toBe(label);
    expect(parameterRotationLabel(`${ACTION}-other`)).not.toBe(label);
    expect(label).toBe(`sever-${createHash('sha256').update(ACTION).digest('hex').slice(0, 32)}`);
  });
});
