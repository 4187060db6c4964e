import type { CompiledCondition } from './conditions.js';
import { compileConditions } from './conditions.js';
import type { PrincipalContext } from './context.js';
import { ABSENT } from './context.js';
import type { Matcher, TemplatePart } from './patterns.js';
import { actionMatcher, globMatcher, instantiate, parseTemplate, patternMayMatch, piecesMatcher } from './patterns.js';
import type { CompiledPrincipals } from './principals.js';
import { compilePrincipals } from './principals.js';
import type { PolicyDocument, Statement } from './types.js';

/**
 * Policy documents compiled once for evaluation: wildcard patterns become cached matchers,
 * conditions are flattened and classified, principals indexed. The compiled form hangs off the
 * document object in a WeakMap, so callers keep passing plain {@link PolicyDocument}s and a document
 * shared by many principals (a managed policy, an SCP) is compiled once.
 */

interface ActionFilter {
  readonly patterns: readonly Matcher[];
  readonly not: boolean;
  /** Per lower-cased action: the reach engine asks about a handful of actions millions of times. */
  readonly memo: Map<string, boolean>;
}

export type CompiledResource =
  | { readonly pattern: string; readonly matcher: Matcher; readonly parts?: undefined }
  | { readonly pattern: string; readonly matcher?: undefined; readonly parts: readonly TemplatePart[] };

export interface CompiledStatement {
  readonly index: number;
  readonly statement: Statement;
  readonly deny: boolean;
  readonly actions: ActionFilter;
  /** Undefined: the statement has neither Resource nor NotResource (trust policies) and covers any resource. */
  readonly resources: readonly CompiledResource[] | undefined;
  readonly notResource: boolean;
  /** Undefined: neither Principal nor NotPrincipal. */
  readonly principals: CompiledPrincipals | undefined;
  readonly notPrincipal: boolean;
  readonly conditions: readonly CompiledCondition[];
}

export interface CompiledDocument {
  readonly document: PolicyDocument;
  readonly statements: readonly CompiledStatement[];
  /** Per lower-cased action: does any statement of that effect possibly match it? */
  readonly mayAllow: Map<string, boolean>;
  readonly mayDeny: Map<string, boolean>;
}

const actionFilters = new WeakMap<Statement, ActionFilter>();

function actionFilter(statement: Statement): ActionFilter {
  let filter = actionFilters.get(statement);
  if (filter === undefined) {
    const patterns = (statement.action ?? statement.notAction ?? []).map(actionMatcher);
    filter = { patterns, not: statement.action === undefined, memo: new Map() };
    actionFilters.set(statement, filter);
  }
  return filter;
}

/** Whether a statement's Action/NotAction covers an action that is already lower-cased. */
export function filterMatches(filter: ActionFilter, actionLower: string): boolean {
  const memo = filter.memo.get(actionLower);
  if (memo !== undefined) return memo;
  let hit = false;
  for (const m of filter.patterns) {
    if (m(actionLower)) {
      hit = true;
      break;
    }
  }
  const result = filter.not ? !hit : hit;
  filter.memo.set(actionLower, result);
  return result;
}

/**
 * True when the statement's `Action` (or `NotAction`) covers the action, ignoring resources,
 * principals and conditions. Memoised per statement and action: cheap enough to filter tens of
 * thousands of policies before any real evaluation.
 *
 * @example
 * ```ts
 * statementMayMatchAction({ effect: 'Allow', notAction: ['iam:*'], resource: ['*'] }, 'kms:Sign'); // true
 * ```
 */
export function statementMayMatchAction(statement: Statement, action: string): boolean {
  return filterMatches(actionFilter(statement), action.toLowerCase());
}

/**
 * True when the statement's `Resource` (or `NotResource`) could cover the ARN for some principal:
 * policy variables are read as wildcards, so this over-approximates; a statement without either
 * element covers everything. For indexing only; `authorize` decides.
 */
export function statementMayMatchResource(statement: Statement, arn: string): boolean {
  if (statement.resource !== undefined) return statement.resource.some((p) => patternMayMatch(p, arn));
  if (statement.notResource !== undefined) {
    // A NotResource pattern with a variable might exclude the ARN for one principal but not another.
    return !statement.notResource.some((p) => parseTemplate(p) === undefined && globMatcher(p)(arn));
  }
  return true;
}

