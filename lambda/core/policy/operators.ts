/**
 * The condition operator grammar of the IAM policy language, and the value formats the typed
 * operators compare (numbers, dates, IP addresses). Shared by the parser, which rejects what AWS
 * would reject, and by the evaluator, which compiles what the parser accepted.
 */

/** Which comparison an operator performs; the negated operators share the family of their positive twin. */
export type OperatorFamily =
  | 'string'
  | 'string-ignore-case'
  | 'string-like'
  | 'numeric'
  | 'date'
  | 'bool'
  | 'binary'
  | 'ip'
  | 'arn'
  | 'null';

/** Ordering of the numeric and date operators; `eq` for everything else. */
export type Comparison = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

export interface OperatorInfo {
  /** Canonical spelling of the base operator, e.g. `StringNotEquals`. */
  readonly base: string;
  readonly family: OperatorFamily;
  readonly comparison: Comparison;
  /** True for the `…Not…` operators: they hold when no condition value matches. */
  readonly negated: boolean;
}

export interface ParsedOperator extends OperatorInfo {
  /** `ForAnyValue:` / `ForAllValues:` prefix, or `none`. */
  readonly set: 'none' | 'any' | 'all';
  /** `…IfExists` suffix: a missing key makes the condition true. */
  readonly ifExists: boolean;
}

const op = (base: string, family: OperatorFamily, negated = false, comparison: Comparison = 'eq'): OperatorInfo => ({
  base,
  family,
  comparison,
  negated,
});

const BASE_OPERATORS: readonly OperatorInfo[] = [
  op('StringEquals', 'string'),
  op('StringNotEquals', 'string', true),
  op('StringEqualsIgnoreCase', 'string-ignore-case'),
  op('StringNotEqualsIgnoreCase', 'string-ignore-case', true),
  op('StringLike', 'string-like'),
  op('StringNotLike', 'string-like', true),
  op('NumericEquals', 'numeric'),
  op('NumericNotEquals', 'numeric', true),
  op('NumericLessThan', 'numeric', false, 'lt'),
  op('NumericLessThanEquals', 'numeric', false, 'lte'),
  op('NumericGreaterThan', 'numeric', false, 'gt'),
  op('NumericGreaterThanEquals', 'numeric', false, 'gte'),
  op('DateEquals', 'date'),
  op('DateNotEquals', 'date', true),
  op('DateLessThan', 'date', false, 'lt'),
  op('DateLessThanEquals', 'date', false, 'lte'),
  op('DateGreaterThan', 'date', false, 'gt'),
  op('DateGreaterThanEquals', 'date', false, 'gte'),
  op('Bool', 'bool'),
  op('BinaryEquals', 'binary'),
  op('IpAddress', 'ip'),
  op('NotIpAddress', 'ip', true),
  // AWS documents ArnEquals and ArnLike as the same comparison: both accept wildcards.
  op('ArnEquals', 'arn'),
  op('ArnLike', 'arn'),
  op('ArnNotEquals', 'arn', true),
  op('ArnNotLike', 'arn', true),
  op('Null', 'null'),
];

const BY_LOWER_NAME: ReadonlyMap<string, OperatorInfo> = new Map(BASE_OPERATORS.map((o) => [o.base.toLowerCase(), o]));

const parsedCache = new Map<string, ParsedOperator | undefined>();

/**
 * Parses a condition operator such as `ForAllValues:StringLikeIfExists`. Operator names are
 * matched case-insensitively. `Null` takes neither a set prefix nor `IfExists`.
 *
 * @returns the operator, or `undefined` when the text is not an operator of the policy language.
 * @example
 * ```ts
 * parseConditionOperator('ForAnyValue:StringEqualsIfExists');
 * // { base: 'StringEquals', family: 'string', set: 'any', ifExists: true, negated: false, comparison: 'eq' }
 * ```
 */
export function parseConditionOperator(text: string): ParsedOperator | undefined {
  if (parsedCache.has(text)) return parsedCache.get(text);
  const parsed = parseUncached(text);
  parsedCache.set(text, parsed);
  return parsed;
}

