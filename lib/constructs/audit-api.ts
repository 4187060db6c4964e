import { Duration, Validations } from 'aws-cdk-lib';
import { AuthorizationType, EndpointType, LambdaIntegration, type MethodOptions, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { AccountRootPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { logicalIdOf } from '../nag.js';
import { SEVER_IAM_PATH } from '../permissions.js';
import { loggedStageOptions, STAGE_NAME } from './api-logging.js';

/**
 * The audit API's resources, each with one IAM-authenticated GET. The handler routes on the
 * same templates (`AUDIT_API_ROUTES` in `lambda/handlers/audit-routes.ts`; a test keeps them
 * equal). `{arn+}` is greedy because resource ARNs contain `/`; API Gateway allows a greedy
 * variable only as the last path part, so `GET /resources/<arn>/history` reaches the handler
 * with `pathParameters.arn` = `<arn>/history` and resource `/resources/{arn+}`.
 */
export const AUDIT_ROUTES = {
  casesByEmployee: '/cases',
  caseById: '/cases/{caseId}',
  resourceHistory: '/resources/{arn+}',
  verify: '/verify',
} as const;

/** Props of {@link AuditApi}. */
export interface AuditApiProps {
  readonly handler: IFunction;
  readonly logRetentionDays: number;
  readonly tracing: boolean;
  /** Read-only ledger statements (table, indexes, key) the auditor role gets. */
  readonly ledgerRead: readonly PolicyStatement[];
  /** The digest signing key, which auditors may verify with and read the public half of. */
  readonly digestKey: IKey;
}

/**
 * The read-only audit API (REST, AWS_IAM on every method) and `AuditorRole`, the role an auditor
 * assumes to call it or to read and verify the ledger directly. Nothing here can write.
 */
export class AuditApi extends Construct {
  readonly api: RestApi;
  readonly auditorRole: Role;

  constructor(scope: Construct, id: string, props: AuditApiProps) {
    super(scope, id);

    this.api = new RestApi(this, 'Api', {
      restApiName: 'sever-audit',
      description: 'Sever: read-only ledger queries and verification (IAM-authenticated)',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: false,
      deployOptions: loggedStageOptions(this, {
        logRetentionDays: props.logRetentionDays,
        rateLimit: 20,
        burstLimit: 40,
        tracing: props.tracing,
      }),
    });

    const validator = this.api.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const integration = new LambdaIntegration(props.handler, { allowTestInvoke: false });
    const iam = (extra: Partial<MethodOptions> = {}): MethodOptions => ({
      authorizationType: AuthorizationType.IAM,
      requestValidator: validator,
      ...extra,
    });

    for (const path of Object.values(AUDIT_ROUTES)) {
      const options = path === AUDIT_ROUTES.casesByEmployee ? { requestParameters: { 'method.request.querystring.employeeId': true } } : {};
      this.api.root.resourceForPath(path).addMethod('GET', integration, iam(options));
    }

    this.auditorRole = new Role(this, 'AuditorRole', {
      assumedBy: new AccountRootPrincipal(),
      path: SEVER_IAM_PATH,
      description: 'Sever: read-only access to the audit API, the ledger and digest verification',
      maxSessionDuration: Duration.hours(1),
    });
    this.auditorRole.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'AuditApiRead',
        actions: ['execute-api:Invoke'],
        // Every route of this API is a read-only GET; no other method exists to reach.
        resources: [this.api.arnForExecuteApi('GET', '/*', STAGE_NAME)],
      }),
    );
    for (const statement of props.ledgerRead) this.auditorRole.addToPrincipalPolicy(statement);
    this.auditorRole.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'DigestVerify',
        actions: ['kms:Verify', 'kms:GetPublicKey'],
        resources: [props.digestKey.keyArn],
      }),
    );

    Validations.of(this.auditorRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${logicalIdOf(this.api)}>/${STAGE_NAME}/GET/*]`,
      reason: 'GET on any path of the audit API: all of its routes are read-only GETs, and case ids and resource ARNs are path parameters.',
    });
    const iamReason =
      'Every method uses AWS_IAM (SigV4) authorization; callers are IAM principals such as AuditorRole, so no Cognito user pool is involved.';
    Validations.of(this.api).acknowledge({ id: 'AwsSolutions-COG4', reason: iamReason });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Only IAM-authenticated, read-only GET routes with stage throttling (20 rps, burst 40); unsigned requests are rejected by API Gateway before any integration runs.',
    });
  }
}
