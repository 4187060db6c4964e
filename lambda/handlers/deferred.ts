import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { resumeCase } from '../core/case/handle-termination.js';
import { createAwsCaseDependencies } from './case-dependencies.js';
import { log } from './environment.js';

const dependencies = createAwsCaseDependencies();
const dueStep = z.object({ caseId: z.string().min(1), stepId: z.string().min(1) });

/**
 * Target of the one-time EventBridge Scheduler schedules: a grace window has ended. Resuming the
 * case runs every step now due (disable the old key, revoke its kid, schedule deletion) and
 * skips what is done, so a late or repeated invocation is harmless. Throwing makes Scheduler
 * retry, then fall back to its dead-letter handling.
 */
export const handler = async (event: unknown, context: Context): Promise<{ caseId: string; status: string }> => {
  const parsed = dueStep.safeParse(event);
  if (!parsed.success) {
    throw new Error(`deferred step event is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const report = await resumeCase(parsed.data.caseId, {
    ports: dependencies.ports,
    actor: { function: context.functionName, requestId: context.awsRequestId },
  });
  log(report.status === 'failed' ? 'error' : 'info', 'deferred steps run', {
    caseId: parsed.data.caseId,
    stepId: parsed.data.stepId,
    status: report.status,
  });
  if (report.status === 'failed') throw new Error(`case ${parsed.data.caseId} has failed steps`);
  return { caseId: parsed.data.caseId, status: report.status };
};
