import { createHash } from 'node:crypto';
import { CreateScheduleCommand, SchedulerClient, type SchedulerClientConfig } from '@aws-sdk/client-scheduler';
import { PortError } from '../../core/errors.js';
import type { CallRecord, Scheduler } from '../../core/ports.js';
import { awsErrorName, awsRequestId, toPortError } from './errors.js';

export interface EventBridgeStepSchedulerOptions {
  /** ARN of the deferred-step Lambda the schedule invokes. */
  readonly targetArn: string;
  /** Role EventBridge Scheduler assumes to invoke the target (needs `lambda:InvokeFunction` on it). */
  readonly roleArn: string;
  /** Schedule group holding Sever's schedules. */
  readonly groupName: string;
  /** Where an invocation that exhausted its retries goes, so a deferred step is never silently lost. */
  readonly deadLetterArn?: string;
  /**
   * How long and how often EventBridge Scheduler retries a failed invocation.
   * @default { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 } (the service's own defaults, made explicit)
   */
  readonly retry?: { readonly maximumEventAgeInSeconds: number; readonly maximumRetryAttempts: number };
  /** @default new SchedulerClient(clientConfig) */
  readonly client?: SchedulerClient;
  readonly clientConfig?: SchedulerClientConfig;
}

/** What the deferred-step Lambda receives as its event. */
export interface DeferredStepEvent {
  readonly caseId: string;
  readonly stepId: string;
}

const DEFAULT_RETRY = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 } as const;
const NAME_PREFIX = 'sever-';
/** 6 + 56 = 62 characters, inside the 64-character limit on schedule names. */
const NAME_HASH_CHARS = 56;

/**
 * The schedule name for a step: deterministic, so scheduling the same step twice names the same
 * schedule, and always valid (`[0-9a-zA-Z-_.]`, at most 64 characters) whatever the step id holds.
 */
export function scheduleNameFor(stepId: string): string {
  return `${NAME_PREFIX}${createHash('sha256').update(stepId).digest('hex').slice(0, NAME_HASH_CHARS)}`;
}

/**
 * The `at()` expression for a due time, in UTC and rounded up to the whole second. Rounding
 * down could fire the schedule before the step is due; core would then find the step not yet
 * due and, seeing it already scheduled, never schedule it again.
 */
export function atExpressionFor(dueAt: string): string {
  const millis = Date.parse(dueAt);
  if (Number.isNaN(millis)) {
    throw new PortError('ERR_FAILED', `scheduler:CreateSchedule: dueAt ${JSON.stringify(dueAt)} is not an ISO-8601 time`);
  }
  const rounded = new Date(Math.ceil(millis / 1000) * 1000);
  return `at(${rounded.toISOString().slice(0, 19)})`;
}

/**
 * Runs a deferred step at its time with a one-time EventBridge Scheduler schedule that invokes
 * the deferred-step Lambda with `{ caseId, stepId }` and deletes itself after it fires.
 *
 * Idempotent: the name and client token derive from the step id, and a `ConflictException`
 * (a schedule of that name already exists) counts as success. Needs `scheduler:CreateSchedule`
 * on the group and `iam:PassRole` on `roleArn`.
 *
 * @example
 * ```ts
 * const scheduler = new EventBridgeStepScheduler({
 *   targetArn: process.env.DEFERRED_FUNCTION_ARN!,
 *   roleArn: process.env.SCHEDULER_ROLE_ARN!,
 *   groupName: process.env.SCHEDULE_GROUP!,
 * });
 * await scheduler.schedule({ caseId, stepId, dueAt: '2025-03-01T09:00:00.000Z' });
 * ```
 */
export class EventBridgeStepScheduler implements Scheduler {
  readonly #client: SchedulerClient;
  readonly #options: EventBridgeStepSchedulerOptions;

  constructor(options: EventBridgeStepSchedulerOptions) {
    this.#options = options;
    this.#client = options.client ?? new SchedulerClient(options.clientConfig ?? {});
  }

  async schedule(request: { readonly caseId: string; readonly stepId: string; readonly dueAt: string }): Promise<CallRecord> {
    const name = scheduleNameFor(request.stepId);
    const retry = this.#options.retry ?? DEFAULT_RETRY;
    const event: DeferredStepEvent = { caseId: request.caseId, stepId: request.stepId };
    const command = new CreateScheduleCommand({
      Name: name,
      GroupName: this.#options.groupName,
      ScheduleExpression: atExpressionFor(request.dueAt),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: this.#options.targetArn,
        RoleArn: this.#options.roleArn,
        Input: JSON.stringify(event),
        RetryPolicy: {
          MaximumEventAgeInSeconds: retry.maximumEventAgeInSeconds,
          MaximumRetryAttempts: retry.maximumRetryAttempts,
        },
        ...(this.#options.deadLetterArn ? { DeadLetterConfig: { Arn: this.#options.deadLetterArn } } : {}),
      },
      ActionAfterCompletion: 'DELETE',
      ClientToken: name,
      Description: `Sever deferred step of case ${request.caseId}`.slice(0, 512),
    });
    try {
      const output = await this.#client.send(command);
      const requestId = awsRequestId(output);
      return requestId === undefined ? {} : { requestId };
    } catch (error) {
      if (awsErrorName(error) === 'ConflictException') {
        const requestId = awsRequestId(error);
        return requestId === undefined ? {} : { requestId };
      }
      throw toPortError(error, { operation: 'scheduler:CreateSchedule', resource: `${this.#options.groupName}/${name}` });
    }
  }
}
