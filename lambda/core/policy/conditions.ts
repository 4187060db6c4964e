import type { CompiledKey, RequestContext, Tri } from './context.js';
import { ABSENT, compileKey, NO, resolveKey, UNK, UNKNOWN, YES } from './context.js';
import type { IpRange, ParsedOperator } from './operators.js';
import { ipInRange, parseConditionOperator, parseDate, parseIpAddress, parseIpRange, parseNumber } from './operators.js';
import type { Matcher, TemplatePart } from './patterns.js';
import { arnMatcher, globMatcher, instantiate, parseTemplate, piecesMatcher, piecesText } from './patterns.js';
import type { ConditionBlock } from './types.js';

/**
 * Three-valued evaluation of the `Condition` element.
 *
 * Rules, as IAM documents them:
 * - Operators in a block, and keys under one operator, are ANDed; the values of one key are ORed.
 * - A positive operator holds when the request value matches any condition value; a negated one
 *   (`StringNotEquals`, `NotIpAddress`, `ArnNotLike` …) when it matches none of them.
 * - A key missing from the request makes a positive operator false and a negated one true;
 *   `…IfExists` makes either true; `Null` tests presence (`"true"` = must be missing).
 * - `ForAllValues:` holds when every request value satisfies the test (vacuously true when the key
 *   is missing or empty); `ForAnyValue:` when at least one does (false when missing).
 * - A multivalued key without a set prefix behaves like `ForAnyValue:` for positive operators;
 *   a negated operator then requires that no request value matches any condition value.
 * - A key whose value cannot be known offline makes its test UNKNOWN; AND/OR/NOT follow Kleene
 *   logic, so a false test elsewhere still makes the whole block false.
 * - Policy variables are substituted in the values of String and Arn operators (2012-10-17 only).
 *   A value whose variable is missing (and has no default) matches nothing; one whose variable is
 *   unknown compares UNKNOWN.
 * - An operator or value the evaluator cannot read (only possible for documents not produced by
 *   `parsePolicyDocument`) evaluates UNKNOWN rather than silently true or false.
 */

type CompiledValue =
  | { readonly t: 'template'; readonly parts: readonly TemplatePart[] }
  | { readonly t: 'string'; readonly s: string }
  | { readonly t: 'matcher'; readonly m: Matcher }
  | { readonly t: 'number'; readonly n: number }
  | { readonly t: 'ip'; readonly range: IpRange }
  | { readonly t: 'invalid' };

/** One operator × key test of a condition block, compiled. */
export interface CompiledCondition {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
  readonly op: ParsedOperator | undefined;
  readonly ckey: CompiledKey;
  readonly compiled: readonly CompiledValue[];
}

const TEMPLATE_FAMILIES: ReadonlySet<string> = new Set(['string', 'string-ignore-case', 'string-like', 'arn']);

function compileValue(op: ParsedOperator, value: string, variables: boolean): CompiledValue {
  if (variables && TEMPLATE_FAMILIES.has(op.family)) {
    const parts = parseTemplate(value);
    if (parts !== undefined) return { t: 'template', parts };
  }
  switch (op.family) {
    case 'string':
    case 'binary':
      return { t: 'string', s: value };
    case 'string-ignore-case':
      return { t: 'string', s: value.toLowerCase() };
    case 'bool':
    case 'null': {
      const lower = value.toLowerCase();
      return lower === 'true' || lower === 'false' ? { t: 'string', s: lower } : { t: 'invalid' };
    }
    case 'string-like':
      return { t: 'matcher', m: globMatcher(value) };
    case 'arn':
      return { t: 'matcher', m: arnMatcher(value) };
    case 'numeric': {
      const n = parseNumber(value);
      return n === undefined ? { t: 'invalid' } : { t: 'number', n };
    }
    case 'date': {
      const n = parseDate(value);
      return n === undefined ? { t: 'invalid' } : { t: 'number', n };
    }
    case 'ip': {
      const range = parseIpRange(value);
      return range === undefined ? { t: 'invalid' } : { t: 'ip', range };
    }
  }
}

