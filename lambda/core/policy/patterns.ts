import type { CompiledKey, RequestContext } from './context.js';
import { ABSENT, compileKey, resolveKey, UNKNOWN } from './context.js';

/**
 * Wildcard matching for actions, resources and the Like/Arn condition operators, and the policy
 * variables (`${aws:username}` …) that 2012-10-17 documents may embed in resources and condition
 * values. Patterns compile to a matcher once and are cached, so the hot path never builds a RegExp
 * for a pattern it has seen.
 */

export type Matcher = (value: string) => boolean;

const always: Matcher = () => true;

/** Caches grow with the distinct patterns of a snapshot; the bound only guards against pathological input. */
const CACHE_LIMIT = 100_000;

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;
const escapeRegex = (text: string): string => text.replace(REGEX_SPECIAL, '\\$&');

/** A piece of a pattern: `glob` text whose `*` and `?` are wildcards, or `literal` text matched as is. */
export interface PatternPiece {
  readonly glob: boolean;
  readonly text: string;
}

function countColons(pieces: readonly PatternPiece[]): number {
  let n = 0;
  for (const piece of pieces) for (let i = 0; i < piece.text.length; i++) if (piece.text.charCodeAt(i) === 58) n++;
  return n;
}

/**
 * Regex source for a pattern. In `arn` mode (the Arn condition operators) each of the first five
 * colon-separated ARN segments is matched separately, so a wildcard there cannot swallow a colon;
 * the sixth segment (the resource) may contain colons. A pattern with fewer than five colons
 * (e.g. `*`) is matched as a plain wildcard pattern.
 */
function regexSource(pieces: readonly PatternPiece[], arn: boolean): string {
  const segmented = arn && countColons(pieces) >= 5;
  let colons = 0;
  let out = '';
  for (const piece of pieces) {
    const text = piece.text;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      const inPrefix = segmented && colons < 5;
      if (ch === ':') colons++;
      if (piece.glob && ch === '*') out += inPrefix ? '[^:]*' : '.*';
      else if (piece.glob && ch === '?') out += inPrefix ? '[^:]' : '.';
      else out += escapeRegex(ch);
    }
  }
  return out;
}

const regexCache = new Map<string, Matcher>();

function matcherFromSource(source: string, flags: string): Matcher {
  const cacheKey = `${flags}/${source}`;
  const cached = regexCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const re = new RegExp(`^${source}$`, flags);
  return remember(regexCache, cacheKey, (value) => re.test(value));
}

function hasWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

/** Builds a matcher with fast paths for the common shapes: `*`, exact text, `prefix*`. */
function compileGlob(pattern: string, arn: boolean): Matcher {
  if (pattern === '*' && !arn) return always;
  if (!hasWildcard(pattern)) return (value) => value === pattern;
  const star = pattern.indexOf('*');
  if (!arn && star === pattern.length - 1 && !pattern.includes('?')) {
    const prefix = pattern.slice(0, -1);
    return (value) => value.startsWith(prefix);
  }
  return matcherFromSource(regexSource([{ glob: true, text: pattern }], arn), 's');
}

const plainCache = new Map<string, Matcher>();
const arnCache = new Map<string, Matcher>();
const actionCache = new Map<string, Matcher>();

/** Case-sensitive wildcard matcher (Resource, StringLike), cached per pattern. */
export function globMatcher(pattern: string): Matcher {
  return plainCache.get(pattern) ?? remember(plainCache, pattern, compileGlob(pattern, false));
}

/** Case-sensitive segment-wise ARN matcher (ArnLike, ArnEquals and their negations), cached per pattern. */
export function arnMatcher(pattern: string): Matcher {
  return arnCache.get(pattern) ?? remember(arnCache, pattern, compileGlob(pattern, true));
}

/** Matcher for an action pattern; it must be given the action in lower case. Cached per pattern. */
export function actionMatcher(pattern: string): Matcher {
  const cached = actionCache.get(pattern);
  if (cached !== undefined) return cached;
  return remember(actionCache, pattern, compileGlob(pattern.toLowerCase(), false));
}

/**
 * True when an IAM action pattern (`kms:*`, `kms:Get*`, `secretsmanager:GetSecret?alue`, `*`)
 * matches an action. Case-insensitive, as IAM compares actions. `*` matches any run of characters,
 * `?` exactly one.
 *
 * @example
 * ```ts
 * actionMatches('KMS:sign*', 'kms:SignMessage'); // true
 * ```
 */
export function actionMatches(pattern: string, action: string): boolean {
  return actionMatcher(pattern)(action.toLowerCase());
}

/**
 * True when a `Resource` pattern matches an ARN. Case-sensitive; `*` matches any run of
 * characters (including `:` and `/`, as IAM lets a trailing `*` extend past segment boundaries),
 * `?` exactly one. Policy variables are not substituted here: `${aws:username}` is literal text.
 * Use {@link patternMayMatch} for an over-approximation that treats variables as wildcards.
 *
 * @example
 * ```ts
 * resourceMatches('arn:aws:kms:*:111122223333:key/*', 'arn:aws:kms:eu-west-1:111122223333:key/1234'); // true
 * ```
 */
export function resourceMatches(pattern: string, arn: string): boolean {
  return globMatcher(pattern)(arn);
}

