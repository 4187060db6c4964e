import { statementMayMatchAction } from '../policy/index.js';
import type { PolicyDocument, PolicySource, Statement } from '../policy/types.js';
import { arnLikeMatches, globMatches } from './arn-index.js';
import { innerMap } from './memo.js';

/**
 * Cheap, cached views of policy documents that let the engine avoid evaluating requests that
 * cannot be allowed, and tell which decisions depend on who exactly the principal is.
 * Everything here over-approximates; `authorize` makes every actual decision.
 */

/** An Allow statement of an identity policy, reduced to what candidate search needs. */
export interface AllowStatement {
  readonly source: PolicySource;
  readonly index: number;
  /** true for `Resource: "*"`, `NotResource`, or no resource element. */
  readonly anyResource: boolean;
  readonly patterns: readonly string[];
}

const allowCache = new WeakMap<PolicySource, Map<string, readonly AllowStatement[]>>();

/** Allow statements of a policy whose Action/NotAction may cover `action`. */
export function allowStatements(source: PolicySource, action: string): readonly AllowStatement[] {
  const perAction = innerMap(allowCache, source);
  const cached = perAction.get(action);
  if (cached !== undefined) return cached;
  const out: AllowStatement[] = [];
  source.document.statements.forEach((s, index) => {
    if (s.effect !== 'Allow' || !statementMayMatchAction(s, action)) return;
    const anyResource = s.resource === undefined || s.resource.includes('*');
    out.push({ source, index, anyResource, patterns: anyResource ? [] : (s.resource as readonly string[]) });
  });
  perAction.set(action, out);
  return out;
}

const hintCache = new WeakMap<PolicyDocument, Map<string, readonly string[]>>();

/**
 * The resource patterns a request for `action` may have to match to get past a policy: the
 * `Resource` of its Allow statements and the `NotResource` of its Deny statements. A search for
 * some resource on which the action is allowed tries one ARN from each.
 */
export function resourceHints(document: PolicyDocument, action: string): readonly string[] {
  const perAction = innerMap(hintCache, document);
  const cached = perAction.get(action);
  if (cached !== undefined) return cached;
  const out: string[] = [];
  for (const s of document.statements) {
    if (!statementMayMatchAction(s, action)) continue;
    const patterns = s.effect === 'Allow' ? s.resource : s.notResource;
    for (const pattern of patterns ?? []) if (pattern !== '*' && !out.includes(pattern)) out.push(pattern);
  }
  perAction.set(action, out);
  return out;
}

/**
 * A fixed list of actions and, per policy, which of them some Allow statement may cover: the
 * engine asks about ~100 actions for thousands of principals whose policies mostly grant none
 * of them, and a bit test settles those at once.
 */
export class ActionMask {
  private readonly index = new Map<string, number>();
  private readonly byService = new Map<string, number[]>();
  private readonly masks = new WeakMap<PolicySource, Uint8Array>();
  readonly size: number;

  constructor(actions: readonly string[]) {
    const unique = [...new Set(actions)];
    unique.forEach((a, i) => {
      this.index.set(a, i);
      const service = a.slice(0, a.indexOf(':')).toLowerCase();
      const list = this.byService.get(service);
      if (list === undefined) this.byService.set(service, [i]);
      else list.push(i);
    });
    this.actions = unique;
    this.size = unique.length;
  }

  /** The tracked actions, by bit. */
  readonly actions: readonly string[];

  /** Index of an action in the mask, or -1 when it is not tracked. */
  bit(action: string): number {
    return this.index.get(action) ?? -1;
  }

  private readonly relevance = new WeakMap<PolicyDocument, boolean>();

  /**
   * Whether any statement of the document, Allow or Deny, may cover a tracked action. A policy
   * that covers none cannot change any decision the engine asks for.
   */
  relevant(document: PolicyDocument): boolean {
    const cached = this.relevance.get(document);
    if (cached !== undefined) return cached;
    const hit = document.statements.some((s) => {
      if (s.notAction !== undefined) return true;
      for (const pattern of s.action ?? []) {
        const colon = pattern.indexOf(':');
        const service = colon < 0 ? '*' : pattern.slice(0, colon).toLowerCase();
        if (service.includes('*') || service.includes('?')) return true;
        for (const i of this.byService.get(service) ?? []) if (statementMayMatchAction(s, this.actions[i] as string)) return true;
      }
      return false;
    });
    this.relevance.set(document, hit);
    return hit;
  }

