import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  SchedulerClient,
  SchedulerServiceException,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  atExpressionFor,
  EventBridgeStepScheduler,
  type EventBridgeStepSchedulerOptions,
  scheduleNameFor,
} from '../../../../lambda/adapters/aws/eventbridge-scheduler.js';
import { PortError } from '../../../../lambda/core/errors.js';
import { rejectionOf } from '../../../fixtures/rejection.js';

const schedulerMock = mockClient(SchedulerClient);

const TARGET = 'arn:aws:lambda:eu-west-1:111122223333:function:sever-deferred';
const ROLE = 'arn:aws:iam::111122223333:role/sever-scheduler';
const STEP = 'case-7f3a/schedule-key-deletion/arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-0000-0000-0000-000000000001';

const scheduler = (overrides: Partial<EventBridgeStepSchedulerOptions> = {}): EventBridgeStepScheduler =>
  new EventBridgeStepScheduler({
    targetArn: TARGET,
    roleArn: ROLE,
    groupName: 'sever',
    client: new SchedulerClient({ region: 'eu-west-1' }),
    ...overrides,
  });

describe('Function: scheduleNameFor', () => {
  it('derives a valid name of at most 64 characters from the step id hash', () => {
    // Act
    const name = scheduleNameFor(STEP);

    // Assess
    const digest = createHash('sha256').update(STEP).digest('hex');
    expect(name).toBe(`sever-${digest.slice(0, name.length - 'sever-'.length)}`);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[0-9a-zA-Z\-_.]+$/);
  });

  it('gives different steps different names and the same step the same name', () => {
    // Assess
    expect(scheduleNameFor(STEP)).toBe(scheduleNameFor(STEP));
    expect(scheduleNameFor(`${STEP}-2`)).not.toBe(scheduleNameFor(STEP));
  });
});

describe('Function: atExpressionFor', () => {
  it('formats a UTC one-time expression without milliseconds or zone', () => {
    // Assess
    expect(atExpressionFor('2025-03-01T09:00:00.000Z')).toBe('at(2025-03-01T09:00:00)');
  });

  it('converts an offset time to UTC', () => {
    // Assess
    expect(atExpressionFor('2025-03-01T10:30:00+01:00')).toBe('at(2025-03-01T09:30:00)');
  });

  it('rounds up to the next second so the schedule never fires before the step is due', () => {
    // Assess
    expect(atExpressionFor('2025-03-01T09:00:00.001Z')).toBe('at(2025-03-01T09:00:01)');
    expect(atExpressionFor('2025-12-31T23:59:59.500Z')).toBe('at(2026-01-01T00:00:00)');
  });

  it('rejects a due time that is not a date', () => {
    // Act
    const attempt = () => atExpressionFor('next tuesday');

    // Assess
    expect(attempt).toThrow(PortError);
  });
});

