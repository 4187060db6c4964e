import { parseArgs } from 'node:util';
import { Sandbox } from '../../lambda/adapters/sandbox/sandbox.js';
import { formatEventIssues, parseTerminationEvent } from '../../lambda/core/events/termination.js';
import type { StepOutcome } from '../../lambda/core/execute/execute-plan.js';
import { verifyLedger } from '../../lambda/core/ledger/verify.js';
import { buildPlan, DEFAULT_PLAN_CONFIG, REPLACES_TAG } from '../../lambda/core/plan/build-plan.js';
import { computeReach } from '../../lambda/core/reach/compute-reach.js';
import { parseSnapshot } from '../../lambda/core/snapshot/parse.js';
import { type CommandIo, readJsonFile, readSnapshotDir, UsageError, writeLine } from './io.js';

export const SIMULATE_USAGE = 'Usage: sever simulate --snapshot DIR --events FILE [--ledger DIR] [--json] [--dry-run]';

export interface SimulationResult {
  readonly cases: {
    readonly caseId: string;
    readonly employeeId: string;
    readonly status: 'completed' | 'failed' | 'scheduled' | 'rejected';
    readonly error?: string;
    readonly actions: { readonly id: string; readonly type: string; readonly target: string; readonly outcome: StepOutcome }[];
  }[];
  readonly keys: { readonly keyArn: string; readonly rotations: number; readonly replacedBy: string | null; readonly state: string }[];
  readonly apiCalls: Record<string, number>;
  readonly ledger: { readonly entries: number; readonly verified: boolean };
}

/**
 * Runs the whole pipeline (reach → plan → execute → ledger) for a list of HR events in a sandbox
 * seeded from the snapshot, then runs the clock forward until every deferred step has run.
 */
export async function simulate(options: {
  readonly snapshotDir: string;
  readonly events: readonly unknown[];
  readonly ledgerDir?: string;
}): Promise<SimulationResult> {
  const sandbox = await Sandbox.start({
    files: await readSnapshotDir(options.snapshotDir),
    ...(options.ledgerDir ? { ledgerDir: options.ledgerDir } : {}),
  });
  try {
    const original = sandbox.account.snapshot();
    const cases = new Map<
      string,
      {
        employeeId: string;
        status: SimulationResult['cases'][number]['status'];
        error?: string;
        actions: Map<string, SimulationResult['cases'][number]['actions'][number]>;
      }
    >();
    for (const event of options.events) {
      const outcome = await sandbox.handle(event);
      if (outcome.kind === 'rejected') {
        const employeeId = (event as { detail?: { employeeId?: string } })?.detail?.employeeId ?? 'unknown';
        cases.set(outcome.caseId, { employeeId: String(employeeId), status: 'rejected', error: outcome.message, actions: new Map() });
        continue;
      }
      cases.set(outcome.caseId, {
        employeeId: outcome.event.detail.employeeId,
        status: outcome.execution.status,
        actions: new Map(outcome.execution.steps.map((s) => [s.id, { id: s.id, type: s.type, target: s.target, outcome: s.outcome }])),
      });
    }
    for (const run of await sandbox.runDeferredSteps()) {
      const record = cases.get(run.caseId);
      if (!record) continue;
      record.status = run.report.status;
      for (const step of run.report.steps) {
        // A step already done on an earlier run keeps the outcome it had then.
        if (step.outcome === 'already-done' && record.actions.get(step.id)?.outcome !== 'scheduled') continue;
        record.actions.set(step.id, { id: step.id, type: step.type, target: step.target, outcome: step.outcome });
      }
    }
    await sandbox.seal();

    const now = sandbox.account.snapshot();
    const keys = original.kmsKeys
      .filter((k) => k.keyUsage === 'SIGN_VERIFY' || k.keyUsage === 'GENERATE_VERIFY_MAC')
      .map((key) => {
        const replacements = now.kmsKeys.filter((k) => k.tags[REPLACES_TAG] === key.arn);
        const current = now.kmsKeys.find((k) => k.arn === key.arn);
        return {
          keyArn: key.arn,
          rotations: replacements.length,
          replacedBy: replacements.at(-1)?.arn ?? null,
          state: current?.keyState ?? 'Unknown',
        };
      });
    const audit = await sandbox.ledger.readAudit({ caseIds: [...cases.keys()] });
    const verification = await verifyLedger(audit, { verifier: sandbox.digestSigner, caseIds: [...cases.keys()] });
    return {
      cases: [...cases].map(([caseId, c]) => ({
        caseId,
        employeeId: c.employeeId,
        status: c.status,
        ...(c.error ? { error: c.error } : {}),
        actions: [...c.actions.values()],
      })),
      keys,
      apiCalls: Object.fromEntries([...sandbox.account.apiCalls].sort(([a], [b]) => a.localeCompare(b))),
      ledger: { entries: audit.cases.reduce((n, c) => n + c.entries.length, 0), verified: verification.ok },
    };
  } finally {
    await sandbox.close();
  }
}

