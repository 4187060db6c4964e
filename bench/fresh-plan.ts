/**
 * One plan as `sever plan` runs it, timed in its parts: read a snapshot directory, parse it, build
 * the reach engine, then `computeReach` for one employee, in a process that has run no plan before
 * (so the plan also pays for compiling the walk's code). Run it several times: each run is one
 * fresh process.
 *
 *   npx tsx bench/synthetic-org.ts --out /tmp/synthetic-org
 *   npx tsx bench/fresh-plan.ts --snapshot /tmp/synthetic-org --employee E-00000
 *
 * Prints wall-clock milliseconds: `load` (read and `parseSnapshot`), `index` (build the engine)
 * and `plan` (`computeReach` on that engine).
 */

import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { readSnapshotDir } from '../bin/commands/io.js';
import { computeReach, reachEngine } from '../lambda/core/reach/compute-reach.js';
import { parseSnapshot } from '../lambda/core/snapshot/parse.js';

const { values } = parseArgs({ options: { snapshot: { type: 'string' }, employee: { type: 'string' } } });
if (values.snapshot === undefined || values.employee === undefined) {
  process.stderr.write('usage: npx tsx bench/fresh-plan.ts --snapshot DIR --employee ID\n');
  process.exit(2);
}
const start = performance.now();
const snapshot = parseSnapshot(await readSnapshotDir(values.snapshot));
const loaded = performance.now();
reachEngine(snapshot);
const indexed = performance.now();
const report = computeReach(snapshot, values.employee);
const planned = performance.now();
const ms = (a: number, b: number): string => (b - a).toFixed(0);
process.stdout.write(
  `load ${ms(start, loaded)} index ${ms(loaded, indexed)} plan ${ms(indexed, planned)}  (${report.reachablePrincipals.length} principals, ${report.reach.length} accesses)\n`,
);
