import { compileDocument, filterMatches } from './compile.js';
import type { CompiledDocument, CompiledStatement } from './compile.js';
import { evaluateCondition } from './conditions.js';
import { ABSENT, NO, UNK, UNKNOWN, YES } from './context.js';
import type { RequestContext, Tri } from './context.js';
import { instantiate, piecesMatcher } from './patterns.js';
import {
  ACCOUNT,
  DIRECT,
  exemptFromNotPrincipalDeny,
  matchNotPrincipalAllow,
  matchPrincipal,
  NONE,
  ROLE,
} from './principals.js';
import type { PrincipalMatch } from './principals.js';
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
 *    contain an Allow for the request. They apply to the account root too (and are not applied to
 *    the management account or service-linked roles only if the caller passes `scps: []` for them).
 * 3. RCPs: likewise on the resource side, for the services RCPs cover ({@link RCP_SERVICES}).
 * 4. Identity policies: at least one Allow (the root user needs none: it has full access).
 * 5. Permissions boundary: when present, it must Allow too — except that a resource-side policy
 *    naming an IAM user ARN or a role session ARN directly grants in spite of an implicit deny in
 *    identity policies and boundary; naming a role ARN bypasses identity policies but not the boundary.
 * 6. Resource modes:
 *    - `none`: identity (and boundary) decide.
 *    - `resource-policy` (e.g. a secret): identity Allow OR a resource-policy Allow naming the
 *      principal directly; naming the account root only delegates to identity policies.
 *    - `kms-key`: the key policy is the gate. An Allow naming the principal (its ARN, a session of
 *      the role, or `*`) grants; one naming the account root delegates, so identity policies and
 *      boundary must Allow too; without either, no identity policy can grant use of the key.
 *    - `trust-policy` (sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity on a role): the trust
 *      policy must Allow; naming the principal needs no identity Allow, naming the account root
 *      needs an identity Allow of the action on the role ARN. The root user cannot assume roles.
 * 7. Statement matching: Action/NotAction (case-insensitive wildcards), Resource/NotResource
 *    (case-sensitive wildcards and policy variables), Principal/NotPrincipal (resource-side
 *    policies only), Condition (see conditions.ts). A statement whose Resource or Condition cannot
 *    be decided offline is UNKNOWN: an UNKNOWN Allow grants conditionally, an UNKNOWN Deny does not
 *    deny but makes the decision conditional, and both are reported in `unknownConditions`.
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

const IMPLICIT_DENY: Decision = Object.freeze({
  decision: 'implicit-deny',
  conditional: false,
  unknownConditions: EMPTY,
  allowedBy: EMPTY,
});

/** A statement located in its policy. */
interface Located {
  readonly statement: CompiledStatement;
  readonly policyId: string;
  readonly policyKind: PolicySource['kind'];
}

/** Best Allow found so far in one layer (or one principal-match strength of the resource layer). */
interface Best {
  tri: Tri;
  witness: Located | undefined;
}

const best = (): Best => ({ tri: NO, witness: undefined });

function offer(target: Best, tri: Tri, statement: CompiledStatement, policyId: string, policyKind: PolicySource['kind']): void {
  if (tri > target.tri) {
    target.tri = tri;
    target.witness = { statement, policyId, policyKind };
  }
}

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
    const pieces = instantiate(r.parts, request);
    if (pieces === ABSENT) continue;
    if (pieces === UNKNOWN) result = UNK;
    else if (piecesMatcher(pieces, 'plain')(arn)) {
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
  return min(r, conditionsTri(s, request));
}

function refOf(located: Located): StatementRef {
  const sid = located.statement.statement.sid;
  return sid === undefined
    ? { policyId: located.policyId, policyKind: located.policyKind, statementIndex: located.statement.index }
    : { policyId: located.policyId, policyKind: located.policyKind, statementIndex: located.statement.index, sid };
}

/** The UNKNOWN parts of a statement, re-evaluated only when a decision is reported. */
function unknownsOf(located: Located, request: RequestContext, out: UnknownCondition[]): void {
  const s = located.statement;
  const ref = refOf(located);
  if (s.resources !== undefined) {
    for (const r of s.resources) {
      if (r.parts === undefined || instantiate(r.parts, request) !== UNKNOWN) continue;
      for (const part of r.parts) {
        if (part.kind !== 'variable') continue;
        out.push({
          ...ref,
          operator: s.notResource ? 'NotResource' : 'Resource',
          key: part.key.name,
          values: [r.pattern],
        });
        break;
      }
    }
  }
  for (const c of s.conditions) {
    if (evaluateCondition(c, request) === UNK) out.push({ ...ref, operator: c.operator, key: c.key, values: c.values });
  }
}

