import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_IAM_ACTIONS, LEDGER_TABLE } from '../../lambda/adapters/aws/ledger-table.js';
import { REVOCATION_TABLE_KEY } from '../../lambda/core/tokens/revocation.js';
import { CASE_FAILED_FILTER_PATTERN } from '../../lib/constructs/alarms.js';
import { AUDIT_ROUTES } from '../../lib/constructs/audit-api.js';
import { EVENT_BUS_NAME } from '../../lib/constructs/termination-intake.js';
import { FORBIDDEN_LEDGER_ACTIONS, SELF_PROTECTION_IAM_ACTIONS } from '../../lib/permissions.js';
import { REVOKE_TIMEOUT, SCHEDULE_GROUP_NAME, VERIFIER_POLICY_NAME } from '../../lib/sever-stack.js';
import {
  actionMatches,
  functionRoleIds,
  logicalIdStartingWith,
  logicalIdsOf,
  roleOfFunction,
  roleStatements,
  type Statement,
  SYNTH_TIMEOUT_MS,
  synthSever,
} from './helpers.js';

const PROTECTED = ['arn:aws:iam::123456789012:role/BreakGlass', 'arn:aws:iam::123456789012:role/ci/*'];
const JWKS_BUCKET = 'arn:aws:s3:::acme-jwks';

let template: Template;
let resources: Record<string, { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }>;

beforeAll(() => {
  ({ template } = synthSever({
    context: { 'sever:protectedPrincipalArns': PROTECTED, 'sever:jwksBucketArns': [JWKS_BUCKET] },
  }));
  resources = template.toJSON().Resources;
}, SYNTH_TIMEOUT_MS);

const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const allows = (statements: Statement[]) => statements.filter((statement) => statement.Effect === 'Allow');
const allowedActions = (statements: Statement[]) => allows(statements).flatMap((statement) => statement.Action);