/**
 * Segment-wise ARN match as the `ArnLike`/`ArnEquals` condition operators perform it: each of the
 * first five colon-separated segments is matched separately, the sixth may contain colons.
 */
export function arnMatches(pattern: string, arn: string): boolean {
  return arnMatcher(pattern)(arn);
}

// ── Policy variables ─────────────────────────────────────────────────────────────────────────

/** One part of a value that embeds policy variables. */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'escape'; readonly text: string }
  | { readonly kind: 'variable'; readonly key: CompiledKey; readonly fallback?: string };

const VARIABLE = /\$\{([^}]*)\}/g;
const VARIABLE_BODY = /^\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?$/;

/**
 * Splits a value into text and `${…}` variables: `${key}`, `${key, 'default'}`, and the escapes
 * `${*}`, `${?}`, `${$}` that stand for a literal `*`, `?`, `$`. Returns `undefined` when the
 * value contains no variable (the common case). A `${…}` that is none of these stays literal text.
 */
export function parseTemplate(value: string): readonly TemplatePart[] | undefined {
  if (!value.includes('${')) return undefined;
  const parts: TemplatePart[] = [];
  let last = 0;
  let found = false;
  for (const m of value.matchAll(VARIABLE)) {
    const body = m[1] as string;
    let part: TemplatePart | undefined;
    if (body === '*' || body === '?' || body === '$') part = { kind: 'escape', text: body };
    else {
      const v = VARIABLE_BODY.exec(body);
      if (v !== null) {
        const key = compileKey(v[1] as string);
        part = v[2] === undefined ? { kind: 'variable', key } : { kind: 'variable', key, fallback: v[2] };
      }
    }
    if (part === undefined) continue;
    found = true;
    const index = m.index;
    if (index > last) parts.push({ kind: 'text', text: value.slice(last, index) });
    parts.push(part);
    last = index + m[0].length;
  }
  if (!found) return undefined;
  if (last < value.length) parts.push({ kind: 'text', text: value.slice(last) });
  return parts;
}

/** A variable's value in this request, applying its default when the key is absent. */
function variableValue(
  part: Extract<TemplatePart, { kind: 'variable' }>,
  request: RequestContext,
): string | typeof ABSENT | typeof UNKNOWN {
  const value = resolveKey(part.key, request);
  if (value === UNKNOWN) return UNKNOWN;
  if (value === ABSENT) return part.fallback ?? ABSENT;
  if (typeof value === 'string') return value;
  // A multivalued key cannot be substituted; a single-element list is as good as a string.
  if (value.length === 1) return value[0] as string;
  return value.length === 0 ? (part.fallback ?? ABSENT) : UNKNOWN;
}

/** A template with its variables substituted. */
export interface Instantiated {
  readonly pieces: readonly PatternPiece[];
  /**
   * True when some variable cannot be known offline; it then stands as a `*` wildcard in
   * `pieces`, so a non-match is certain and a match only possible.
   */
  readonly unknown: boolean;
}

/**
 * Substitutes the variables of a template into pattern pieces: template text keeps its wildcards,
 * variable values and escapes are literal. ABSENT when a variable has no value and no default
 * (the element then matches nothing).
 */
export function instantiate(parts: readonly TemplatePart[], request: RequestContext): Instantiated | typeof ABSENT {
  const pieces: PatternPiece[] = [];
  let unknown = false;
  for (const part of parts) {
    if (part.kind === 'text') pieces.push({ glob: true, text: part.text });
    else if (part.kind === 'escape') pieces.push({ glob: false, text: part.text });
    else {
      const value = variableValue(part, request);
      if (value === ABSENT) return ABSENT;
      if (value === UNKNOWN) {
        unknown = true;
        pieces.push({ glob: true, text: '*' });
      } else pieces.push({ glob: false, text: value });
    }
  }
  return { pieces, unknown };
}

/** The text a template stands for when compared exactly (StringEquals …): every piece literal. */
export function piecesText(pieces: readonly PatternPiece[]): string {
  let out = '';
  for (const piece of pieces) out += piece.text;
  return out;
}

/** Matcher for instantiated pieces; cached by regex source, so repeated principals reuse it. */
export function piecesMatcher(pieces: readonly PatternPiece[], mode: 'plain' | 'arn'): Matcher {
  if (pieces.length === 1 && (pieces[0] as PatternPiece).glob) {
    const text = (pieces[0] as PatternPiece).text;
    return mode === 'arn' ? arnMatcher(text) : globMatcher(text);
  }
  return matcherFromSource(regexSource(pieces, mode === 'arn'), 's');
}

/**
 * Over-approximates whether a pattern that may embed policy variables can match a value for
 * some principal: each variable is read as `*`. Exact for patterns without variables. Meant for
 * indexing ("which keys could this statement touch?"), never for a decision.
 */
export function patternMayMatch(pattern: string, value: string): boolean {
  const parts = parseTemplate(pattern);
  if (parts === undefined) return globMatcher(pattern)(value);
  const pieces = parts.map((p): PatternPiece => {
    if (p.kind === 'text') return { glob: true, text: p.text };
    if (p.kind === 'escape') return { glob: false, text: p.text };
    return { glob: true, text: '*' };
  });
  return piecesMatcher(pieces, 'plain')(value);
}
