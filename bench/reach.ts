/**
 * Reach benchmark on the synthetic organisation (bench/synthetic-org.ts):
 *
 *   npx tsx bench/reach.ts [--scale 1] [--first KIND] [--check] [--key-taggers]
 *
 * Prints, in wall-clock and CPU milliseconds:
 * - load: `parseSnapshot` of the generated snapshot files;
 * - index: building the reach engine (principal directory, ARN indexes, signing material);
 * - plan (cold): `computeReach` of each sample employee on a fresh engine (built first, timed
 *   apart), which also computes (once, lazily) the edges and accesses of every principal the walk
 *   reaches. The admin sample goes last unless `--first KIND` names the sample to plan first: the
 *   first plan of a process also pays for compiling the walk's code, as `sever plan` does;
 * - prepare: `prepareReach`, computing every principal's edges up front;
 * - plan (prepared): `computeReach` of each sample employee on the prepared engine;
 * - inventory: `computeInventory` over every human principal, in a fresh engine.
 * `--check` also recomputes every principal's counts with `computeReach` and compares; `--key-taggers`
 * generates the organisation with key taggers (see bench/synthetic-org.ts).
 */
import { performance } from 'node:perf_hooks';
import { computeInventory, computeReach, prepareReach, reachEngine } from '../lambda/core/reach/compute-reach.js';
import { parseSnapshot } from '../lambda/core/snapshot/parse.js';
import { generateSyntheticOrg } from './synthetic-org.js';

const argv = process.argv.slice(2);
const scale = argv.includes('--scale') ? Number(argv[argv.indexOf('--scale') + 1]) : 1;
const check = argv.includes('--check');
const first = argv.includes('--first') ? argv[argv.indexOf('--first') + 1] : 'none';
const keyTaggers = argv.includes('--key-taggers');

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function time<T>(label: string, fn: () => T): T {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = fn();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  out(`${label.padEnd(46)} wall ${wall.toFixed(0).padStart(6)} ms   cpu ${((used.user + used.system) / 1000).toFixed(0).padStart(6)} ms`);
  return result;
}

const org = time('generate synthetic org', () =>
  generateSyntheticOrg({
    roles: Math.round(10_000 * scale),
    users: Math.round(2_000 * scale),
    policies: Math.round(50_000 * scale),
    signingMaterial: Math.round(5_000 * scale),
    keyTaggers,
  }),
);
const c = org.counts;
out(
  `  ${c.roles} roles, ${c.users} users, ${c.groups} groups, ${c.managedPolicies + c.inlinePolicies} policies (${c.managedPolicies} managed, ${c.inlinePolicies} inline), ` +
    `${c.kmsSigningKeys + c.signingSecrets + c.signingParameters} signing material (${c.kmsSigningKeys} KMS, ${c.signingSecrets} secrets, ${c.signingParameters} parameters)`,
);

const snapshot = time('load: parseSnapshot', () => parseSnapshot(org.files));
time('index: build reach engine', () => reachEngine(snapshot));

// Cold plans: each on its own fresh engine (a shallow copy of the snapshot gets a new engine, built
// and timed apart, as loading does), so each computes lazily the edges of every principal its walk
// reaches. Per-document compilation caches are shared with the first engine above.
const rank = (kind: string): number => (kind === first ? -1 : kind === 'admin' ? 1 : 0);
const samples = Object.entries(org.sampleEmployees).sort(([a], [b]) => rank(a) - rank(b));
if (first !== 'none' && !samples.some(([kind]) => kind === first)) {
  throw new Error(`--first ${first}: no such sample (${samples.map(([kind]) => kind).join(', ')})`);
}
for (const [kind, employee] of samples) {
  const copy = { ...snapshot };
  time('  index: fresh engine for the next plan', () => reachEngine(copy));
  const report = time(`plan (cold, fresh engine): ${kind} ${employee}`, () => computeReach(copy, employee));
  const keys = new Set(report.reach.map((r) => r.resourceArn)).size;
  const conditional = report.reach.filter((r) => r.conditional).length;
  out(
    `  ${report.reachablePrincipals.length} principals, ${keys} signing keys, ${report.reach.length} accesses (${conditional} conditional)`,
  );
}
time('prepare: prepareReach (every principal)', () => prepareReach(snapshot));
for (const [kind, employee] of samples) {
  time(`plan (prepared engine): ${kind} ${employee}`, () => computeReach(snapshot, employee));
}

// A fresh snapshot object: the inventory builds its own engine and shares nothing with the plans above.
const fresh = parseSnapshot(org.files);
const inventory = time('inventory: computeInventory (fresh engine)', () => computeInventory(fresh));
const reaching = inventory.filter((e) => e.signingKeys > 0).length;
const admins = inventory.filter((e) => e.escalatesToAdmin).length;
out(`  ${inventory.length} human principals, ${reaching} reach signing material, ${admins} can escalate to admin-equivalent`);
out(
  `  largest: ${inventory[0]?.principalArn} (${inventory[0]?.signingKeys}); smallest: ${inventory.at(-1)?.principalArn} (${inventory.at(-1)?.signingKeys})`,
);

if (check) {
  let mismatches = 0;
  time('check: computeReach for every employee', () => {
    for (const e of inventory) {
      const r = computeReach(fresh, e.employeeId);
      const total = new Set(r.reach.map((x) => x.resourceArn)).size;
      const free = new Set(r.reach.filter((x) => !x.conditional).map((x) => x.resourceArn)).size;
      if (total !== e.signingKeys || free !== e.unconditionalSigningKeys || r.reachablePrincipals.length !== e.reachablePrincipals)
        mismatches++;
    }
  });
  out(`  ${mismatches} mismatches between inventory and plans`);
  if (mismatches > 0) process.exitCode = 1;
}
const memory = process.memoryUsage();
out(
  `heap used ${(memory.heapUsed / 1e6).toFixed(0)} MB, rss ${(memory.rss / 1e6).toFixed(0)} MB, node ${process.version}, load average ${(
    await import('node:os')
  )
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
