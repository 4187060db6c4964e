import { createPublicKey } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  type GetSecretValueCommandInput,
  PutSecretValueCommand,
  type PutSecretValueCommandInput,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type UpdateSecretVersionStageCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { type PendingKeyPublisher, SecretsManagerRotation } from '../../../lambda/adapters/aws/secrets-rotation.js';
import { createRotateSecretHandler, handler } from '../../../lambda/handlers/rotate-secret.js';
import { ecKey, pemBody, pkcs8 } from '../core/keygen/keys.js';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:payments/jwt-AbCdEf';
const TOKEN = '0123456789abcdef0123456789abcdef';
const OLD = 'fedcba9876543210fedcba9876543210';

const sm = mockClient(SecretsManagerClient);

/** A one-secret Secrets Manager: versions with values and staging labels, as the service keeps them. */
const fakeSecretsManager = (initial: string) => {
  const values = new Map<string, string>([[OLD, initial]]);
  const stages = new Map<string, string[]>([
    [OLD, ['AWSCURRENT']],
    // RotateSecret creates the pending version id before invoking the function.
    [TOKEN, ['AWSPENDING']],
  ]);
  const holder = (stage: string): string | undefined => [...stages].find(([, labels]) => labels.includes(stage))?.[0];
  sm.on(DescribeSecretCommand).callsFake(() => ({
    ARN: SECRET,
    RotationEnabled: true,
    VersionIdsToStages: Object.fromEntries([...stages].filter(([, labels]) => labels.length > 0)),
  }));
  sm.on(GetSecretValueCommand).callsFake((input: GetSecretValueCommandInput) => {
    const versionId = input.VersionId ?? holder(input.VersionStage ?? 'AWSCURRENT');
    const value = versionId === undefined ? undefined : values.get(versionId);
    if (value === undefined || (input.VersionStage !== undefined && !stages.get(versionId ?? '')?.includes(input.VersionStage))) {
      throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value", $metadata: {} });
    }
    return { ARN: SECRET, VersionId: versionId, SecretString: value };
  });
  sm.on(PutSecretValueCommand).callsFake((input: PutSecretValueCommandInput) => {
    values.set(input.ClientRequestToken ?? '', input.SecretString ?? '');
    return { ARN: SECRET, VersionId: input.ClientRequestToken };
  });
  sm.on(UpdateSecretVersionStageCommand).callsFake((input: UpdateSecretVersionStageCommandInput) => {
    const stage = input.VersionStage ?? '';
    if (input.RemoveFromVersionId)
      stages.set(
        input.RemoveFromVersionId,
        (stages.get(input.RemoveFromVersionId) ?? []).filter((s) => s !== stage),
      );
    if (input.MoveToVersionId) stages.set(input.MoveToVersionId, [...(stages.get(input.MoveToVersionId) ?? []), stage]);
    if (stage === 'AWSCURRENT' && input.RemoveFromVersionId) stages.get(input.RemoveFromVersionId)?.push('AWSPREVIOUS');
    return { ARN: SECRET };
  });
  return { current: (): string | undefined => values.get(holder('AWSCURRENT') ?? '') };
};

const event = (step: string) => ({ Step: step, SecretId: SECRET, ClientRequestToken: TOKEN });

describe('Function: handler', () => {
  let logs: MockInstance<typeof console.log>;
  let errors: MockInstance<typeof console.error>;

  beforeEach(() => {
    logs = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    sm.reset();
    vi.restoreAllMocks();
  });

  it('runs the four steps to a new current key of the same algorithm, and a repeat changes nothing', async () => {
    // Prepare
    const initial = pkcs8(ecKey('P-256'));
    const secrets = fakeSecretsManager(initial);

    // Act
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) await handler(event(step));
    const promoted = secrets.current();
    const repeated = await handler(event('createSecret'));

    // Assess
    expect(promoted).toBeDefined();
    expect(promoted).not.toBe(initial);
    expect(createPublicKey(promoted ?? '').asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(secrets.current()).toBe(promoted);
    expect(repeated.outcome).toBe('already-current');
    expect(sm).toHaveReceivedCommandTimes(PutSecretValueCommand, 1);
  });

  it('never logs key material', async () => {
    // Prepare
    const initial = pkcs8(ecKey('P-256'));
    const secrets = fakeSecretsManager(initial);

    // Act
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) await handler(event(step));

    // Assess
    const lines = logs.mock.calls.map((call) => String(call[0]));
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).not.toContain(pemBody(initial));
      expect(line).not.toContain(pemBody(secrets.current() ?? ''));
      expect(line).not.toContain('PRIVATE KEY');
    }
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'info', step: 'createSecret', outcome: 'created', secretId: SECRET });
  });

  it('refuses a malformed event before calling AWS, naming the field', async () => {
    // Act
    const attempt = handler({ Step: 'rotateEverything', SecretId: SECRET, ClientRequestToken: TOKEN });

    // Assess
    await expect(attempt).rejects.toThrow(/rotation event is malformed: Step:/);
    expect(sm.calls()).toHaveLength(0);
  });

  it('logs the error code without the value and rethrows so the step fails', async () => {
    // Prepare
    fakeSecretsManager(JSON.stringify({ username: 'svc', password: 'hunter2' }));

    // Act
    const attempt = handler(event('createSecret'));

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_KEY_NOT_FOUND' });
    const line = JSON.parse(String(errors.mock.calls[0]?.[0])) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'error', step: 'createSecret', code: 'ERR_KEY_NOT_FOUND', versionId: TOKEN });
    expect(JSON.stringify(line)).not.toContain('hunter2');
  });
});

describe('Function: createRotateSecretHandler', () => {
  afterEach(() => {
    sm.reset();
    vi.restoreAllMocks();
  });

  it('runs setSecret through the publisher of the rotation it is given', async () => {
    // Prepare
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    fakeSecretsManager(pkcs8(ecKey('P-384')));
    const onPending = vi.fn<PendingKeyPublisher>().mockResolvedValue(undefined);
    const rotate = createRotateSecretHandler(new SecretsManagerRotation({ client: new SecretsManagerClient({}), onPending }));

    // Act
    await rotate(event('createSecret'));
    const outcome = await rotate(event('setSecret'));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'published', algorithm: 'EC P-384' });
    expect(onPending).toHaveBeenCalledExactlyOnceWith(expect.objectContaining({ kty: 'EC', crv: 'P-384', kid: outcome.kid }), {
      secretId: SECRET,
      versionId: TOKEN,
      tags: {},
    });
  });
});
