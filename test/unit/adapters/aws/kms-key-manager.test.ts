import {
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  KMSInvalidStateException,
  KMSServiceException,
  LimitExceededException,
  ListKeysCommand,
  ListResourceTagsCommand,
  NotFoundException,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { KmsKeyManager } from '../../../../lambda/adapters/aws/kms-key-manager.js';
import { PortError } from '../../../../lambda/core/errors.js';
import { rejectionOf } from '../../../fixtures/rejection.js';

const kmsMock = mockClient(KMSClient);
const keys = (): KmsKeyManager => new KmsKeyManager({ client: new KMSClient({ region: 'eu-west-1' }) });

const ARN = (id: string): string => `arn:aws:kms:eu-west-1:111122223333:key/${id}`;
const OLD = ARN('1111aaaa-0000-0000-0000-000000000001');
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }],
});

/** KMS does not model AccessDeniedException; it arrives as a plain service exception. */
const accessDenied = (requestId: string): KMSServiceException =>
  new KMSServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized', $metadata: { requestId } });

describe('Class: KmsKeyManager', () => {
  afterEach(() => {
    kmsMock.reset();
  });

  describe('Method: createKey', () => {
    it('sends CreateKey with spec, usage, policy, description, tags and the lockout check kept on', async () => {
      // Prepare
      kmsMock.on(CreateKeyCommand).resolves({
        KeyMetadata: { KeyId: 'new-key', Arn: ARN('new-key') },
        $metadata: { requestId: 'req-create' },
      });

      // Act
      const created = await keys().createKey({
        keySpec: 'ECC_NIST_P256',
        keyUsage: 'SIGN_VERIFY',
        policy: POLICY,
        description: 'Replacement for payments signing key',
        tags: { team: 'payments', 'sever:step-id': 'abc123' },
      });

      // Assess
      expect(kmsMock).toHaveReceivedCommandTimes(CreateKeyCommand, 1);
      expect(kmsMock.commandCalls(CreateKeyCommand)[0]?.args[0].input).toStrictEqual({
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        Policy: POLICY,
        Description: 'Replacement for payments signing key',
        Tags: [
          { TagKey: 'team', TagValue: 'payments' },
          { TagKey: 'sever:step-id', TagValue: 'abc123' },
        ],
        BypassPolicyLockoutSafetyCheck: false,
      });
      expect(created).toStrictEqual({ requestId: 'req-create', keyArn: ARN('new-key'), keyId: 'new-key' });
    });

    it('reports KMS LimitExceededException as a retryable ERR_THROTTLED', async () => {
      // Prepare
      kmsMock.on(CreateKeyCommand).rejects(new LimitExceededException({ message: 'rate exceeded', $metadata: { requestId: 'req-limit' } }));

      // Act
      const error = await rejectionOf(
        keys().createKey({ keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC', policy: POLICY, description: 'd', tags: {} }),
        PortError,
      );

      // Assess
      expect(error.code).toBe('ERR_THROTTLED');
      expect(error.retryable).toBe(true);
      expect(error.requestId).toBe('req-limit');
      expect(error.message).not.toContain(POLICY);
    });

    it('fails when KMS returns no key metadata', async () => {
      // Prepare
      kmsMock.on(CreateKeyCommand).resolves({ $metadata: { requestId: 'req-empty' } });

      // Act
      const error = await rejectionOf(
        keys().createKey({ keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC', policy: POLICY, description: 'd', tags: {} }),
        PortError,
      );

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.requestId).toBe('req-empty');
    });
  });

  describe('Method: findKeyByTag', () => {
    it('pages through ListKeys and reads each key’s tags until it finds the tag', async () => {
      // Prepare
      kmsMock
        .on(ListKeysCommand, { Marker: undefined })
        .resolves({ Keys: [{ KeyId: 'k1', KeyArn: ARN('k1') }], Truncated: true, NextMarker: 'page-2' })
        .on(ListKeysCommand, { Marker: 'page-2' })
        .resolves({
          Keys: [
            { KeyId: 'k2', KeyArn: ARN('k2') },
            { KeyId: 'k3', KeyArn: ARN('k3') },
          ],
          Truncated: false,
        });
      kmsMock
        .on(ListResourceTagsCommand, { KeyId: 'k1' })
        .resolves({ Tags: [{ TagKey: 'sever:step-id', TagValue: 'other' }], Truncated: false })
        .on(ListResourceTagsCommand, { KeyId: 'k2' })
        .resolves({ Tags: [{ TagKey: 'sever:step-id', TagValue: 'wanted' }], Truncated: false })
        .on(ListResourceTagsCommand, { KeyId: 'k3' })
        .resolves({ Tags: [{ TagKey: 'sever:step-id', TagValue: 'wanted' }], Truncated: false });

      // Act
      const found = await keys().findKeyByTag('sever:step-id', 'wanted');

      // Assess
      expect(found).toStrictEqual({ keyArn: ARN('k2'), keyId: 'k2' });
      expect(kmsMock).toHaveReceivedCommandTimes(ListKeysCommand, 2);
      expect(kmsMock).toHaveReceivedNthCommandWith(ListKeysCommand, 1, { Limit: 1000 });
      expect(kmsMock).toHaveReceivedNthCommandWith(ListKeysCommand, 2, { Limit: 1000, Marker: 'page-2' });
      // Stops at the first match: k3 is never read.
      expect(kmsMock).toHaveReceivedCommandTimes(ListResourceTagsCommand, 2);
      expect(kmsMock).not.toHaveReceivedCommandWith(ListResourceTagsCommand, { KeyId: 'k3' });
    });

    it('returns undefined when no key carries the tag, skipping keys whose tags it may not read', async () => {
      // Prepare
      kmsMock.on(ListKeysCommand).resolves({
        Keys: [
          { KeyId: 'locked', KeyArn: ARN('locked') },
          { KeyId: 'vanished', KeyArn: ARN('vanished') },
          { KeyId: 'plain', KeyArn: ARN('plain') },
        ],
        Truncated: false,
      });
      kmsMock
        .on(ListResourceTagsCommand, { KeyId: 'locked' })
        .rejects(accessDenied('req-locked'))
        .on(ListResourceTagsCommand, { KeyId: 'vanished' })
        .rejects(new NotFoundException({ message: 'gone', $metadata: {} }))
        .on(ListResourceTagsCommand, { KeyId: 'plain' })
        .resolves({ Tags: [{ TagKey: 'sever:step-id', TagValue: 'wanted-not' }], Truncated: false });

      // Act
      const found = await keys().findKeyByTag('sever:step-id', 'wanted');

      // Assess
      expect(found).toBeUndefined();
      expect(kmsMock).toHaveReceivedCommandTimes(ListResourceTagsCommand, 3);
    });

    it('aborts with a retryable error when KMS throttles the scan', async () => {
      // Prepare
      kmsMock.on(ListKeysCommand).resolves({ Keys: [{ KeyId: 'k1', KeyArn: ARN('k1') }], Truncated: false });
      kmsMock.on(ListResourceTagsCommand).rejects(
        new KMSServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          message: 'Rate exceeded',
          $metadata: { requestId: 'req-t' },
        }),
      );

      // Act
      const error = await rejectionOf(keys().findKeyByTag('sever:step-id', 'wanted'), PortError);

      // Assess
      expect(error.code).toBe('ERR_THROTTLED');
      expect(error.requestId).toBe('req-t');
    });

    it('fails instead of looping when ListKeys repeats a marker', async () => {
      // Prepare
      kmsMock.on(ListKeysCommand).resolves({ Keys: [], Truncated: true, NextMarker: 'same' });

      // Act
      const error = await rejectionOf(keys().findKeyByTag('sever:step-id', 'wanted'), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(kmsMock).toHaveReceivedCommandTimes(ListKeysCommand, 2);
    });
  });

  describe('Method: describeKeyState', () => {
    it('returns KeyMetadata.KeyState from DescribeKey', async () => {
      // Prepare
      kmsMock.on(DescribeKeyCommand, { KeyId: OLD }).resolves({ KeyMetadata: { KeyId: 'old', KeyState: 'Disabled' } });

      // Act
      const state = await keys().describeKeyState(OLD);

      // Assess
      expect(state).toBe('Disabled');
      expect(kmsMock).toHaveReceivedCommandExactlyOnceWith(DescribeKeyCommand, { KeyId: OLD });
    });
  });

  describe('Method: getPublicKey', () => {
    it('returns the DER public key and signing algorithms with the request id', async () => {
      // Prepare
      const der = new Uint8Array([0x30, 0x59, 0x30, 0x13]);
      kmsMock.on(GetPublicKeyCommand).resolves({
        PublicKey: der,
        SigningAlgorithms: ['ECDSA_SHA_256'],
        $metadata: { requestId: 'req-pub' },
      });

      // Act
      const result = await keys().getPublicKey(OLD);

      // Assess
      expect(kmsMock).toHaveReceivedCommandExactlyOnceWith(GetPublicKeyCommand, { KeyId: OLD });
      expect(result.publicKey).toBeInstanceOf(Uint8Array);
      expect([...result.publicKey]).toStrictEqual([0x30, 0x59, 0x30, 0x13]);
      expect(result.signingAlgorithms).toStrictEqual(['ECDSA_SHA_256']);
      expect(result.requestId).toBe('req-pub');
    });

    it('reports a missing key as ERR_FAILED (reading a key is not a removal)', async () => {
      // Prepare
      kmsMock.on(GetPublicKeyCommand).rejects(new NotFoundException({ message: 'no such key', $metadata: { requestId: 'req-nf' } }));

      // Act
      const error = await rejectionOf(keys().getPublicKey(OLD), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.requestId).toBe('req-nf');
    });
  });

  describe('Method: updateAlias', () => {
    it('sends UpdateAlias with AliasName and TargetKeyId', async () => {
      // Prepare
      kmsMock.on(UpdateAliasCommand).resolves({ $metadata: { requestId: 'req-alias' } });

      // Act
      const record = await keys().updateAlias('alias/payments-signing', 'new-key');

      // Assess
      expect(kmsMock.commandCalls(UpdateAliasCommand)[0]?.args[0].input).toStrictEqual({
        AliasName: 'alias/payments-signing',
        TargetKeyId: 'new-key',
      });
      expect(kmsMock).toHaveReceivedCommandTimes(UpdateAliasCommand, 1);
      expect(record).toStrictEqual({ requestId: 'req-alias' });
    });

    it('reports a missing alias as ERR_FAILED, never as already done', async () => {
      // Prepare
      kmsMock.on(UpdateAliasCommand).rejects(new NotFoundException({ message: 'Alias not found', $metadata: {} }));

      // Act
      const error = await rejectionOf(keys().updateAlias('alias/payments-signing', 'new-key'), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
    });
  });

  describe('Method: revokeGrant', () => {
    it('sends RevokeGrant with KeyId and GrantId', async () => {
      // Prepare
      kmsMock.on(RevokeGrantCommand).resolves({ $metadata: { requestId: 'req-revoke' } });

      // Act
      const record = await keys().revokeGrant(OLD, 'grant-1');

      // Assess
      expect(kmsMock.commandCalls(RevokeGrantCommand)[0]?.args[0].input).toStrictEqual({ KeyId: OLD, GrantId: 'grant-1' });
      expect(kmsMock).toHaveReceivedCommandTimes(RevokeGrantCommand, 1);
      expect(record).toStrictEqual({ requestId: 'req-revoke' });
    });

    it('reports a grant that is already gone as ERR_ALREADY_DONE with the request id', async () => {
      // Prepare
      kmsMock.on(RevokeGrantCommand).rejects(new NotFoundException({ message: 'Grant not found', $metadata: { requestId: 'req-gone' } }));

      // Act
      const error = await rejectionOf(keys().revokeGrant(OLD, 'grant-1'), PortError);

      // Assess
      expect(error.code).toBe('ERR_ALREADY_DONE');
      expect(error.requestId).toBe('req-gone');
    });
  });

  describe('Method: disableKey', () => {
    it('sends DisableKey with KeyId', async () => {
      // Prepare
      kmsMock.on(DisableKeyCommand).resolves({ $metadata: { requestId: 'req-disable' } });

      // Act
      const record = await keys().disableKey(OLD);

      // Assess
      expect(kmsMock.commandCalls(DisableKeyCommand)[0]?.args[0].input).toStrictEqual({ KeyId: OLD });
      expect(record).toStrictEqual({ requestId: 'req-disable' });
      expect(kmsMock).toHaveReceivedCommandTimes(DescribeKeyCommand, 0);
    });

    it('reports a key already pending deletion as ERR_ALREADY_DONE after DescribeKey confirms it', async () => {
      // Prepare
      kmsMock
        .on(DisableKeyCommand)
        .rejects(new KMSInvalidStateException({ message: `${OLD} is pending deletion.`, $metadata: { requestId: 'req-invalid' } }));
      kmsMock.on(DescribeKeyCommand).resolves({
        KeyMetadata: { KeyId: 'old', KeyState: 'PendingDeletion', DeletionDate: new Date('2025-04-01T00:00:00Z') },
      });

      // Act
      const error = await rejectionOf(keys().disableKey(OLD), PortError);

      // Assess
      expect(error.code).toBe('ERR_ALREADY_DONE');
      expect(error.awsError).toBe('KMSInvalidStateException');
      expect(error.requestId).toBe('req-invalid');
      expect(error.message).toContain('2025-04-01T00:00:00.000Z');
      expect(kmsMock).toHaveReceivedCommandExactlyOnceWith(DescribeKeyCommand, { KeyId: OLD });
    });

    it('keeps KMSInvalidStateException a failure when the key is in another state', async () => {
      // Prepare
      kmsMock
        .on(DisableKeyCommand)
        .rejects(new KMSInvalidStateException({ message: 'key is Unavailable', $metadata: { requestId: 'req-u' } }));
      kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'old', KeyState: 'Unavailable' } });

      // Act
      const error = await rejectionOf(keys().disableKey(OLD), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.requestId).toBe('req-u');
    });

    it('reports a ThrottlingException as retryable ERR_THROTTLED', async () => {
      // Prepare
      kmsMock.on(DisableKeyCommand).rejects(
        new KMSServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          message: 'slow down',
          $metadata: { requestId: 'req-t' },
        }),
      );

      // Act
      const error = await rejectionOf(keys().disableKey(OLD), PortError);

      // Assess
      expect(error.code).toBe('ERR_THROTTLED');
      expect(error.retryable).toBe(true);
      expect(kmsMock).toHaveReceivedCommandTimes(DescribeKeyCommand, 0);
    });

    it('reports KMSInternalException as a retryable ERR_TRANSIENT', async () => {
      // Prepare
      kmsMock.on(DisableKeyCommand).rejects(
        new KMSServiceException({
          name: 'KMSInternalException',
          $fault: 'server',
          message: 'internal',
          $metadata: { requestId: 'req-500' },
        }),
      );

      // Act
      const error = await rejectionOf(keys().disableKey(OLD), PortError);

      // Assess
      expect(error.code).toBe('ERR_TRANSIENT');
      expect(error.requestId).toBe('req-500');
    });
  });

  describe('Method: scheduleKeyDeletion', () => {
    it('sends ScheduleKeyDeletion with KeyId and PendingWindowInDays and returns the ISO deletion date', async () => {
      // Prepare
      kmsMock.on(ScheduleKeyDeletionCommand).resolves({
        KeyId: OLD,
        KeyState: 'PendingDeletion',
        DeletionDate: new Date('2025-03-31T12:00:00Z'),
        $metadata: { requestId: 'req-sched' },
      });

      // Act
      const result = await keys().scheduleKeyDeletion(OLD, 30);

      // Assess
      expect(kmsMock.commandCalls(ScheduleKeyDeletionCommand)[0]?.args[0].input).toStrictEqual({ KeyId: OLD, PendingWindowInDays: 30 });
      expect(result).toStrictEqual({ requestId: 'req-sched', deletionDate: '2025-03-31T12:00:00.000Z' });
    });

    it('reports a key already pending deletion as ERR_ALREADY_DONE', async () => {
      // Prepare
      kmsMock
        .on(ScheduleKeyDeletionCommand)
        .rejects(new KMSInvalidStateException({ message: 'pending deletion', $metadata: { requestId: 'req-again' } }));
      kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'old', KeyState: 'PendingDeletion' } });

      // Act
      const error = await rejectionOf(keys().scheduleKeyDeletion(OLD, 30), PortError);

      // Assess
      expect(error.code).toBe('ERR_ALREADY_DONE');
      expect(error.requestId).toBe('req-again');
    });

    it('reports a missing key as ERR_FAILED: the plan saw it, so its absence needs a person', async () => {
      // Prepare
      kmsMock.on(ScheduleKeyDeletionCommand).rejects(new NotFoundException({ message: 'no such key', $metadata: {} }));

      // Act
      const error = await rejectionOf(keys().scheduleKeyDeletion(OLD, 30), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
    });

    it('reports AccessDeniedException as ERR_ACCESS_DENIED, never retried', async () => {
      // Prepare
      kmsMock.on(ScheduleKeyDeletionCommand).rejects(accessDenied('req-ad'));

      // Act
      const error = await rejectionOf(keys().scheduleKeyDeletion(OLD, 30), PortError);

      // Assess
      expect(error.code).toBe('ERR_ACCESS_DENIED');
      expect(error.retryable).toBe(false);
      expect(error.requestId).toBe('req-ad');
    });
  });
});
