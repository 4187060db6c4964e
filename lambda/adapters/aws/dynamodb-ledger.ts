import type { AttributeValue, DynamoDBClientConfig, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient, PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { canonicalJson } from '../../core/ledger/canonical.js';
import { FIRST_SEQ, GENESIS_HASH, sealEntry, sha256Hex } from '../../core/ledger/chain.js';
import type { DigestStore } from '../../core/ledger/digest.js';
import { LedgerError } from '../../core/ledger/errors.js';
import type { Digest, LedgerEntry, LedgerEntryInput, LedgerEntryType } from '../../core/ledger/types.js';
import type { AuditCase, LedgerAudit, MalformedItem } from '../../core/ledger/verify.js';
import type { Clock, Ledger } from '../../core/ports.js';
import type { LedgerIndexName } from './ledger-table.js';
import { LEDGER_TABLE } from './ledger-table.js';

/**
 * The ledger on DynamoDB (schema in `ledger-table.ts`, format in docs/ledger-format.md).
 *
 * Appends are single conditional PutItems (`attribute_not_exists(pk)`) at the next seq of a
 * case. Two writers that read the same head race for the same key; exactly one wins, the
 * other gets ConditionalCheckFailedException, re-reads the head and tries the next seq, a
 * bounded number of times. No transactions are needed, so the sandbox (dynalite, which has
 * none) runs the same code.
 *
 * Items are (un)marshalled here rather than by lib-dynamodb so that reading for an audit
 * never fails on what a tamperer wrote (an unsafe integer, a set): such an item is reported
 * as malformed instead.
 */

export interface DynamoDbLedgerOptions {
  readonly tableName: string;
  /** @default new DynamoDBClient(clientConfig) */
  readonly client?: DynamoDBClient;
  readonly clientConfig?: DynamoDBClientConfig;
  /** Stamps `at` of entries and bounds time queries. @default the system clock */
  readonly clock?: Clock;
  /**
   * Attempts of one append while other writers take the seq it aimed at.
   * @default 30
   */
  readonly maxAppendAttempts?: number;
  /**
   * Base of the exponential, fully jittered back-off between append attempts, capped at 64×.
   * @default 5
   */
  readonly retryBaseDelayMs?: number;
  /**
   * Longest time window `query({ by: 'window' })` accepts, in days (one Query per day).
   * @default 366
   */
  readonly maxWindowDays?: number;
}

/** What to list. Time bounds are ISO-8601; `since` is inclusive, `until` exclusive. */
export type LedgerQuery =
  | { readonly by: 'case'; readonly caseId: string }
  | { readonly by: 'employee'; readonly employeeId: string; readonly since?: string; readonly until?: string }
  | { readonly by: 'resource'; readonly resourceArn: string; readonly since?: string; readonly until?: string }
  | { readonly by: 'window'; readonly since: string; readonly until: string };

export interface LedgerPage {
  readonly entries: LedgerEntry[];
  /** Pass to the next `queryPage` call; absent on the last page. Opaque and bound to its query. */
  readonly cursor?: string;
}

export interface PageOptions {
  /** Items per DynamoDB request (its `Limit`). Default: as many as fit in 1 MB. */
  readonly pageSize?: number;
}

type Item = Record<string, AttributeValue>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const systemClock: Clock = { now: () => new Date() };
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------
// Marshalling

const toAttribute = (value: unknown): AttributeValue => {
  if (value === null) return { NULL: true };
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'number':
      return { N: String(value) };
    case 'boolean':
      return { BOOL: value };
    case 'object':
      if (Array.isArray(value)) return { L: value.map(toAttribute) };
      return {
        M: Object.fromEntries(
          Object.entries(value as Record<string, unknown>)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, toAttribute(v)]),
        ),
      };
    default:
      // Unreachable for sealed entries: canonical encoding refused anything else.
      throw new LedgerError('ERR_LEDGER_INVALID_INPUT', `Cannot store a ${typeof value} in the ledger.`);
  }
};