export async function runSimulate(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      snapshot: { type: 'string' },
      events: { type: 'string' },
      ledger: { type: 'string' },
      json: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  if (!values.snapshot || !values.events) throw new UsageError('--snapshot and --events are required');
  const events = await readJsonFile(values.events);
  if (!Array.isArray(events)) throw new UsageError(`${values.events}: expected a JSON array of EventBridge events`);
  if (values['dry-run']) return printDryRun(values.snapshot, events, values.json, io);
  const result = await simulate({ snapshotDir: values.snapshot, events, ...(values.ledger ? { ledgerDir: values.ledger } : {}) });
  if (values.json) {
    writeLine(io.stdout, JSON.stringify(result, null, 2));
  } else {
    for (const c of result.cases) {
      const counts = new Map<string, number>();
      for (const a of c.actions) counts.set(a.outcome, (counts.get(a.outcome) ?? 0) + 1);
      writeLine(
        io.stdout,
        `${c.caseId}  employee ${c.employeeId}  ${c.status.toUpperCase()}  ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}${c.error ? `  (${c.error})` : ''}`,
      );
    }
    writeLine(io.stdout);
    for (const k of result.keys) {
      writeLine(io.stdout, `${k.keyArn}  ${k.state}  rotations: ${k.rotations}${k.replacedBy ? `  → ${k.replacedBy}` : ''}`);
    }
    writeLine(io.stdout);
    writeLine(
      io.stdout,
      `AWS-equivalent calls: ${Object.entries(result.apiCalls)
        .map(([k, v]) => `${k}×${v}`)
        .join(', ')}`,
    );
    writeLine(io.stdout, `Ledger: ${result.ledger.entries} entries, ${result.ledger.verified ? 'verified' : 'VERIFICATION FAILED'}`);
  }
  return result.cases.some((c) => c.status === 'failed') ? 1 : 0;
}

/** `--dry-run`: the plan each event would produce against the snapshot; nothing runs, nothing is recorded. */
async function printDryRun(snapshotDir: string, events: readonly unknown[], json: boolean, io: CommandIo): Promise<number> {
  const snapshot = parseSnapshot(await readSnapshotDir(snapshotDir));
  const plans = events.map((raw, index) => {
    const parsed = parseTerminationEvent(raw);
    if (!parsed.ok) return { index, rejected: formatEventIssues(parsed.issues) };
    const reach = computeReach(snapshot, parsed.event.detail.employeeId);
    const plan = buildPlan({ snapshot, reach, event: parsed.event, now: new Date(), config: DEFAULT_PLAN_CONFIG });
    return { index, ...plan };
  });
  if (json) {
    writeLine(io.stdout, JSON.stringify({ dryRun: true, plans }, null, 2));
    return 0;
  }
  for (const plan of plans) {
    if ('rejected' in plan) {
      writeLine(io.stdout, `event ${plan.index}: rejected: ${plan.rejected}`);
      continue;
    }
    writeLine(
      io.stdout,
      `event ${plan.index}: ${plan.caseId} employee ${plan.employeeId}: ${plan.steps.length} steps (dry run: nothing changed)`,
    );
    for (const step of plan.steps) {
      writeLine(io.stdout, `  ${step.type.padEnd(26)} ${step.target}${step.notBefore ? `  (not before ${step.notBefore})` : ''}`);
    }
    for (const skipped of plan.skipped) writeLine(io.stdout, `  skipped ${skipped.target}: ${skipped.reason}`);
  }
  return 0;
}
