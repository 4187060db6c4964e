import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LedgerError } from '../../core/ledger/errors.js';
import { LEDGER_TABLE, ledgerCreateTableInput } from '../aws/ledger-table.js';

/**
 * The sandbox's DynamoDB: dynalite in this process, on a free loopback port, holding the
 * ledger table built from the same schema constant as the deployed table.
 */

export interface StartDynaliteOptions {
  /**
   * Directory of the LevelDB store, created if absent; the data outlives the process.
   * In memory when absent. Only one process may open a directory at a time (a lock file
   * in the directory enforces it).
   */
  readonly dir?: string;
  /** @default LEDGER_TABLE.sandboxTableName ('sever-ledger') */
  readonly tableName?: string;
}

export interface RunningDynalite {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** A client for that endpoint with dummy credentials; closed by `close()`. */
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Stops the server, flushes and closes the store, and destroys the client. */
  close(): Promise<void>;
}

const keysOf = (schema: TableDescription['KeySchema']): string =>
  (schema ?? []).map((k) => `${k.AttributeName ?? ''}:${k.KeyType ?? ''}`).join(',');

/** Fails when an existing table's keys or indexes differ from the ledger schema. */
const assertSchema = (table: TableDescription, tableName: string): void => {
  const expected = ledgerCreateTableInput(tableName);
  const problems: string[] = [];
  if (keysOf(table.KeySchema) !== keysOf(expected.KeySchema)) problems.push(`keys are ${keysOf(table.KeySchema)}`);
  const actual = new Map((table.GlobalSecondaryIndexes ?? []).map((gsi) => [gsi.IndexName ?? '', keysOf(gsi.KeySchema)]));
  for (const gsi of expected.GlobalSecondaryIndexes ?? []) {
    const found = actual.get(gsi.IndexName ?? '');
    if (found === undefined) problems.push(`index ${gsi.IndexName} is missing`);
    else if (found !== keysOf(gsi.KeySchema)) problems.push(`index ${gsi.IndexName} has keys ${found}`);
  }
  if (problems.length > 0) {
    throw new LedgerError('ERR_LEDGER_TABLE_MISMATCH', `Table ${tableName} is not a ledger table: ${problems.join('; ')}.`);
  }
};

/**
 * Creates the ledger table unless it exists, and checks an existing one against the schema.
 *
 * @throws {LedgerError} `ERR_LEDGER_TABLE_MISMATCH` when the existing table differs.
 */
export const ensureLedgerTable = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table !== undefined) assertSchema(Table, tableName);
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  try {
    await client.send(new CreateTableCommand(ledgerCreateTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { TableName: tableName });
};

const LOCK_FILE = 'sever-dynalite.lock';

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes the store directory for this process. LevelDB locks its directory too, but dynalite
 * opens the store lazily and throws the lock failure from a request callback, where nobody
 * can catch it; this lock fails early, with a message that says who holds the directory.
 */
const lockStore = async (dir: string): Promise<() => Promise<void>> => {
  const lockPath = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => unlink(lockPath).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (Number.isSafeInteger(holder) && processAlive(holder)) {
        throw new LedgerError(
          'ERR_LEDGER_UNAVAILABLE',
          `The sandbox ledger store ${dir} is open in process ${holder}${holder === process.pid ? ' (this one)' : ''}; close it there first.`,
        );
      }
      // The holder is gone without cleaning up: the lock is stale.
      await unlink(lockPath).catch(() => undefined);
    }
  }
  throw new LedgerError('ERR_LEDGER_UNAVAILABLE', `Could not lock the sandbox ledger store ${dir} (${lockPath}).`);
};

/**
 * Starts dynalite on 127.0.0.1 and a free port and makes sure the ledger table exists.
 *
 * @throws {LedgerError} `ERR_LEDGER_UNAVAILABLE` when another process has the directory open;
 *   `ERR_LEDGER_TABLE_MISMATCH` when the directory holds a table of that name with another schema.
 *
 * @example
 * ```ts
 * const dynamo = await startDynalite({ dir: '.sever/ledger' });
 * try {
 *   const ledger = new DynamoDbLedger({ tableName: dynamo.tableName, client: dynamo.client });
 *   await ledger.append(input);
 * } finally {
 *   await dynamo.close();
 * }
 * ```
 */
export const startDynalite = async (options: StartDynaliteOptions = {}): Promise<RunningDynalite> => {
  const tableName = options.tableName ?? LEDGER_TABLE.sandboxTableName;
  let unlock = async (): Promise<void> => undefined;
  if (options.dir !== undefined) {
    await mkdir(options.dir, { recursive: true });
    unlock = await lockStore(options.dir);
  }
  const server = dynalite({
    ...(options.dir === undefined ? {} : { path: options.dir }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await unlock();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  const close = async (): Promise<void> => {
    client.destroy();
    try {
      await new Promise<void>((resolve, reject) => server.close((error?: Error) => (error ? reject(error) : resolve())));
    } finally {
      await unlock();
    }
  };
  try {
    await ensureLedgerTable(client, tableName);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { endpoint, client, tableName, close };
};
