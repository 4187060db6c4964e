import { stat, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { LedgerQuery } from '../../lambda/adapters/aws/dynamodb-ledger.js';
import { DynamoDbLedger } from '../../lambda/adapters/aws/dynamodb-ledger.js';
import { KmsDigestSigner } from '../../lambda/adapters/aws/kms-digest-signer.js';
import { startDynalite } from '../../lambda/adapters/sandbox/dynalite.js';
import { loadLocalDigestSigner, openLocalDigestSigner } from '../../lambda/adapters/sandbox/local-digest-signer.js';
import { createDigest } from '../../lambda/core/ledger/digest.js';
import { LedgerError } from '../../lambda/core/ledger/errors.js';
import { buildCaseEvidence } from '../../lambda/core/ledger/evidence.js';
import { renderEvidenceReport } from '../../lambda/core/ledger/report.js';
import type { DigestSigner, LedgerEntry, LedgerFinding } from '../../lambda/core/ledger/types.js';
import type { VerificationReport } from '../../lambda/core/ledger/verify.js';
import { verifyLedger } from '../../lambda/core/ledger/verify.js';
import type { Clock } from '../../lambda/core/ports.js';

/** Output streams of a CLI command. */
export interface LedgerCommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** What tests replace. */
export interface LedgerCommandDeps {
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

const USAGE = `Usage:
  sever ledger query  (--case ID | --employee ID | --resource ARN | --since T [--until T]) [--json | --csv] WHERE
  sever ledger verify [--case ID] [--json] WHERE
  sever ledger report --case ID --out FILE.html WHERE
  sever ledger digest WHERE

WHERE is one of
  --table NAME        the ledger table on AWS (default credential chain; --region REGION to pick one)
  --local DIR         the sandbox ledger stored on disk in DIR

query     lists entries: of one case in seq order, or of an employee, a resource or a time
          window in time order. --since is inclusive, --until exclusive (default: now); both
          also narrow --employee and --resource. Times are ISO-8601 (2025-03-01 or
          2025-03-01T09:30:00Z). Output: one line per entry, or --json (array), or --csv.
verify    walks every case chain (or only --case) and every signed digest and prints each
          finding. Exit 1 when any check fails; ERR_UNDIGESTED is a warning only.
report    writes a self-contained HTML evidence report of one case. Exit 1 when the case's
          ledger record fails verification (the report is still written, saying so).
digest    writes the next signed digest now (normally a schedule does it).

  --digest-key KEY    with --table: the KMS key that signs digests (id, ARN or alias);
                      default $SEVER_DIGEST_KEY_ID. Signatures are checked with this key only.
  --page-size N       items per DynamoDB request while querying (default: up to 1 MB)
  -h, --help          show this help
`;

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

const OPTIONS = {
  table: { type: 'string' },
  local: { type: 'string' },
  region: { type: 'string' },
  'digest-key': { type: 'string' },
  case: { type: 'string' },
  employee: { type: 'string' },
  resource: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  out: { type: 'string' },
  'page-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

interface Backend {
  readonly ledger: DynamoDbLedger;
  /** The trusted digest key, for checking signatures. */
  verifier(): Promise<Pick<DigestSigner, 'verify'>>;
  /** The digest key, for signing. */
  signer(): Promise<DigestSigner>;
  close(): Promise<void>;
}

/** No trusted key: every digest signature fails, which is what an unverifiable digest is. */
const NO_TRUSTED_KEY: Pick<DigestSigner, 'verify'> = { verify: async () => false };

const openBackend = async (values: Values, clock: Clock, env: NodeJS.ProcessEnv): Promise<Backend> => {
  if (values.table !== undefined && values.local !== undefined) throw new UsageError('give either --table or --local, not both');
  if (values.table !== undefined) {
    const ledger = new DynamoDbLedger({
      tableName: values.table,
      clock,
      clientConfig: values.region === undefined ? {} : { region: values.region },
    });
    const keyId = values['digest-key'] ?? env.SEVER_DIGEST_KEY_ID;
    const kms = (): KmsDigestSigner => {
      if (keyId === undefined || keyId === '') {
        throw new UsageError('--digest-key KEY (or SEVER_DIGEST_KEY_ID) is required with --table to check or make digest signatures');
      }
      return new KmsDigestSigner({ keyId, clientConfig: values.region === undefined ? {} : { region: values.region } });
    };
    return { ledger, verifier: async () => kms(), signer: async () => kms(), close: async () => undefined };
  }
  if (values.local !== undefined) {
    const dir = values.local;
    // Opening a directory that is not there would create an empty ledger that verifies clean.
    const found = await stat(dir).catch(() => undefined);
    if (found === undefined || !found.isDirectory()) {
      throw new LedgerError('ERR_LEDGER_TABLE_NOT_FOUND', `There is no sandbox ledger in ${dir}: the directory does not exist.`);
    }
    const dynamo = await startDynalite({ dir });
    return {
      ledger: new DynamoDbLedger({ tableName: dynamo.tableName, client: dynamo.client, clock }),
      verifier: async () => (await loadLocalDigestSigner(dir)) ?? NO_TRUSTED_KEY,
      signer: () => openLocalDigestSigner(dir),
      close: () => dynamo.close(),
    };
  }
  throw new UsageError('say which ledger: --table NAME (AWS) or --local DIR (sandbox)');
};

const positiveInteger = (name: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${name} must be a positive integer, not ${JSON.stringify(raw)}`);
  return value;
};

const buildQuery = (values: Values, clock: Clock): LedgerQuery => {
  const selectors = [values.case, values.employee, values.resource].filter((v) => v !== undefined).length;
  if (selectors > 1) throw new UsageError('give one of --case, --employee, --resource');
  const bounds = {
    ...(values.since === undefined ? {} : { since: values.since }),
    ...(values.until === undefined ? {} : { until: values.until }),
  };
  if (values.case !== undefined) {
    if (values.since !== undefined || values.until !== undefined) throw new UsageError('--since/--until do not apply to --case');
    return { by: 'case', caseId: values.case };
  }
  if (values.employee !== undefined) return { by: 'employee', employeeId: values.employee, ...bounds };
  if (values.resource !== undefined) return { by: 'resource', resourceArn: values.resource, ...bounds };
  if (values.since !== undefined) return { by: 'window', since: values.since, until: values.until ?? clock.now().toISOString() };
  throw new UsageError('say what to query: --case ID, --employee ID, --resource ARN or --since T');
};

const CSV_COLUMNS = [
  'caseId',
  'seq',
  'at',
  'employeeId',
  'type',
  'resourceArn',
  'actorFunction',
  'actorRequestId',
  'data',
  'prevHash',
  'hash',
];

/**
 * One CSV cell (RFC 4180). Text that a spreadsheet would run as a formula gets a leading
 * apostrophe: ledger values come from HR systems and resource names an attacker may shape.
 */
const csvCell = (value: string | number | undefined): string => {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

const csvRow = (entry: LedgerEntry): string =>
  [
    entry.caseId,
    entry.seq,
    entry.at,
    entry.employeeId,
    entry.type,
    entry.resourceArn,
    entry.actor.function,
    entry.actor.requestId,
    JSON.stringify(entry.data),
    entry.prevHash,
    entry.hash,
  ]
    .map(csvCell)
    .join(',');

/** Keeps terminal output to one line per entry whatever the data holds (no control characters). */
const oneLine = (text: string): string => text.replace(/\p{Cc}/gu, ' ');

const textRow = (entry: LedgerEntry): string =>
  oneLine(
    `${entry.at}  ${entry.caseId} #${entry.seq}  ${entry.type}  employee=${entry.employeeId}${entry.resourceArn === undefined ? '' : `  ${entry.resourceArn}`}`,
  );

const runQuery = async (values: Values, backend: Backend, io: LedgerCommandIo, clock: Clock): Promise<number> => {
  if (values.json === true && values.csv === true) throw new UsageError('give --json or --csv, not both');
  const query = buildQuery(values, clock);
  const pageSize = positiveInteger('--page-size', values['page-size']);
  const options = pageSize === undefined ? {} : { pageSize };
  if (values.json === true) {
    io.stdout.write(`${JSON.stringify(await backend.ledger.queryAll(query, options), null, 2)}\n`);
    return EXIT_OK;
  }
  if (values.csv === true) io.stdout.write(`${CSV_COLUMNS.join(',')}\r\n`);
  let count = 0;
  for await (const entry of backend.ledger.query(query, options)) {
    io.stdout.write(values.csv === true ? `${csvRow(entry)}\r\n` : `${textRow(entry)}\n`);
    count += 1;
  }
  if (values.csv !== true) io.stderr.write(`${count} entr${count === 1 ? 'y' : 'ies'}\n`);
  return EXIT_OK;
};

const findingLine = (f: LedgerFinding): string => {
  const where = [
    f.caseId === undefined ? '' : `case=${f.caseId}`,
    f.seq === undefined ? '' : `seq=${f.seq}`,
    f.digestSeq === undefined ? '' : `digest=${f.digestSeq}`,
  ]
    .filter((w) => w !== '')
    .join(' ');
  return oneLine(`${f.severity === 'error' ? 'ERROR' : 'WARN '} ${f.code}${where === '' ? '' : ` ${where}`}: ${f.message}`);
};

const summaryLine = (report: VerificationReport): string => {
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  const counts = `${report.casesChecked} case(s), ${report.entriesChecked} entries, ${report.digestsChecked} digest(s) checked`;
  const digest =
    report.lastDigest === undefined ? 'no verified digest' : `last verified digest ${report.lastDigest.seq} at ${report.lastDigest.at}`;
  return report.ok
    ? `Ledger verified: no failures, ${warnings} warning(s); ${counts}; ${digest}.`
    : `Ledger verification FAILED: ${errors} failure(s), ${warnings} warning(s); ${counts}; ${digest}.`;
};

const runVerify = async (values: Values, backend: Backend, io: LedgerCommandIo): Promise<number> => {
  const caseIds = values.case === undefined ? undefined : [values.case];
  const verifier = await backend.verifier();
  const audit = await backend.ledger.readAudit(caseIds === undefined ? {} : { caseIds });
  const report = await verifyLedger(audit, { verifier, ...(caseIds === undefined ? {} : { caseIds }) });
  const empty = caseIds !== undefined && report.entriesChecked === 0 && report.findings.every((f) => f.caseId !== values.case);
  if (values.json === true) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const f of report.findings) io.stdout.write(`${findingLine(f)}\n`);
    io.stdout.write(`${summaryLine(report)}\n`);
  }
  if (empty) {
    io.stderr.write(`sever ledger verify: case ${oneLine(values.case as string)} has no entries and no digest mentions it.\n`);
    return EXIT_FAILED;
  }
  return report.ok ? EXIT_OK : EXIT_FAILED;
};

const runReport = async (values: Values, backend: Backend, io: LedgerCommandIo, clock: Clock): Promise<number> => {
  const caseId = values.case;
  const out = values.out;
  if (caseId === undefined) throw new UsageError('report needs --case ID');
  if (out === undefined) throw new UsageError('report needs --out FILE.html');
  const verifier = await backend.verifier();
  const audit = await backend.ledger.readAudit({ caseIds: [caseId] });
  const report = await verifyLedger(audit, { verifier, caseIds: [caseId] });
  const entries = audit.cases.find((c) => c.caseId === caseId)?.entries ?? [];
  if (entries.length === 0) {
    io.stderr.write(`sever ledger report: case ${oneLine(caseId)} has no readable entries.\n`);
    for (const f of report.findings) io.stderr.write(`${findingLine(f)}\n`);
    return EXIT_FAILED;
  }
  await writeFile(out, renderEvidenceReport(buildCaseEvidence(entries, report, clock.now())), { mode: 0o600 });
  io.stdout.write(`Wrote ${out}: ${entries.length} entries; ledger record ${report.ok ? 'intact' : 'FAILED verification'}.\n`);
  if (!report.ok) for (const f of report.findings) io.stderr.write(`${findingLine(f)}\n`);
  return report.ok ? EXIT_OK : EXIT_FAILED;
};

const runDigest = async (backend: Backend, io: LedgerCommandIo, clock: Clock): Promise<number> => {
  const digests = await createDigest({ store: backend.ledger, signer: await backend.signer(), clock });
  if (digests.length === 0) io.stdout.write('No case changed since the last digest; nothing written.\n');
  for (const d of digests) io.stdout.write(`Digest ${d.seq}: ${d.leafCount} case(s), root ${d.root}, signed by ${d.signature.keyId}.\n`);
  return EXIT_OK;
};

/**
 * `sever ledger`: query, verify, report on and digest the revocation ledger, on AWS
 * (`--table`) or in the sandbox (`--local`). Returns the process exit code: 0 success,
 * 1 verification failed or the ledger could not be read, 2 bad arguments.
 *
 * @example
 * ```ts
 * process.exitCode = await runLedger(['verify', '--table', 'sever-ledger', '--digest-key', 'alias/sever-digest'], process);
 * ```
 */
export async function runLedger(argv: string[], io: LedgerCommandIo, deps: LedgerCommandDeps = {}): Promise<number> {
  const clock = deps.clock ?? { now: () => new Date() };
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    io.stderr.write(`sever ledger: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const [command, ...extra] = positionals;
  if (values.help === true || command === undefined || command === 'help') {
    (command === undefined && values.help !== true ? io.stderr : io.stdout).write(USAGE);
    return command === undefined && values.help !== true ? EXIT_USAGE : EXIT_OK;
  }
  if (!['query', 'verify', 'report', 'digest'].includes(command) || extra.length > 0) {
    io.stderr.write(`sever ledger: unknown command ${JSON.stringify([command, ...extra].join(' '))}\n\n${USAGE}`);
    return EXIT_USAGE;
  }

  let backend: Backend | undefined;
  try {
    backend = await openBackend(values, clock, deps.env ?? process.env);
    switch (command) {
      case 'query':
        return await runQuery(values, backend, io, clock);
      case 'verify':
        return await runVerify(values, backend, io);
      case 'report':
        return await runReport(values, backend, io, clock);
      default:
        return await runDigest(backend, io, clock);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`sever ledger ${command}: ${error.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    if (error instanceof LedgerError) {
      io.stderr.write(`sever ledger ${command}: ${error.code}: ${error.message}\n`);
      return EXIT_FAILED;
    }
    io.stderr.write(`sever ledger ${command}: ${(error as Error).message ?? String(error)}\n`);
    return EXIT_FAILED;
  } finally {
    await backend?.close();
  }
}