  /** The actions a policy's Allow statements may cover (cached per policy). */
  of(source: PolicySource): Uint8Array {
    const cached = this.masks.get(source);
    if (cached !== undefined) return cached;
    const mask = new Uint8Array(this.size);
    for (const s of source.document.statements) {
      if (s.effect !== 'Allow') continue;
      let candidates: readonly number[] | undefined;
      if (s.notAction !== undefined) candidates = undefined;
      else {
        const set = new Set<number>();
        for (const pattern of s.action ?? []) {
          const colon = pattern.indexOf(':');
          const service = colon < 0 ? '*' : pattern.slice(0, colon).toLowerCase();
          if (service.includes('*') || service.includes('?')) {
            candidates = undefined;
            break;
          }
          for (const i of this.byService.get(service) ?? []) set.add(i);
          candidates = [...set];
        }
      }
      const check = candidates ?? this.actions.map((_, i) => i);
      for (const i of check) if (mask[i] === 0 && statementMayMatchAction(s, this.actions[i] as string)) mask[i] = 1;
    }
    this.masks.set(source, mask);
    return mask;
  }
}

/**
 * A statement reduced to what decides whether it can apply to a request, and which request
 * values its conditions and variables read: two requests that match the same statements and
 * agree on those values get the same decision.
 */
export interface SignatureStatement {
  readonly document: PolicyDocument;
  readonly index: number;
  readonly deny: boolean;
  readonly anyResource: boolean;
  readonly patterns: readonly string[];
  /** `NotResource`: the patterns exclude. */
  readonly not: boolean;
  /** Lower-cased condition keys and variable names the statement reads. */
  readonly keys: readonly string[];
  /** Its Resource/NotResource embeds variables: whether it covers an ARN depends on the ARN and the principal. */
  readonly resourceVariables: boolean;
  /** Conditions on the principal's identity (ARN, user name, user id). */
  readonly identityClauses: readonly IdentityClause[];
  /** Some variable (anywhere) stands for the principal's identity. */
  readonly identityVariables: boolean;
}

const signatureCache = new WeakMap<PolicyDocument, Map<string, readonly SignatureStatement[]>>();

/** Lower-cased condition keys and variable names a statement reads. */
export function readKeys(s: Statement): string[] {
  const keys = new Set<string>();
  const vars = (values: readonly string[] | undefined): void => {
    for (const v of values ?? []) if (v.includes('${')) for (const m of v.matchAll(VARIABLE)) keys.add((m[1] as string).toLowerCase());
  };
  vars(s.resource);
  vars(s.notResource);
  for (const block of Object.values(s.condition ?? {})) {
    for (const [key, values] of Object.entries(block)) {
      keys.add(key.toLowerCase());
      vars(values);
    }
  }
  return [...keys];
}

/** Statements of a document (Allow and Deny) whose Action/NotAction may cover `action`. */
export function signatureStatements(document: PolicyDocument, action: string): readonly SignatureStatement[] {
  const perAction = innerMap(signatureCache, document);
  const cached = perAction.get(action);
  if (cached !== undefined) return cached;
  const out: SignatureStatement[] = [];
  document.statements.forEach((s, index) => {
    if (!statementMayMatchAction(s, action)) return;
    const list = s.resource ?? s.notResource;
    out.push({
      document,
      index,
      deny: s.effect === 'Deny',
      anyResource: list === undefined || s.resource?.includes('*') === true,
      patterns: (list ?? []).map(widenPattern),
      not: s.resource === undefined && s.notResource !== undefined,
      keys: readKeys(s),
      resourceVariables: (list ?? []).some((p) => p.includes('${')),
      identityClauses: Object.values(s.condition ?? {}).flatMap((block) =>
        Object.entries(block)
          .filter(([k]) => IDENTITY_KEYS.has(k.toLowerCase()))
          .map(([k, values]) => ({ key: k.toLowerCase() as IdentityClause['key'], values })),
      ),
      identityVariables: scanDocument({ statements: [s] }).identityVariables,
    });
  });
  perAction.set(action, out);
  return out;
}

const widenPattern = (p: string): string => (p.includes('${') ? p.replace(/\$\{[^}]*\}/g, '*') : p);