const scpIdCache = new WeakMap<readonly PolicyDocument[], string[]>();

function orgPolicyId(kind: 'scp' | 'rcp', level: readonly PolicyDocument[], levelIndex: number, index: number): string {
  let ids = scpIdCache.get(level);
  if (ids === undefined) {
    ids = level.map((_, i) => `${kind}[${levelIndex}][${i}]`);
    scpIdCache.set(level, ids);
  }
  return ids[index] as string;
}

/** One authorize() call: scans every applicable policy once, then combines the layers. */
class Evaluation {
  readonly actionLower: string;
  readonly hasBoundary: boolean;
  unknownDenies: Located[] | undefined;
  /** The first Deny that applies for certain; once set, scanning stops. */
  denied: Located | undefined;

  constructor(
    readonly request: RequestContext,
    readonly policies: PolicySet,
  ) {
    this.actionLower = request.action.toLowerCase();
    this.hasBoundary = policies.permissionsBoundary !== undefined && request.principal.type !== 'root';
  }

  /** Records an applicable Deny; true when it denies for certain (scanning can stop). */
  private deny(tri: Tri, statement: CompiledStatement, policyId: string, policyKind: PolicySource['kind']): boolean {
    if (tri === YES) {
      this.denied = { statement, policyId, policyKind };
      return true;
    }
    (this.unknownDenies ??= []).push({ statement, policyId, policyKind });
    return false;
  }

  /** Identity, boundary and SCP documents: no Principal element applies. */
  scanPrincipalless(doc: CompiledDocument, policyId: string, policyKind: PolicySource['kind'], target: Best): void {
    const action = this.actionLower;
    for (const s of doc.statements) {
      if (!s.deny && target.tri === YES) continue;
      if (!filterMatches(s.actions, action)) continue;
      const tri = bodyTri(s, this.request);
      if (tri === NO) continue;
      if (!s.deny) offer(target, tri, s, policyId, policyKind);
      else if (this.deny(tri, s, policyId, policyKind)) return;
    }
  }

  /**
   * Resource-side documents (resource, key and trust policies, RCPs). Allows are sorted by how they
   * name the principal: `byMatch[ACCOUNT | ROLE | DIRECT]`. A statement without Principal or
   * NotPrincipal is invalid there and never applies, except in RCPs (which always name `*`).
   */
  scanResourceSide(doc: CompiledDocument, policyId: string, policyKind: PolicySource['kind'], byMatch: readonly Best[]): void {
    const action = this.actionLower;
    const principal = this.request.principal;
    for (const s of doc.statements) {
      if (!filterMatches(s.actions, action)) continue;
      let match: PrincipalMatch;
      if (s.principals === undefined) match = policyKind === 'rcp' ? DIRECT : NONE;
      else if (!s.notPrincipal) match = matchPrincipal(s.principals, principal);
      else if (s.deny) match = exemptFromNotPrincipalDeny(s.principals, principal, this.hasBoundary) ? NONE : DIRECT;
      else match = matchNotPrincipalAllow(s.principals, principal);
      if (match === NONE) continue;
      if (!s.deny && (byMatch[match] as Best).tri === YES) continue;
      const tri = bodyTri(s, this.request);
      if (tri === NO) continue;
      if (!s.deny) offer(byMatch[match] as Best, tri, s, policyId, policyKind);
      else if (this.deny(tri, s, policyId, policyKind)) return;
    }
  }

  scanOrg(kind: 'scp' | 'rcp', levels: readonly (readonly PolicyDocument[])[]): Best[] {
    return levels.map((level, levelIndex) => {
      const target = best();
      const byMatch = [best(), target, target, target];
      level.forEach((document, index) => {
        if (this.denied !== undefined) return;
        const id = orgPolicyId(kind, level, levelIndex, index);
        if (kind === 'scp') this.scanPrincipalless(compileDocument(document), id, kind, target);
        else this.scanResourceSide(compileDocument(document), id, kind, byMatch);
      });
      return target;
    });
  }

