import type { CompiledStatement } from './compile.js';
import { compileDocument, filterMatches } from './compile.js';
import { evaluateCondition } from './conditions.js';
import type { PrincipalContext, RequestContext, Tri } from './context.js';
import { ABSENT, NO, UNK, YES } from './context.js';
import { instantiate, piecesMatcher } from './patterns.js';
import type { PrincipalMatch } from './principals.js';
import { ACCOUNT, DIRECT, exemptFromNotPrincipalDeny, matchNotPrincipalAllow, matchPrincipal, NONE, ROLE } from './principals.js';
import type { PolicyDocument, PolicySource } from './types.js';

export type { PrincipalContext, RequestContext, ResourceContext } from './context.js';

/**
 * IAM policy evaluation for requests within one account, as AWS documents it
 * ("Policy evaluation logic"), decided offline from a snapshot and therefore three-valued: what
 * depends on the live request (source IP, MFA, VPC endpoint …) is reported as conditional, never
 * silently granted nor silently dropped.
 *
 * Rules (each has an allowing and a denying test in test/unit/core/policy):
 * 1. Explicit deny wins: a Deny statement that applies in any applicable policy (SCP, RCP, the
 *    resource/key/trust policy, identity policies, the permissions boundary) denies.
 * 2. SCPs: when the account is in an organization, every level from the root to the account must
 *    contain an Allow for the request. They govern the account root user too. They do not govern
 *    the management account or service-linked roles: the caller passes `scps: []` for those.
 * 3. RCPs: likewise on the resource side, for the services RCPs cover ({@link RCP_SERVICES}).
 * 4. Identity policies: at least one Allow (the root user needs none: it has full access).
 * 5. Permissions boundary: when present, it must Allow too — except that a resource-side policy
 *    naming an IAM user ARN or a role session ARN directly grants in spite of an implicit deny in
 *    identity policies and boundary; naming a role ARN bypasses identity policies but not the boundary.
 *    `Principal: "*"` counts as naming a user by its ARN and a role by its role ARN.
 * 6. Resource modes:
 *    - `none`: identity (and boundary) decide.
 *    - `resource-policy` (e.g. a secret): identity Allow OR a resource-policy Allow naming the
 *      principal directly; naming the account root only delegates to identity policies.
 *    - `kms-key`: the key policy is the gate. An Allow naming the principal (its ARN, a session of
 *      the role, or `*`) grants; one naming the account root delegates, so identity policies and
 *      boundary must Allow too; without either, no identity policy can grant use of the key. A
 *      missing key policy grants nothing.
 *    - `trust-policy` (sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity on a role): the trust
 *      policy must Allow; naming the principal needs no identity Allow, naming the account root
 *      needs an identity Allow of the action on the role ARN. The root user cannot assume roles.
 * 7. Statement matching: Action/NotAction (case-insensitive wildcards), Resource/NotResource
 *    (case-sensitive wildcards and policy variables), Principal/NotPrincipal (resource-side
 *    policies only), Condition (see conditions.ts). A statement whose Resource or Condition cannot
 *    be decided offline is UNKNOWN: an UNKNOWN Allow grants conditionally, an UNKNOWN Deny does not
 *    deny but makes the decision conditional, and both are reported in `unknownConditions`.
 * 8. NotPrincipal with Deny exempts a user only when its ARN and its account are listed, a role
 *    only when the session ARN, role ARN and account are, and never a principal with a permissions
 *    boundary (see principals.ts). A Deny naming the account root covers every principal in it.
 */

/** Names one statement of one policy: the witness of a decision. */
export interface StatementRef {
  /** `PolicySource.id`; for SCPs and RCPs `scp[<level>][<index>]` / `rcp[<level>][<index>]`, level 0 = root. */
  readonly policyId: string;
  readonly policyKind: PolicySource['kind'];
  readonly statementIndex: number;
  readonly sid?: string;
}

