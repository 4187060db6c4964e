import {
  ConcurrentModificationException,
  IAMClient,
  IAMServiceException,
  NoSuchEntityException,
  PutRolePolicyCommand,
  UnmodifiableEntityException,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { IamSessionRevoker } from '../../../../lambda/adapters/aws/iam-sessions.js';
import { PortError } from '../../../../lambda/core/errors.js';
import { rejectionOf } from '../../../fixtures/rejection.js';

const iamMock = mockClient(IAMClient);
const revoker = (): IamSessionRevoker => new IamSessionRevoker({ client: new IAMClient({ region: 'eu-west-1' }) });

const DENY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'SeverDenySessionsByName',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:TokenIssueTime': '2025-03-01T09:00:00Z' } },
    },
  ],
});

describe('Class: IamSessionRevoker', () => {
  afterEach(() => {
    iamMock.reset();
  });

  describe('Method: putRolePolicy', () => {
    it('sends PutRolePolicy with RoleName, PolicyName and PolicyDocument and returns the request id', async () => {
      // Prepare
      iamMock.on(PutRolePolicyCommand).resolves({ $metadata: { requestId: 'req-put' } });

      // Act
      const record = await revoker().putRolePolicy('deploy', 'SeverDenySessions', DENY);

      // Assess
      expect(iamMock).toHaveReceivedCommandTimes(PutRolePolicyCommand, 1);
      expect(iamMock).toHaveReceivedCommandWith(PutRolePolicyCommand, {
        RoleName: 'deploy',
        PolicyName: 'SeverDenySessions',
        PolicyDocument: DENY,
      });
      expect(iamMock.commandCalls(PutRolePolicyCommand)[0]?.args[0].input).toStrictEqual({
        RoleName: 'deploy',
        PolicyName: 'SeverDenySessions',
        PolicyDocument: DENY,
      });
      expect(record).toStrictEqual({ requestId: 'req-put' });
    });

    it('reports a missing role as a permanent ERR_FAILED, not as already done', async () => {
      // Prepare
      iamMock
        .on(PutRolePolicyCommand)
        .rejects(
          new NoSuchEntityException({ message: 'The role with name deploy cannot be found.', $metadata: { requestId: 'req-gone' } }),
        );

      // Act
      const error = await rejectionOf(revoker().putRolePolicy('deploy', 'SeverDenySessions', DENY), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.awsError).toBe('NoSuchEntityException');
      expect(error.requestId).toBe('req-gone');
    });

    it('reports throttling as a retryable ERR_THROTTLED with the request id', async () => {
      // Prepare
      iamMock
        .on(PutRolePolicyCommand)
        .rejects(
          new IAMServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { requestId: 'req-slow' } }),
        );

      // Act
      const error = await rejectionOf(revoker().putRolePolicy('deploy', 'SeverDenySessions', DENY), PortError);

      // Assess
      expect(error.code).toBe('ERR_THROTTLED');
      expect(error.retryable).toBe(true);
      expect(error.requestId).toBe('req-slow');
    });

    it('reports ConcurrentModification as a retryable ERR_CONFLICT', async () => {
      // Prepare
      iamMock
        .on(PutRolePolicyCommand)
        .rejects(new ConcurrentModificationException({ message: 'busy', $metadata: { requestId: 'req-cm' } }));

      // Act
      const error = await rejectionOf(revoker().putRolePolicy('deploy', 'SeverDenySessions', DENY), PortError);

      // Assess
      expect(error.code).toBe('ERR_CONFLICT');
      expect(error.retryable).toBe(true);
    });

    it('reports a service-linked role (UnmodifiableEntity) as ERR_FAILED without echoing the policy', async () => {
      // Prepare
      iamMock
        .on(PutRolePolicyCommand)
        .rejects(new UnmodifiableEntityException({ message: 'Cannot perform the operation on the protected role', $metadata: {} }));

      // Act
      const error = await rejectionOf(revoker().putRolePolicy('AWSServiceRoleForSupport', 'SeverDenySessions', DENY), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.message).toContain('iam:PutRolePolicy');
      expect(error.message).toContain('AWSServiceRoleForSupport');
      expect(error.message).not.toContain('aws:TokenIssueTime');
    });

    it('refuses an empty role name without calling IAM', async () => {
      // Act
      const error = await rejectionOf(revoker().putRolePolicy('', 'SeverDenySessions', DENY), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(iamMock).toHaveReceivedCommandTimes(PutRolePolicyCommand, 0);
    });
  });
});