describe('Class: EventBridgeStepScheduler', () => {
  afterEach(() => {
    schedulerMock.reset();
  });

  describe('Method: schedule', () => {
    it('creates one self-deleting one-time schedule that invokes the deferred Lambda with the case and step', async () => {
      // Prepare
      schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule', $metadata: { requestId: 'req-create' } });

      // Act
      const record = await scheduler().schedule({ caseId: 'case-7f3a', stepId: STEP, dueAt: '2025-03-01T09:00:00.000Z' });

      // Assess
      const name = scheduleNameFor(STEP);
      expect(schedulerMock).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
      expect(schedulerMock).toHaveReceivedCommandWith(CreateScheduleCommand, {
        Name: name,
        GroupName: 'sever',
        ScheduleExpression: 'at(2025-03-01T09:00:00)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        ClientToken: name,
      });
      const input = schedulerMock.commandCalls(CreateScheduleCommand)[0]?.args[0].input;
      expect(input?.Target).toStrictEqual({
        Arn: TARGET,
        RoleArn: ROLE,
        Input: JSON.stringify({ caseId: 'case-7f3a', stepId: STEP }),
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
      });
      expect(JSON.parse(input?.Target?.Input ?? '')).toStrictEqual({ caseId: 'case-7f3a', stepId: STEP });
      expect(record).toStrictEqual({ requestId: 'req-create' });
    });

    it('sends the same name and client token when the same step is scheduled again', async () => {
      // Prepare
      schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule', $metadata: {} });
      const request = { caseId: 'case-7f3a', stepId: STEP, dueAt: '2025-03-01T09:00:00.000Z' };

      // Act
      await scheduler().schedule(request);
      await scheduler().schedule(request);

      // Assess
      const [first, second] = schedulerMock.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
      expect(second?.Name).toBe(first?.Name);
      expect(second?.ClientToken).toBe(first?.ClientToken);
    });

    it('passes the configured retry policy and dead-letter queue', async () => {
      // Prepare
      schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule', $metadata: {} });
      const dlq = 'arn:aws:sqs:eu-west-1:111122223333:sever-deferred-dlq';

      // Act
      await scheduler({ deadLetterArn: dlq, retry: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 } }).schedule({
        caseId: 'c',
        stepId: 's',
        dueAt: '2025-03-01T09:00:00Z',
      });

      // Assess
      expect(schedulerMock).toHaveReceivedCommandWith(CreateScheduleCommand, {
        Target: {
          Arn: TARGET,
          RoleArn: ROLE,
          Input: JSON.stringify({ caseId: 'c', stepId: 's' }),
          RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 },
          DeadLetterConfig: { Arn: dlq },
        },
      });
    });

    it('treats a schedule that already exists (ConflictException) as success, keeping the request id', async () => {
      // Prepare
      schedulerMock.on(CreateScheduleCommand).rejects(
        new ConflictException({
          message: 'Schedule sever-abc already exists.',
          Message: 'Schedule sever-abc already exists.',
          $metadata: { requestId: 'req-exists' },
        }),
      );

      // Act
      const record = await scheduler().schedule({ caseId: 'case-7f3a', stepId: STEP, dueAt: '2025-03-01T09:00:00.000Z' });

      // Assess
      expect(record).toStrictEqual({ requestId: 'req-exists' });
      expect(schedulerMock).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
    });

    it('reports throttling as a retryable ERR_THROTTLED with the request id', async () => {
      // Prepare
      schedulerMock
        .on(CreateScheduleCommand)
        .rejects(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: { requestId: 'req-slow' } }));

      // Act
      const error = await rejectionOf(scheduler().schedule({ caseId: 'c', stepId: 's', dueAt: '2025-03-01T09:00:00Z' }), PortError);

      // Assess
      expect(error.code).toBe('ERR_THROTTLED');
      expect(error.retryable).toBe(true);
      expect(error.requestId).toBe('req-slow');
    });

    it('reports an internal server error as a retryable ERR_TRANSIENT', async () => {
      // Prepare
      schedulerMock.on(CreateScheduleCommand).rejects(
        new SchedulerServiceException({
          name: 'InternalServerException',
          $fault: 'server',
          message: 'oops',
          $metadata: { requestId: 'req-500' },
        }),
      );

      // Act
      const error = await rejectionOf(scheduler().schedule({ caseId: 'c', stepId: 's', dueAt: '2025-03-01T09:00:00Z' }), PortError);

      // Assess
      expect(error.code).toBe('ERR_TRANSIENT');
    });

    it.each([
      ['ValidationException', new ValidationException({ message: 'bad expression', Message: 'bad expression', $metadata: {} })],
      [
        'ServiceQuotaExceededException',
        new ServiceQuotaExceededException({ message: 'too many schedules', Message: 'too many schedules', $metadata: {} }),
      ],
    ])('reports %s as a permanent ERR_FAILED', async (name, rejection) => {
      // Prepare
      schedulerMock.on(CreateScheduleCommand).rejects(rejection);

      // Act
      const error = await rejectionOf(scheduler().schedule({ caseId: 'c', stepId: 's', dueAt: '2025-03-01T09:00:00Z' }), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.awsError).toBe(name);
      expect(error.message).toContain('scheduler:CreateSchedule');
    });

    it('rejects an unparseable due time without calling the service', async () => {
      // Act
      const error = await rejectionOf(scheduler().schedule({ caseId: 'c', stepId: 's', dueAt: 'soon' }), PortError);

      // Assess
      expect(error.code).toBe('ERR_FAILED');
      expect(error.message).toContain('dueAt');
      expect(schedulerMock).toHaveReceivedCommandTimes(CreateScheduleCommand, 0);
    });
  });
});
