import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDbLedger } from '../adapters/aws/dynamodb-ledger.js';
import { formatEventIssues, parseTerminationEvent } from '../core/events/termination.js';
import { verifyWebhookSignature } from '../core/events/webhook-signature.js';
import { caseIdFor } from '../core/plan/build-plan.js';
import { log, readEnvironment } from './environment.js';

const env = readEnvironment({
  WEBHOOK_SECRET_ARN: z.string().startsWith('arn:'),
  EVENT_BUS_NAME: z.string().min(1),
  LEDGER_TABLE_NAME: z.string().min(1),
});
const secrets = new SecretsManagerClient({});
const events = new EventBridgeClient({});
const clock = { now: () => new Date() };
const ledger = new DynamoDbLedger({ tableName: env.LEDGER_TABLE_NAME, clock });
const SECRET_CACHE_MS = 300_000;
let cachedSecret: { value: string; fetchedAt: number } | undefined;

/**
 * HR webhook: checks the HMAC signature, validates the event, forwards it to the Sever bus.
 * Every request that reaches this function and is refused (bad signature, not JSON, invalid event)
 * is recorded in the ledger with its raw body, and the response names what is wrong so the HR
 * integration can fix it. Requests without the signature headers at all are refused earlier by
 * API Gateway and appear in its access log, so anonymous callers cannot write to the ledger.
 */
export const handler = async (request: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
  const actor = { function: context.functionName, requestId: context.awsRequestId };
  const body = request.isBase64Encoded ? Buffer.from(request.body ?? '', 'base64').toString('utf8') : (request.body ?? '');
  const header = (name: string) => Object.entries(request.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
  const reject = async (status: number, problem: string, issues: unknown) => {
    const caseId = `rejected-webhook-${context.awsRequestId}`;
    await ledger.append({
      caseId,
      employeeId: 'unknown',
      type: 'event-rejected',
      actor,
      data: { rawBody: body, issues, sourceIp: request.requestContext?.identity?.sourceIp ?? null, receivedAt: clock.now().toISOString() },
    });
    log('warn', 'webhook rejected', { caseId, problem });
    return json(status, { error: problem, issues, caseId });
  };

  const signature = verifyWebhookSignature({
    secret: await webhookSecret(),
    body,
    timestamp: header('x-sever-timestamp'),
    signature: header('x-sever-signature'),
    now: clock.now(),
  });
  if (!signature.ok) return reject(401, signature.detail, [{ path: '(signature)', message: signature.reason }]);

  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (error) {
    return reject(400, 'body is not JSON', [{ path: '(body)', message: (error as Error).message }]);
  }
  const parsed = parseTerminationEvent(raw);
  if (!parsed.ok) return reject(400, formatEventIssues(parsed.issues), parsed.issues);

  const { event } = parsed;
  const put = await events.send(
    new PutEventsCommand({
      Entries: [
        { EventBusName: env.EVENT_BUS_NAME, Source: event.source, DetailType: event['detail-type'], Detail: JSON.stringify(event.detail) },
      ],
    }),
  );
  if ((put.FailedEntryCount ?? 0) > 0) {
    log('error', 'event bus refused the event', { code: put.Entries?.[0]?.ErrorCode });
    return json(503, { error: 'event bus refused the event; retry', code: put.Entries?.[0]?.ErrorCode ?? null });
  }
  return json(202, { caseId: caseIdFor(event), eventId: event.detail.eventId });
};

async function webhookSecret(): Promise<string> {
  if (cachedSecret && Date.now() - cachedSecret.fetchedAt < SECRET_CACHE_MS) return cachedSecret.value;
  const result = await secrets.send(new GetSecretValueCommand({ SecretId: env.WEBHOOK_SECRET_ARN }));
  if (!result.SecretString) throw new Error('webhook secret has no string value');
  cachedSecret = { value: result.SecretString, fetchedAt: Date.now() };
  return cachedSecret.value;
}

function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
