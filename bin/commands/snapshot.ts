import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AwsAdapterError } from '../../lambda/adapters/aws/errors.js';
import { type CollectedSnapshot, collectSnapshot } from '../../lambda/adapters/aws/snapshot-collector.js';
import { SnapshotError } from '../../lambda/core/snapshot/errors.js';
import type { AccountSnapshot } from '../../lambda/core/snapshot/model.js';
import { parseSnapshot, SNAPSHOT_FILES } from '../../lambda/core/snapshot/parse.js';

import type { CommandIo } from './io.js';

const USAGE = `Usage: sever snapshot --out DIR [--region REGION] [--profile PROFILE] [--max-attempts N] [--concurrency N]

Reads an account snapshot from AWS (IAM, KMS, Secrets Manager, SSM, Organizations) into DIR,
in the format of docs/snapshot-format.md. Reads metadata and policies only, never a secret value.

  --out DIR           directory to write the snapshot files into (created if missing)
  --region REGION     region of the KMS keys, secrets and parameters (default: AWS_REGION / profile)
  --profile PROFILE   shared-config profile to use (default: the SDK's default credential chain)
  --max-attempts N    attempts per AWS call under adaptive retry, first try included (default: 10)
  --concurrency N     per-key and per-user calls in flight at once (default: 8)
  -h, --help          show this help
`;

/** Exit codes: success, the snapshot could not be collected or is unusable, bad arguments. */
const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/**
 * `sever snapshot`: collects an account snapshot with the AWS SDK and writes it to `--out`.
 * Prints a summary to stdout and every warning to stderr; returns the process exit code
 * (0 written and parses, 1 AWS refused or the result does not parse, 2 bad arguments).
 *
 * @example
 * process.exitCode = await runSnapshot(['--out', './snap', '--region', 'eu-west-1'], process);
 */
export async function runSnapshot(argv: string[], io: CommandIo): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv);
  } catch (error) {
    io.stderr.write(`sever snapshot: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  const out = values.out;
  if (!out) {
    io.stderr.write(`sever snapshot: --out DIR is required\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  let maxAttempts: number | undefined;
  let concurrency: number | undefined;
  try {
    maxAttempts = positiveInteger('--max-attempts', values['max-attempts']);
    concurrency = positiveInteger('--concurrency', values.concurrency);
  } catch (error) {
    io.stderr.write(`sever snapshot: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }

  let collected: CollectedSnapshot;
  try {
    collected = await collectSnapshot(
      {},
      {
        ...(values.region ? { region: values.region } : {}),
        ...(values.profile ? { profile: values.profile } : {}),
        ...(maxAttempts ? { maxAttempts } : {}),
        ...(concurrency ? { concurrency } : {}),
      },
    );
  } catch (error) {
    if (!(error instanceof AwsAdapterError)) throw error;
    io.stderr.write(`sever snapshot: ${error.message} [${error.code}]\n`);
    if (error.code === 'ERR_AWS_THROTTLED') io.stderr.write('Raise --max-attempts or lower --concurrency and retry.\n');
    return EXIT_FAILED;
  }

  let removed: string[];
  try {
    removed = await writeSnapshot(out, collected);
  } catch (error) {
    io.stderr.write(`sever snapshot: cannot write the snapshot to ${out}: ${(error as Error).message}\n`);
    return EXIT_FAILED;
  }

  for (const warning of collected.warnings) io.stderr.write(`warning: ${warning}\n`);
  for (const name of removed) io.stderr.write(`warning: removed ${name} left in ${out} by an earlier snapshot.\n`);

  let snapshot: AccountSnapshot;
  try {
    snapshot = parseSnapshot(collected.files);
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    io.stderr.write(`sever snapshot: the snapshot was written to ${out} but cannot be analysed: ${error.message} [${error.code}]\n`);
    return EXIT_FAILED;
  }
  io.stdout.write(summary(out, snapshot, collected));
  return EXIT_OK;
}

/** Writes the files; returns the names of stale snapshot files it removed. */
async function writeSnapshot(out: string, collected: CollectedSnapshot): Promise<string[]> {
  await mkdir(out, { recursive: true });
  for (const [name, text] of Object.entries(collected.files)) {
    await writeFile(join(out, name), text, 'utf8');
  }
  // A file this run did not produce (organization.json) must not survive from an older
  // snapshot in the same directory, or its stale policies would be analysed as current.
  const removed: string[] = [];
  for (const name of Object.values(SNAPSHOT_FILES)) {
    if (collected.files[name] !== undefined) continue;
    const path = join(out, name);
    if (await exists(path)) {
      await rm(path);
      removed.push(name);
    }
  }
  return removed;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      out: { type: 'string', short: 'o' },
      region: { type: 'string' },
      profile: { type: 'string' },
      'max-attempts': { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new Error(`${flag} must be a positive integer, got "${value}"`);
  }
  return n;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function summary(out: string, snapshot: AccountSnapshot, collected: CollectedSnapshot): string {
  const c = collected.counts;
  const { accountId, partition, region } = snapshot.account;
  const organization =
    c.serviceControlPolicyLevels === undefined
      ? 'not collected'
      : `${c.serviceControlPolicyLevels} SCP level(s), ${c.resourceControlPolicyLevels ?? 0} RCP level(s)`;
  const lines = [
    `Snapshot of account ${accountId} (${partition}, ${region}) written to ${out}`,
    `  IAM:             ${c.users} users, ${c.groups} groups, ${c.roles} roles, ${c.managedPolicies} managed policies`,
    `  KMS:             ${c.kmsKeys} keys (${c.customerManagedKeys} customer-managed)`,
    `  Secrets Manager: ${c.secrets} secrets`,
    `  SSM:             ${c.parameters} parameters`,
    `  Credentials:     ${c.credentialUsers} users`,
    `  Organization:    ${organization}`,
  ];
  if (snapshot.missingPolicyArns.length > 0) {
    lines.push(`  Attached policies not in the snapshot: ${snapshot.missingPolicyArns.length} (reach through them is unknown)`);
  }
  if (collected.warnings.length > 0) lines.push(`  Warnings:        ${collected.warnings.length} (see stderr)`);
  return `${lines.join('\n')}\n`;
}
