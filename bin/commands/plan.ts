import { parseArgs } from 'node:util';
import { parseTerminationEvent } from '../../lambda/core/events/termination.js';
import { buildPlan, DEFAULT_PLAN_CONFIG } from '../../lambda/core/plan/build-plan.js';
import { computeInventory, computeReach } from '../../lambda/core/reach/compute-reach.js';
import { formatInventory, formatReachReport } from '../../lambda/core/reach/format.js';
import { parseSnapshot } from '../../lambda/core/snapshot/parse.js';
import { type CommandIo, readSnapshotDir, UsageError, writeLine } from './io.js';

/**
 * `sever plan`: reach analysis for one employee plus the steps Sever would take. Changes nothing:
 * it is the dry run of a termination.
 */
export async function runPlan(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      snapshot: { type: 'string' },
      employee: { type: 'string' },
      'termination-type': { type: 'string', default: 'involuntary' },
      'protected-principal': { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.snapshot || !values.employee) throw new UsageError('--snapshot and --employee are required');
  const snapshot = parseSnapshot(await readSnapshotDir(values.snapshot));
  const reach = computeReach(snapshot, values.employee);
  const event = parseTerminationEvent({
    source: 'hr.sever-cli',
    'detail-type': 'Employee Terminated',
    detail: {
      eventId: `dry-run-${values.employee}`,
      employeeId: values.employee,
      email: `${values.employee.toLowerCase().replace(/[^a-z0-9._-]/g, '')}@dry-run.invalid`,
      effectiveAt: new Date().toISOString(),
      terminationType: values['termination-type'],
    },
  });
  if (!event.ok) throw new UsageError(`--termination-type must be voluntary, involuntary or hostile`);
  const plan = buildPlan({
    snapshot,
    reach,
    event: event.event,
    now: new Date(),
    config: { ...DEFAULT_PLAN_CONFIG, protectedPrincipalArns: values['protected-principal'] },
  });
  const steps = plan.steps.map(({ id, type, target, notBefore, reason }) => ({
    id,
    type,
    target,
    ...(notBefore ? { notBefore } : {}),
    reason,
  }));
  if (values.json) {
    writeLine(io.stdout, JSON.stringify({ ...reach, plan: { steps, skipped: plan.skipped } }, null, 2));
    return 0;
  }
  writeLine(io.stdout, formatReachReport(reach));
  writeLine(io.stdout);
  writeLine(io.stdout, `Plan (dry run: nothing was changed), ${steps.length} steps:`);
  for (const step of steps) {
    writeLine(io.stdout, `  ${step.type.padEnd(26)} ${step.target}${step.notBefore ? `  (not before ${step.notBefore})` : ''}`);
  }
  for (const skipped of plan.skipped) writeLine(io.stdout, `  skipped ${skipped.target}: ${skipped.reason}`);
  return 0;
}

/** `sever inventory`: the standing blast radius of every human principal. */
export async function runInventory(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { snapshot: { type: 'string' }, json: { type: 'boolean', default: false } } });
  if (!values.snapshot) throw new UsageError('--snapshot is required');
  const inventory = computeInventory(parseSnapshot(await readSnapshotDir(values.snapshot)));
  writeLine(io.stdout, values.json ? JSON.stringify(inventory, null, 2) : formatInventory(inventory));
  return 0;
}