/** Variables whose value the principal alone fixes, whatever the request (see `resolveKey`). */
const PRINCIPAL_VARIABLES: ReadonlySet<string> = new Set([
  'username',
  'userid',
  'principalarn',
  'principalaccount',
  'calleraccount',
  'principaltype',
  'principaltag',
  'principalisawsservice',
]);

const NEVER: Matcher = () => false;

/**
 * Whether a statement's Resource (or NotResource) list holds an ARN, for every request by one
 * principal that carries no extra context keys: the matchers `authorize` would use, with the
 * principal's values substituted for its policy variables. Undefined when some variable depends
 * on the request (resource tags, other context keys) or cannot be known offline, so that which
 * resources the list holds is not fixed by the principal. A statement without either element
 * holds every ARN.
 */
export function principalResourceMatcher(
  document: PolicyDocument,
  statementIndex: number,
  principal: PrincipalContext,
): Matcher | undefined {
  const resources = compileDocument(document).statements[statementIndex]?.resources;
  if (resources === undefined) return () => true;
  const request = { principal, action: '', resource: { arn: '', accountId: principal.accountId, tags: {} } };
  const matchers: Matcher[] = [];
  for (const r of resources) {
    if (r.matcher !== undefined) {
      matchers.push(r.matcher);
      continue;
    }
    for (const part of r.parts) if (part.kind === 'variable' && !PRINCIPAL_VARIABLES.has(part.key.kind)) return undefined;
    const instantiated = instantiate(r.parts, request);
    if (instantiated === ABSENT) continue;
    if (instantiated.unknown) return undefined;
    matchers.push(piecesMatcher(instantiated.pieces, 'plain'));
  }
  if (matchers.length === 0) return NEVER;
  return matchers.length === 1 ? (matchers[0] as Matcher) : (arn) => matchers.some((m) => m(arn));
}

const compiledDocuments = new WeakMap<PolicyDocument, CompiledDocument>();

/** Compiles (once) and returns the evaluation form of a document. */
export function compileDocument(document: PolicyDocument): CompiledDocument {
  const cached = compiledDocuments.get(document);
  if (cached !== undefined) return cached;
  const variables = document.version === '2012-10-17';
  const statements = document.statements.map((statement, index): CompiledStatement => {
    const resourceList = statement.resource ?? statement.notResource;
    const principalBlock = statement.principal ?? statement.notPrincipal;
    return {
      index,
      statement,
      deny: statement.effect === 'Deny',
      actions: actionFilter(statement),
      resources: resourceList?.map((pattern): CompiledResource => {
        const parts = variables ? parseTemplate(pattern) : undefined;
        return parts === undefined ? { pattern, matcher: globMatcher(pattern) } : { pattern, parts };
      }),
      notResource: statement.resource === undefined && statement.notResource !== undefined,
      principals: principalBlock === undefined ? undefined : compilePrincipals(principalBlock),
      notPrincipal: statement.principal === undefined && statement.notPrincipal !== undefined,
      conditions: statement.condition === undefined ? [] : compileConditions(statement.condition, variables),
    };
  });
  const compiled: CompiledDocument = { document, statements, mayAllow: new Map(), mayDeny: new Map() };
  compiledDocuments.set(document, compiled);
  return compiled;
}

function documentMay(document: PolicyDocument, action: string, deny: boolean): boolean {
  const compiled = compileDocument(document);
  const lower = action.toLowerCase();
  const memo = deny ? compiled.mayDeny : compiled.mayAllow;
  const cached = memo.get(lower);
  if (cached !== undefined) return cached;
  const result = compiled.statements.some((s) => s.deny === deny && filterMatches(s.actions, lower));
  memo.set(lower, result);
  return result;
}

/**
 * True when some Allow statement of the document covers the action (ignoring resources,
 * principals and conditions). Memoised per document and action: lets the reach engine skip
 * principals and keys that cannot possibly be granted an action.
 */
export function documentMayAllow(document: PolicyDocument, action: string): boolean {
  return documentMay(document, action, false);
}

/** True when some Deny statement of the document covers the action (ignoring everything else). */
export function documentMayDeny(document: PolicyDocument, action: string): boolean {
  return documentMay(document, action, true);
}
