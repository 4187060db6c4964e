import {
  ConcurrentModificationException,
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteConflictException,
  DeleteLoginProfileCommand,
  DeleteServiceSpecificCredentialCommand,
  DeleteSigningCertificateCommand,
  DeleteSSHPublicKeyCommand,
  DeleteUserCommand,
  DeleteVirtualMFADeviceCommand,
  IAMClient,
  IAMServiceException,
  LimitExceededException,
  NoSuchEntityException,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { type AwsCommand, mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { IamCredentialStore } from '../../../../lambda/adapters/aws/iam-credentials.js';
import { PortError } from '../../../../lambda/core/errors.js';
import type { CallRecord } from '../../../../lambda/core/ports.js';
import { rejectionOf } from '../../../fixtures/rejection.js';

const iamMock = mockClient(IAMClient);
const store = (): IamCredentialStore => new IamCredentialStore({ client: new IAMClient({ region: 'eu-west-1' }) });

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'SeverQuarantine', Effect: 'Deny', Action: '*', Resource: '*' }],
});

interface Case {
  readonly method: string;
  readonly call: (s: IamCredentialStore) => Promise<CallRecord>;
  /** Makes the command resolve with a request id, or reject with `error`. */
  readonly prime: (outcome: { readonly requestId: string } | { readonly error: Error }) => void;
  /** Asserts exactly one command of this kind was sent, with exactly `input`. */
  readonly assertSentOnce: () => void;
}

/** One table row, typed per command so the mock and the matchers see the command's own input. */
function row<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
  method: string,
  command: new (input: I) => AwsCommand<I, O>,
  call: Case['call'],
  input: I,
): Case {
  return {
    method,
    call,
    prime: (outcome) => {
      if ('error' in outcome) iamMock.on(command).rejects(outcome.error);
      else iamMock.on(command).resolves({ $metadata: { requestId: outcome.requestId } } as O);
    },
    assertSentOnce: () => {
      expect(iamMock).toHaveReceivedCommandTimes(command, 1);
      expect(iamMock).toHaveReceivedCommandWith(command, input as Partial<I & Record<string, unknown>>);
      expect(iamMock.commandCalls(command)[0]?.args[0].input).toStrictEqual(input);
      expect(iamMock.calls()).toHaveLength(1);
    },
  };
}

const MFA = 'arn:aws:iam::111122223333:mfa/alice';

const CASES: readonly Case[] = [
  row('putUserPolicy', PutUserPolicyCommand, (s) => s.putUserPolicy('alice', 'SeverQuarantine', POLICY), {
    UserName: 'alice',
    PolicyName: 'SeverQuarantine',
    PolicyDocument: POLICY,
  }),
  row('updateAccessKey', UpdateAccessKeyCommand, (s) => s.updateAccessKey('alice', 'AKIAEXAMPLE1', 'Inactive'), {
    UserName: 'alice',
    AccessKeyId: 'AKIAEXAMPLE1',
    Status: 'Inactive',
  }),
  row('deleteAccessKey', DeleteAccessKeyCommand, (s) => s.deleteAccessKey('alice', 'AKIAEXAMPLE1'), {
    UserName: 'alice',
    AccessKeyId: 'AKIAEXAMPLE1',
  }),
  row('deleteLoginProfile', DeleteLoginProfileCommand, (s) => s.deleteLoginProfile('alice'), { UserName: 'alice' }),
  row('deleteSshPublicKey', DeleteSSHPublicKeyCommand, (s) => s.deleteSshPublicKey('alice', 'APKAEXAMPLE'), {
    UserName: 'alice',
    SSHPublicKeyId: 'APKAEXAMPLE',
  }),
  row('deleteSigningCertificate', DeleteSigningCertificateCommand, (s) => s.deleteSigningCertificate('alice', 'CERTEXAMPLE'), {
    UserName: 'alice',
    CertificateId: 'CERTEXAMPLE',
  }),
  row(
    'deleteServiceSpecificCredential',
    DeleteServiceSpecificCredentialCommand,
    (s) => s.deleteServiceSpecificCredential('alice', 'ACCAEXAMPLE'),
    { UserName: 'alice', ServiceSpecificCredentialId: 'ACCAEXAMPLE' },
  ),
  row('deactivateMfaDevice', DeactivateMFADeviceCommand, (s) => s.deactivateMfaDevice('alice', MFA), {
    UserName: 'alice',
    SerialNumber: MFA,
  }),
  row('deleteVirtualMfaDevice', DeleteVirtualMFADeviceCommand, (s) => s.deleteVirtualMfaDevice(MFA), { SerialNumber: MFA }),
  row('removeUserFromGroup', RemoveUserFromGroupCommand, (s) => s.removeUserFromGroup('alice', 'deployers'), {
    GroupName: 'deployers',
    UserName: 'alice',
  }),
  row('deleteUser', DeleteUserCommand, (s) => s.deleteUser('alice'), { UserName: 'alice' }),
];

const throttling = (requestId: string): IAMServiceException =>
  new IAMServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { requestId } });