/** Flattens a condition block into its operator × key tests. `variables`: substitute policy variables (2012-10-17). */
export function compileConditions(block: ConditionBlock, variables: boolean): CompiledCondition[] {
  const out: CompiledCondition[] = [];
  for (const [operator, keys] of Object.entries(block)) {
    const op = parseConditionOperator(operator);
    for (const [key, values] of Object.entries(keys)) {
      out.push({
        operator,
        key,
        values,
        op,
        ckey: compileKey(key),
        compiled: op === undefined ? [] : values.map((v) => compileValue(op, v, variables)),
      });
    }
  }
  return out;
}

function compare(comparison: ParsedOperator['comparison'], a: number, b: number): boolean {
  switch (comparison) {
    case 'eq':
      return a === b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
  }
}

/** Positive comparison of one request value against one condition value. */
function compareOne(op: ParsedOperator, cv: CompiledValue, requestValue: string, request: RequestContext): Tri {
  switch (cv.t) {
    case 'invalid':
      return UNK;
    case 'template': {
      const instantiated = instantiate(cv.parts, request);
      if (instantiated === ABSENT) return NO;
      const pieces = instantiated.pieces;
      if (instantiated.unknown) {
        // The unknown parts stand as wildcards: no match is certain, a match only possible.
        if (op.family === 'string-ignore-case') return UNK;
        return piecesMatcher(pieces, op.family === 'arn' ? 'arn' : 'plain')(requestValue) ? UNK : NO;
      }
      switch (op.family) {
        case 'string':
          return piecesText(pieces) === requestValue ? YES : NO;
        case 'string-ignore-case':
          return piecesText(pieces).toLowerCase() === requestValue.toLowerCase() ? YES : NO;
        case 'arn':
          return piecesMatcher(pieces, 'arn')(requestValue) ? YES : NO;
        default:
          return piecesMatcher(pieces, 'plain')(requestValue) ? YES : NO;
      }
    }
    case 'string':
      if (op.family === 'string-ignore-case' || op.family === 'bool') return cv.s === requestValue.toLowerCase() ? YES : NO;
      return cv.s === requestValue ? YES : NO;
    case 'matcher':
      return cv.m(requestValue) ? YES : NO;
    case 'number': {
      // A request value the operator cannot read never matches (for negated operators: matches none).
      const n = op.family === 'date' ? parseDate(requestValue) : parseNumber(requestValue);
      return n !== undefined && compare(op.comparison, n, cv.n) ? YES : NO;
    }
    case 'ip': {
      const address = parseIpAddress(requestValue);
      return address !== undefined && ipInRange(address, cv.range) ? YES : NO;
    }
  }
}

/** The test one request value must pass: matches any condition value, or none for negated operators. */
function valuePasses(c: CompiledCondition, op: ParsedOperator, requestValue: string, request: RequestContext): Tri {
  let result: Tri = NO;
  for (const cv of c.compiled) {
    const r = compareOne(op, cv, requestValue, request);
    if (r === YES) {
      result = YES;
      break;
    }
    if (r === UNK) result = UNK;
  }
  return op.negated ? ((2 - result) as Tri) : result;
}

/** Evaluates one operator × key test. */
export function evaluateCondition(c: CompiledCondition, request: RequestContext): Tri {
  const op = c.op;
  if (op === undefined) return UNK;
  const value = resolveKey(c.ckey, request);
  if (value === UNKNOWN) return UNK;
  const missing = value === ABSENT || (typeof value !== 'string' && value.length === 0);
  if (op.family === 'null') {
    let result: Tri = NO;
    for (const cv of c.compiled) {
      if (cv.t !== 'string') result = result === NO ? UNK : result;
      else if ((cv.s === 'true') === missing) return YES;
    }
    return result;
  }
  if (missing) {
    if (op.ifExists || op.set === 'all') return YES;
    if (op.set === 'any') return NO;
    return op.negated ? YES : NO;
  }
  if (typeof value === 'string') return valuePasses(c, op, value, request);
  const list = value as readonly string[];
  // ForAllValues, and a negated operator without a set prefix, need every request value to pass.
  const every = op.set === 'all' || (op.set === 'none' && op.negated);
  let result: Tri = every ? YES : NO;
  for (const item of list) {
    const r = valuePasses(c, op, item, request);
    if (every) {
      if (r === NO) return NO;
      if (r === UNK) result = UNK;
    } else {
      if (r === YES) return YES;
      if (r === UNK) result = UNK;
    }
  }
  return result;
}