/**
 * A test that could not be decided offline. `operator`/`key`/`values` are the condition's; when
 * the unknown came from a policy variable in `Resource`/`NotResource`, `operator` is that element's
 * name, `key` the variable and `values` the patterns.
 */
export interface UnknownCondition extends StatementRef {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}

export interface Decision {
  readonly decision: 'allow' | 'explicit-deny' | 'implicit-deny';
  /** true when the allow depends on condition keys that cannot be known offline (aws:SourceIp, kms:ViaService, aws:MultiFactorAuthPresent ...), or when a Deny was skipped only because its condition was unknown. Always false for denials. */
  readonly conditional: boolean;
  /** For an allow: the unknown tests of the witnesses (when conditional) and of every skipped Deny. Empty for denials. */
  readonly unknownConditions: readonly UnknownCondition[];
  /** Witness: the statements whose Allow made the decision (one per layer that had to allow): the path's identity/boundary/resource statements, then one per SCP level, then one per RCP level. */
  readonly allowedBy: readonly StatementRef[];
  readonly deniedBy?: StatementRef;
}

export interface PolicySet {
  /** The user's inline and managed policies and those of its groups, or the role's inline and managed policies. */
  readonly identity: readonly PolicySource[];
  readonly permissionsBoundary?: PolicySource;
  /** KMS key policy, secret resource policy, or role trust policy. Ignored when `resourceMode` is `none`. */
  readonly resource?: PolicySource;
  readonly resourceMode: 'kms-key' | 'resource-policy' | 'trust-policy' | 'none';
  /** Per level, root first; [] = no organization (or a principal SCPs do not apply to). */
  readonly scps: readonly (readonly PolicyDocument[])[];
  readonly rcps: readonly (readonly PolicyDocument[])[];
}

/**
 * Service prefixes resource control policies apply to. Other services' resources are never
 * restricted by RCPs; an unlisted service errs towards reporting reach.
 */
export const RCP_SERVICES: ReadonlySet<string> = new Set(['s3', 'sts', 'sqs', 'secretsmanager', 'kms']);

const EMPTY: readonly never[] = Object.freeze([]);

const rcpCoverage = new Map<string, boolean>();

/** Whether RCPs govern the action's service; memoised per action string. */
function rcpCovers(action: string): boolean {
  let covered = rcpCoverage.get(action);
  if (covered === undefined) {
    covered = RCP_SERVICES.has(action.slice(0, action.indexOf(':')).toLowerCase());
    if (rcpCoverage.size < 10_000) rcpCoverage.set(action, covered);
  }
  return covered;
}

const IMPLICIT_DENY: Decision = Object.freeze({
  decision: 'implicit-deny',
  conditional: false,
  unknownConditions: EMPTY,
  allowedBy: EMPTY,
});

// ── Indexes ──────────────────────────────────────────────────────────────────────────────────
//
// Every policy layer (a principal's identity policies, a boundary, a key policy, the SCPs of an
// organization …) is indexed once per action: the statements whose Action/NotAction covers it,
// split into Allows and Denies. The index hangs off the object the caller passes (the identity
// array, the PolicySource, the SCP level arrays) in a WeakMap, so the reach engine, which reuses
// those objects across millions of calls, pays one lookup per layer instead of a scan of every
// statement.

/** A statement located in its policy, with its reference built once. */
interface Located {
  readonly statement: CompiledStatement;
  readonly ref: StatementRef;
}

interface Slice {
  readonly allows: readonly Located[];
  readonly denies: readonly Located[];
}

const EMPTY_SLICE: Slice = { allows: EMPTY, denies: EMPTY };

/** The statements of one policy, located; shared by every index that includes the policy. */
const locatedCache = new WeakMap<PolicyDocument, Map<string, readonly Located[]>>();

