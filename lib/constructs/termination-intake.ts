import { Duration, Validations } from 'aws-cdk-lib';
import { EventBus, type EventPattern, Match, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Name of Sever's custom event bus, where the webhook puts HR events. */
export const EVENT_BUS_NAME = 'sever';

/** The events that open a case: any `hr.<system>` source announcing a termination. */
export const TERMINATION_EVENT_PATTERN: EventPattern = {
  source: Match.prefix('hr.'),
  detailType: ['Employee Terminated'],
};

/** Props of {@link TerminationIntake}. */
export interface TerminationIntakeProps {
  /** CMK encrypting the queue and its dead-letter queue. */
  readonly key: IKey;
  /** Timeout of the function consuming the queue; the visibility timeout is six times it. */
  readonly consumerTimeout: Duration;
}

/**
 * Where termination events arrive and wait for the revoke function: the `sever` bus and a rule
 * on it and on the default bus (HR SaaS integrations may publish there), both feeding one
 * encrypted queue with a dead-letter queue.
 */
export class TerminationIntake extends Construct {
  readonly bus: EventBus;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly rules: readonly Rule[];

  constructor(scope: Construct, id: string, props: TerminationIntakeProps) {
    super(scope, id);

    this.bus = new EventBus(this, 'Bus', {
      eventBusName: EVENT_BUS_NAME,
      description: 'Sever: HR termination events',
    });

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This is the dead-letter queue of the termination queue and of both rule targets; it alarms when non-empty.',
    });

    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      // AWS's guidance for Lambda consumers: at least six times the function timeout, so a
      // message is not redelivered while its first attempt (and the SDK's retries) still run.
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      // A revocation must not be lost to an outage: keep messages as long as SQS allows.
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 3 },
    });

    const target = new SqsQueue(this.queue, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    });
    this.rules = [
      new Rule(this, 'SeverBusRule', {
        eventBus: this.bus,
        eventPattern: TERMINATION_EVENT_PATTERN,
        description: 'Sever: termination events on the sever bus',
        targets: [target],
      }),
      new Rule(this, 'DefaultBusRule', {
        eventPattern: TERMINATION_EVENT_PATTERN,
        description: 'Sever: termination events HR integrations put on the default bus',
        targets: [target],
      }),
    ];
  }
}