/** Converts an attribute to JSON; sets and binaries are not JSON, so the item is malformed. */
const fromAttribute = (value: AttributeValue, path: string): Json => {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map((v, i) => fromAttribute(v, `${path}[${i}]`));
  if (value.M !== undefined) {
    return Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, fromAttribute(v, `${path}.${k}`)]));
  }
  throw new Error(`${path} has a type JSON cannot hold`);
};

const str = (item: Item, name: string): string => {
  const value = item[name]?.S;
  if (value === undefined) throw new Error(`${name} is not a string`);
  return value;
};

const num = (item: Item, name: string): number => {
  const raw = item[name]?.N;
  const value = raw === undefined ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} is not a number`);
  return value;
};

const map = (item: Item, name: string): Item => {
  const value = item[name]?.M;
  if (value === undefined) throw new Error(`${name} is not a map`);
  return value;
};

/** Reads an entry item; throws (plain Error naming the attribute) when the item is not one. */
export const itemToEntry = (item: Item): LedgerEntry => {
  const actor = map(item, 'actor');
  const resourceArn = item.resourceArn === undefined ? undefined : str(item, 'resourceArn');
  return {
    caseId: str(item, 'caseId'),
    seq: num(item, 'seq'),
    at: str(item, 'at'),
    employeeId: str(item, 'employeeId'),
    type: str(item, 'type') as LedgerEntryType,
    ...(resourceArn === undefined ? {} : { resourceArn }),
    actor: { function: str(actor, 'function'), requestId: str(actor, 'requestId') },
    data: fromAttribute({ M: map(item, 'data') }, 'data') as Record<string, unknown>,
    prevHash: str(item, 'prevHash'),
    hash: str(item, 'hash'),
  };
};

/** The item of an entry: keys, the hashed attributes, and the derived `day`. */
export const entryToItem = (entry: LedgerEntry): Item => ({
  [LEDGER_TABLE.partitionKey.name]: { S: `${LEDGER_TABLE.casePartitionPrefix}${entry.caseId}` },
  [LEDGER_TABLE.sortKey.name]: { N: String(entry.seq) },
  caseId: { S: entry.caseId },
  seq: { N: String(entry.seq) },
  at: { S: entry.at },
  // Derived, not hashed: the by-day index key.
  day: { S: entry.at.slice(0, 10) },
  employeeId: { S: entry.employeeId },
  type: { S: entry.type },
  ...(entry.resourceArn === undefined ? {} : { resourceArn: { S: entry.resourceArn } }),
  actor: { M: { function: { S: entry.actor.function }, requestId: { S: entry.actor.requestId } } },
  data: toAttribute(entry.data),
  prevHash: { S: entry.prevHash },
  hash: { S: entry.hash },
});

/** Reads a digest item; throws (plain Error naming the attribute) when the item is not one. */
export const itemToDigest = (item: Item): Digest => {
  const leaves = item.leaves?.L;
  if (leaves === undefined) throw new Error('leaves is not a list');
  const version = num(item, 'version');
  if (version !== 1) throw new Error(`version ${version} is unknown`);
  const algorithm = str(item, 'algorithm');
  if (algorithm !== 'ECDSA_SHA_256') throw new Error(`algorithm ${algorithm} is unknown`);
  return {
    version,
    seq: num(item, 'seq'),
    at: str(item, 'at'),
    prevHash: str(item, 'prevHash'),
    root: str(item, 'root'),
    leafCount: num(item, 'leafCount'),
    leaves: leaves.map((leaf, index) => {
      const m = leaf.M;
      if (m === undefined) throw new Error(`leaves[${index}] is not a map`);
      return { caseId: str(m, 'caseId'), headSeq: num(m, 'headSeq'), headHash: str(m, 'headHash') };
    }),
    hash: str(item, 'hash'),
    signature: { keyId: str(item, 'keyId'), signature: str(item, 'signature'), algorithm },
  };
};

/** The item of a digest. */
export const digestToItem = (digest: Digest): Item => ({
  [LEDGER_TABLE.partitionKey.name]: { S: LEDGER_TABLE.digestPartition },
  [LEDGER_TABLE.sortKey.name]: { N: String(digest.seq) },
  version: { N: String(digest.version) },
  seq: { N: String(digest.seq) },
  at: { S: digest.at },
  prevHash: { S: digest.prevHash },
  root: { S: digest.root },
  leafCount: { N: String(digest.leafCount) },
  leaves: {
    L: digest.leaves.map((leaf) => ({
      M: { caseId: { S: leaf.caseId }, headSeq: { N: String(leaf.headSeq) }, headHash: { S: leaf.headHash } },
    })),
  },
  hash: { S: digest.hash },
  keyId: { S: digest.signature.keyId },
  signature: { S: digest.signature.signature },
  algorithm: { S: digest.signature.algorithm },
});

const sortKeyOf = (item: Item): number => Number(item[LEDGER_TABLE.sortKey.name]?.N);

const describeKey = (item: Item): string =>
  `${item[LEDGER_TABLE.partitionKey.name]?.S ?? '?'}/${item[LEDGER_TABLE.sortKey.name]?.N ?? '?'}`;

const parseStrict = <T>(item: Item, parse: (item: Item) => T, tableName: string): T => {
  try {
    return parse(item);
  } catch (error) {
    throw new LedgerError(
      'ERR_LEDGER_CORRUPT_ITEM',
      `Item ${describeKey(item)} in table ${tableName} is malformed: ${(error as Error).message}. Run \`sever ledger verify\`.`,
    );
  }
};