function locate(id: string, kind: PolicySource['kind'], document: PolicyDocument): readonly Located[] {
  let byOwner = locatedCache.get(document);
  if (byOwner === undefined) {
    byOwner = new Map();
    locatedCache.set(document, byOwner);
  }
  const owner = `${kind}\u0000${id}`;
  let located = byOwner.get(owner);
  if (located === undefined) {
    located = compileDocument(document).statements.map((statement): Located => {
      const sid = statement.statement.sid;
      const ref: StatementRef =
        sid === undefined
          ? { policyId: id, policyKind: kind, statementIndex: statement.index }
          : { policyId: id, policyKind: kind, statementIndex: statement.index, sid };
      return { statement, ref };
    });
    byOwner.set(owner, located);
  }
  return located;
}

/** The statements of one layer, sliced per action on demand. */
class LayerIndex {
  private readonly byAction = new Map<string, Slice>();

  constructor(private readonly statements: readonly Located[]) {}

  static of(
    sources: readonly { readonly id: string; readonly kind: PolicySource['kind']; readonly document: PolicyDocument }[],
  ): LayerIndex {
    const only = sources.length === 1 ? sources[0] : undefined;
    // A single policy's located statements are shared as they are; several are concatenated.
    return new LayerIndex(
      only !== undefined ? locate(only.id, only.kind, only.document) : sources.flatMap((s) => locate(s.id, s.kind, s.document)),
    );
  }

  slice(action: string): Slice {
    const cached = this.byAction.get(action);
    if (cached !== undefined) return cached;
    const lower = action.toLowerCase();
    const allows: Located[] = [];
    const denies: Located[] = [];
    for (const l of this.statements) {
      if (filterMatches(l.statement.actions, lower)) (l.statement.deny ? denies : allows).push(l);
    }
    const slice = allows.length === 0 && denies.length === 0 ? EMPTY_SLICE : { allows, denies };
    this.byAction.set(action, slice);
    return slice;
  }
}

const identityIndexes = new WeakMap<readonly PolicySource[], LayerIndex>();
const sourceIndexes = new WeakMap<PolicySource, LayerIndex>();
const orgIndexes = { scp: new WeakMap<object, LayerIndex[]>(), rcp: new WeakMap<object, LayerIndex[]>() };

function identityIndex(sources: readonly PolicySource[]): LayerIndex {
  let index = identityIndexes.get(sources);
  if (index === undefined) {
    index = LayerIndex.of(sources);
    identityIndexes.set(sources, index);
  }
  return index;
}

function sourceIndex(source: PolicySource): LayerIndex {
  let index = sourceIndexes.get(source);
  if (index === undefined) {
    index = LayerIndex.of([source]);
    sourceIndexes.set(source, index);
  }
  return index;
}

function orgIndex(kind: 'scp' | 'rcp', levels: readonly (readonly PolicyDocument[])[]): LayerIndex[] {
  let index = orgIndexes[kind].get(levels);
  if (index === undefined) {
    index = levels.map((level, l) => LayerIndex.of(level.map((document, i) => ({ id: `${kind}[${l}][${i}]`, kind, document }))));
    orgIndexes[kind].set(levels, index);
  }
  return index;
}

// ── Statement tests ──────────────────────────────────────────────────────────────────────────

const min = (a: Tri, b: Tri): Tri => (a < b ? a : b);

/** Resource/NotResource of a statement against the request's resource. */
function resourceTri(s: CompiledStatement, request: RequestContext): Tri {
  const list = s.resources;
  if (list === undefined) return YES;
  const arn = request.resource.arn;
  let result: Tri = NO;
  for (const r of list) {
    if (r.matcher !== undefined) {
      if (r.matcher(arn)) {
        result = YES;
        break;
      }
      continue;
    }
    const instantiated = instantiate(r.parts, request);
    if (instantiated === ABSENT || !piecesMatcher(instantiated.pieces, 'plain')(arn)) continue;
    if (instantiated.unknown) result = UNK;
    else {
      result = YES;
      break;
    }
  }
  return s.notResource ? ((2 - result) as Tri) : result;
}

