/**
 * Position-aware helpers for JSON text that has already passed `JSON.parse`. Rotation replaces
 * single members in place so that every other byte of a secret (number spellings beyond double
 * precision, key order, escapes, whitespace) survives exactly as its owner wrote it.
 */

/** One top-level member of a JSON object text. */
export interface MemberSpan {
  readonly key: string;
  /** Offset of the opening quote of the member name. */
  readonly keyStart: number;
  readonly valueStart: number;
  /** Offset just past the value. */
  readonly valueEnd: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

const skipWhitespace = (text: string, from: number): number => {
  let at = from;
  while (at < text.length && WHITESPACE.has(text[at] ?? '')) at += 1;
  return at;
};

const endOfString = (text: string, openingQuote: number): number => {
  let at = openingQuote + 1;
  while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
  return at + 1;
};

const endOfValue = (text: string, from: number): number => {
  const first = text[from];
  if (first === '"') return endOfString(text, from);
  if (first === '{' || first === '[') {
    let depth = 0;
    let at = from;
    while (at < text.length) {
      const char = text[at];
      if (char === '"') {
        at = endOfString(text, at);
        continue;
      }
      if (char === '{' || char === '[') depth += 1;
      if (char === '}' || char === ']') {
        depth -= 1;
        if (depth === 0) return at + 1;
      }
      at += 1;
    }
    return at;
  }
  let at = from;
  while (at < text.length && !WHITESPACE.has(text[at] ?? '') && text[at] !== ',' && text[at] !== '}') at += 1;
  return at;
};

/**
 * The top-level members of `text`, which must be valid JSON whose root is an object. Duplicate
 * names are all listed (JSON.parse keeps only the last one).
 */
export const topLevelMembers = (text: string): MemberSpan[] => {
  const members: MemberSpan[] = [];
  let at = skipWhitespace(text, 0) + 1;
  at = skipWhitespace(text, at);
  if (text[at] === '}') return members;
  for (;;) {
    at = skipWhitespace(text, at);
    const keyStart = at;
    const keyEnd = endOfString(text, keyStart);
    const key = JSON.parse(text.slice(keyStart, keyEnd)) as string;
    at = skipWhitespace(text, keyEnd) + 1;
    const valueStart = skipWhitespace(text, at);
    const valueEnd = endOfValue(text, valueStart);
    members.push({ key, keyStart, valueStart, valueEnd });
    at = skipWhitespace(text, valueEnd);
    if (text[at] !== ',') return members;
    at += 1;
  }
};

/** The whitespace that starts the line `offset` is on. */
export const lineIndentAt = (text: string, offset: number): string => {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, offset))?.[0] ?? '';
};

/**
 * Serialises `value` to replace `original` (a JSON object text that starts a line indented by
 * `baseIndent`): compact if the original was on one line, else with the original's indent unit.
 */
export const stringifyLike = (value: unknown, original: string, baseIndent: string): string => {
  if (!original.includes('\n')) return JSON.stringify(value);
  const firstInner = /\n([ \t]*)\S/.exec(original)?.[1] ?? '';
  const unit = firstInner.startsWith(baseIndent) && firstInner.length > baseIndent.length ? firstInner.slice(baseIndent.length) : '  ';
  const newline = original.includes('\r\n') ? '\r\n' : '\n';
  return JSON.stringify(value, null, unit)
    .split('\n')
    .map((line, index) => (index === 0 ? line : baseIndent + line))
    .join(newline);
};

/** Applies non-overlapping replacements to `text`. */
export const splice = (text: string, replacements: readonly { start: number; end: number; text: string }[]): string =>
  [...replacements]
    .sort((a, b) => b.start - a.start)
    .reduce((result, { start, end, text: insert }) => result.slice(0, start) + insert + result.slice(end), text);
