import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { handleTermination } from '../core/case/handle-termination.js';
import { createAwsCaseDependencies } from './case-dependencies.js';
import { log } from './environment.js';

const dependencies = createAwsCaseDependencies();

/**
 * Revoke Lambda: one SQS message = one HR termination event forwarded by EventBridge.
 *
 * A case that fails is reported as a batch item failure so SQS redelivers it; the retry resumes
 * the recorded plan, and after the queue's maxReceiveCount the message lands in the DLQ, whose
 * alarm pages a human. A malformed event is recorded in the ledger and acknowledged: retrying
 * cannot fix it, and it is kept in the ledger verbatim.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    const actor = { function: context.functionName, requestId: context.awsRequestId };
    try {
      const outcome = await handleTermination(parseBody(record.body), { ...dependencies, actor });
      if (outcome.kind === 'rejected') {
        log('warn', 'termination event rejected', { caseId: outcome.caseId, problems: outcome.message, messageId: record.messageId });
        continue;
      }
      const failed = outcome.execution.steps.filter((s) => s.outcome === 'failed').map((s) => s.id);
      log(outcome.execution.status === 'failed' ? 'error' : 'info', 'case processed', {
        caseId: outcome.caseId,
        status: outcome.execution.status,
        steps: outcome.execution.steps.length,
        failedSteps: failed,
        timingsMs: outcome.timings,
      });
      if (outcome.execution.status === 'failed') batchItemFailures.push({ itemIdentifier: record.messageId });
    } catch (error) {
      log('error', 'case could not be processed', { messageId: record.messageId, error: (error as Error).message });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};

/** A body that is not JSON is still an event to record: keep the text as it came. */
function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return { unparseableBody: body };
  }
}