function parseUncached(text: string): ParsedOperator | undefined {
  let rest = text.toLowerCase();
  let set: ParsedOperator['set'] = 'none';
  if (rest.startsWith('foranyvalue:')) {
    set = 'any';
    rest = rest.slice('foranyvalue:'.length);
  } else if (rest.startsWith('forallvalues:')) {
    set = 'all';
    rest = rest.slice('forallvalues:'.length);
  }
  let ifExists = false;
  if (rest.endsWith('ifexists') && rest.length > 'ifexists'.length) {
    ifExists = true;
    rest = rest.slice(0, -'ifexists'.length);
  }
  const info = BY_LOWER_NAME.get(rest);
  if (info === undefined) return undefined;
  if (info.family === 'null' && (ifExists || set !== 'none')) return undefined;
  return { ...info, set, ifExists };
}

/** A number as the Numeric operators read it; `undefined` when the text is not a finite number. */
export function parseNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

const EPOCH_SECONDS = /^\d+$/;

/**
 * A date as the Date operators read it: ISO 8601 (`2024-05-01`, `2024-05-01T12:00:00Z`) or
 * seconds since the epoch. Returns milliseconds since the epoch, `undefined` when unreadable.
 */
export function parseDate(text: string): number | undefined {
  const trimmed = text.trim();
  if (EPOCH_SECONDS.test(trimmed)) return Number(trimmed) * 1000;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}

/** An IPv4 or IPv6 address as a number; v4 and v6 never compare equal. */
export interface IpAddress {
  readonly v6: boolean;
  readonly value: bigint;
}

/** An address range: `base` with the low `bits - prefix` bits cleared. */
export interface IpRange {
  readonly v6: boolean;
  readonly base: bigint;
  readonly prefix: number;
}

const V4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!V4_PART.test(part)) return undefined;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): bigint[] | undefined => {
    if (s === '') return [];
    const out: bigint[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      if (i === parts.length - 1 && part.includes('.')) {
        // An embedded IPv4 address fills the last two groups (::ffff:192.0.2.1).
        const v4 = parseV4(part);
        if (v4 === undefined) return undefined;
        out.push(v4 >> 16n, v4 & 0xffffn);
      } else {
        if (!V6_GROUP.test(part)) return undefined;
        out.push(BigInt(Number.parseInt(part, 16)));
      }
    }
    return out;
  };
  const head = groupsOf(halves[0] as string);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let value = 0n;
  for (const g of [...head, ...new Array<bigint>(halves.length === 2 ? missing : 0).fill(0n), ...tail]) {
    value = (value << 16n) | g;
  }
  return value;
}

/** Parses an IPv4 or IPv6 address; `undefined` when the text is neither. */
export function parseIpAddress(text: string): IpAddress | undefined {
  const trimmed = text.trim();
  if (trimmed.includes(':')) {
    const value = parseV6(trimmed);
    return value === undefined ? undefined : { v6: true, value };
  }
  const value = parseV4(trimmed);
  return value === undefined ? undefined : { v6: false, value };
}

/** Parses `address` or `address/prefix` (IPv4 or IPv6); a bare address is a single-address range. */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const address = parseIpAddress(slash === -1 ? text : text.slice(0, slash));
  if (address === undefined) return undefined;
  const bits = address.v6 ? 128 : 32;
  let prefix = bits;
  if (slash !== -1) {
    const p = text.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(p) || Number(p) > bits) return undefined;
    prefix = Number(p);
  }
  const shift = BigInt(bits - prefix);
  return { v6: address.v6, base: (address.value >> shift) << shift, prefix };
}

/** True when `address` lies inside `range` (same family only). */
export function ipInRange(address: IpAddress, range: IpRange): boolean {
  if (address.v6 !== range.v6) return false;
  const shift = BigInt((range.v6 ? 128 : 32) - range.prefix);
  return (address.value >> shift) << shift === range.base;
}

/**
 * Checks one condition value against what its operator family accepts, as IAM does when a policy
 * is saved. Returns a reason when the value is unusable, `undefined` when it is fine.
 */
export function invalidConditionValue(family: OperatorFamily, value: string): string | undefined {
  switch (family) {
    case 'numeric':
      return parseNumber(value) === undefined ? `"${value}" is not a number` : undefined;
    case 'date':
      return parseDate(value) === undefined ? `"${value}" is not a date (ISO 8601 or epoch seconds)` : undefined;
    case 'ip':
      return parseIpRange(value) === undefined ? `"${value}" is not an IP address or CIDR range` : undefined;
    case 'bool':
    case 'null': {
      const lower = value.toLowerCase();
      return lower === 'true' || lower === 'false' ? undefined : `"${value}" is not true or false`;
    }
    default:
      return undefined;
  }
}