describe('Class: IamCredentialStore', () => {
  afterEach(() => {
    iamMock.reset();
  });

  describe.each(CASES)('Method: $method', ({ call, prime, assertSentOnce }) => {
    it('sends exactly one command with the IAM parameter names and returns its request id', async () => {
      // Prepare
      prime({ requestId: 'req-ok' });

      // Act
      const record = await call(store());

      // Assess
      assertSentOnce();
      expect(record).toStrictEqual({ requestId: 'req-ok' });
    });

    it('reports NoSuchEntity as ERR_ALREADY_DONE with the request id', async () => {
      // Prepare
      prime({
        error: new NoSuchEntityException({ message: 'The user with name alice cannot be found.', $metadata: { requestId: 'req-gone' } }),
      });

      // Act
      const error = await rejectionOf(call(store()), PortError);

      // Assess
      expect(error.code).toBe('ERR_ALREADY_DONE');
      expect(error.retryable).toBe(false);
      expect(error.awsError).toBe('NoSuchEntityException');
      expect(error.requestId).toBe('req-gone');
    });

    it('reports throttling as a retryable ERR_THROTTLED', async () => {
      // Prepare
      prime({ error: throttling('req-throttled') });

      // Act
      const error = await rejectionOf(call(store()), PortError);

      // Assess
      expect(error.code).toBe('ERR_THROTTLED');
      expect(error.retryable).toBe(true);
      expect(error.requestId).toBe('req-throttled');
    });

    it('reports ConcurrentModification as a retryable ERR_CONFLICT', async () => {
      // Prepare
      prime({ error: new ConcurrentModificationException({ message: 'busy', $metadata: { requestId: 'req-conflict' } }) });

      // Act
      const error = await rejectionOf(call(store()), PortError);

      // Assess
      expect(error.code).toBe('ERR_CONFLICT');
      expect(error.retryable).toBe(true);
      expect(error.requestId).toBe('req-conflict');
    });
  });

  describe('Method: putUserPolicy', () => {
    it('never puts the policy document in the error message', async () => {
      // Prepare
      iamMock.on(PutUserPolicyCommand).rejects(
        new IAMServiceException({
          name: 'MalformedPolicyDocument',
          $fault: 'client',
          message: 'Syntax errors in policy.',
          $metadata: {},
        }),
      );

      // Act
      const error = await rejectionOf(store().putUserPolicy('alice', 'SeverQuarantine', POLICY), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.message).toContain('iam:PutUserPolicy');
      expect(error.message).toContain('alice');
      expect(error.message).not.toContain(POLICY);
      expect(error.message).not.toContain('"Effect"');
    });

    it('treats IAM LimitExceeded (a resource quota) as permanent', async () => {
      // Prepare
      iamMock
        .on(PutUserPolicyCommand)
        .rejects(new LimitExceededException({ message: 'Maximum policy size exceeded', $metadata: { requestId: 'req-limit' } }));

      // Act
      const error = await rejectionOf(store().putUserPolicy('alice', 'SeverQuarantine', POLICY), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.retryable).toBe(false);
    });
  });

  describe('Method: deleteUser', () => {
    it('reports DeleteConflict (something still attached) as a permanent ERR_FAILED', async () => {
      // Prepare
      iamMock
        .on(DeleteUserCommand)
        .rejects(new DeleteConflictException({ message: 'must remove access keys first', $metadata: { requestId: 'req-dc' } }));

      // Act
      const error = await rejectionOf(store().deleteUser('alice'), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.awsError).toBe('DeleteConflictException');
      expect(error.requestId).toBe('req-dc');
    });

    it('refuses an empty user name without calling IAM, which would act on the caller', async () => {
      // Act
      const error = await rejectionOf(store().deleteUser(''), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.message).toContain('userName');
      expect(iamMock.calls()).toHaveLength(0);
    });
  });

  describe('Method: updateAccessKey', () => {
    it('refuses a blank user name without calling IAM', async () => {
      // Act
      const error = await rejectionOf(store().updateAccessKey('  ', 'AKIAEXAMPLE1', 'Inactive'), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(iamMock).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 0);
    });
  });

  describe('Method: deleteAccessKey', () => {
    it.each([
      ['ServiceUnavailable', 'server', 'ERR_TRANSIENT'],
      ['InternalFailure', 'server', 'ERR_TRANSIENT'],
      ['SomethingNew', 'server', 'ERR_TRANSIENT'],
      ['AccessDenied', 'client', 'ERR_ACCESS_DENIED'],
      ['SomethingElse', 'client', 'ERR_FAILED'],
    ] as const)('maps %s (%s fault) to %s', async (name, fault, code) => {
      // Prepare
      iamMock
        .on(DeleteAccessKeyCommand)
        .rejects(new IAMServiceException({ name, $fault: fault, message: name, $metadata: { requestId: `req-${name}` } }));

      // Act
      const error = await rejectionOf(store().deleteAccessKey('alice', 'AKIAEXAMPLE1'), PortError);

      // Assess
      expect(error.code).toBe(code);
      expect(error.awsError).toBe(name);
      expect(error.requestId).toBe(`req-${name}`);
    });

    it('maps a socket failure to a retryable ERR_TRANSIENT', async () => {
      // Prepare
      iamMock.on(DeleteAccessKeyCommand).rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));

      // Act
      const error = await rejectionOf(store().deleteAccessKey('alice', 'AKIAEXAMPLE1'), PortError);

      // Assess
      expect(error.code).toBe('ERR_TRANSIENT');
      expect(error.retryable).toBe(true);
    });

    it('lets a programming error through untranslated', async () => {
      // Prepare
      const bug = new TypeError('cannot read properties of undefined');
      iamMock.on(DeleteAccessKeyCommand).rejects(bug);

      // Act
      const error = await store()
        .deleteAccessKey('alice', 'AKIAEXAMPLE1')
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBe(bug);
    });
  });
});
