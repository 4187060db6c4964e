/**
 * Reach benchmark on the synthetic organisation (bench/synthetic-org.ts):
 *   npx tsx bench/reach.ts [--scale 1]
 * Prints the time to load (parse) the snapshot, one `computeReach` per sample employee (the first
 * one also builds the engine's indexes), and the whole `computeInventory`.
 */
import { performance } from 'node:perf_hooks';
import { computeInventory, computeReach, reachEngine } from '../lambda/core/reach/compute-reach.js';
import { parseSnapshot } from '../lambda/core/snapshot/parse.js';
import { generateSyntheticOrg } from './synthetic-org.js';

const argv = process.argv.slice(2);
const scale = argv.includes('--scale') ? Number(argv[argv.indexOf('--scale') + 1]) : 1;

const time = <T>(label: string, fn: () => T): T => {
  const start = performance.now();
  const result = fn();
  process.stdout.write(`${label.padEnd(44)} ${(performance.now() - start).toFixed(0).padStart(7)} ms\n`);
  return result;
};

const org = time('generate synthetic org', () =>
  generateSyntheticOrg({
    roles: Math.round(10_000 * scale),
    users: Math.round(2_000 * scale),
    policies: Math.round(50_000 * scale),
    signingMaterial: Math.round(5_000 * scale),
  }),
);
process.stdout.write(`${JSON.stringify(org.counts)}\n`);
const snapshot = time('load: parseSnapshot', () => parseSnapshot(org.files));
time('index: build reach engine', () => reachEngine(snapshot));
for (const [kind, employee] of Object.entries(org.sampleEmployees)) {
  const report = time(`plan: computeReach (${kind} ${employee})`, () => computeReach(snapshot, employee));
  const conditional = report.reach.filter((r) => r.conditional).length;
  process.stdout.write(
    `    ${report.reachablePrincipals.length} principals, ${new Set(report.reach.map((r) => r.resourceArn)).size} signing keys, ${report.reach.length} accesses (${conditional} conditional)\n`,
  );
}
const inventory = time('inventory: computeInventory (all humans)', () => computeInventory(snapshot));
const reaching = inventory.filter((e) => e.signingKeys > 0).length;
const admins = inventory.filter((e) => e.escalatesToAdmin).length;
process.stdout.write(`    ${inventory.length} human principals, ${reaching} reach signing material, ${admins} can escalate to admin; top: ${inventory[0]?.principalArn} (${inventory[0]?.signingKeys})\n`);
const memory = process.memoryUsage();
process.stdout.write(`heap used ${(memory.heapUsed / 1e6).toFixed(0)} MB, rss ${(memory.rss / 1e6).toFixed(0)} MB\n`);
