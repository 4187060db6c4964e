import { Validations } from 'aws-cdk-lib';
import { AuthorizationType, EndpointType, LambdaIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { loggedStageOptions } from './api-logging.js';

/** Header carrying `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export const SIGNATURE_HEADER = 'x-sever-signature';
/** Header carrying the Unix time, in seconds, the HR system signed the request at. */
export const TIMESTAMP_HEADER = 'x-sever-timestamp';
/** Path the HR system posts termination events to. */
export const WEBHOOK_PATH = '/hr/events';

/** Props of {@link WebhookApi}. */
export interface WebhookApiProps {
  readonly handler: IFunction;
  readonly logRetentionDays: number;
  readonly tracing: boolean;
  /** Source CIDRs allowed to call; empty allows any (the signature still applies). */
  readonly allowedCidrs: readonly string[];
}

/**
 * The HR webhook: `POST /hr/events`, authenticated by the HMAC the ingest function verifies.
 * HR SaaS products cannot sign AWS SigV4 requests, so the method has no IAM authorizer; API
 * Gateway rejects requests without both signature headers before they reach the function.
 */
export class WebhookApi extends Construct {
  readonly api: RestApi;
  /** The full URL the HR system posts to. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);

    this.api = new RestApi(this, 'Api', {
      restApiName: 'sever-webhook',
      description: 'Sever: HR termination webhook',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: false,
      deployOptions: loggedStageOptions(this, {
        logRetentionDays: props.logRetentionDays,
        rateLimit: 10,
        burstLimit: 20,
        tracing: props.tracing,
      }),
      policy: props.allowedCidrs.length > 0 ? sourceIpPolicy(props.allowedCidrs) : undefined,
    });

    const validator = this.api.addRequestValidator('Validator', {
      // The body is checked by the handler, after the signature over its exact bytes.
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const events = this.api.root.addResource('hr').addResource('events');
    events.addMethod('POST', new LambdaIntegration(props.handler, { allowTestInvoke: false }), {
      authorizationType: AuthorizationType.NONE,
      requestValidator: validator,
      requestParameters: {
        [`method.request.header.${SIGNATURE_HEADER}`]: true,
        [`method.request.header.${TIMESTAMP_HEADER}`]: true,
      },
    });
    this.url = this.api.urlForPath(WEBHOOK_PATH);

    const hmacReason =
      'HR SaaS webhooks cannot sign SigV4 or use Cognito; every request must carry an HMAC-SHA256 signature over timestamp and body, checked by the ingest function within a 5-minute window.';
    Validations.of(this.api).acknowledge({ id: 'AwsSolutions-APIG4', reason: hmacReason });
    Validations.of(this.api).acknowledge({ id: 'AwsSolutions-COG4', reason: hmacReason });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'One low-volume, HMAC-authenticated route with stage throttling (10 rps, burst 20) and optional source-IP allow-listing (sever:webhookAllowedCidrs); a web ACL can be attached at deployment if policy requires one.',
    });
  }
}

function sourceIpPolicy(cidrs: readonly string[]): PolicyDocument {
  return new PolicyDocument({
    statements: [
      new PolicyStatement({
        principals: [new AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
      }),
      new PolicyStatement({
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
        conditions: { NotIpAddress: { 'aws:SourceIp': [...cidrs] } },
      }),
    ],
  });
}
