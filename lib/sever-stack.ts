import { ArnFormat, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { SeverConfig } from './config.js';
import { SeverAlarms } from './constructs/alarms.js';
import { ApiGatewayAccountLogging } from './constructs/api-logging.js';
import { AuditApi } from './constructs/audit-api.js';
import { LedgerStorage } from './constructs/ledger-storage.js';
import { SeverFunction } from './constructs/sever-function.js';
import { TerminationIntake } from './constructs/termination-intake.js';
import { WebhookApi } from './constructs/webhook-api.js';
import { deferredStatements, jwksObjectArns, revokeStatements, rotateSecretStatements } from './function-permissions.js';
import { assertLocalEsbuild, type HandlerName, handlerEntry } from './paths.js';
import {
  ledgerStatements,
  registryReaderStatements,
  registryWriterStatements,
  SEVER_IAM_PATH,
  selfProtectionStatements,
} from './permissions.js';

/** Name of the EventBridge Scheduler group holding Sever's one-time deferred steps. */
export const SCHEDULE_GROUP_NAME = 'sever';

/** Name of the managed policy relying services attach to read the revocation registry. */
export const VERIFIER_POLICY_NAME = 'SeverTokenVerifierPolicy';

/** Timeout of the revoke function; the termination queue's visibility timeout is six times it. */
export const REVOKE_TIMEOUT = Duration.minutes(3);

/** Props of {@link SeverStack}. */
export interface SeverStackProps extends StackProps {
  /** Deployment settings, usually `readSeverConfig(app.node)`. */
  readonly config: SeverConfig;
  /**
   * Directory holding the handler entry files.
   * @default - `lambda/handlers` in the repository
   */
  readonly handlersDir?: string;
}

/**
 * Everything Sever runs in one account and region: HR webhook → EventBridge → SQS → revoke,
 * deferred steps through EventBridge Scheduler, the append-only ledger with signed digests, the
 * revocation registry, the audit API and the alarms. Environment-agnostic: no lookups, so
 * `cdk synth` works offline and without credentials.
 *
 * @example
 * ```ts
 * const app = new App();
 * new SeverStack(app, 'Sever', { config: readSeverConfig(app.node) });
 * Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
 * ```
 */
export class SeverStack extends Stack {
  readonly storage: LedgerStorage;
  readonly intake: TerminationIntake;
  readonly functions: Readonly<Record<HandlerName, SeverFunction>>;
  readonly schedulerRole: Role;
  readonly deferredDeadLetterQueue: Queue;
  readonly webhookSecret: Secret;
  readonly webhook: WebhookApi;
  readonly audit: AuditApi;
  readonly verifierPolicy: ManagedPolicy;
  readonly alarms: SeverAlarms;

  constructor(scope: Construct, id: string, props: SeverStackProps) {
    super(scope, id, props);
    const { config } = props;
    assertLocalEsbuild();
    const entry = (name: HandlerName): string => handlerEntry(name, props.handlersDir);

    this.storage = new LedgerStorage(this, 'Storage');
    const { ledger, registry, digestKey } = this.storage;

    const messagingKey = new Key(this, 'MessagingKey', {
      description: 'Sever: encrypts the termination queues and the alarm topic',
      enableKeyRotation: true,
    });
    this.intake = new TerminationIntake(this, 'Intake', { key: messagingKey, consumerTimeout: REVOKE_TIMEOUT });

    this.webhookSecret = new Secret(this, 'WebhookSecret', {
      description: 'Sever: HMAC-SHA256 key shared with the HR system (the SecretString is the raw key)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(this.webhookSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The HMAC key is shared with the HR system, which cannot fetch a rotated value; it is rotated by hand together with the HR configuration (see docs/deployment.md).',
    });

    const guard = selfProtectionStatements(this, {
      protectedPrincipalArns: config.protectedPrincipalArns,
      keys: [ledger.key, registry.key, digestKey, messagingKey],
      secrets: [this.webhookSecret],
    });
    const common = { logRetentionDays: config.logRetentionDays, tracing: config.tracing, guard };
    const reserve = (count: number): number | undefined => (config.reservedConcurrency ? count : undefined);

    const scheduleGroup = new ScheduleGroup(this, 'ScheduleGroup', { scheduleGroupName: SCHEDULE_GROUP_NAME });

    // --- functions -------------------------------------------------------------------------

    const ingest = new SeverFunction(this, 'Ingest', {
      ...common,
      entry: entry('ingest'),
      description: 'Verifies HR webhook signatures and puts termination events on the sever bus',
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: {
        WEBHOOK_SECRET_ARN: this.webhookSecret.secretArn,
        EVENT_BUS_NAME: this.intake.bus.eventBusName,
        LEDGER_TABLE_NAME: ledger.table.tableName,
      },
    });
    ingest.addToRolePolicy(
      new PolicyStatement({
        sid: 'WebhookSecretRead',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.webhookSecret.secretArn],
      }),
    );
    ingest.addToRolePolicy(
      new PolicyStatement({
        sid: 'PutTerminationEvents',
        actions: ['events:PutEvents'],
        resources: [this.intake.bus.eventBusArn],
        conditions: {
          StringLike: { 'events:source': 'hr.*' },
          StringEquals: { 'events:detail-type': 'Employee Terminated' },
        },
      }),
    );
    for (const statement of ledgerStatements(this, ledger, 'writer')) ingest.addToRolePolicy(statement);

    // The deferred function's ARN is in its own environment (the scheduling port targets it),
    // so its name is fixed and its ARN built from it rather than referenced.
    const deferredFunctionName = `${this.stackName}-deferred`;
    const deferredFunctionArn = this.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: deferredFunctionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnEquals: { 'aws:SourceArn': scheduleGroup.scheduleGroupArn },
        },
      }),
      path: SEVER_IAM_PATH,
      description: 'Sever: lets EventBridge Scheduler invoke the deferred function, and nothing else',
    });
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'InvokeDeferred',
        actions: ['lambda:InvokeFunction'],
        resources: [deferredFunctionArn],
      }),
    );
    // Scheduler delivers a step it could not invoke here, as the schedule's own role.
    this.deferredDeadLetterQueue = new Queue(this, 'DeferredDeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: messagingKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deferredDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This is the dead-letter queue of the deferred-step schedules (set per schedule by the revoke function); it alarms when non-empty.',
    });
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'DeadLetterUndeliveredSteps',
        actions: ['sqs:SendMessage'],
        resources: [this.deferredDeadLetterQueue.queueArn],
      }),
    );
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'DeadLetterQueueKey',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [messagingKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${this.region}.amazonaws.com` } },
      }),
    );

    const scheduler = { groupName: SCHEDULE_GROUP_NAME, roleArn: this.schedulerRole.roleArn };

    const deferred = new SeverFunction(this, 'Deferred', {
      ...common,
      entry: entry('deferred'),
      functionName: deferredFunctionName,
      description: 'Runs deferred steps: disables old keys after the grace period, schedules deletion, prunes JWKS',
      memorySize: 512,
      timeout: Duration.minutes(2),
      reservedConcurrentExecutions: reserve(2),
      environment: {
        LEDGER_TABLE_NAME: ledger.table.tableName,
        REVOCATION_TABLE_NAME: registry.table.tableName,
        PROTECTED_PRINCIPAL_ARNS: JSON.stringify(config.protectedPrincipalArns),
        SCHEDULER_GROUP_NAME: SCHEDULE_GROUP_NAME,
        SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
        SCHEDULER_DLQ_ARN: this.deferredDeadLetterQueue.queueArn,
        DEFERRED_FUNCTION_ARN: deferredFunctionArn,
        KEY_DELETION_WINDOW_DAYS: String(config.keyDeletionWindowDays),
        DELETE_USERS: 'false',
      },
    });
    for (const statement of [
      ...ledgerStatements(this, ledger, 'writer'),
      ...registryWriterStatements(this, registry),
      ...deferredStatements(this, { scheduler, jwksBucketArns: config.jwksBucketArns }),
    ]) {
      deferred.addToRolePolicy(statement);
    }

    const rotateSecret = new SeverFunction(this, 'RotateSecret', {
      ...common,
      entry: entry('rotate-secret'),
      description: 'Secrets Manager rotation function for secrets holding signing keys',
      memorySize: 256,
      timeout: Duration.minutes(1),
      reservedConcurrentExecutions: reserve(2),
    });
    rotateSecret.function.addPermission('SecretsManagerInvoke', {
      principal: new ServicePrincipal('secretsmanager.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: this.account,
    });
    // A policy beside the role, not the role's default policy: it names the function's own ARN,
    // and the function already depends on its role.
    rotateSecret.attachPolicy(
      'RotationAccess',
      rotateSecretStatements(this, { rotationFunctionArn: rotateSecret.functionArn, jwksBucketArns: config.jwksBucketArns }),
    );

    const revoke = new SeverFunction(this, 'Revoke', {
      ...common,
      entry: entry('revoke'),
      description: 'Revokes a departed engineer: credentials, sessions, reachable signing keys',
      memorySize: 1024,
      timeout: REVOKE_TIMEOUT,
      reservedConcurrentExecutions: reserve(2),
      environment: {
        LEDGER_TABLE_NAME: ledger.table.tableName,
        REVOCATION_TABLE_NAME: registry.table.tableName,
        PROTECTED_PRINCIPAL_ARNS: JSON.stringify(config.protectedPrincipalArns),
        SCHEDULER_GROUP_NAME: SCHEDULE_GROUP_NAME,
        SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
        SCHEDULER_DLQ_ARN: this.deferredDeadLetterQueue.queueArn,
        DEFERRED_FUNCTION_ARN: deferredFunctionArn,
        ROTATION_FUNCTION_ARN: rotateSecret.functionArn,
        KEY_DELETION_WINDOW_DAYS: String(config.keyDeletionWindowDays),
        DELETE_USERS: 'false',
      },
    });
    for (const statement of [
      ...ledgerStatements(this, ledger, 'writer'),
      ...registryWriterStatements(this, registry),
      ...revokeStatements(this, {
        scheduler,
        rotationFunctionArn: rotateSecret.functionArn,
        jwksBucketArns: config.jwksBucketArns,
      }),
    ]) {
      revoke.addToRolePolicy(statement);
    }
    // Schedules revoke creates target the deferred function by its constructed ARN.
    revoke.node.addDependency(deferred);
    revoke.function.addEventSource(
      new SqsEventSource(this.intake.queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        // Two pollers at most, whatever the backlog: bounds how many revocations run at once.
        maxConcurrency: 2,
      }),
    );

    const digest = new SeverFunction(this, 'Digest', {
      ...common,
      entry: entry('digest'),
      description: 'Signs a digest of every case head in the ledger',
      memorySize: 512,
      timeout: Duration.minutes(2),
      // One at a time: digests form a chain, and two writers would fork it.
      reservedConcurrentExecutions: reserve(1),
      environment: { LEDGER_TABLE_NAME: ledger.table.tableName, DIGEST_KEY_ID: digestKey.keyArn },
    });
    for (const statement of ledgerStatements(this, ledger, 'digester')) digest.addToRolePolicy(statement);
    digest.addToRolePolicy(new PolicyStatement({ sid: 'DigestSign', actions: ['kms:Sign'], resources: [digestKey.keyArn] }));
    new Rule(this, 'DigestSchedule', {
      description: 'Sever: sign a ledger digest every 15 minutes',
      schedule: Schedule.rate(Duration.minutes(15)),
      targets: [
        new LambdaFunction(digest.function, {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(10),
        }),
      ],
    });

    const auditApi = new SeverFunction(this, 'AuditApi', {
      ...common,
      entry: entry('audit-api'),
      description: 'Answers read-only ledger queries and verifies the ledger for auditors',
      memorySize: 512,
      timeout: Duration.seconds(28),
      environment: { LEDGER_TABLE_NAME: ledger.table.tableName, DIGEST_KEY_ID: digestKey.keyArn },
    });
    for (const statement of ledgerStatements(this, ledger, 'reader')) auditApi.addToRolePolicy(statement);
    auditApi.addToRolePolicy(
      new PolicyStatement({
        sid: 'DigestVerify',
        actions: ['kms:Verify', 'kms:GetPublicKey'],
        resources: [digestKey.keyArn],
      }),
    );

    this.functions = {
      ingest,
      revoke,
      deferred,
      'rotate-secret': rotateSecret,
      digest,
      'audit-api': auditApi,
    };

    // --- APIs ------------------------------------------------------------------------------

    this.webhook = new WebhookApi(this, 'Webhook', {
      handler: ingest.function,
      logRetentionDays: config.logRetentionDays,
      tracing: config.tracing,
      allowedCidrs: config.webhookAllowedCidrs,
    });
    this.audit = new AuditApi(this, 'Audit', {
      handler: auditApi.function,
      logRetentionDays: config.logRetentionDays,
      tracing: config.tracing,
      ledgerRead: ledgerStatements(this, ledger, 'reader'),
      digestKey,
    });
    if (config.manageApiGatewayAccount) {
      const logging = new ApiGatewayAccountLogging(this, 'ApiGatewayLogging');
      this.webhook.api.deploymentStage.node.addDependency(logging.account);
      this.audit.api.deploymentStage.node.addDependency(logging.account);
    }

    this.verifierPolicy = new ManagedPolicy(this, 'TokenVerifierPolicy', {
      managedPolicyName: VERIFIER_POLICY_NAME,
      path: SEVER_IAM_PATH,
      description: 'Sever: lets a relying service read the revocation registry to reject revoked tokens',
      statements: registryReaderStatements(this, registry),
    });

    // --- alarms ----------------------------------------------------------------------------

    this.alarms = new SeverAlarms(this, 'Alarms', {
      key: messagingKey,
      deadLetterQueue: this.intake.deadLetterQueue,
      deferredDeadLetterQueue: this.deferredDeadLetterQueue,
      queue: this.intake.queue,
      functions: {
        Ingest: ingest.function,
        Revoke: revoke.function,
        Deferred: deferred.function,
        Digest: digest.function,
        RotateSecret: rotateSecret.function,
      },
      caseLogGroups: [revoke.logGroup, deferred.logGroup],
      emails: config.alarmEmails,
    });

    this.acknowledgeAccountWideAccess(config.jwksBucketArns);

    // --- outputs ---------------------------------------------------------------------------

    const output = (id: string, value: string, description: string): void => {
      new CfnOutput(this, id, { value, description });
    };
    output('AuditorRoleArn', this.audit.auditorRole.roleArn, 'Role auditors assume for read-only ledger access');
    output('AuditApiUrl', this.audit.api.url, 'Base URL of the IAM-authenticated audit API');
    output('WebhookUrl', this.webhook.url, 'URL the HR system posts signed termination events to');
    output('WebhookSecretArn', this.webhookSecret.secretArn, 'Secret holding the HMAC key to configure in the HR system');
    output('EventBusName', this.intake.bus.eventBusName, 'EventBridge bus that accepts HR termination events');
    output('LedgerTableName', ledger.table.tableName, 'DynamoDB table holding the ledger');
    output('RevocationTableName', registry.table.tableName, 'DynamoDB table holding the revocation registry');
    output('VerifierPolicyArn', this.verifierPolicy.managedPolicyArn, 'Managed policy relying services attach');
    output('DigestKeyArn', digestKey.keyArn, 'KMS key whose public half verifies ledger digests');
    output('AlarmTopicArn', this.alarms.topic.topicArn, 'SNS topic receiving Sever alarms');
  }

  /**
   * Acknowledges the wildcard findings that remain after scoping every statement as tightly as
   * the job allows. A finding is acknowledged only on the function that needs it, with the reason.
   */
  private acknowledgeAccountWideAccess(jwksBucketArns: readonly string[]): void {
    const { revoke, deferred } = this.functions;
    const rotateSecret = this.functions['rotate-secret'];
    const ack = (scope: Construct, finding: string, reason: string): void => {
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    };
    const account = (service: string, resource: string, regional = true): string =>
      `Resource::arn:<AWS::Partition>:${service}:${regional ? '<AWS::Region>' : ''}:<AWS::AccountId>:${resource}`;

    ack(
      revoke,
      'Resource::*',
      'Actions without resource-level scoping or that must see the whole account: iam:GetAccountAuthorizationDetails and IAM List/Get for the snapshot, kms:CreateKey/ListKeys/ListAliases/TagResource (a new key has no ARN yet), secretsmanager:ListSecrets, ssm:DescribeParameters and the Organizations reads that evaluate SCPs.',
    );
    ack(revoke, 'Action::iam:Get*', 'Read-only: the snapshot reads every IAM entity and policy the departing engineer could reach.');
    ack(revoke, 'Action::iam:List*', 'Read-only: the snapshot lists every IAM entity and policy the departing engineer could reach.');
    const anyPrincipal =
      'The departing engineer can be any IAM user, in any group, with any MFA device, who may have assumed any role; Sever roles (role/sever/*) and sever:protectedPrincipalArns are excluded by an explicit deny.';
    for (const resource of ['user/*', 'group/*', 'mfa/*', 'role/*']) ack(revoke, account('iam', resource, false), anyPrincipal);
    const anyKey =
      "The signing keys the engineer could reach can be any KMS key or alias in the account; Sever's own keys are excluded by an explicit deny, and data-key use is limited to kms:ViaService SSM.";
    ack(revoke, account('kms', 'key/*'), anyKey);
    ack(revoke, account('kms', 'alias/*'), anyKey);
    ack(
      revoke,
      account('secretsmanager', 'secret:*'),
      "Any secret may hold a reachable private key and must be rotated; Sever's own secret is excluded by an explicit deny.",
    );
    const anyParameter =
      'SSM parameters holding private keys or JWKS documents can have any name; SecureString keys are usable only through SSM (kms:ViaService).';
    ack(revoke, account('ssm', 'parameter/*'), anyParameter);
    ack(
      revoke,
      account('scheduler', `schedule/${SCHEDULE_GROUP_NAME}/*`),
      "Only schedules in Sever's own schedule group, whose names are generated per case and step.",
    );

    ack(
      deferred,
      account('kms', 'key/*'),
      "Disables and schedules deletion of the superseded keys revoke rotated, which can be any KMS key in the account; Sever's own keys are excluded by an explicit deny.",
    );
    ack(deferred, 'Resource::*', 'kms:ListAliases has no resource-level scoping.');
    ack(
      deferred,
      account('scheduler', `schedule/${SCHEDULE_GROUP_NAME}/*`),
      "Only schedules in Sever's own schedule group, for steps of a resumed case that are still not due.",
    );
    ack(deferred, account('ssm', 'parameter/*'), anyParameter);

    ack(
      rotateSecret,
      account('secretsmanager', 'secret:*'),
      'Conditioned on secretsmanager:resource/AllowRotationLambdaArn = this function: only secrets whose rotation is configured to use it.',
    );
    ack(
      rotateSecret,
      account('kms', 'key/*'),
      'The rotated secrets and the SSM parameters holding JWKS may be encrypted with any customer key; use is limited to kms:ViaService Secrets Manager and SSM.',
    );
    ack(rotateSecret, account('ssm', 'parameter/*'), anyParameter);

    for (const arn of jwksObjectArns(jwksBucketArns).filter((objectArn) => objectArn.includes('*'))) {
      const reason = `JWKS documents under ${arn} (sever:jwksBucketArns) are named by the keys' sever:jwks tags.`;
      for (const fn of [revoke, deferred, rotateSecret]) ack(fn, `Resource::${arn}`, reason);
    }
  }
}
