#!/usr/bin/env -S npx tsx
import { SnapshotError } from '../lambda/core/snapshot/errors.js';
import { runDemo } from './commands/demo.js';
import { type CommandIo, UsageError, writeLine } from './commands/io.js';
import { runLedger } from './commands/ledger.js';
import { runInventory, runPlan } from './commands/plan.js';
import { runSimulate } from './commands/simulate.js';
import { runSnapshot } from './commands/snapshot.js';

const USAGE = `sever — cut a departing engineer's reach to every signing key

Usage: npm run sever -- <command> [options]

  demo       [--ledger DIR]                                  one termination, end to end, in the embedded sandbox
  plan       --snapshot DIR --employee ID [--json]           what the engineer could reach, why, and what Sever would do
  inventory  --snapshot DIR [--json]                         signing keys each human principal can reach today
  simulate   --snapshot DIR --events FILE [--ledger DIR] [--json] [--dry-run]
                                                             run HR events through the whole pipeline in the sandbox
  snapshot   --out DIR [--region R] [--profile P]            collect an account snapshot from AWS
  ledger     query | verify | report …                       audit the ledger (--table NAME on AWS, --local DIR in the sandbox)
`;

const COMMANDS: Record<string, (argv: string[], io: CommandIo) => Promise<number>> = {
  demo: runDemo,
  plan: runPlan,
  inventory: runInventory,
  simulate: runSimulate,
  snapshot: runSnapshot,
  ledger: runLedger,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const io: CommandIo = { stdout: process.stdout, stderr: process.stderr };
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    writeLine(name && name !== '--help' ? io.stderr : io.stdout, USAGE);
    return name && name !== '--help' ? 2 : 0;
  }
  try {
    return await command(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      writeLine(io.stderr, `sever ${name}: ${(error as Error).message}`);
      return 2;
    }
    if (error instanceof SnapshotError) {
      writeLine(io.stderr, `sever ${name}: snapshot ${error.code}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