function conditionsTri(s: CompiledStatement, request: RequestContext): Tri {
  let result: Tri = YES;
  for (const c of s.conditions) {
    const r = evaluateCondition(c, request);
    if (r === NO) return NO;
    if (r === UNK) result = UNK;
  }
  return result;
}

/** Resource and conditions of a statement whose action (and principal) already match. */
function bodyTri(s: CompiledStatement, request: RequestContext): Tri {
  const r = resourceTri(s, request);
  if (r === NO) return NO;
  return s.conditions.length === 0 ? r : min(r, conditionsTri(s, request));
}

/**
 * How a resource-side statement names the principal. A statement without Principal or
 * NotPrincipal is invalid there and never applies, except in RCPs (which always name `*`).
 */
function principalMatch(s: CompiledStatement, principal: PrincipalContext, rcp: boolean, hasBoundary: boolean): PrincipalMatch {
  if (s.principals === undefined) return rcp ? DIRECT : NONE;
  if (!s.notPrincipal) return matchPrincipal(s.principals, principal);
  if (s.deny) return exemptFromNotPrincipalDeny(s.principals, principal, hasBoundary) ? NONE : DIRECT;
  return matchNotPrincipalAllow(s.principals, principal);
}

/** The UNKNOWN parts of a statement, re-evaluated only when a decision is reported. */
function unknownsOf(located: Located, request: RequestContext, out: UnknownCondition[]): void {
  const s = located.statement;
  const ref = located.ref;
  if (s.resources !== undefined) {
    for (const r of s.resources) {
      if (r.parts === undefined) continue;
      const instantiated = instantiate(r.parts, request);
      if (instantiated === ABSENT || !instantiated.unknown || !piecesMatcher(instantiated.pieces, 'plain')(request.resource.arn)) continue;
      for (const part of r.parts) {
        if (part.kind !== 'variable') continue;
        out.push({ ...ref, operator: s.notResource ? 'NotResource' : 'Resource', key: part.key.name, values: [r.pattern] });
        break;
      }
    }
  }
  for (const c of s.conditions) {
    if (evaluateCondition(c, request) === UNK) out.push({ ...ref, operator: c.operator, key: c.key, values: c.values });
  }
}

// ── Evaluation ───────────────────────────────────────────────────────────────────────────────
//
// authorize() is synchronous and calls no user code, so one set of scratch slots serves every
// call: a denial allocates nothing. Slots: the identity layer, the boundary, the three ways a
// resource-side policy can name the principal, then one per SCP level and one per RCP level.

const IDENTITY = 0;
const BOUNDARY = 1;
/** RESOURCE + PrincipalMatch (ACCOUNT 1, ROLE 2, DIRECT 3) → slots 2, 3, 4. */
const RESOURCE = 1;
const ORG = 5;

const IDENTITY_PATH: readonly number[] = [IDENTITY, BOUNDARY];
const DIRECT_PATH: readonly number[] = [RESOURCE + DIRECT];
const ROLE_PATH: readonly number[] = [RESOURCE + ROLE, BOUNDARY];
const DELEGATED_PATH: readonly number[] = [RESOURCE + ACCOUNT, IDENTITY, BOUNDARY];

let tri = new Uint8Array(16);
let witness: (Located | undefined)[] = new Array<Located | undefined>(16).fill(undefined);
let unknownDenies: Located[] = [];
let denied: Located | undefined;

function reset(slots: number): void {
  if (tri.length < slots) {
    tri = new Uint8Array(slots * 2);
    witness = new Array<Located | undefined>(slots * 2).fill(undefined);
  }
  tri.fill(NO, 0, slots);
  witness.fill(undefined, 0, slots);
  if (unknownDenies.length > 0) unknownDenies = [];
  denied = undefined;
}

