import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Matches the handlers' structured error lines (`{"level":"error",...}` from `log()` in
 * `lambda/handlers/environment.ts`): the revoke and deferred functions write one when a case
 * ends failed or cannot be processed. A regex, not a JSON pattern, because the Lambda runtime
 * prefixes each line with a timestamp and request id, so the event itself is not JSON.
 */
export const CASE_FAILED_FILTER_PATTERN = '%level.:.error%';

/** Namespace and name of the failed-case metric. */
export const FAILED_CASES_METRIC = { namespace: 'Sever', metricName: 'FailedCases' } as const;

/** Props of {@link SeverAlarms}. */
export interface SeverAlarmsProps {
  /** CMK encrypting the topic; CloudWatch is allowed to use it to publish. */
  readonly key: IKey;
  /** The termination queue's dead-letter queue. */
  readonly deadLetterQueue: IQueue;
  /** Where EventBridge Scheduler puts deferred steps it could not deliver. */
  readonly deferredDeadLetterQueue: IQueue;
  readonly queue: IQueue;
  /** Functions whose every error pages someone. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Log groups of the functions that close cases. */
  readonly caseLogGroups: readonly ILogGroup[];
  readonly emails: readonly string[];
}

/**
 * The signals that a revocation did not happen: a dead-lettered event, a function error, a case
 * recorded as failed, or a queue that stops draining. All go to one encrypted SNS topic.
 */
export class SeverAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: SeverAlarmsProps) {
    super(scope, id);

    this.topic = new Topic(this, 'Topic', {
      displayName: 'Sever alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    // CloudWatch alarms publish to an encrypted topic only if they may use its key.
    props.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    for (const email of props.emails) this.topic.addSubscription(new EmailSubscription(email));

    this.add(
      'DeadLetters',
      'Termination events were dead-lettered: a revocation did not run',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      0,
    );
    this.add(
      'DeferredDeadLetters',
      'A deferred step could not be delivered: an old key may still be enabled',
      props.deferredDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      0,
    );
    // Visible messages are ones no revoke is working on; in-flight retries are invisible, so
    // ten minutes of waiting messages means the consumer has stopped, not that a case failed.
    this.add(
      'QueueStuck',
      'Termination events have waited 10 minutes without being picked up',
      props.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Minimum' }),
      0,
      10,
    );
    for (const [name, fn] of Object.entries(props.functions)) {
      this.add(`${name}Errors`, `The ${name} function failed`, fn.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }), 0);
    }

    props.caseLogGroups.forEach((logGroup, index) => {
      new MetricFilter(this, `FailedCasesFilter${index}`, {
        logGroup,
        filterPattern: FilterPattern.literal(CASE_FAILED_FILTER_PATTERN),
        metricNamespace: FAILED_CASES_METRIC.namespace,
        metricName: FAILED_CASES_METRIC.metricName,
        metricValue: '1',
      });
    });
    this.add(
      'FailedCases',
      'A case ended failed: some access may not have been revoked',
      new Metric({ ...FAILED_CASES_METRIC, period: Duration.minutes(1), statistic: 'Sum' }),
      0,
    );
  }

  private add(id: string, description: string, metric: Metric, threshold: number, evaluationPeriods = 1): void {
    const alarm = new Alarm(this, id, {
      alarmDescription: `Sever: ${description}`,
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