describe('Class: SeverStack', () => {
  describe('ledger and registry tables', () => {
    it.each([
      ['StorageLedgerTable', 'StorageLedgerKey'],
      ['StorageRevocationTable', 'StorageRegistryKey'],
    ])('%s has PITR, deletion protection, retention and SSE with its own CMK', (tablePrefix, keyPrefix) => {
      // Prepare
      const tableId = logicalIdStartingWith(template, 'AWS::DynamoDB::Table', tablePrefix);
      const keyId = logicalIdStartingWith(template, 'AWS::KMS::Key', keyPrefix);

      // Assess
      expect(resources[tableId]).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: getAtt(keyId) },
        },
      });
      expect(resources[keyId]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true } });
    });

    it('builds the ledger from the ledger adapter schema', () => {
      // Assess
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: LEDGER_TABLE.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: LEDGER_TABLE.sortKey.name, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([{ AttributeName: LEDGER_TABLE.sortKey.name, AttributeType: LEDGER_TABLE.sortKey.type }]),
        GlobalSecondaryIndexes: LEDGER_TABLE.globalSecondaryIndexes.map((index) =>
          Match.objectLike({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
              { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: index.projection },
          }),
        ),
      });
    });

    it('builds the registry from the registry key constant', () => {
      // Prepare
      const tableId = logicalIdStartingWith(template, 'AWS::DynamoDB::Table', 'StorageRevocationTable');

      // Assess
      expect(resources[tableId]?.Properties.KeySchema).toEqual([
        { AttributeName: REVOCATION_TABLE_KEY.partitionKey.name, KeyType: 'HASH' },
      ]);
    });

    it('creates an ECC P-256 signing key for digests that survives stack deletion', () => {
      // Assess
      template.hasResource('AWS::KMS::Key', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
      });
    });
  });

  describe('termination intake', () => {
    it('names the custom bus "sever"', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::EventBus', { Name: EVENT_BUS_NAME });
    });

    it('routes hr.* "Employee Terminated" events from the sever bus and the default bus to the queue', () => {
      // Prepare
      const queueId = logicalIdStartingWith(template, 'AWS::SQS::Queue', 'IntakeQueue');
      const busId = logicalIdStartingWith(template, 'AWS::Events::EventBus', 'IntakeBus');
      const rules = Object.values(
        template.findResources('AWS::Events::Rule', {
          Properties: { EventPattern: { source: [{ prefix: 'hr.' }], 'detail-type': ['Employee Terminated'] } },
        }),
      );

      // Assess
      expect(rules).toHaveLength(2);
      expect(rules.map((rule) => rule.Properties.EventBusName ?? 'default')).toEqual(expect.arrayContaining([{ Ref: busId }, 'default']));
      for (const rule of rules) {
        expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: getAtt(queueId), DeadLetterConfig: expect.any(Object) })]);
      }
    });

    it('encrypts both queues with the CMK, enforces TLS and dead-letters after 3 receives', () => {
      // Prepare
      const queueId = logicalIdStartingWith(template, 'AWS::SQS::Queue', 'IntakeQueue');
      const dlqId = logicalIdStartingWith(template, 'AWS::SQS::Queue', 'IntakeDeadLetterQueue');
      const keyId = logicalIdStartingWith(template, 'AWS::KMS::Key', 'MessagingKey');

      // Assess
      expect(resources[queueId]?.Properties).toMatchObject({
        KmsMasterKeyId: getAtt(keyId),
        RedrivePolicy: { deadLetterTargetArn: getAtt(dlqId), maxReceiveCount: 3 },
      });
      expect(resources[dlqId]?.Properties).toMatchObject({ KmsMasterKeyId: getAtt(keyId) });
      for (const id of [queueId, dlqId]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    });

    it('gives the queue a visibility timeout of at least six times the revoke timeout', () => {
      // Prepare
      const queueId = logicalIdStartingWith(template, 'AWS::SQS::Queue', 'IntakeQueue');
      const revokeId = logicalIdStartingWith(template, 'AWS::Lambda::Function', 'RevokeFunction');
      const revokeTimeout = resources[revokeId]?.Properties.Timeout as number;

      // Assess
      expect(revokeTimeout).toBe(REVOKE_TIMEOUT.toSeconds());
      expect(resources[queueId]?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * revokeTimeout);
    });

    it('feeds revoke one message at a time and lets it report single failures', () => {
      // Prepare
      const queueId = logicalIdStartingWith(template, 'AWS::SQS::Queue', 'IntakeQueue');
      const revokeId = logicalIdStartingWith(template, 'AWS::Lambda::Function', 'RevokeFunction');

      // Assess
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: getAtt(queueId),
        FunctionName: { Ref: revokeId },
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      });
    });
  });

  describe('functions', () => {
    it('runs six functions on Node.js 22, ARM64, with source maps and their own log group', () => {
      // Prepare
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));

      // Assess
      expect(functions).toHaveLength(6);
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }) },
          LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) } },
        });
      }
      template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    });

    it('gives revoke its configuration, protected principals included', () => {
      // Prepare
      const revokeId = logicalIdStartingWith(template, 'AWS::Lambda::Function', 'RevokeFunction');
      const environment = resources[revokeId]?.Properties.Environment as { Variables: Record<string, unknown> } | undefined;
      const variables = environment?.Variables ?? {};

      // Assess
      expect(Object.keys(variables).sort()).toEqual(
        [
          'DEFERRED_FUNCTION_ARN',
          'DELETE_USERS',
          'KEY_DELETION_WINDOW_DAYS',
          'LEDGER_TABLE_NAME',
          'NODE_OPTIONS',
          'PROTECTED_PRINCIPAL_ARNS',
          'REVOCATION_TABLE_NAME',
          'ROTATION_FUNCTION_ARN',
          'SCHEDULER_DLQ_ARN',
          'SCHEDULER_GROUP_NAME',
          'SCHEDULER_ROLE_ARN',
        ].sort(),
      );
      expect(JSON.parse(variables.PROTECTED_PRINCIPAL_ARNS as string)).toEqual(PROTECTED);
      expect(variables).toMatchObject({ DELETE_USERS: 'false', KEY_DELETION_WINDOW_DAYS: '30', SCHEDULER_GROUP_NAME: 'sever' });
    });

    it('bounds the blast radius with reserved concurrency and runs one digest at a time', () => {
      // Assess
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ DIGEST_KEY_ID: Match.anyValue(), LEDGER_TABLE_NAME: Match.anyValue() }) },
        ReservedConcurrentExecutions: 1,
      });
      for (const prefix of ['RevokeFunction', 'DeferredFunction', 'RotateSecretFunction']) {
        const id = logicalIdStartingWith(template, 'AWS::Lambda::Function', prefix);
        expect(resources[id]?.Properties.ReservedConcurrentExecutions).toBe(2);
      }
    });

    it('signs a digest every 15 minutes', () => {
      // Prepare
      const digestId = logicalIdStartingWith(template, 'AWS::Lambda::Function', 'DigestFunction');

      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(15 minutes)',
        Targets: [Match.objectLike({ Arn: getAtt(digestId) })],
      });
    });

    it('lets Secrets Manager, from this account only, invoke the rotation function', () => {
      // Prepare
      const rotateId = logicalIdStartingWith(template, 'AWS::Lambda::Function', 'RotateSecretFunction');

      // Assess
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(rotateId),
        Principal: 'secretsmanager.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
      });
    });
  });

  describe('least privilege', () => {
    it('puts every role and managed policy under the /sever/ path', () => {
      // Assess
      template.allResourcesProperties('AWS::IAM::Role', { Path: '/sever/' });
      template.allResourcesProperties('AWS::IAM::ManagedPolicy', { Path: '/sever/' });
    });

    it('uses no AWS managed policies', () => {
      // Assess
      for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
        for (const arn of role.Properties.ManagedPolicyArns ?? []) {
          expect(JSON.stringify(arn)).not.toMatch(/arn:aws:iam::aws:policy|:iam::aws:policy/);
        }
      }
    });

    it('gives no Sever principal UpdateItem, DeleteItem, BatchWriteItem, PartiQL or transactions', () => {
      // Prepare
      const roles = logicalIdsOf(template, 'AWS::IAM::Role');
      const forbidden = (action: string) =>
        FORBIDDEN_LEDGER_ACTIONS.some((denied) => actionMatches(action, denied)) || /^dynamodb:(PartiQL|Transact)/i.test(action);

      // Act
      const granted = roles.flatMap((roleId) =>
        allowedActions(roleStatements(template, roleId))
          .filter(forbidden)
          .map((action) => `${roleId}: ${action}`),
      );

      // Assess
      expect(roles.length).toBeGreaterThan(6);
      expect(granted).toEqual([]);
    });

    it('gives the revoke role exactly the ledger writer actions on the ledger', () => {
      // Prepare
      const ledgerId = logicalIdStartingWith(template, 'AWS::DynamoDB::Table', 'StorageLedgerTable');
      const statements = allows(roleStatements(template, roleOfFunction(template, 'RevokeFunction')));

      // Act
      const onLedger = statements
        .filter((statement) => JSON.stringify(statement.Resource).includes(ledgerId))
        .flatMap((statement) => statement.Action);

      // Assess
      expect([...new Set(onLedger)].sort()).toEqual([...LEDGER_IAM_ACTIONS.writer].sort());
    });

    it('denies every function role IAM writes on Sever roles and on each protected principal', () => {
      // Prepare
      const roleIds = functionRoleIds(template);

      // Assess
      expect(roleIds).toHaveLength(6);
      for (const roleId of roleIds) {
        const deny = roleStatements(template, roleId).find(
          (statement) => statement.Effect === 'Deny' && statement.Sid === 'DenyIamWritesOnSeverAndProtectedPrincipals',
        );
        expect(deny?.Action.sort()).toEqual([...SELF_PROTECTION_IAM_ACTIONS].sort());
        const resourcesText = JSON.stringify(deny?.Resource);
        expect(resourcesText).toContain(':role/sever/*');
        for (const arn of PROTECTED) expect(deny?.Resource).toContain(arn);
      }
    });

    it("denies every function role changes to Sever's own keys and webhook secret", () => {
      // Prepare
      const keyIds = logicalIdsOf(template, 'AWS::KMS::Key');
      const secretId = logicalIdStartingWith(template, 'AWS::SecretsManager::Secret', 'WebhookSecret');

      // Assess
      for (const roleId of functionRoleIds(template)) {
        const denies = roleStatements(template, roleId).filter((statement) => statement.Effect === 'Deny');
        const keyDeny = denies.find((statement) => statement.Action.includes('kms:ScheduleKeyDeletion'));
        expect(keyDeny?.Resource).toEqual(expect.arrayContaining(keyIds.map(getAtt)));
        const secretDeny = denies.find((statement) => statement.Action.includes('secretsmanager:RotateSecret'));
        expect(secretDeny?.Resource).toEqual([{ Ref: secretId }]);
      }
    });

    it('lets only the digest function sign with the digest key', () => {
      // Prepare
      const digestRole = roleOfFunction(template, 'DigestFunction');

      // Act
      const signers = logicalIdsOf(template, 'AWS::IAM::Role').filter((roleId) =>
        allowedActions(roleStatements(template, roleId)).some((action) => actionMatches(action, 'kms:Sign')),
      );

      // Assess
      expect(signers).toEqual([digestRole]);
    });

    it('lets only the ingest function read the webhook secret', () => {
      // Prepare
      const secretId = logicalIdStartingWith(template, 'AWS::SecretsManager::Secret', 'WebhookSecret');

      // Act
      const readers = logicalIdsOf(template, 'AWS::IAM::Role').filter((roleId) =>
        allows(roleStatements(template, roleId)).some(
          (statement) =>
            statement.Action.some((action) => actionMatches(action, 'secretsmanager:GetSecretValue')) &&
            JSON.stringify(statement.Resource).includes(secretId),
        ),
      );

      // Assess
      expect(readers).toEqual([roleOfFunction(template, 'IngestFunction')]);
    });

    it("limits revoke's S3 access to the configured JWKS buckets", () => {
      // Prepare
      const statements = allows(roleStatements(template, roleOfFunction(template, 'RevokeFunction')));

      // Act
      const s3 = statements.filter((statement) => statement.Action.some((action) => action.startsWith('s3:')));

      // Assess
      expect(s3).toEqual([
        expect.objectContaining({ Action: ['s3:GetObject', 's3:PutObject'], Resource: [`${JWKS_BUCKET}/*`] }),
        expect.objectContaining({ Action: ['s3:ListBucket'], Resource: [JWKS_BUCKET] }),
      ]);
    });

    it('lets revoke pass only the scheduler role, and only to EventBridge Scheduler', () => {
      // Prepare
      const schedulerRoleId = logicalIdStartingWith(template, 'AWS::IAM::Role', 'SchedulerRole');
      const statements = allows(roleStatements(template, roleOfFunction(template, 'RevokeFunction')));

      // Act
      const passRole = statements.filter((statement) => statement.Action.some((action) => actionMatches(action, 'iam:PassRole')));

      // Assess
      expect(passRole).toEqual([
        expect.objectContaining({
          Resource: [getAtt(schedulerRoleId)],
          Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        }),
      ]);
    });

    it('keeps statement ids unique within each policy document', () => {
      // Assess
      for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
        const sids = (policy.Properties.PolicyDocument.Statement as Array<{ Sid?: string }>)
          .map((statement) => statement.Sid)
          .filter((sid) => sid !== undefined);
        expect(new Set(sids).size, id).toBe(sids.length);
      }
    });
  });

  describe('EventBridge Scheduler', () => {
    it('creates the "sever" schedule group', () => {
      // Assess
      template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: SCHEDULE_GROUP_NAME });
    });

    it('lets only EventBridge Scheduler, for this account and group, assume the scheduler role', () => {
      // Prepare
      const roleId = logicalIdStartingWith(template, 'AWS::IAM::Role', 'SchedulerRole');
      const groupId = logicalIdStartingWith(template, 'AWS::Scheduler::ScheduleGroup', 'ScheduleGroup');

      // Assess
      expect(resources[roleId]?.Properties.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnEquals: { 'aws:SourceArn': getAtt(groupId) },
            },
          },
        ],
      });
    });

    it('lets the scheduler role invoke the deferred function and dead-letter to its own queue, nothing else', () => {
      // Prepare
      const roleId = logicalIdStartingWith(template, 'AWS::IAM::Role', 'SchedulerRole');
      const deferredId = logicalIdStartingWith(template, 'AWS::Lambda::Function', 'DeferredFunction');
      const deferredName = resources[deferredId]?.Properties.FunctionName as string;
      const dlqId = logicalIdStartingWith(template, 'AWS::SQS::Queue', 'DeferredDeadLetterQueue');
      const keyId = logicalIdStartingWith(template, 'AWS::KMS::Key', 'MessagingKey');

      // Act
      const statements = roleStatements(template, roleId);

      // Assess
      expect(statements.map((statement) => statement.Sid)).toEqual(['InvokeDeferred', 'DeadLetterUndeliveredSteps', 'DeadLetterQueueKey']);
      expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
      expect(statements[0]?.Action).toEqual(['lambda:InvokeFunction']);
      expect(JSON.stringify(statements[0]?.Resource)).toContain(`:function:${deferredName}"`);
      expect(statements[1]).toMatchObject({ Action: ['sqs:SendMessage'], Resource: [getAtt(dlqId)] });
      expect(statements[2]).toMatchObject({ Resource: [getAtt(keyId)] });
      expect(statements[2]?.Action.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    });

    it('tells revoke and deferred where undeliverable steps go', () => {
      // Prepare
      const dlqId = logicalIdStartingWith(template, 'AWS::SQS::Queue', 'DeferredDeadLetterQueue');

      // Assess
      for (const prefix of ['RevokeFunction', 'DeferredFunction']) {
        const id = logicalIdStartingWith(template, 'AWS::Lambda::Function', prefix);
        expect(resources[id]?.Properties.Environment).toMatchObject({ Variables: { SCHEDULER_DLQ_ARN: getAtt(dlqId) } });
      }
    });
  });

  describe('audit', () => {
    it('requires AWS_IAM on every audit API method', () => {
      // Prepare
      const apiId = logicalIdStartingWith(template, 'AWS::ApiGateway::RestApi', 'AuditApi');
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method', { Properties: { RestApiId: { Ref: apiId } } }));

      // Assess
      expect(methods).toHaveLength(Object.keys(AUDIT_ROUTES).length);
      for (const method of methods) {
        expect(method.Properties).toMatchObject({ HttpMethod: 'GET', AuthorizationType: 'AWS_IAM' });
      }
    });

    it('declares exactly the audit routes the handler serves', () => {
      // Prepare
      const apiId = logicalIdStartingWith(template, 'AWS::ApiGateway::RestApi', 'AuditApi');
      const apiResources = template.findResources('AWS::ApiGateway::Resource');
      const pathOf = (id: string): string => {
        const parent = apiResources[id]?.Properties.ParentId as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
        const prefix = parent.Ref === undefined ? '' : pathOf(parent.Ref);
        return `${prefix}/${apiResources[id]?.Properties.PathPart as string}`;
      };
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method', { Properties: { RestApiId: { Ref: apiId } } }));

      // Act
      const paths = methods.map((method) => pathOf((method.Properties.ResourceId as { Ref: string }).Ref));

      // Assess
      expect(paths.sort()).toEqual(Object.values(AUDIT_ROUTES).sort());
    });

    it('logs access and throttles every API stage without logging bodies', () => {
      // Prepare
      const stages = Object.values(template.findResources('AWS::ApiGateway::Stage'));

      // Assess
      expect(stages).toHaveLength(2);
      for (const stage of stages) {
        expect(stage.Properties).toMatchObject({
          AccessLogSetting: { DestinationArn: expect.anything(), Format: expect.stringContaining('$context.identity.caller') },
          MethodSettings: [
            expect.objectContaining({
              HttpMethod: '*',
              ResourcePath: '/*',
              DataTraceEnabled: false,
              LoggingLevel: 'ERROR',
              ThrottlingRateLimit: expect.any(Number),
              ThrottlingBurstLimit: expect.any(Number),
            }),
          ],
        });
      }
    });

    it('validates requests on both APIs', () => {
      // Assess
      expect(
        Object.values(
          template.findResources('AWS::ApiGateway::RequestValidator', {
            Properties: { ValidateRequestBody: true, ValidateRequestParameters: true },
          }),
        ),
      ).toHaveLength(2);
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: 'POST',
        AuthorizationType: 'NONE',
        RequestParameters: { 'method.request.header.x-sever-signature': true, 'method.request.header.x-sever-timestamp': true },
      });
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        RequestParameters: { 'method.request.querystring.employeeId': true },
      });
    });

    it('makes AuditorRole assumable by the account and read-only', () => {
      // Prepare
      const roleId = logicalIdStartingWith(template, 'AWS::IAM::Role', 'AuditAuditorRole');
      const readOnly = new Set([
        'execute-api:Invoke',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:DescribeTable',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Verify',
        'kms:GetPublicKey',
      ]);

      // Act
      const statements = roleStatements(template, roleId);

      // Assess
      expect(JSON.stringify(resources[roleId]?.Properties.AssumeRolePolicyDocument)).toContain(':root');
      expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
      expect(allowedActions(statements).filter((action) => !readOnly.has(action))).toEqual([]);
      const invoke = statements.find((statement) => statement.Action.includes('execute-api:Invoke'));
      expect(JSON.stringify(invoke?.Resource)).toMatch(/\/v1\/GET\/\*"/);
    });

    it('publishes a verifier policy that only reads the registry', () => {
      // Prepare
      const registryId = logicalIdStartingWith(template, 'AWS::DynamoDB::Table', 'StorageRevocationTable');
      const registryKeyId = logicalIdStartingWith(template, 'AWS::KMS::Key', 'StorageRegistryKey');

      // Assess
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        ManagedPolicyName: VERIFIER_POLICY_NAME,
        Path: '/sever/',
        PolicyDocument: {
          Statement: [
            Match.objectLike({ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Scan'], Resource: getAtt(registryId) }),
            Match.objectLike({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: getAtt(registryKeyId) }),
          ],
        },
      });
    });
  });

  describe('alarms', () => {
    it('encrypts the alarm topic and requires TLS to publish', () => {
      // Prepare
      const keyId = logicalIdStartingWith(template, 'AWS::KMS::Key', 'MessagingKey');

      // Assess
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: getAtt(keyId) });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    });

    it('alarms on a non-empty dead-letter queue, revoke errors and failed cases, into the topic', () => {
      // Prepare
      const topicId = logicalIdStartingWith(template, 'AWS::SNS::Topic', 'AlarmsTopic');
      const dlqId = logicalIdStartingWith(template, 'AWS::SQS::Queue', 'IntakeDeadLetterQueue');
      const revokeId = logicalIdStartingWith(template, 'AWS::Lambda::Function', 'RevokeFunction');
      const alarm = (properties: Record<string, unknown>) =>
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          ...properties,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          AlarmActions: [{ Ref: topicId }],
        });

      // Assess
      alarm({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      });
      alarm({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [logicalIdStartingWith(template, 'AWS::SQS::Queue', 'DeferredDeadLetterQueue'), 'QueueName'] },
          },
        ],
      });
      alarm({ MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: revokeId } }] });
      alarm({ Namespace: 'Sever', MetricName: 'FailedCases' });
      template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: topicId }] });
    });

    it('counts failed cases from the revoke and deferred logs', () => {
      // Assess
      const filters = Object.values(
        template.findResources('AWS::Logs::MetricFilter', { Properties: { FilterPattern: CASE_FAILED_FILTER_PATTERN } }),
      );
      expect(filters.map((filter) => (filter.Properties.LogGroupName as { Ref: string }).Ref).sort()).toEqual(
        [
          logicalIdStartingWith(template, 'AWS::Logs::LogGroup', 'RevokeLogs'),
          logicalIdStartingWith(template, 'AWS::Logs::LogGroup', 'DeferredLogs'),
        ].sort(),
      );
    });
  });

  it('exports every output operators and relying services need', () => {
    // Prepare
    const outputs = Object.keys(template.toJSON().Outputs);

    // Assess
    expect(outputs).toEqual(
      expect.arrayContaining([
        'AuditorRoleArn',
        'AuditApiUrl',
        'WebhookUrl',
        'EventBusName',
        'LedgerTableName',
        'RevocationTableName',
        'VerifierPolicyArn',
        'AlarmTopicArn',
      ]),
    );
  });
});

describe('Class: SeverStack with optional settings switched', () => {
  let switched: Template;

  beforeAll(() => {
    ({ template: switched } = synthSever({
      context: {
        'sever:reservedConcurrency': false,
        'sever:manageApiGatewayAccount': false,
        'sever:tracing': true,
        'sever:webhookAllowedCidrs': ['203.0.113.0/24'],
        'sever:alarmEmails': ['sec@example.com'],
      },
    }));
  }, SYNTH_TIMEOUT_MS);

  it('reserves no concurrency when sever:reservedConcurrency is false', () => {
    // Assess
    for (const fn of Object.values(switched.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  it('leaves the API Gateway account setting alone when sever:manageApiGatewayAccount is false', () => {
    // Assess
    switched.resourceCountIs('AWS::ApiGateway::Account', 0);
    template.resourceCountIs('AWS::ApiGateway::Account', 1);
  });

  it('traces every function when sever:tracing is true', () => {
    // Assess
    switched.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
  });

  it('denies webhook calls from outside the allowed CIDRs', () => {
    // Assess
    switched.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: 'sever-webhook',
      Policy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } } }),
        ]),
      },
    });
  });

  it('subscribes the alarm emails to the topic', () => {
    // Assess
    switched.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'sec@example.com' });
  });
});