/** Whether any of the patterns (variables read as wildcards) covers the ARN. */
export function patternsCover(s: SignatureStatement, arn: string): boolean {
  if (s.anyResource) return true;
  for (const p of s.patterns) if (globMatches(p, arn)) return true;
  return false;
}

// ── Principal dependence ─────────────────────────────────────────────────────────────────────

/** Condition keys whose value is the principal's own identity (not its tags, type or account). */
const IDENTITY_KEYS: ReadonlySet<string> = new Set(['aws:principalarn', 'aws:username', 'aws:userid']);
const VARIABLE = /\$\{\s*([^}\s,]+)/g;

/** A condition test on the principal's identity. */
export interface IdentityClause {
  readonly key: 'aws:principalarn' | 'aws:username' | 'aws:userid';
  readonly values: readonly string[];
}

/** What a document says about principals, beyond its statements' Principal elements. */
export interface DocumentScan {
  /** Lower-cased `aws:PrincipalTag/<key>` keys tested or substituted anywhere. */
  readonly tagKeys: readonly string[];
  readonly clauses: readonly IdentityClause[];
  /** A statement embeds `${aws:username}`, `${aws:userid}` or `${aws:PrincipalArn}`. */
  readonly identityVariables: boolean;
  /** Per statement: depends on the principal's identity (clause or variable). */
  readonly identityStatements: readonly boolean[];
  /** Per statement: depends on the principal's identity or tags. */
  readonly principalStatements: readonly boolean[];
  /**
   * Per principal tag key its conditions test: every value the tag is compared with, when each
   * test is a string or ARN comparison or a `Null` test against literal values (no `${…}`) and no
   * statement substitutes a principal tag. The outcome of each test then follows from the tag's
   * {@link valueFingerprint} against those values. `null` for a tag read any other way.
   */
  readonly tagTests: ReadonlyMap<string, readonly string[] | null>;
}

/** Operators whose outcome on a single value follows from its {@link valueFingerprint} against the operator's values. */
const FINGERPRINTED_OPERATORS = new Set([
  'stringequals',
  'stringnotequals',
  'stringequalsignorecase',
  'stringnotequalsignorecase',
  'stringlike',
  'stringnotlike',
  'arnequals',
  'arnnotequals',
  'arnlike',
  'arnnotlike',
  'null',
]);