function offer(slot: number, t: Tri, located: Located): void {
  if (t > (tri[slot] as number)) {
    tri[slot] = t;
    witness[slot] = located;
  }
}

/** Records an applicable Deny; true when it denies for certain (scanning can stop). */
function deny(t: Tri, located: Located): boolean {
  if (t === YES) {
    denied = located;
    return true;
  }
  unknownDenies.push(located);
  return false;
}

/** Identity, boundary and SCP statements: no Principal element applies. True when a Deny is certain. */
function scanPrincipalless(slice: Slice, slot: number, request: RequestContext): boolean {
  for (const l of slice.denies) {
    const t = bodyTri(l.statement, request);
    if (t !== NO && deny(t, l)) return true;
  }
  for (const l of slice.allows) {
    const t = bodyTri(l.statement, request);
    offer(slot, t, l);
    if (t === YES) break;
  }
  return false;
}

/** Resource-side statements: Allows land in the slot for how they name the principal. True when a Deny is certain. */
function scanResourceSide(slice: Slice, base: number, rcp: boolean, request: RequestContext, hasBoundary: boolean): boolean {
  const principal = request.principal;
  for (const l of slice.denies) {
    if (principalMatch(l.statement, principal, rcp, hasBoundary) === NONE) continue;
    const t = bodyTri(l.statement, request);
    if (t !== NO && deny(t, l)) return true;
  }
  for (const l of slice.allows) {
    const match = principalMatch(l.statement, principal, rcp, hasBoundary);
    if (match === NONE) continue;
    const slot = rcp ? base : base + match;
    if (tri[slot] === YES) continue;
    offer(slot, bodyTri(l.statement, request), l);
  }
  return false;
}

function explicitDeny(located: Located): Decision {
  return { decision: 'explicit-deny', conditional: false, unknownConditions: EMPTY, allowedBy: EMPTY, deniedBy: located.ref };
}

/** The lowest truth over slots [from, to). */
function all(from: number, to: number): Tri {
  let t: Tri = YES;
  for (let i = from; i < to; i++) if ((tri[i] as number) < t) t = tri[i] as Tri;
  return t;
}

/**
 * Decides whether `request.principal` may perform `request.action` on `request.resource` given
 * every policy that applies, within one account. See the module comment for the rules.
 *
 * Fast enough for reach analysis over whole organisations: documents are compiled once, each
 * layer is indexed once per action, and a denial allocates nothing. The indexes hang off the
 * objects passed in (documents, the identity array, PolicySources, the SCP/RCP arrays), so pass the
 * same objects again for the same principal or resource, and never mutate them once passed: a
 * fresh array or PolicySource still works but costs an index build.
 *
 * @example
 * ```ts
 * const decision = authorize(
 *   {
 *     principal: { arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', type: 'user', id: 'AIDAEXAMPLE', name: 'alice', tags: {} },
 *     action: 'kms:Sign',
 *     resource: { arn: keyArn, accountId: '111122223333', tags: {} },
 *   },
 *   { identity: alicePolicies, resource: { id: keyArn, kind: 'resource', document: keyPolicy }, resourceMode: 'kms-key', scps: [], rcps: [] },
 * );
 * if (decision.decision === 'allow') report(decision.allowedBy, decision.conditional);
 * ```
 */
