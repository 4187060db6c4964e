import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat, CfnAccount, LogGroupLogDestination, MethodLoggingLevel, type StageOptions } from 'aws-cdk-lib/aws-apigateway';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SEVER_IAM_PATH } from '../permissions.js';

/**
 * The region's API Gateway account setting: the role API Gateway uses to write access and
 * execution logs. It is one setting per account and region, so it is optional (context
 * `sever:manageApiGatewayAccount`) and its role outlives the stack, since other APIs may rely on it.
 */
export class ApiGatewayAccountLogging extends Construct {
  readonly account: CfnAccount;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      path: SEVER_IAM_PATH,
      description: 'Sever: lets API Gateway write access and execution logs in this region',
      // Written out instead of the managed AmazonAPIGatewayPushToCloudWatchLogs policy.
      inlinePolicies: {
        PushLogs: new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: [
                'logs:CreateLogGroup',
                'logs:CreateLogStream',
                'logs:DescribeLogGroups',
                'logs:DescribeLogStreams',
                'logs:PutLogEvents',
                'logs:GetLogEvents',
                'logs:FilterLogEvents',
              ],
              resources: [`arn:${stack.partition}:logs:${stack.region}:${stack.account}:*`],
            }),
          ],
        }),
      },
    });
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:*]',
      reason:
        'API Gateway writes execution logs to log groups it names itself (API-Gateway-Execution-Logs_<api>/<stage>); the role is limited to CloudWatch Logs in this account and region.',
    });

    this.account = new CfnAccount(this, 'Account', { cloudWatchRoleArn: role.roleArn });
    this.account.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
}

/** The one stage every Sever API deploys. */
export const STAGE_NAME = 'v1';

/** Props of {@link loggedStageOptions}. */
export interface LoggedStageProps {
  readonly logRetentionDays: number;
  /** Steady-state requests per second across the stage. */
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly tracing: boolean;
}

/**
 * Stage options every Sever API shares: JSON access logs naming the caller, execution logs at
 * ERROR without request or response bodies (they carry PII and signatures), and throttling.
 */
export function loggedStageOptions(scope: Construct, props: LoggedStageProps): StageOptions {
  const accessLogs = new LogGroup(scope, 'AccessLogs', {
    retention: props.logRetentionDays,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  return {
    stageName: STAGE_NAME,
    accessLogDestination: new LogGroupLogDestination(accessLogs),
    accessLogFormat: AccessLogFormat.jsonWithStandardFields({
      caller: true,
      httpMethod: true,
      ip: true,
      protocol: true,
      requestTime: true,
      resourcePath: true,
      responseLength: true,
      status: true,
      user: true,
    }),
    loggingLevel: MethodLoggingLevel.ERROR,
    dataTraceEnabled: false,
    metricsEnabled: true,
    tracingEnabled: props.tracing,
    throttlingRateLimit: props.rateLimit,
    throttlingBurstLimit: props.burstLimit,
  };
}