// ---------------------------------------------------------------------------------------
// Errors

const errorName = (error: unknown): string => (error as { name?: string } | null)?.name ?? '';
const errorCode = (error: unknown): string => (error as { code?: string } | null)?.code ?? '';

const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
]);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
const DENIED = new Set(['AccessDeniedException', 'UnrecognizedClientException', 'ExpiredTokenException', 'CredentialsProviderError']);

/** Translates an SDK error into a LedgerError; anything not recognised is returned unchanged. */
const translate = (error: unknown, tableName: string, operation: string): unknown => {
  const name = errorName(error);
  const detail = (error as Error | null)?.message ?? String(error);
  const where = `${operation} on ledger table ${tableName}`;
  if (name === 'ResourceNotFoundException') {
    return new LedgerError('ERR_LEDGER_TABLE_NOT_FOUND', `${where} failed: the table does not exist (${detail}).`, { cause: error });
  }
  if (DENIED.has(name)) {
    return new LedgerError('ERR_LEDGER_ACCESS_DENIED', `${where} was denied: ${detail}`, { cause: error });
  }
  if (UNAVAILABLE.has(name) || NETWORK.has(errorCode(error))) {
    return new LedgerError('ERR_LEDGER_UNAVAILABLE', `${where} failed, retry later: ${detail}`, { cause: error });
  }
  if (name === 'ValidationException') {
    return new LedgerError('ERR_LEDGER_INVALID_INPUT', `${where} was rejected: ${detail}`, { cause: error });
  }
  return error;
};

// ---------------------------------------------------------------------------------------
// Time and cursors

const parseTime = (value: string, name: string): string => {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new LedgerError('ERR_LEDGER_INVALID_QUERY', `${name} ${JSON.stringify(value)} is not an ISO-8601 time.`);
  return new Date(ms).toISOString();
};

const minusOneMs = (iso: string): string => new Date(Date.parse(iso) - 1).toISOString();