const scanCache = new WeakMap<PolicyDocument, DocumentScan>();
const TAG_VARIABLE = /\$\{\s*aws:principaltag\//i;

function scanStrings(values: readonly string[] | undefined, tagKeys: Set<string>): boolean {
  let identity = false;
  for (const v of values ?? []) {
    if (!v.includes('${')) continue;
    for (const m of v.matchAll(VARIABLE)) {
      const name = (m[1] as string).toLowerCase();
      if (name.startsWith('aws:principaltag/')) tagKeys.add(name.slice(17));
      else if (IDENTITY_KEYS.has(name)) identity = true;
    }
  }
  return identity;
}

/** Scans (once per document) for principal-dependent conditions and variables. */
export function scanDocument(document: PolicyDocument): DocumentScan {
  const cached = scanCache.get(document);
  if (cached !== undefined) return cached;
  const tagKeys = new Set<string>();
  const clauses: IdentityClause[] = [];
  const tagTests = new Map<string, string[] | null>();
  let identityVariables = false;
  let tagVariables = false;
  const principalStatements: boolean[] = [];
  const identityStatements = document.statements.map((s: Statement) => {
    const tagsBefore = tagKeys.size;
    let tagged = false;
    let identity = scanStrings(s.resource, tagKeys) || scanStrings(s.notResource, tagKeys);
    if (identity) identityVariables = true;
    for (const [operator, keys] of Object.entries(s.condition ?? {})) {
      const compared = FINGERPRINTED_OPERATORS.has((operator.split(':').pop() ?? '').toLowerCase().replace(/ifexists$/, ''));
      for (const [key, values] of Object.entries(keys)) {
        const lower = key.toLowerCase();
        if (lower.startsWith('aws:principaltag/')) {
          const tag = lower.slice(17);
          tagKeys.add(tag);
          tagged = true;
          const known = tagTests.get(tag);
          // A value holding `${…}` is a template the evaluator fills per request (another key, or an
          // escape such as `${*}`): the tag's text alone does not say how it compares.
          const literal = compared && known !== null && !values.some((v) => v.includes('${'));
          tagTests.set(tag, literal ? [...(known ?? []), ...values] : null);
        } else if (IDENTITY_KEYS.has(lower)) {
          identity = true;
          clauses.push({ key: lower as IdentityClause['key'], values });
        }
        if (scanStrings(values, tagKeys)) {
          identity = true;
          identityVariables = true;
        }
        if (values.some((v) => TAG_VARIABLE.test(v))) tagged = tagVariables = true;
      }
    }
    if ((s.resource ?? s.notResource ?? []).some((v) => TAG_VARIABLE.test(v))) tagged = tagVariables = true;
    principalStatements.push(identity || tagged || tagKeys.size > tagsBefore);
    return identity;
  });
  if (tagVariables) for (const tag of tagTests.keys()) tagTests.set(tag, null);
  const scan: DocumentScan = { tagKeys: [...tagKeys], clauses, identityVariables, identityStatements, principalStatements, tagTests };
  scanCache.set(document, scan);
  return scan;
}

/** The value a principal gives an identity key: a string, `undefined` when absent, `null` when unknown offline. */
export function identityValue(
  key: IdentityClause['key'],
  principal: { readonly type: 'user' | 'role'; readonly arn: string; readonly name: string; readonly id: string },
): string | undefined | null {
  switch (key) {
    case 'aws:principalarn':
      return principal.arn;
    case 'aws:username':
      return principal.type === 'user' ? principal.name : undefined;
    case 'aws:userid':
      return principal.type === 'user' ? principal.id : null;
  }
}

/**
 * A fingerprint of how a clause's values compare with a principal's value under every string and
 * ARN operator. Two principals with equal fingerprints get the same outcome from the clause,
 * whatever its operator, so they can share decisions.
 */
export function clauseFingerprint(clause: IdentityClause, value: string | undefined | null): string {
  return valueFingerprint(clause.values, value);
}

/** How a value compares with each of a test's values, in every way a string or ARN operator compares ('A' when absent, 'U' when unknown). */
export function valueFingerprint(values: readonly string[], value: string | undefined | null): string {
  if (value === undefined) return 'A';
  if (value === null) return 'U';
  let out = '';
  const lower = value.toLowerCase();
  for (const v of values) {
    out += v === value ? '1' : '0';
    out += v.toLowerCase() === lower ? '1' : '0';
    out += globMatches(v, value) ? '1' : '0';
    out += globMatches(v, value, true) ? '1' : '0';
    out += arnLikeMatches(v, value) ? '1' : '0';
  }
  return out;
}

// ── Resource-side projections ────────────────────────────────────────────────────────────────

/** Who a resource-side statement applies to, within the analysed account. */
export interface StatementScope {
  /** Applies to any principal of the account (`*`, the account root, NotPrincipal, or a pattern). */
  readonly generic: boolean;
  /** Principal ARNs named explicitly (role session ARNs are reported as `assumed-role:<role name>`). */
  readonly names: readonly string[];
}

const SESSION = /^arn:[^:]+:sts::(\d{12}):assumed-role\/([^/]+)\/.+$/;

/** Which principals of `accountId` a resource-side statement can apply to. */
export function statementScope(s: Statement, accountId: string): StatementScope {
  const cached = scopes.get(s);
  if (cached !== undefined && cached.accountId === accountId) return cached.scope;
  const scope = scopeOf(s, accountId);
  scopes.set(s, { accountId, scope });
  return scope;
}

const scopes = new WeakMap<Statement, { readonly accountId: string; readonly scope: StatementScope }>();

function scopeOf(s: Statement, accountId: string): StatementScope {
  if (s.principal === undefined) return { generic: true, names: [] };
  if (s.principal === '*') return { generic: true, names: [] };
  const names: string[] = [];
  let generic = false;
  for (const value of s.principal.AWS ?? []) {
    if (value === '*' || value.includes('*') || value.includes('?')) generic = true;
    else if (value === accountId || (value.startsWith('arn:') && value.endsWith(`:iam::${accountId}:root`))) generic = true;
    else {
      const session = SESSION.exec(value);
      if (session !== null) {
        if (session[1] === accountId) names.push(`assumed-role:${session[2] as string}`);
      } else if (value.split(':')[4] === accountId) names.push(value);
    }
  }
  return { generic, names };
}

/** A resource policy restricted to the statements that can apply to some principal. */
export interface Projection {
  readonly document: PolicyDocument;
  /** Some Allow applies to everyone (`*` or NotPrincipal): it may grant without identity policies. */
  readonly grantsDirectly: boolean;
  readonly hasAllow: boolean;
  /** Per action: some statement that may cover it depends on the principal's identity or tags. */
  readonly principalSensitive: (action: string) => boolean;
  /** Interned id: equal projections have equal ids. */
  readonly id: number;
  /** Per action: the condition keys and variables the statements that may cover it read. */
  readonly keys: (action: string) => readonly string[];
  /**
   * What a request on `arn` reads of the ARN through the statements that may cover the action:
   * '' when each covers any resource; else which of them cover it, or `@` and the ARN itself when
   * a Resource or NotResource pattern embeds variables (then the principal matters too).
   */
  readonly resourceCoverage: (action: string, arn: string) => string;
  /** Some statement uses NotPrincipal, whose exemptions depend on the exact principal. */
  readonly notPrincipal: boolean;
}

/** A projection placed back in its policy: `indexMap[i]` is the original index of statement i. */
export interface ProjectedPolicy {
  readonly projection: Projection;
  readonly indexMap: readonly number[];
}

/** Interns projections so equal restricted documents are compiled and evaluated as one. */
export class ProjectionCache {
  private readonly byText = new Map<string, Projection>();

  /** Per document, per list of kept statement indices: projected before. */
  private readonly byDocument = new WeakMap<PolicyDocument, Map<string, ProjectedPolicy>>();

  project(document: PolicyDocument, keep: (s: Statement, index: number) => boolean): ProjectedPolicy {
    const statements: Statement[] = [];
    const indexMap: number[] = [];
    const sensitive: boolean[] = [];
    const scan = scanDocument(document);
    document.statements.forEach((s, i) => {
      if (!keep(s, i)) return;
      statements.push(s);
      indexMap.push(i);
      sensitive.push(scan.principalStatements[i] === true);
    });
    const perDocument = innerMap(this.byDocument, document);
    const kept = indexMap.join(',');
    const known = perDocument.get(kept);
    if (known !== undefined) return known;
    const projected = this.intern(document, statements, indexMap, sensitive);
    perDocument.set(kept, projected);
    return projected;
  }

  /** The projection of those statements, shared with every document that projects to the same text. */
  private intern(document: PolicyDocument, statements: Statement[], indexMap: number[], sensitive: boolean[]): ProjectedPolicy {
    const text = JSON.stringify([document.version ?? '', statements]);
    let projection = this.byText.get(text);
    if (projection === undefined) {
      const doc: PolicyDocument = document.version !== undefined ? { version: document.version, statements } : { statements };
      const memo = new Map<string, boolean>();
      const keyMemo = new Map<string, readonly string[]>();
      const narrowMemo = new Map<string, readonly SignatureStatement[]>();
      const narrow = (action: string): readonly SignatureStatement[] => {
        let list = narrowMemo.get(action);
        if (list === undefined) {
          list = signatureStatements(doc, action).filter((st) => !st.anyResource || st.not);
          narrowMemo.set(action, list);
        }
        return list;
      };
      projection = {
        id: this.byText.size,
        keys: (action) => {
          let keys = keyMemo.get(action);
          if (keys === undefined) {
            keys = [...new Set(signatureStatements(doc, action).flatMap((st) => st.keys))];
            keyMemo.set(action, keys);
          }
          return keys;
        },
        resourceCoverage: (action, arn) => {
          const list = narrow(action);
          if (list.length === 0) return '';
          if (list.some((st) => st.resourceVariables)) return `@${arn}`;
          let bits = '';
          for (const st of list) bits += patternsCover(st, arn) ? '1' : '0';
          return bits;
        },
        notPrincipal: statements.some((st) => st.notPrincipal !== undefined),
        document: doc,
        grantsDirectly: statements.some(
          (s) => s.effect === 'Allow' && (s.principal === '*' || s.notPrincipal !== undefined || (s.principal?.AWS ?? []).includes('*')),
        ),
        hasAllow: statements.some((s) => s.effect === 'Allow'),
        principalSensitive: (action) => {
          let hit = memo.get(action);
          if (hit === undefined) {
            hit = statements.some((s, i) => sensitive[i] === true && statementMayMatchAction(s, action));
            memo.set(action, hit);
          }
          return hit;
        },
      };
      this.byText.set(text, projection);
    }
    return { projection, indexMap };
  }
}