export function authorize(request: RequestContext, policies: PolicySet): Decision {
  const action = request.action;
  const principal = request.principal;
  const isRoot = principal.type === 'root';
  const boundary = isRoot ? undefined : policies.permissionsBoundary;
  const hasBoundary = boundary !== undefined;
  const rcpApplies = policies.resourceMode !== 'none' && policies.rcps.length > 0 && rcpCovers(action);
  const scpLevels = policies.scps.length === 0 ? EMPTY : orgIndex('scp', policies.scps);
  const rcpLevels = rcpApplies ? orgIndex('rcp', policies.rcps) : EMPTY;
  const rcpBase = ORG + scpLevels.length;
  const slots = rcpBase + rcpLevels.length;
  reset(slots);

  // 1. Every Deny of every applicable policy; the first certain one decides.
  // 2. Allows, layer by layer, each slot keeping its best (certain before conditional) witness.
  for (let i = 0; i < scpLevels.length; i++) {
    if (scanPrincipalless((scpLevels[i] as LayerIndex).slice(action), ORG + i, request)) return explicitDeny(denied as Located);
  }
  for (let i = 0; i < rcpLevels.length; i++) {
    if (scanResourceSide((rcpLevels[i] as LayerIndex).slice(action), rcpBase + i, true, request, hasBoundary))
      return explicitDeny(denied as Located);
  }
  const resource = policies.resourceMode === 'none' ? undefined : policies.resource;
  if (resource !== undefined && scanResourceSide(sourceIndex(resource).slice(action), RESOURCE, false, request, hasBoundary)) {
    return explicitDeny(denied as Located);
  }
  if (policies.identity.length > 0 && scanPrincipalless(identityIndex(policies.identity).slice(action), IDENTITY, request)) {
    return explicitDeny(denied as Located);
  }
  if (boundary === undefined) tri[BOUNDARY] = YES;
  else if (scanPrincipalless(sourceIndex(boundary).slice(action), BOUNDARY, request)) return explicitDeny(denied as Located);
  if (isRoot) {
    // The root user is not governed by identity policies: it has every permission in its account.
    tri[IDENTITY] = YES;
    witness[IDENTITY] = undefined;
  }

  // 3. Every SCP and RCP level must allow.
  const orgTri = all(ORG, slots);
  if (orgTri === NO) return IMPLICIT_DENY;

  // 4. Some path through identity, boundary and resource policy must allow (see rule 6).
  const identityPath = min(tri[IDENTITY] as Tri, tri[BOUNDARY] as Tri);
  const direct = tri[RESOURCE + DIRECT] as Tri;
  const viaRole = min(tri[RESOURCE + ROLE] as Tri, tri[BOUNDARY] as Tri);
  const delegated = min(tri[RESOURCE + ACCOUNT] as Tri, identityPath);
  // Candidate paths in order of preference; the first with the highest truth wins.
  const candidates: readonly (readonly [Tri, readonly number[]])[] =
    policies.resourceMode === 'none'
      ? [[identityPath, IDENTITY_PATH]]
      : policies.resourceMode === 'resource-policy'
        ? [
            [identityPath, IDENTITY_PATH],
            [direct, DIRECT_PATH],
            [viaRole, ROLE_PATH],
          ]
        : policies.resourceMode === 'trust-policy' && isRoot
          ? [] // the root user cannot assume roles
          : [
              [direct, DIRECT_PATH],
              [viaRole, ROLE_PATH],
              [delegated, DELEGATED_PATH],
            ];
  let best: Tri = NO;
  let path: readonly number[] = EMPTY;
  for (const [truth, slots] of candidates) {
    if (truth > best) {
      best = truth;
      path = slots;
    }
  }
  const finalTri = min(orgTri, best);
  if (finalTri === NO) return IMPLICIT_DENY;

  // 5. Report: the witnesses of the chosen path and of every SCP/RCP level, and what was unknown.
  const allowedBy: StatementRef[] = [];
  const unknownConditions: UnknownCondition[] = [];
  const report = (slot: number): void => {
    const w = witness[slot];
    if (w === undefined) return;
    allowedBy.push(w.ref);
    if (tri[slot] === UNK) unknownsOf(w, request, unknownConditions);
  };
  for (const slot of path) report(slot);
  for (let slot = ORG; slot < slots; slot++) report(slot);
  for (const d of unknownDenies) unknownsOf(d, request, unknownConditions);
  return { decision: 'allow', conditional: finalTri === UNK || unknownConditions.length > 0, unknownConditions, allowedBy };
}