const daysBetween = (from: string, to: string): string[] => {
  const days: string[] = [];
  for (let t = Date.parse(`${from.slice(0, 10)}T00:00:00.000Z`); t <= Date.parse(to); t += DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
};

interface Cursor {
  readonly v: 1;
  /** Fingerprint of the query the cursor belongs to. */
  readonly q: string;
  /** Index into the day list of a window query. */
  readonly d?: number;
  readonly k?: Item;
}

const CURSOR_KEY_ATTRIBUTES = new Set<string>([
  LEDGER_TABLE.partitionKey.name,
  LEDGER_TABLE.sortKey.name,
  ...LEDGER_TABLE.globalSecondaryIndexes.flatMap((gsi) => [gsi.partitionKey.name, gsi.sortKey.name]),
]);

const fingerprint = (query: LedgerQuery): string => sha256Hex(new TextEncoder().encode(canonicalJson(query))).slice(0, 16);

const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** Decodes a cursor, accepting only key attributes of the ledger as plain S/N values. */
const decodeCursor = (raw: string, query: LedgerQuery): Cursor => {
  const bad = (why: string): LedgerError => new LedgerError('ERR_LEDGER_INVALID_QUERY', `The page cursor is invalid: ${why}.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad('not a cursor this ledger issued');
  }
  const cursor = parsed as Partial<Cursor> | null;
  if (typeof cursor !== 'object' || cursor === null || cursor.v !== 1) throw bad('not a cursor this ledger issued');
  if (cursor.q !== fingerprint(query)) throw bad('it belongs to a different query');
  if (cursor.d !== undefined && !(Number.isSafeInteger(cursor.d) && cursor.d >= 0))
    throw bad('its day index is not a non-negative integer');
  if (cursor.k !== undefined) {
    if (typeof cursor.k !== 'object' || cursor.k === null) throw bad('its key is not an object');
    for (const [name, value] of Object.entries(cursor.k)) {
      const ok =
        CURSOR_KEY_ATTRIBUTES.has(name) &&
        typeof value === 'object' &&
        value !== null &&
        Object.keys(value).length === 1 &&
        (typeof (value as { S?: unknown }).S === 'string' || typeof (value as { N?: unknown }).N === 'string');
      if (!ok) throw bad(`its key attribute ${name} is not a ledger key`);
    }
  }
  return cursor as Cursor;
};

// ---------------------------------------------------------------------------------------

const validateInput = (input: LedgerEntryInput): void => {
  const nonEmpty = (value: unknown, name: string): void => {
    if (typeof value !== 'string' || value.length === 0) {
      throw new LedgerError('ERR_LEDGER_INVALID_INPUT', `Entry ${name} must be a non-empty string (it keys the table or an index).`);
    }
  };
  nonEmpty(input.caseId, 'caseId');
  nonEmpty(input.employeeId, 'employeeId');
  if (input.resourceArn !== undefined) nonEmpty(input.resourceArn, 'resourceArn');
  nonEmpty(input.type, 'type');
  if (typeof input.actor?.function !== 'string' || typeof input.actor?.requestId !== 'string') {
    throw new LedgerError('ERR_LEDGER_INVALID_INPUT', 'Entry actor must have string function and requestId.');
  }
  if (typeof input.data !== 'object' || input.data === null || Array.isArray(input.data)) {
    throw new LedgerError('ERR_LEDGER_INVALID_INPUT', 'Entry data must be a JSON object.');
  }
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The ledger table: appends, reads, indexed queries, the digest chain and audit reads.
 *
 * @example
 * ```ts
 * const ledger = new DynamoDbLedger({ tableName: process.env.LEDGER_TABLE! });
 * const entry = await ledger.append({
 *   caseId, employeeId, type: 'case-opened', actor: { function: 'ingest', requestId }, data: { event, receivedAt },
 * });
 * for await (const e of ledger.query({ by: 'employee', employeeId })) console.log(e.seq, e.type);
 * ```
 */
export class DynamoDbLedger implements Ledger, DigestStore {
  readonly tableName: string;
  readonly #client: DynamoDBClient;
  readonly #clock: Clock;
  readonly #maxAppendAttempts: number;
  readonly #retryBaseDelayMs: number;
  readonly #maxWindowDays: number;
  /** Last entry this instance appended, per case. */
  readonly #heads = new Map<string, LedgerEntry>();

  constructor(options: DynamoDbLedgerOptions) {
    this.tableName = options.tableName;
    this.#client = options.client ?? new DynamoDBClient(options.clientConfig ?? {});
    this.#clock = options.clock ?? systemClock;
    this.#maxAppendAttempts = options.maxAppendAttempts ?? 30;
    this.#retryBaseDelayMs = options.retryBaseDelayMs ?? 5;
    this.#maxWindowDays = options.maxWindowDays ?? 366;
  }

  async #send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translate(error, this.tableName, operation);
    }
  }

  #casePk(caseId: string): AttributeValue {
    return { S: `${LEDGER_TABLE.casePartitionPrefix}${caseId}` };
  }

  /** Every item of one partition in sort-key order, following LastEvaluatedKey. */
  async #readPartition(pk: AttributeValue): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.#send('Query', () =>
        this.#client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': LEDGER_TABLE.partitionKey.name },
            ExpressionAttributeValues: { ':pk': pk },
            ConsistentRead: true,
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return items.sort((a, b) => sortKeyOf(a) - sortKeyOf(b));
  }

  async #lastItem(pk: AttributeValue): Promise<Item | undefined> {
    const page = await this.#send('Query', () =>
      this.#client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': LEDGER_TABLE.partitionKey.name },
          ExpressionAttributeValues: { ':pk': pk },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    return page.Items?.[0];
  }

  /** PutItem that never overwrites; false when the key is taken. */
  async #putNew(item: Item): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': LEDGER_TABLE.partitionKey.name },
        }),
      );
      return true;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return false;
      throw translate(error, this.tableName, 'PutItem');
    }
  }

  /**
   * Appends an entry at the end of its case: seq = head + 1, prevHash = head's hash.
   *
   * @throws {LedgerError} `ERR_LEDGER_INVALID_INPUT` (bad input or data that is not canonical JSON),
   *   `ERR_LEDGER_CONFLICT` (other writers kept winning), `ERR_LEDGER_CORRUPT_ITEM` (the head is not
   *   an entry, so nothing can chain onto it), or a translated SDK error.
   */
  async append(input: LedgerEntryInput): Promise<LedgerEntry> {
    validateInput(input);
    const pk = this.#casePk(input.caseId);
    for (let attempt = 1; attempt <= this.#maxAppendAttempts; attempt += 1) {
      // The head this writer appended last is usually still the head: skip the read. If another
      // writer got there first the conditional put fails and the head is read afresh.
      const head = this.#heads.get(input.caseId) ?? (await this.#readHead(pk));
      const entry = sealEntry(input, {
        seq: head === undefined ? FIRST_SEQ : head.seq + 1,
        at: this.#clock.now().toISOString(),
        prevHash: head?.hash ?? GENESIS_HASH,
      });
      if (await this.#putNew(entryToItem(entry))) {
        this.#heads.set(input.caseId, entry);
        return entry;
      }
      this.#heads.delete(input.caseId);
      // Full jitter spreads the losers so the next round has fewer collisions.
      const cap = this.#retryBaseDelayMs * 2 ** Math.min(attempt, 6);
      await sleep(Math.random() * cap);
    }
    throw new LedgerError(
      'ERR_LEDGER_CONFLICT',
      `Could not append to case ${input.caseId} in ${this.#maxAppendAttempts} attempts: other writers kept taking the next seq.`,
    );
  }

  /**
   * Every entry of a case in seq order (empty when the case does not exist).
   *
   * @throws {LedgerError} `ERR_LEDGER_CORRUPT_ITEM` when an item is not an entry.
   */
  async readCase(caseId: string): Promise<LedgerEntry[]> {
    const items = await this.#readPartition(this.#casePk(caseId));
    return items.map((item) => parseStrict(item, itemToEntry, this.tableName));
  }

  async #readHead(pk: AttributeValue): Promise<LedgerEntry | undefined> {
    const item = await this.#lastItem(pk);
    return item === undefined ? undefined : parseStrict(item, itemToEntry, this.tableName);
  }

  /** The last entry of a case, read consistently. */
  async head(caseId: string): Promise<LedgerEntry | undefined> {
    const item = await this.#lastItem(this.#casePk(caseId));
    return item === undefined ? undefined : parseStrict(item, itemToEntry, this.tableName);
  }

  #queryInput(query: LedgerQuery, day: string | undefined): QueryCommandInput {
    const names: Record<string, string> = {};
    const values: Record<string, AttributeValue> = {};
    let index: LedgerIndexName | undefined;
    let condition: string;
    const timeBounds = (since: string | undefined, until: string | undefined): string => {
      names['#at'] = 'at';
      if (since !== undefined && until !== undefined) {
        values[':since'] = { S: since };
        values[':until'] = { S: minusOneMs(until) };
        return ' AND #at BETWEEN :since AND :until';
      }
      if (since !== undefined) {
        values[':since'] = { S: since };
        return ' AND #at >= :since';
      }
      if (until !== undefined) {
        values[':until'] = { S: until };
        return ' AND #at < :until';
      }
      delete names['#at'];
      return '';
    };
    switch (query.by) {
      case 'case':
        names['#pk'] = LEDGER_TABLE.partitionKey.name;
        values[':pk'] = this.#casePk(query.caseId);
        condition = '#pk = :pk';
        break;
      case 'employee':
        index = 'byEmployee';
        names['#pk'] = 'employeeId';
        values[':pk'] = { S: query.employeeId };
        condition = `#pk = :pk${timeBounds(query.since, query.until)}`;
        break;
      case 'resource':
        index = 'byResource';
        names['#pk'] = 'resourceArn';
        values[':pk'] = { S: query.resourceArn };
        condition = `#pk = :pk${timeBounds(query.since, query.until)}`;
        break;
      case 'window':
        index = 'byDay';
        names['#pk'] = 'day';
        values[':pk'] = { S: day as string };
        condition = `#pk = :pk${timeBounds(query.since, query.until)}`;
        break;
    }
    return {
      TableName: this.tableName,
      ...(index === undefined ? { ConsistentRead: true } : { IndexName: index }),
      KeyConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  /** Normalises and checks a query: times parsed, windows bounded, the day list computed. */
  #prepare(query: LedgerQuery): { query: LedgerQuery; days: string[] } {
    const bounds = (since: string | undefined, until: string | undefined): { since?: string; until?: string } => {
      const s = since === undefined ? undefined : parseTime(since, 'since');
      const u = until === undefined ? undefined : parseTime(until, 'until');
      if (s !== undefined && u !== undefined && s >= u) {
        throw new LedgerError('ERR_LEDGER_INVALID_QUERY', `since ${s} must be before until ${u}.`);
      }
      return { ...(s === undefined ? {} : { since: s }), ...(u === undefined ? {} : { until: u }) };
    };
    switch (query.by) {
      case 'case':
        if (query.caseId.length === 0) throw new LedgerError('ERR_LEDGER_INVALID_QUERY', 'caseId must not be empty.');
        return { query: { by: 'case', caseId: query.caseId }, days: [] };
      case 'employee':
        if (query.employeeId.length === 0) throw new LedgerError('ERR_LEDGER_INVALID_QUERY', 'employeeId must not be empty.');
        return { query: { by: 'employee', employeeId: query.employeeId, ...bounds(query.since, query.until) }, days: [] };
      case 'resource':
        if (query.resourceArn.length === 0) throw new LedgerError('ERR_LEDGER_INVALID_QUERY', 'resourceArn must not be empty.');
        return { query: { by: 'resource', resourceArn: query.resourceArn, ...bounds(query.since, query.until) }, days: [] };
      case 'window': {
        const { since, until } = bounds(query.since, query.until) as { since: string; until: string };
        const days = daysBetween(since, minusOneMs(until));
        if (days.length > this.#maxWindowDays) {
          throw new LedgerError(
            'ERR_LEDGER_INVALID_QUERY',
            `The window ${since} to ${until} spans ${days.length} days; at most ${this.#maxWindowDays} are allowed. Query shorter windows.`,
          );
        }
        return { query: { by: 'window', since, until }, days };
      }
    }
  }

  /**
   * One page of a query, in time order (seq order for a case).
   *
   * @throws {LedgerError} `ERR_LEDGER_INVALID_QUERY` for bad times, too long windows and foreign cursors.
   * @example
   * ```ts
   * let cursor: string | undefined;
   * do {
   *   const page = await ledger.queryPage({ by: 'resource', resourceArn }, { limit: 50, cursor });
   *   render(page.entries);
   *   cursor = page.cursor;
   * } while (cursor !== undefined);
   * ```
   */
  async queryPage(query: LedgerQuery, options: { limit?: number; cursor?: string } = {}): Promise<LedgerPage> {
    const prepared = this.#prepare(query);
    const q = fingerprint(prepared.query);
    const cursor = options.cursor === undefined ? undefined : decodeCursor(options.cursor, prepared.query);
    const limit = options.limit;
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
      throw new LedgerError('ERR_LEDGER_INVALID_QUERY', `limit ${limit} must be a positive integer.`);
    }
    const windowed = prepared.query.by === 'window';
    let dayIndex = cursor?.d ?? 0;
    if (windowed && dayIndex > prepared.days.length)
      throw new LedgerError('ERR_LEDGER_INVALID_QUERY', 'The page cursor is invalid: its day index is out of range.');
    let start = cursor?.k;
    const entries: LedgerEntry[] = [];

    for (;;) {
      if (windowed && dayIndex >= prepared.days.length) return { entries };
      const remaining = limit === undefined ? undefined : limit - entries.length;
      const input = this.#queryInput(prepared.query, windowed ? prepared.days[dayIndex] : undefined);
      const page = await this.#send('Query', () =>
        this.#client.send(
          new QueryCommand({
            ...input,
            ...(remaining === undefined ? {} : { Limit: remaining }),
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        ),
      );
      entries.push(...(page.Items ?? []).map((item) => parseStrict(item, itemToEntry, this.tableName)));
      start = page.LastEvaluatedKey;
      const full = limit !== undefined && entries.length >= limit;
      if (start !== undefined) {
        if (full) return { entries, cursor: encodeCursor({ v: 1, q, ...(windowed ? { d: dayIndex } : {}), k: start }) };
        continue;
      }
      if (!windowed) return { entries };
      dayIndex += 1;
      if (full) return dayIndex < prepared.days.length ? { entries, cursor: encodeCursor({ v: 1, q, d: dayIndex }) } : { entries };
    }
  }

  /**
   * Every entry a query matches, page by page.
   *
   * @example
   * ```ts
   * for await (const entry of ledger.query({ by: 'window', since: '2025-01-01', until: '2025-02-01' })) print(entry);
   * ```
   */
  async *query(query: LedgerQuery, options: PageOptions = {}): AsyncGenerator<LedgerEntry> {
    let cursor: string | undefined;
    do {
      const page = await this.queryPage(query, {
        ...(options.pageSize === undefined ? {} : { limit: options.pageSize }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      yield* page.entries;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /** {@link query} collected into an array. */
  async queryAll(query: LedgerQuery, options: PageOptions = {}): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    for await (const entry of this.query(query, options)) entries.push(entry);
    return entries;
  }

  // -------------------------------------------------------------------------------------
  // Digests

  async latestDigest(): Promise<Digest | undefined> {
    const item = await this.#lastItem({ S: LEDGER_TABLE.digestPartition });
    return item === undefined ? undefined : parseStrict(item, itemToDigest, this.tableName);
  }

  async digestsSince(since: string): Promise<Digest[]> {
    const from = parseTime(since, 'since');
    const digests: Digest[] = [];
    let start: Item | undefined;
    // Newest first, stopping at the first digest older than `since`: digests are made in
    // time order, so the rest are older still.
    do {
      const page = await this.#send('Query', () =>
        this.#client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': LEDGER_TABLE.partitionKey.name },
            ExpressionAttributeValues: { ':pk': { S: LEDGER_TABLE.digestPartition } },
            ScanIndexForward: false,
            ConsistentRead: true,
            Limit: 25,
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const digest = parseStrict(item, itemToDigest, this.tableName);
        if (digest.at < from) return digests;
        digests.push(digest);
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return digests;
  }

  /** Every digest in seq order. */
  async readDigests(): Promise<Digest[]> {
    const items = await this.#readPartition({ S: LEDGER_TABLE.digestPartition });
    return items.map((item) => parseStrict(item, itemToDigest, this.tableName));
  }

  async appendDigest(digest: Digest): Promise<void> {
    if (!(await this.#putNew(digestToItem(digest)))) {
      throw new LedgerError('ERR_LEDGER_SEQ_TAKEN', `Digest seq ${digest.seq} already exists in table ${this.tableName}.`);
    }
  }

  async casesChangedSince(since: string | undefined): Promise<string[]> {
    const ids = new Set<string>();
    if (since === undefined) {
      let start: Item | undefined;
      do {
        const page = await this.#send('Scan', () =>
          this.#client.send(
            new ScanCommand({
              TableName: this.tableName,
              ProjectionExpression: '#pk',
              FilterExpression: 'begins_with(#pk, :prefix)',
              ExpressionAttributeNames: { '#pk': LEDGER_TABLE.partitionKey.name },
              ExpressionAttributeValues: { ':prefix': { S: LEDGER_TABLE.casePartitionPrefix } },
              ...(start === undefined ? {} : { ExclusiveStartKey: start }),
            }),
          ),
        );
        for (const item of page.Items ?? []) {
          const pk = item[LEDGER_TABLE.partitionKey.name]?.S;
          if (pk !== undefined) ids.add(pk.slice(LEDGER_TABLE.casePartitionPrefix.length));
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      return [...ids];
    }
    // A day past today, for writers whose clocks run ahead.
    const until = new Date(this.#clock.now().getTime() + DAY_MS).toISOString();
    const from = parseTime(since, 'since');
    for (const day of daysBetween(from, until)) {
      let start: Item | undefined;
      do {
        const page = await this.#send('Query', () =>
          this.#client.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: 'byDay',
              KeyConditionExpression: '#day = :day AND #at >= :since',
              ProjectionExpression: '#caseId',
              ExpressionAttributeNames: { '#day': 'day', '#at': 'at', '#caseId': 'caseId' },
              ExpressionAttributeValues: { ':day': { S: day }, ':since': { S: from } },
              ...(start === undefined ? {} : { ExclusiveStartKey: start }),
            }),
          ),
        );
        for (const item of page.Items ?? []) {
          const caseId = item.caseId?.S;
          if (caseId !== undefined) ids.add(caseId);
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
    }
    return [...ids];
  }

  // -------------------------------------------------------------------------------------
  // Audit

  /**
   * Reads what verification needs, tolerating items a tamperer may have broken: those come
   * back as {@link MalformedItem}s, not errors. With `caseIds`, reads only those cases (and
   * all digests); otherwise scans the whole table.
   *
   * @example
   * ```ts
   * const report = await verifyLedger(await ledger.readAudit(), { verifier });
   * ```
   */
  async readAudit(options: { caseIds?: readonly string[] } = {}): Promise<LedgerAudit> {
    const partitions = new Map<string, Item[]>();
    if (options.caseIds === undefined) {
      let start: Item | undefined;
      do {
        const page = await this.#send('Scan', () =>
          this.#client.send(
            new ScanCommand({
              TableName: this.tableName,
              ConsistentRead: true,
              ...(start === undefined ? {} : { ExclusiveStartKey: start }),
            }),
          ),
        );
        for (const item of page.Items ?? []) {
          const pk = item[LEDGER_TABLE.partitionKey.name]?.S ?? '';
          const list = partitions.get(pk) ?? [];
          list.push(item);
          partitions.set(pk, list);
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      for (const list of partitions.values()) list.sort((a, b) => sortKeyOf(a) - sortKeyOf(b));
    } else {
      for (const caseId of options.caseIds) {
        partitions.set(`${LEDGER_TABLE.casePartitionPrefix}${caseId}`, await this.#readPartition(this.#casePk(caseId)));
      }
      partitions.set(LEDGER_TABLE.digestPartition, await this.#readPartition({ S: LEDGER_TABLE.digestPartition }));
    }

    const cases: AuditCase[] = [];
    const digests: Digest[] = [];
    const malformedDigests: MalformedItem[] = [];
    for (const [pk, items] of partitions) {
      if (pk === LEDGER_TABLE.digestPartition) {
        for (const item of items) {
          try {
            digests.push(itemToDigest(item));
          } catch (error) {
            malformedDigests.push({ position: sortKeyOf(item), problem: (error as Error).message });
          }
        }
        continue;
      }
      if (!pk.startsWith(LEDGER_TABLE.casePartitionPrefix)) continue;
      const entries: LedgerEntry[] = [];
      const malformed: MalformedItem[] = [];
      for (const item of items) {
        try {
          entries.push(itemToEntry(item));
        } catch (error) {
          malformed.push({ position: sortKeyOf(item), problem: (error as Error).message });
        }
      }
      cases.push({ caseId: pk.slice(LEDGER_TABLE.casePartitionPrefix.length), entries, ...(malformed.length === 0 ? {} : { malformed }) });
    }
    return { cases, digests, ...(malformedDigests.length === 0 ? {} : { malformedDigests }) };
  }
}