  run(): Decision {
    const decision = this.scanAndCombine();
    if (this.denied === undefined) return decision;
    return {
      decision: 'explicit-deny',
      conditional: false,
      unknownConditions: EMPTY,
      allowedBy: EMPTY,
      deniedBy: refOf(this.denied),
    };
  }

  /** Scans every applicable policy (stopping at the first certain Deny), then combines the layers. */
  private scanAndCombine(): Decision {
    const { request, policies } = this;
    const principal = request.principal;
    const scp = this.scanOrg('scp', policies.scps);
    const service = this.actionLower.slice(0, this.actionLower.indexOf(':'));
    const rcp = policies.resourceMode !== 'none' && RCP_SERVICES.has(service) ? this.scanOrg('rcp', policies.rcps) : [];

    const resource = [best(), best(), best(), best()];
    const resourceSource = policies.resourceMode === 'none' ? undefined : policies.resource;
    if (resourceSource !== undefined && this.denied === undefined) {
      this.scanResourceSide(compileDocument(resourceSource.document), resourceSource.id, resourceSource.kind, resource);
    }

    const identity = best();
    for (const source of policies.identity) {
      if (this.denied !== undefined) return IMPLICIT_DENY;
      this.scanPrincipalless(compileDocument(source.document), source.id, source.kind, identity);
    }
    const boundary = best();
    if (!this.hasBoundary) boundary.tri = YES;
    else if (this.denied === undefined) {
      const source = policies.permissionsBoundary as PolicySource;
      this.scanPrincipalless(compileDocument(source.document), source.id, source.kind, boundary);
    }
    // `run` turns the recorded Deny into the decision.
    if (this.denied !== undefined) return IMPLICIT_DENY;
    if (principal.type === 'root') {
      // The root user is not governed by identity policies: it has every permission in its account.
      identity.tri = YES;
      identity.witness = undefined;
    }

    const gate = (levels: readonly Best[]): Tri => levels.reduce<Tri>((acc, level) => min(acc, level.tri), YES);
    const orgTri = min(gate(scp), gate(rcp));
    if (orgTri === NO) return IMPLICIT_DENY;

    const identityPath: readonly Best[] = [identity, boundary];
    const direct: readonly Best[] = [resource[DIRECT] as Best];
    const viaRole: readonly Best[] = [resource[ROLE] as Best, boundary];
    const delegated: readonly Best[] = [resource[ACCOUNT] as Best, identity, boundary];
    let paths: readonly (readonly Best[])[];
    switch (policies.resourceMode) {
      case 'none':
        paths = [identityPath];
        break;
      case 'resource-policy':
        paths = [identityPath, direct, viaRole];
        break;
      case 'kms-key':
        paths = [direct, viaRole, delegated];
        break;
      case 'trust-policy':
        paths = principal.type === 'root' ? [] : [direct, viaRole, delegated];
        break;
    }
    let chosen: readonly Best[] | undefined;
    let pathTri: Tri = NO;
    for (const path of paths) {
      const tri = path.reduce<Tri>((acc, layer) => min(acc, layer.tri), YES);
      if (tri > pathTri) {
        pathTri = tri;
        chosen = path;
      }
    }
    const finalTri = min(orgTri, pathTri);
    if (finalTri === NO || chosen === undefined) return IMPLICIT_DENY;

    const witnesses = [...chosen, ...scp, ...rcp];
    const allowedBy: StatementRef[] = [];
    const unknownConditions: UnknownCondition[] = [];
    const seen = new Set<Located>();
    for (const layer of witnesses) {
      const w = layer.witness;
      if (w === undefined || seen.has(w)) continue;
      seen.add(w);
      allowedBy.push(refOf(w));
      if (layer.tri === UNK) unknownsOf(w, request, unknownConditions);
    }
    for (const d of this.unknownDenies ?? EMPTY) unknownsOf(d, request, unknownConditions);
    return {
      decision: 'allow',
      conditional: finalTri === UNK || unknownConditions.length > 0,
      unknownConditions,
      allowedBy,
    };
  }
}

/**
 * Decides whether `request.principal` may perform `request.action` on `request.resource` given
 * every policy that applies, within one account. See the module comment for the rules.
 *
 * Fast enough for reach analysis over whole organisations: documents are compiled once (cached on
 * the document object), actions are memoised per statement, and a denial allocates nothing.
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
  return new Evaluation(request, policies).run();
}
