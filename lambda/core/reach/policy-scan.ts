import { statementMayMatchAction } from '../policy/index.js';
import type { PolicyDocument, PolicySource, Statement } from '../policy/types.js';
import { arnLikeMatches, globMatches } from './arn-index.js';

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
  let perAction = allowCache.get(source);
  if (perAction === undefined) {
    perAction = new Map();
    allowCache.set(source, perAction);
  }
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
}

const scanCache = new WeakMap<PolicyDocument, DocumentScan>();

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
  let identityVariables = false;
  const identityStatements = document.statements.map((s: Statement) => {
    let identity = scanStrings(s.resource, tagKeys) || scanStrings(s.notResource, tagKeys);
    if (identity) identityVariables = true;
    for (const keys of Object.values(s.condition ?? {})) {
      for (const [key, values] of Object.entries(keys)) {
        const lower = key.toLowerCase();
        if (lower.startsWith('aws:principaltag/')) tagKeys.add(lower.slice(17));
        else if (IDENTITY_KEYS.has(lower)) {
          identity = true;
          clauses.push({ key: lower as IdentityClause['key'], values });
        }
        if (scanStrings(values, tagKeys)) {
          identity = true;
          identityVariables = true;
        }
      }
    }
    return identity;
  });
  const scan: DocumentScan = { tagKeys: [...tagKeys], clauses, identityVariables, identityStatements };
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
  if (value === undefined) return 'A';
  if (value === null) return 'U';
  let out = '';
  const lower = value.toLowerCase();
  for (const v of clause.values) {
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
  /** Per action: some statement that may cover it depends on the principal's identity. */
  readonly identitySensitive: (action: string) => boolean;
}

/** A projection placed back in its policy: `indexMap[i]` is the original index of statement i. */
export interface ProjectedPolicy {
  readonly projection: Projection;
  readonly indexMap: readonly number[];
}

/** Interns projections so equal restricted documents are compiled and evaluated as one. */
export class ProjectionCache {
  private readonly byText = new Map<string, Projection>();

  project(document: PolicyDocument, keep: (s: Statement, index: number) => boolean): ProjectedPolicy {
    const statements: Statement[] = [];
    const indexMap: number[] = [];
    const identity: boolean[] = [];
    const scan = scanDocument(document);
    document.statements.forEach((s, i) => {
      if (!keep(s, i)) return;
      statements.push(s);
      indexMap.push(i);
      identity.push(scan.identityStatements[i] === true);
    });
    const text = JSON.stringify([document.version ?? '', statements]);
    let projection = this.byText.get(text);
    if (projection === undefined) {
      const doc: PolicyDocument = document.version !== undefined ? { version: document.version, statements } : { statements };
      const memo = new Map<string, boolean>();
      projection = {
        document: doc,
        grantsDirectly: statements.some(
          (s) => s.effect === 'Allow' && (s.principal === '*' || s.notPrincipal !== undefined || (s.principal?.AWS ?? []).includes('*')),
        ),
        hasAllow: statements.some((s) => s.effect === 'Allow'),
        identitySensitive: (action) => {
          let hit = memo.get(action);
          if (hit === undefined) {
            hit = statements.some((s, i) => identity[i] === true && statementMayMatchAction(s, action));
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
