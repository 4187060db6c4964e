/**
 * Finds the items a `Resource` pattern can cover without testing every item: exact ARNs by hash,
 * `prefix*` patterns by binary search over the sorted ARNs, and only the remaining wildcard shapes
 * by a scan. Results are cached per pattern, and patterns repeat a lot (one managed policy is
 * attached to hundreds of roles), so each distinct pattern is resolved once per snapshot.
 *
 * This is a pre-filter: it may return items the policy evaluation then denies, never fewer.
 */

const REGEX_SPECIAL = /[.+^${}()|[\]\\/]/g;

/** Regex source of an IAM wildcard pattern: `*` any run of characters, `?` exactly one (within one ARN segment when `segment`). */
export function globSource(pattern: string, segment = false): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '*') out += segment ? '[^:]*' : '.*';
    else if (ch === '?') out += segment ? '[^:]' : '.';
    else out += ch.replace(REGEX_SPECIAL, '\\$&');
  }
  return out;
}

const globCache = new Map<string, RegExp>();
const globCacheCi = new Map<string, RegExp>();

/** Whether `value` matches the IAM wildcard pattern (case-sensitive unless `ignoreCase`). */
export function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) {
    return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  }
  const cache = ignoreCase ? globCacheCi : globCache;
  let re = cache.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^${globSource(pattern)}$`, ignoreCase ? 'is' : 's');
    if (cache.size > 50_000) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(value);
}

const arnLikeCache = new Map<string, RegExp | null>();

/**
 * `ArnLike` matching: the first five colon-separated segments are matched one by one (a wildcard
 * there never spans a colon), the rest as a whole. Compiled once per pattern into one expression.
 */
export function arnLikeMatches(pattern: string, value: string): boolean {
  let re = arnLikeCache.get(pattern);
  if (re === undefined) {
    const parts = pattern.split(':');
    if (parts.length < 6) re = null;
    else {
      const head = parts
        .slice(0, 5)
        .map((p) => globSource(p, true))
        .join(':');
      re = new RegExp(`^${head}:${globSource(parts.slice(5).join(':'))}$`, 's');
    }
    if (arnLikeCache.size > 50_000) arnLikeCache.clear();
    arnLikeCache.set(pattern, re);
  }
  return re === null ? globMatches(pattern, value) : re.test(value);
}

/** Replaces every `${…}` policy variable by `*`, so the pattern covers whatever the variable resolves to. */
export function widenVariables(pattern: string): string {
  return pattern.includes('${') ? pattern.replace(/\$\{[^}]*\}/g, '*') : pattern;
}

/**
 * One ARN a pattern matches that has the shape of a resource an attacker would create or name
 * (`shape`, such as `arn:aws:lambda:eu-west-1:123456789012:function:*`). Each wildcard in the
 * pattern's partition, service, region or account takes the shape's value where it can, and the
 * other wildcards become `sever-probe`. The region may differ from the shape's: the attacker picks
 * it. Undefined when no ARN the pattern matches has the shape (a role pattern offered for a Lambda
 * function, say).
 */
export function probeArn(pattern: string, shape: string): string | undefined {
  const fields = widenVariables(pattern).split(':');
  const shapeFields = shape.split(':');
  if (fields.length >= 6 && shapeFields.length >= 6) {
    for (let i = 1; i <= 4; i++) {
      const wanted = shapeFields[i] as string;
      if (!wanted.includes('*') && globMatches(fields[i] as string, wanted)) fields[i] = wanted;
    }
    shapeFields[3] = '*';
  }
  const arn = fields.join(':').replaceAll('*', 'sever-probe').replaceAll('?', 'x');
  return globMatches(shapeFields.join(':'), arn) ? arn : undefined;
}

/** An index of ARNs (duplicates allowed: several items may share a resource ARN). */
export class ArnIndex {
  readonly size: number;
  private readonly exact = new Map<string, number[]>();
  private readonly sorted: readonly string[];
  private readonly sortedItems: readonly number[];
  private readonly cache = new Map<string, readonly number[]>();
  private readonly everything: readonly number[];

  constructor(arns: readonly string[]) {
    this.size = arns.length;
    const order = arns
      .map((_, i) => i)
      .sort((a, b) => {
        const x = arns[a] as string;
        const y = arns[b] as string;
        return x < y ? -1 : x > y ? 1 : a - b;
      });
    this.sorted = order.map((i) => arns[i] as string);
    this.sortedItems = order;
    arns.forEach((arn, i) => {
      const list = this.exact.get(arn);
      if (list === undefined) this.exact.set(arn, [i]);
      else list.push(i);
    });
    this.everything = arns.map((_, i) => i);
  }

  /** Every item. */
  all(): readonly number[] {
    return this.everything;
  }

  /** Items an IAM `Resource` pattern may cover (variables widened to wildcards). */
  match(rawPattern: string): readonly number[] {
    const cached = this.cache.get(rawPattern);
    if (cached !== undefined) return cached;
    const pattern = widenVariables(rawPattern);
    let result: readonly number[];
    if (pattern === '*') result = this.everything;
    else if (!pattern.includes('*') && !pattern.includes('?')) result = this.exact.get(pattern) ?? [];
    else if (pattern.indexOf('*') === pattern.length - 1 && !pattern.includes('?')) result = this.prefix(pattern.slice(0, -1));
    else {
      const re = new RegExp(`^${globSource(pattern)}$`, 's');
      const hits: number[] = [];
      for (let i = 0; i < this.sorted.length; i++) if (re.test(this.sorted[i] as string)) hits.push(this.sortedItems[i] as number);
      result = hits.sort((a, b) => a - b);
    }
    if (this.cache.size > 200_000) this.cache.clear();
    this.cache.set(rawPattern, result);
    return result;
  }

  private prefix(prefix: string): readonly number[] {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sorted[mid] as string) < prefix) lo = mid + 1;
      else hi = mid;
    }
    const hits: number[] = [];
    for (let i = lo; i < this.sorted.length && (this.sorted[i] as string).startsWith(prefix); i++) hits.push(this.sortedItems[i] as number);
    return hits.sort((a, b) => a - b);
  }
}
