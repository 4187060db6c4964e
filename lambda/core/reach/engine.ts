import { authorize, statementMayMatchAction } from '../policy/index.js';
import type { Decision, PolicySet, StatementRef } from '../policy/index.js';
import type { PolicySource, Statement } from '../policy/types.js';
import type { AccountSnapshot, Tags } from '../snapshot/model.js';
import { ArnIndex, widenVariables } from './arn-index.js';
import { ESCALATION_CATALOG } from './escalation-catalog.js';
import type { EscalationPath, RequiredPermission } from './escalation-catalog.js';
import { decryptContext, GRANT_USE_OPERATION, signingMaterial } from './material.js';
import type { MaterialRecord } from './material.js';
import { allowStatements, clauseFingerprint, identityValue, ProjectionCache, scanDocument, statementScope } from './policy-scan.js';
import type { ProjectedPolicy } from './policy-scan.js';
import { PrincipalDirectory } from './principals.js';
import type { PrincipalRecord } from './principals.js';
import type { ReachAccess, ReachCondition, StatementCitation, StepEffect } from './types.js';

/**
 * The reach graph of one snapshot. Nodes are principal states: a user or role as it is, or as an
 * attacker could leave it (identity layer allowing everything, boundary removed, extra groups).
 * Each node's outgoing edges (principals it can become), modifications (principals it can
 * escalate, strip of a boundary, or add to a group) and accesses (signing material it can use or
 * control) are computed once, by asking `authorize` only about candidates that indexes say could
 * be allowed, and are shared between nodes whose decisions cannot differ (same policies, same
 * relevant tags, same outcome of every condition on the principal's identity). The graph walk
 * itself lives in explore.ts.
 */

/** The identity layer of a principal an attacker has rewritten: allows everything. */
export const ESCALATED_IDENTITY: PolicySource = {
  id: 'sever:escalated-identity',
  kind: 'identity',
  document: { version: '2012-10-17', statements: [{ effect: 'Allow', action: ['*'], resource: ['*'] }] },
};

/** Policy id used for conditions that stand for facts the snapshot cannot show. */
export const ASSUMPTION_POLICY = 'sever:assumption';

/** A rewritten trust policy naming the attacker. `*` matches a caller exactly as naming its ARN does. */
const REWRITTEN_TRUST: PolicySource['document'] = {
  version: '2012-10-17',
  statements: [{ effect: 'Allow', principal: { AWS: ['*'] }, action: ['sts:AssumeRole'] }],
};

export interface TableItem {
  readonly arn: string;
  readonly tags: Tags;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  readonly policy?: PolicySource;
  /** Index of the principal, group, managed policy or signing material the item stands for. */
  readonly ref: number;
  generic?: ProjectedPolicy | null;
}

/** One kind of resource requests are made on, indexed by ARN and by the principals its policies name. */
export interface Table {
  readonly name: string;
  readonly mode: PolicySet['resourceMode'];
  readonly items: readonly TableItem[];
  readonly index: ArnIndex;
  /** Principal ARN (or `assumed-role:<name>`) → items whose resource policy names it. */
  readonly explicit: ReadonlyMap<string, readonly number[]>;
  /** Items whose resource policy may grant to anyone without an identity policy. */
  readonly star: readonly number[];
}

export interface StepTemplate {
  readonly to: string;
  readonly via: string;
  readonly policy: string;
  readonly statement: string | number;
  readonly effect: StepEffect;
  readonly escalation?: string;
  readonly allowedBy: readonly StatementCitation[];
  readonly conditions?: readonly ReachCondition[];
  readonly grantId?: string;
}

interface Derived {
  readonly conditional: boolean;
  readonly step: StepTemplate;
  /** Item and tables the output was derived from, so a node whose policies are named explicitly can skip a shared output. */
  readonly item: number;
  readonly tables: readonly Table[];
}

export interface EdgeOut extends Derived {
  /** Principal index of the principal the node can become. */
  readonly target: number;
}

export interface ModOut extends Derived {
  readonly kind: 'escalate' | 'unbound' | 'join';
  /** Principal indices (escalate, unbound) or the group index (join). */
  readonly targets: readonly number[];
  /** For escalations through a group or a group's policy: the groups, so users added to them later are escalated too. */
  readonly groups?: readonly number[];
}

export interface AccessOut extends Derived {
  readonly material: number;
  readonly access: ReachAccess;
  readonly action: string;
  readonly grantId?: string;
}

export interface OutputSet {
  readonly edges: readonly EdgeOut[];
  readonly mods: readonly ModOut[];
  readonly access: readonly AccessOut[];
}

export interface NodeOutputs {
  /** Shared by every node with the same share key (same object). */
  readonly shared: OutputSet;
  readonly own: OutputSet;
  /** Items (per table) this node's principal is named in: their shared outputs do not apply. */
  readonly overrides: ReadonlyMap<Table, ReadonlySet<number>> | undefined;
}

export interface Node {
  readonly id: number;
  readonly principal: PrincipalRecord;
  readonly admin: boolean;
  readonly unbounded: boolean;
  /** Groups added by the attacker (indices), sorted. */
  readonly groups: readonly number[];
  readonly identity: readonly PolicySource[];
  readonly boundary: PolicySource | undefined;
  readonly shareKey: string;
  outputs?: NodeOutputs;
}

interface Verdict {
  readonly decision: Decision;
  readonly projected: ProjectedPolicy | undefined;
}

interface SharedAllowed {
  readonly map: ReadonlyMap<number, Verdict>;
  /** Candidates whose resource policy depends on the principal's identity: decided per node. */
  readonly sensitive: readonly number[];
}

interface SharedState {
  readonly allowed: Map<string, SharedAllowed>;
  readonly probes: Map<string, Verdict | null>;
  readonly rewritten: Map<number, Verdict | null>;
  outputs?: OutputSet;
}

interface Use {
  readonly table: Table;
  readonly action: string;
  readonly extra?: Readonly<Record<string, string>>;
}

const useKey = (u: Use): string => `${u.table.name}|${u.action}|${u.extra === undefined ? '' : JSON.stringify(u.extra)}`;

/** A way of reading decisions: for the share key as a whole, or for one node. */
interface View {
  readonly node: Node;
  readonly shared: boolean;
  items(uses: readonly Use[]): Iterable<number>;
  get(use: Use, item: number): Verdict | undefined;
}

interface Collector {
  readonly edges: EdgeOut[];
  readonly mods: ModOut[];
  readonly access: AccessOut[];
}

const EMPTY_SET: OutputSet = Object.freeze({ edges: [], mods: [], access: [] });

/** A service trust: the role lets the service assume it, possibly under conditions we cannot decide. */
interface ServiceTrust {
  readonly conditions: readonly ReachCondition[];
  readonly citation: StatementCitation;
}

export interface EngineOptions {
  readonly assumeExistingWorkloads: boolean;
  readonly maxAddedGroups: number;
}

const citationOf = (ref: StatementRef, projected: ProjectedPolicy | undefined): StatementCitation => {
  const remap = projected !== undefined && (ref.policyKind === 'resource' || ref.policyKind === 'trust');
  const index = remap ? (projected.indexMap[ref.statementIndex] ?? ref.statementIndex) : ref.statementIndex;
  return { policy: ref.policyId, statement: ref.sid ?? index };
};

function conditionsOf(verdict: Verdict): ReachCondition[] {
  return verdict.decision.unknownConditions.map((u) => {
    const c = citationOf(u, verdict.projected);
    return { policy: c.policy, statement: c.statement, operator: u.operator, key: u.key, values: u.values };
  });
}

function mergeConditions(lists: readonly (readonly ReachCondition[])[]): ReachCondition[] {
  const seen = new Set<string>();
  const out: ReachCondition[] = [];
  for (const list of lists) {
    for (const c of list) {
      const k = JSON.stringify([c.policy, c.statement, c.operator, c.key, c.values]);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(c);
    }
  }
  return out;
}

/** Builds a step from the verdicts that allow it; the first identity statement (else the first statement) is the one cited. */
function stepOf(
  to: string,
  via: string,
  effect: StepEffect,
  verdicts: readonly Verdict[],
  extra: { escalation?: string; conditions?: readonly ReachCondition[]; citations?: readonly StatementCitation[] } = {},
): StepTemplate {
  const allowedBy: StatementCitation[] = [];
  const seen = new Set<string>();
  let primary: StatementCitation | undefined;
  for (const v of verdicts) {
    for (const ref of v.decision.allowedBy) {
      const c = citationOf(ref, v.projected);
      const k = `${c.policy}#${c.statement}`;
      if (!seen.has(k)) {
        seen.add(k);
        allowedBy.push(c);
      }
      if (primary === undefined && ref.policyKind === 'identity') primary = c;
    }
  }
  for (const c of extra.citations ?? []) {
    const k = `${c.policy}#${c.statement}`;
    if (!seen.has(k)) {
      seen.add(k);
      allowedBy.push(c);
    }
  }
  primary ??= allowedBy.find((c) => !c.policy.startsWith('scp[') && !c.policy.startsWith('rcp[')) ?? allowedBy[0];
  const conditions = mergeConditions([...verdicts.map(conditionsOf), extra.conditions ?? []]);
  return {
    to,
    via,
    policy: primary?.policy ?? 'unknown',
    statement: primary?.statement ?? 0,
    effect,
    ...(extra.escalation !== undefined ? { escalation: extra.escalation } : {}),
    allowedBy,
    ...(conditions.length > 0 ? { conditions } : {}),
  };
}

const isConditional = (verdicts: readonly Verdict[], extra: readonly ReachCondition[] = []): boolean =>
  extra.length > 0 || verdicts.some((v) => v.decision.conditional);

const assumption = (path: EscalationPath, text: string): ReachCondition => ({
  policy: ASSUMPTION_POLICY,
  statement: path.id,
  operator: 'Assumes',
  key: 'sever:Precondition',
  values: [text],
});

/** The reach graph of one snapshot; build once, explore many times. */
export class ReachEngine {
  readonly directory: PrincipalDirectory;
  readonly materials: readonly MaterialRecord[];
  readonly warnings: readonly string[];
  readonly accountId: string;
  private readonly snapshot: AccountSnapshot;
  private readonly options: EngineOptions;
  private readonly projections = new ProjectionCache();
  private readonly tables: {
    readonly roleTrust: Table;
    readonly roleIam: Table;
    readonly userIam: Table;
    readonly groupIam: Table;
    readonly policyIam: Table;
    readonly kmsSign: Table;
    readonly kmsMac: Table;
    readonly secrets: Table;
    readonly secretDecrypt: Table;
    readonly parameters: Table;
    readonly parameterDecrypt: Table;
  };
  private readonly nodes: Node[] = [];
  private readonly nodeByKey = new Map<string, Node>();
  private readonly shared = new Map<string, SharedState>();
  private readonly profileIds = new Map<string, number>();
  private readonly serviceTrusts = new Map<string, ReadonlyMap<number, ServiceTrust>>();
  /** Principal ARN → grants naming it as grantee: use/control of signing keys, and Decrypt of the keys protecting secrets/parameters. */
  private readonly grantsByGrantee = new Map<string, { material: number; grantId: string; operations: readonly string[]; decrypt: boolean }[]>();
  private referencedTagKeys: readonly string[] | undefined;
  private readonly roleByName = new Map<string, number>();
  private readonly rewrittenTrust: ProjectedPolicy;

  constructor(snapshot: AccountSnapshot, options: EngineOptions) {
    this.snapshot = snapshot;
    this.options = options;
    this.accountId = snapshot.account.accountId;
    this.directory = new PrincipalDirectory(snapshot);
    this.materials = signingMaterial(snapshot);
    const warnings = [...this.directory.warnings];
    const d = this.directory;
    for (const p of d.principals) if (p.type === 'role') this.roleByName.set(p.name, p.index);

    const roles = d.principals.filter((p) => p.type === 'role');
    const users = d.principals.filter((p) => p.type === 'user');
    const customer = d.policies.filter((p) => p.customerManaged);
    const kmsSign = this.materials.filter((m) => m.kind === 'kms-sign');
    const kmsMac = this.materials.filter((m) => m.kind === 'kms-mac');
    const secrets = this.materials.filter((m) => m.kind === 'secret');
    const parameters = this.materials.filter((m) => m.kind === 'ssm-parameter');
    const materialItem = (m: MaterialRecord): TableItem => ({
      arn: m.arn,
      tags: m.tags,
      context: m.context,
      ...(m.resourcePolicy !== undefined ? { policy: m.resourcePolicy } : {}),
      ref: m.index,
    });
    const decryptItem = (m: MaterialRecord): TableItem => {
      const p = m.protection;
      if (p?.kind !== 'customer') return { arn: '', tags: {}, ref: m.index };
      return {
        arn: p.key.arn,
        tags: p.key.tags,
        context: {
          'kms:KeySpec': p.key.keySpec,
          'kms:KeyUsage': p.key.keyUsage,
          'kms:ResourceAliases': p.key.aliases.map((a) => a.aliasName),
          ...decryptContext(m, snapshot.account.region),
        },
        policy: p.policy,
        ref: m.index,
      };
    };
    for (const m of [...secrets, ...parameters]) {
      if (m.protection?.kind === 'missing') {
        warnings.push(`KMS key ${m.protection.keyId} protecting ${m.arn} is not in the snapshot: kms:Decrypt on it is assumed`);
      }
    }
    this.tables = {
      roleTrust: this.table('role-trust', 'trust-policy', roles.map((r) => ({ arn: r.arn, tags: r.tags, ...(r.trust ? { policy: r.trust } : {}), ref: r.index }))),
      roleIam: this.table('role', 'none', roles.map((r) => ({ arn: r.arn, tags: r.tags, ref: r.index }))),
      userIam: this.table('user', 'none', users.map((u) => ({ arn: u.arn, tags: u.tags, ref: u.index }))),
      groupIam: this.table('group', 'none', d.groups.map((g) => ({ arn: g.arn, tags: {}, ref: g.index }))),
      policyIam: this.table('policy', 'none', customer.map((p) => ({ arn: p.arn, tags: {}, ref: p.index }))),
      kmsSign: this.table('kms-sign', 'kms-key', kmsSign.map(materialItem)),
      kmsMac: this.table('kms-mac', 'kms-key', kmsMac.map(materialItem)),
      secrets: this.table('secret', 'resource-policy', secrets.map(materialItem)),
      secretDecrypt: this.table('secret-decrypt', 'kms-key', secrets.map(decryptItem)),
      parameters: this.table('parameter', 'none', parameters.map(materialItem)),
      parameterDecrypt: this.table('parameter-decrypt', 'kms-key', parameters.map(decryptItem)),
    };
    this.rewrittenTrust = this.projections.project(REWRITTEN_TRUST, () => true);
    this.indexGrants();
    this.warnings = warnings;
  }

  // ── Tables ───────────────────────────────────────────────────────────────────────────────────

  private table(name: string, mode: Table['mode'], items: TableItem[]): Table {
    const explicit = new Map<string, number[]>();
    const star: number[] = [];
    items.forEach((item, i) => {
      if (item.policy === undefined) return;
      let isStar = false;
      const named = new Set<string>();
      for (const s of item.policy.document.statements) {
        const scope = statementScope(s, this.accountId);
        for (const n of scope.names) named.add(n);
        if (s.effect === 'Allow' && (s.principal === '*' || s.notPrincipal !== undefined || (s.principal?.AWS ?? []).includes('*'))) {
          isStar = true;
        }
      }
      for (const n of named) {
        const list = explicit.get(n);
        if (list === undefined) explicit.set(n, [i]);
        else list.push(i);
      }
      if (isStar) star.push(i);
    });
    return { name, mode, items, index: new ArnIndex(items.map((i) => i.arn)), explicit, star };
  }

  private generic(item: TableItem): ProjectedPolicy | undefined {
    if (item.policy === undefined) return undefined;
    if (item.generic === undefined) {
      item.generic = this.projections.project(item.policy.document, (s) => statementScope(s, this.accountId).generic);
    }
    return item.generic ?? undefined;
  }

  private specific(item: TableItem, principal: PrincipalRecord): ProjectedPolicy | undefined {
    if (item.policy === undefined) return undefined;
    const session = `assumed-role:${principal.name}`;
    return this.projections.project(item.policy.document, (s) => {
      const scope = statementScope(s, this.accountId);
      return scope.generic || scope.names.includes(principal.arn) || (principal.type === 'role' && scope.names.includes(session));
    });
  }

  private explicitItems(table: Table, principal: PrincipalRecord): readonly number[] {
    const direct = table.explicit.get(principal.arn) ?? [];
    if (principal.type !== 'role') return direct;
    const session = table.explicit.get(`assumed-role:${principal.name}`);
    return session === undefined ? direct : [...new Set([...direct, ...session])];
  }

  private indexGrants(): void {
    const push = (grantee: string, entry: { material: number; grantId: string; operations: readonly string[]; decrypt: boolean }): void => {
      const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(grantee);
      let arn = grantee;
      if (session !== null) {
        const role = this.roleByName.get(session[3] as string);
        if (role === undefined) return;
        arn = this.directory.principals[role]?.arn ?? grantee;
      }
      const list = this.grantsByGrantee.get(arn);
      if (list === undefined) this.grantsByGrantee.set(arn, [entry]);
      else list.push(entry);
    };
    for (const m of this.materials) {
      for (const g of m.grants) push(g.granteePrincipal, { material: m.index, grantId: g.grantId, operations: g.operations, decrypt: false });
      if (m.protection?.kind === 'customer') {
        for (const g of m.protection.key.grants) {
          if (g.operations.includes('Decrypt')) {
            push(g.granteePrincipal, { material: m.index, grantId: g.grantId, operations: g.operations, decrypt: true });
          }
        }
      }
    }
  }

  // ── Nodes ────────────────────────────────────────────────────────────────────────────────────

  /** The node of a principal in a state; created on first use. */
  node(principal: number, admin = false, unbounded = false, groups: readonly number[] = []): Node {
    const p = this.directory.principals[principal] as PrincipalRecord;
    const effectiveUnbounded = unbounded && p.boundary !== undefined;
    const extra = admin ? [] : groups;
    const key = `${principal}|${admin ? 1 : 0}|${effectiveUnbounded ? 1 : 0}|${extra.join(',')}`;
    const existing = this.nodeByKey.get(key);
    if (existing !== undefined) return existing;
    let identity: readonly PolicySource[];
    if (admin) identity = [ESCALATED_IDENTITY];
    else if (extra.length === 0) identity = p.identity;
    else {
      const list = [...p.identity];
      for (const g of extra) for (const s of this.directory.groups[g]?.identity ?? []) if (!list.includes(s)) list.push(s);
      identity = list;
    }
    const boundary = effectiveUnbounded ? undefined : p.boundary;
    const node: Node = {
      id: this.nodes.length,
      principal: p,
      admin,
      unbounded: effectiveUnbounded,
      groups: extra,
      identity,
      boundary,
      shareKey: this.shareKey(p, identity, boundary),
    };
    this.nodes.push(node);
    this.nodeByKey.set(key, node);
    return node;
  }

  nodeById(id: number): Node {
    return this.nodes[id] as Node;
  }

  private tagKeys(): readonly string[] {
    if (this.referencedTagKeys !== undefined) return this.referencedTagKeys;
    const keys = new Set<string>();
    const scan = (doc: PolicySource['document'] | undefined): void => {
      if (doc !== undefined) for (const k of scanDocument(doc).tagKeys) keys.add(k);
    };
    for (const mp of this.snapshot.managedPolicies.values()) scan(mp.document);
    for (const p of [...this.snapshot.users, ...this.snapshot.roles, ...this.snapshot.groups]) for (const i of p.inlinePolicies) scan(i.document);
    for (const r of this.snapshot.roles) scan(r.trustPolicy);
    for (const k of this.snapshot.kmsKeys) scan(k.policy);
    for (const s of this.snapshot.secrets) scan(s.resourcePolicy);
    for (const level of [...this.snapshot.organization.serviceControlPolicies, ...this.snapshot.organization.resourceControlPolicies]) {
      for (const doc of level) scan(doc);
    }
    this.referencedTagKeys = [...keys].sort();
    return this.referencedTagKeys;
  }

  /**
   * Nodes with equal share keys get equal decisions on every request whose resource policy does
   * not name them and does not test their identity: same identity policies and boundary, same
   * type, same values for every principal tag any policy looks at, and the same outcome of every
   * identity test in their own policies, boundary, SCPs and RCPs.
   */
  private shareKey(p: PrincipalRecord, identity: readonly PolicySource[], boundary: PolicySource | undefined): string {
    const profile = `${identity.map((s) => s.id).join('\n')}#${boundary?.id ?? ''}#${p.type}`;
    let profileId = this.profileIds.get(profile);
    if (profileId === undefined) {
      profileId = this.profileIds.size;
      this.profileIds.set(profile, profileId);
    }
    const lowerTags = new Map(Object.entries(p.tags).map(([k, v]) => [k.toLowerCase(), v]));
    const tags = this.tagKeys()
      .filter((k) => lowerTags.has(k))
      .map((k) => `${k}=${lowerTags.get(k) as string}`)
      .join('\u0000');
    const docs = [...identity.map((s) => s.document), ...(boundary !== undefined ? [boundary.document] : [])];
    for (const level of [...this.snapshot.organization.serviceControlPolicies, ...this.snapshot.organization.resourceControlPolicies]) {
      docs.push(...level);
    }
    let fp = '';
    for (const doc of docs) {
      const scan = scanDocument(doc);
      if (scan.identityVariables) return `${profileId}|${tags}|arn:${p.arn}`;
      for (const clause of scan.clauses) {
        if (clause.values.some((v) => v.includes('${'))) return `${profileId}|${tags}|arn:${p.arn}`;
        fp += `${clauseFingerprint(clause, identityValue(clause.key, { type: p.type, arn: p.arn, name: p.name, id: p.context.id }))};`;
      }
    }
    return `${profileId}|${tags}|${fp}`;
  }

  // ── Decisions ────────────────────────────────────────────────────────────────────────────────

  private decide(node: Node, table: Table, item: number, action: string, projected: ProjectedPolicy | undefined, extra?: Use['extra']): Decision {
    const it = table.items[item] as TableItem;
    const context = extra === undefined ? it.context : { ...it.context, ...extra };
    const org = this.snapshot.organization;
    return authorize(
      {
        principal: node.principal.context,
        action,
        resource: { arn: it.arn, accountId: this.accountId, tags: it.tags },
        ...(context !== undefined ? { context } : {}),
      },
      {
        identity: node.identity,
        ...(node.boundary !== undefined ? { permissionsBoundary: node.boundary } : {}),
        ...(projected !== undefined && it.policy !== undefined
          ? { resource: { id: it.policy.id, kind: it.policy.kind, document: projected.projection.document } }
          : {}),
        resourceMode: projected !== undefined ? table.mode : 'none',
        scps: org.serviceControlPolicies,
        rcps: org.resourceControlPolicies,
      },
    );
  }

  /** Items a node's identity policies may allow the action on, plus items any resource policy may grant directly. */
  private candidates(node: Node, table: Table, action: string): readonly number[] {
    if (table.items.length === 0) return [];
    const marks = new Uint8Array(table.items.length);
    const out: number[] = [];
    const mark = (list: readonly number[]): void => {
      for (const i of list) {
        if (marks[i] === 0) {
          marks[i] = 1;
          out.push(i);
        }
      }
    };
    for (const source of node.identity) {
      for (const s of allowStatements(source, action)) {
        if (s.anyResource) return table.index.all();
        for (const pattern of s.patterns) mark(table.index.match(this.substitute(pattern, node.principal)));
      }
    }
    mark(table.star);
    return out;
  }

  /** Substitutes the variables a principal's identity fixes; the rest widen to wildcards in the index. */
  private substitute(pattern: string, p: PrincipalRecord): string {
    if (!pattern.includes('${')) return pattern;
    const lowerTags = new Map(Object.entries(p.tags).map(([k, v]) => [k.toLowerCase(), v]));
    return pattern.replace(/\$\{\s*([^}\s,]+)[^}]*\}/g, (whole, name: string) => {
      const lower = name.toLowerCase();
      if (lower === 'aws:username' && p.type === 'user') return p.name;
      if (lower === 'aws:userid' && p.type === 'user') return p.context.id;
      if (lower === 'aws:principalarn') return p.arn;
      if (lower === 'aws:principalaccount') return this.accountId;
      if (lower.startsWith('aws:principaltag/')) return lowerTags.get(lower.slice(17)) ?? widenVariables(whole);
      return '*';
    });
  }

  private sharedState(node: Node): SharedState {
    let state = this.shared.get(node.shareKey);
    if (state === undefined) {
      state = { allowed: new Map(), probes: new Map(), rewritten: new Map() };
      this.shared.set(node.shareKey, state);
    }
    return state;
  }

  /** Decisions valid for every node of the share key (evaluated for `node`, its representative). */
  private sharedAllowed(node: Node, use: Use): SharedAllowed {
    const state = this.sharedState(node);
    const key = useKey(use);
    const cached = state.allowed.get(key);
    if (cached !== undefined) return cached;
    const map = new Map<number, Verdict>();
    const sensitive: number[] = [];
    for (const i of this.candidates(node, use.table, use.action)) {
      const item = use.table.items[i] as TableItem;
      if (item.arn === '') continue;
      const projected = this.generic(item);
      if (projected !== undefined) {
        if (use.table.mode !== 'none' && use.table.mode !== 'resource-policy' && !projected.projection.hasAllow) continue;
        if (projected.projection.identitySensitive(use.action)) {
          sensitive.push(i);
          continue;
        }
      }
      const decision = this.decide(node, use.table, i, use.action, projected, use.extra);
      if (decision.decision === 'allow') map.set(i, { decision, projected });
    }
    const result = { map, sensitive };
    state.allowed.set(key, result);
    return result;
  }

  /** Decisions only this node gets: items naming its principal, and identity-sensitive items. */
  private ownAllowed(node: Node, use: Use, shared: SharedAllowed): Map<number, Verdict> {
    const own = new Map<number, Verdict>();
    const explicit = this.explicitItems(use.table, node.principal);
    for (const i of explicit) {
      const projected = this.specific(use.table.items[i] as TableItem, node.principal);
      const decision = this.decide(node, use.table, i, use.action, projected, use.extra);
      if (decision.decision === 'allow') own.set(i, { decision, projected });
    }
    for (const i of shared.sensitive) {
      if (explicit.includes(i)) continue;
      const projected = this.generic(use.table.items[i] as TableItem);
      const decision = this.decide(node, use.table, i, use.action, projected, use.extra);
      if (decision.decision === 'allow') own.set(i, { decision, projected });
    }
    return own;
  }

  // ── Outputs ──────────────────────────────────────────────────────────────────────────────────

  /** The node's edges, modifications and accesses (computed once). */
  outputs(node: Node): NodeOutputs {
    if (node.outputs !== undefined) return node.outputs;
    const state = this.sharedState(node);
    if (state.outputs === undefined) {
      const collector: Collector = { edges: [], mods: [], access: [] };
      const view: View = {
        node,
        shared: true,
        items: (uses) => {
          const set = new Set<number>();
          for (const u of uses) for (const i of this.sharedAllowed(node, u).map.keys()) set.add(i);
          return [...set].sort((a, b) => a - b);
        },
        get: (use, item) => this.sharedAllowed(node, use).map.get(item),
      };
      this.derive(view, collector);
      state.outputs = dedupe(collector);
    }
    const ownMaps = new Map<string, Map<number, Verdict>>();
    const overrides = new Map<Table, Set<number>>();
    const ownOf = (use: Use): Map<number, Verdict> => {
      const key = useKey(use);
      let own = ownMaps.get(key);
      if (own === undefined) {
        own = this.ownAllowed(node, use, this.sharedAllowed(node, use));
        ownMaps.set(key, own);
        const explicit = this.explicitItems(use.table, node.principal);
        if (explicit.length > 0) {
          let set = overrides.get(use.table);
          if (set === undefined) overrides.set(use.table, (set = new Set()));
          for (const i of explicit) set.add(i);
        }
      }
      return own;
    };
    const ownView: View = {
      node,
      shared: false,
      items: (uses) => {
        const set = new Set<number>();
        for (const u of uses) for (const i of ownOf(u).keys()) set.add(i);
        return [...set].sort((a, b) => a - b);
      },
      get: (use, item) => {
        const own = ownOf(use).get(item);
        if (own !== undefined) return own;
        if (overrides.get(use.table)?.has(item) === true) return undefined;
        return this.sharedAllowed(node, use).map.get(item);
      },
    };
    const collector: Collector = { edges: [], mods: [], access: [] };
    this.derive(ownView, collector);
    this.grantAccess(node, collector);
    const own = collector.edges.length + collector.mods.length + collector.access.length === 0 ? EMPTY_SET : dedupe(collector);
    node.outputs = { shared: state.outputs, own, overrides: overrides.size > 0 ? overrides : undefined };
    return node.outputs;
  }

  private derive(view: View, out: Collector): void {
    this.deriveAssume(view, out);
    this.deriveCredentials(view, out);
    for (const path of ESCALATION_CATALOG) {
      switch (path.outcome.kind) {
        case 'rewrite-trust':
          this.deriveRewrite(view, out, path);
          break;
        case 'escalate-identity':
          this.deriveEscalation(view, out, path, path.outcome.target);
          break;
        case 'join-group':
          this.deriveJoin(view, out, path);
          break;
        case 'remove-boundary':
          this.deriveUnbound(view, out, path, path.outcome.target);
          break;
        case 'workload-role':
          this.deriveWorkload(view, out, path, path.outcome.servicePrincipals, path.outcome.passRole);
          break;
        default:
          break;
      }
    }
    this.deriveAccess(view, out);
  }

  private deriveAssume(view: View, out: Collector): void {
    const t = this.tables.roleTrust;
    const use: Use = { table: t, action: 'sts:AssumeRole' };
    for (const i of view.items([use])) {
      const v = view.get(use, i);
      if (v === undefined) continue;
      const item = t.items[i] as TableItem;
      out.edges.push({
        target: item.ref,
        conditional: v.decision.conditional,
        step: stepOf(item.arn, 'sts:AssumeRole', 'become', [v], { escalation: 'sts-001' }),
        item: i,
        tables: [t],
      });
    }
  }

  private deriveRewrite(view: View, out: Collector, path: EscalationPath): void {
    if (!view.shared) return;
    const t = this.tables.roleIam;
    const use: Use = { table: t, action: path.permissions[0]?.action ?? 'iam:UpdateAssumeRolePolicy' };
    const state = this.sharedState(view.node);
    for (const i of view.items([use])) {
      const v = view.get(use, i);
      const item = t.items[i] as TableItem;
      const role = this.directory.principals[item.ref] as PrincipalRecord;
      if (v === undefined || role.serviceLinked) continue;
      let after = state.rewritten.get(i);
      if (after === undefined) {
        const rewritten: TableItem = { arn: item.arn, tags: item.tags, policy: { id: `${item.arn}#trust-rewritten`, kind: 'trust', document: REWRITTEN_TRUST }, ref: item.ref };
        const projected = this.rewrittenTrust;
        const scratch: Table = { ...this.tables.roleTrust, items: [rewritten] };
        const decision = this.decide(view.node, scratch, 0, 'sts:AssumeRole', projected);
        after = decision.decision === 'allow' ? { decision, projected } : null;
        state.rewritten.set(i, after);
      }
      if (after === null) continue;
      out.edges.push({
        target: item.ref,
        conditional: isConditional([v, after]),
        step: stepOf(item.arn, `${use.action}+sts:AssumeRole`, 'become', [v, after], { escalation: path.id }),
        item: i,
        tables: [t],
      });
    }
  }

  private deriveCredentials(view: View, out: Collector): void {
    if (!view.shared) return;
    const t = this.tables.userIam;
    const create: Use = { table: t, action: 'iam:CreateAccessKey' };
    const del: Use = { table: t, action: 'iam:DeleteAccessKey' };
    const createProfile: Use = { table: t, action: 'iam:CreateLoginProfile' };
    const updateProfile: Use = { table: t, action: 'iam:UpdateLoginProfile' };
    const edge = (i: number, verdicts: Verdict[], via: string, escalation: string): void => {
      const item = t.items[i] as TableItem;
      out.edges.push({
        target: item.ref,
        conditional: isConditional(verdicts),
        step: stepOf(item.arn, via, 'become', verdicts, { escalation }),
        item: i,
        tables: [t],
      });
    };
    for (const i of view.items([create])) {
      const v = view.get(create, i);
      if (v === undefined) continue;
      const user = this.directory.principals[(t.items[i] as TableItem).ref] as PrincipalRecord;
      if (user.accessKeys < 2) edge(i, [v], 'iam:CreateAccessKey', 'iam-002');
      else {
        const d = view.get(del, i);
        if (d !== undefined) edge(i, [d, v], 'iam:DeleteAccessKey+iam:CreateAccessKey', 'iam-003');
      }
    }
    for (const i of view.items([createProfile])) {
      const v = view.get(createProfile, i);
      const user = this.directory.principals[(t.items[i] as TableItem).ref] as PrincipalRecord;
      if (v !== undefined && user.loginProfile !== true) edge(i, [v], 'iam:CreateLoginProfile', 'iam-004');
    }
    for (const i of view.items([updateProfile])) {
      const v = view.get(updateProfile, i);
      const user = this.directory.principals[(t.items[i] as TableItem).ref] as PrincipalRecord;
      if (v !== undefined && user.loginProfile !== false) edge(i, [v], 'iam:UpdateLoginProfile', 'iam-006');
    }
  }

  private deriveEscalation(view: View, out: Collector, path: EscalationPath, target: 'user' | 'role' | 'group' | 'managed-policy'): void {
    if (!view.shared) return;
    const perm = path.permissions[0] as RequiredPermission;
    const t = target === 'user' ? this.tables.userIam : target === 'role' ? this.tables.roleIam : target === 'group' ? this.tables.groupIam : this.tables.policyIam;
    const use: Use = { table: t, action: perm.action };
    const assumes = path.assumes !== undefined ? [assumption(path, path.assumes)] : [];
    for (const i of view.items([use])) {
      const v = view.get(use, i);
      if (v === undefined) continue;
      const item = t.items[i] as TableItem;
      let targets: readonly number[];
      let groups: readonly number[] = [];
      if (target === 'user' || target === 'role') {
        const p = this.directory.principals[item.ref] as PrincipalRecord;
        targets = p.serviceLinked ? [] : [p.index];
      } else if (target === 'group') {
        targets = this.directory.groups[item.ref]?.members ?? [];
        groups = [item.ref];
      } else {
        targets = this.directory.policies[item.ref]?.governs ?? [];
        groups = this.directory.policies[item.ref]?.groups ?? [];
      }
      if (targets.length === 0 && groups.length === 0) continue;
      out.mods.push({
        kind: 'escalate',
        targets,
        ...(groups.length > 0 ? { groups } : {}),
        conditional: isConditional([v], assumes),
        step: stepOf(item.arn, perm.action, 'escalate', [v], { escalation: path.id, conditions: assumes }),
        item: i,
        tables: [t],
      });
    }
  }

  private deriveJoin(view: View, out: Collector, path: EscalationPath): void {
    if (!view.shared) return;
    const t = this.tables.groupIam;
    const use: Use = { table: t, action: path.permissions[0]?.action ?? 'iam:AddUserToGroup' };
    for (const i of view.items([use])) {
      const v = view.get(use, i);
      if (v === undefined) continue;
      const item = t.items[i] as TableItem;
      out.mods.push({
        kind: 'join',
        targets: [item.ref],
        conditional: v.decision.conditional,
        step: stepOf(item.arn, use.action, 'join-group', [v], { escalation: path.id }),
        item: i,
        tables: [t],
      });
    }
  }

  private deriveUnbound(view: View, out: Collector, path: EscalationPath, target: 'user' | 'role' | 'managed-policy'): void {
    if (!view.shared) return;
    const perm = path.permissions[0] as RequiredPermission;
    const t = target === 'user' ? this.tables.userIam : target === 'role' ? this.tables.roleIam : this.tables.policyIam;
    const use: Use = { table: t, action: perm.action };
    for (const i of view.items([use])) {
      const v = view.get(use, i);
      if (v === undefined) continue;
      const item = t.items[i] as TableItem;
      let targets: readonly number[];
      if (target === 'managed-policy') targets = this.directory.policies[item.ref]?.bounds ?? [];
      else {
        const p = this.directory.principals[item.ref] as PrincipalRecord;
        targets = p.boundaryArn !== undefined && !p.serviceLinked ? [p.index] : [];
      }
      if (targets.length === 0) continue;
      out.mods.push({
        kind: 'unbound',
        targets,
        conditional: v.decision.conditional,
        step: stepOf(item.arn, perm.action, 'remove-boundary', [v], { escalation: path.id }),
        item: i,
        tables: [t],
      });
    }
  }

  /** Whether the node may call a workload API, on a resource it creates or names: decided on probe ARNs. */
  private probe(node: Node, perm: RequiredPermission): Verdict | null {
    const state = this.sharedState(node);
    const cached = state.probes.get(perm.action);
    if (cached !== undefined) return cached;
    const region = this.snapshot.account.region;
    const partition = this.snapshot.account.partition;
    const fill = (template: string): string =>
      template.replaceAll('{partition}', partition).replaceAll('{region}', region).replaceAll('{account}', this.accountId);
    const arns = new Set<string>();
    arns.add(fill(perm.arn ?? '*').replaceAll('*', 'sever-probe'));
    for (const source of node.identity) {
      for (const s of allowStatements(source, perm.action)) {
        for (const pattern of s.patterns) arns.add(widenVariables(pattern).replaceAll('*', 'sever-probe').replaceAll('?', 'x'));
      }
    }
    let best: Verdict | null = null;
    const org = this.snapshot.organization;
    for (const arn of arns) {
      const decision = authorize(
        { principal: node.principal.context, action: perm.action, resource: { arn, accountId: this.accountId, tags: {} } },
        {
          identity: node.identity,
          ...(node.boundary !== undefined ? { permissionsBoundary: node.boundary } : {}),
          resourceMode: 'none',
          scps: org.serviceControlPolicies,
          rcps: org.resourceControlPolicies,
        },
      );
      if (decision.decision !== 'allow') continue;
      if (best === null || (best.decision.conditional && !decision.conditional)) best = { decision, projected: undefined };
      if (!decision.conditional) break;
    }
    state.probes.set(perm.action, best);
    return best;
  }

  /** Roles whose trust policy lets the service assume them. */
  private trusting(service: string): ReadonlyMap<number, ServiceTrust> {
    const cached = this.serviceTrusts.get(service);
    if (cached !== undefined) return cached;
    const result = new Map<number, ServiceTrust>();
    const t = this.tables.roleTrust;
    t.items.forEach((item, i) => {
      const doc = item.policy?.document;
      if (doc === undefined) return;
      const applies = (s: Statement): boolean =>
        statementMayMatchAction(s, 'sts:AssumeRole') &&
        (s.principal === '*' || (s.principal?.AWS ?? []).includes('*') || (s.principal?.Service ?? []).includes(service));
      let allow: ServiceTrust | undefined;
      let denied = false;
      const denyConditions: ReachCondition[] = [];
      doc.statements.forEach((s, index) => {
        if (!applies(s)) return;
        const conditions = this.undecidedServiceConditions(s, (item.policy as PolicySource).id, index);
        if (s.effect === 'Deny') {
          if (conditions.length === 0) denied = true;
          else denyConditions.push(...conditions);
          return;
        }
        const citation = { policy: (item.policy as PolicySource).id, statement: s.sid ?? index };
        if (allow === undefined || (allow.conditions.length > 0 && conditions.length === 0)) allow = { conditions, citation };
      });
      if (allow !== undefined && !denied) {
        const found: ServiceTrust = allow;
        result.set(i, { citation: found.citation, conditions: [...found.conditions, ...denyConditions] });
      }
    });
    this.serviceTrusts.set(service, result);
    return result;
  }

  /** A service assuming a role for a workload the attacker controls satisfies `aws:SourceAccount` = this account; anything else is undecided. */
  private undecidedServiceConditions(s: Statement, policy: string, index: number): ReachCondition[] {
    const out: ReachCondition[] = [];
    for (const [operator, keys] of Object.entries(s.condition ?? {})) {
      for (const [key, values] of Object.entries(keys)) {
        const satisfied =
          key.toLowerCase() === 'aws:sourceaccount' && /^String(Equals|Like)$/.test(operator) && values.includes(this.accountId);
        if (!satisfied) out.push({ policy, statement: s.sid ?? index, operator, key, values });
      }
    }
    return out;
  }

  private deriveWorkload(view: View, out: Collector, path: EscalationPath, services: readonly string[], passes: boolean): void {
    if (!view.shared) return;
    if (!passes && !this.options.assumeExistingWorkloads) return;
    const verdicts: Verdict[] = [];
    for (const perm of path.permissions) {
      if (perm.on === 'passed-role') continue;
      const v = this.probe(view.node, perm);
      if (v === null) return;
      verdicts.push(v);
    }
    const assumes = path.assumes !== undefined ? [assumption(path, path.assumes)] : [];
    const via = path.permissions.map((p) => p.action).join('+');
    const t = this.tables.roleIam;
    for (const service of services) {
      const trusting = this.trusting(service);
      if (trusting.size === 0) continue;
      if (passes) {
        const use: Use = { table: t, action: 'iam:PassRole', extra: { 'iam:PassedToService': service } };
        for (const i of view.items([use])) {
          const trust = trusting.get(i);
          const pass = view.get(use, i);
          if (trust === undefined || pass === undefined) continue;
          const item = t.items[i] as TableItem;
          const all = [pass, ...verdicts];
          const extra = [...trust.conditions, ...assumes];
          out.edges.push({
            target: item.ref,
            conditional: isConditional(all, extra),
            step: stepOf(item.arn, via, 'become', all, { escalation: path.id, conditions: extra, citations: [trust.citation] }),
            item: i,
            tables: [t],
          });
        }
      } else {
        for (const [i, trust] of trusting) {
          const item = t.items[i] as TableItem;
          const extra = [...trust.conditions, ...assumes];
          out.edges.push({
            target: item.ref,
            conditional: isConditional(verdicts, extra),
            step: stepOf(item.arn, via, 'become', verdicts, { escalation: path.id, conditions: extra, citations: [trust.citation] }),
            item: i,
            tables: [t],
          });
        }
      }
    }
  }

  private deriveAccess(view: View, out: Collector): void {
    const t = this.tables;
    const push = (table: Table, i: number, access: ReachAccess, action: string, verdicts: Verdict[], via = action, conditions: readonly ReachCondition[] = []): void => {
      const item = table.items[i] as TableItem;
      out.access.push({
        material: item.ref,
        access,
        action,
        conditional: isConditional(verdicts, conditions),
        step: stepOf(item.arn, via, 'access', verdicts, { conditions }),
        item: i,
        tables: table === t.secrets ? [t.secrets, t.secretDecrypt] : table === t.parameters ? [t.parameters, t.parameterDecrypt] : [table],
      });
    };
    for (const table of [t.kmsSign, t.kmsMac, t.secrets, t.parameters]) {
      if (table.items.length === 0) continue;
      const sample = this.materials[(table.items[0] as TableItem).ref] as MaterialRecord;
      for (const action of sample.controlActions) {
        const use: Use = { table, action };
        for (const i of view.items([use])) {
          const v = view.get(use, i);
          if (v !== undefined) push(table, i, 'control', action, [v]);
        }
      }
      const uses = sample.useActions.map((action): Use => ({ table, action }));
      const decrypt: Use | undefined =
        table === t.secrets ? { table: t.secretDecrypt, action: 'kms:Decrypt' } : table === t.parameters ? { table: t.parameterDecrypt, action: 'kms:Decrypt' } : undefined;
      const candidates = new Set(view.items(uses));
      if (decrypt !== undefined) {
        for (const i of view.items([decrypt])) candidates.add(i);
        if (!view.shared) for (const g of this.grantsByGrantee.get(view.node.principal.arn) ?? []) if (g.decrypt) candidates.add(this.itemOfMaterial(table, g.material));
      }
      for (const i of [...candidates].sort((a, b) => a - b)) {
        if (i < 0) continue;
        let best: { use: Use; v: Verdict } | undefined;
        for (const u of uses) {
          const v = view.get(u, i);
          if (v !== undefined && (best === undefined || (best.v.decision.conditional && !v.decision.conditional))) best = { use: u, v };
        }
        if (best === undefined) continue;
        const material = this.materials[(table.items[i] as TableItem).ref] as MaterialRecord;
        const protection = material.protection;
        if (decrypt === undefined || protection === undefined || protection.kind === 'aws-managed') {
          push(table, i, 'use', best.use.action, [best.v]);
          continue;
        }
        if (protection.kind === 'missing') {
          const c: ReachCondition = { policy: ASSUMPTION_POLICY, statement: material.arn, operator: 'Assumes', key: 'kms:Decrypt', values: [protection.keyId] };
          push(table, i, 'use', best.use.action, [best.v], `${best.use.action}+kms:Decrypt`, [c]);
          continue;
        }
        const d = view.get(decrypt, i);
        if (d !== undefined) {
          push(table, i, 'use', best.use.action, [best.v, d], `${best.use.action}+kms:Decrypt`);
          continue;
        }
        if (view.shared) continue;
        const grant = (this.grantsByGrantee.get(view.node.principal.arn) ?? []).find((g) => g.decrypt && g.material === material.index);
        if (grant !== undefined) {
          push(table, i, 'use', best.use.action, [best.v], `${best.use.action}+kms:Decrypt`);
          const last = out.access[out.access.length - 1] as AccessOut;
          const citation = { policy: `${protection.key.arn}#grant:${grant.grantId}`, statement: grant.grantId };
          out.access[out.access.length - 1] = {
            ...last,
            grantId: grant.grantId,
            step: { ...last.step, allowedBy: [...last.step.allowedBy, citation], grantId: grant.grantId },
          };
        }
      }
    }
  }

  private itemOfMaterial(table: Table, material: number): number {
    return table.items.findIndex((it) => it.ref === material);
  }

  /** KMS grants naming the node's principal: reach whatever the policies say. */
  private grantAccess(node: Node, out: Collector): void {
    for (const g of this.grantsByGrantee.get(node.principal.arn) ?? []) {
      if (g.decrypt) continue;
      const material = this.materials[g.material] as MaterialRecord;
      const useOp = GRANT_USE_OPERATION[material.kind];
      const table = material.kind === 'kms-sign' ? this.tables.kmsSign : this.tables.kmsMac;
      const add = (access: ReachAccess, action: string): void => {
        out.access.push({
          material: material.index,
          access,
          action,
          conditional: false,
          grantId: g.grantId,
          step: {
            to: material.arn,
            via: 'kms-grant',
            policy: `${material.arn}#grant:${g.grantId}`,
            statement: g.grantId,
            effect: 'access',
            allowedBy: [{ policy: `${material.arn}#grant:${g.grantId}`, statement: g.grantId }],
            grantId: g.grantId,
          },
          item: -1,
          tables: [table],
        });
      };
      if (useOp !== undefined && g.operations.includes(useOp)) add('use', `kms:${useOp}`);
      if (g.operations.includes('CreateGrant')) add('control', 'kms:CreateGrant');
    }
  }
}

/** Keeps one unconditional and one conditional output per target, the first found. */
function dedupe(c: Collector): OutputSet {
  const seen = new Set<string>();
  const keep = <T extends Derived>(list: readonly T[], key: (x: T) => string): T[] =>
    list.filter((x) => {
      const k = `${key(x)}|${x.conditional ? 1 : 0}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  return {
    edges: keep(c.edges, (e) => `e${e.target}`),
    mods: keep(c.mods, (m) => `m${m.kind}|${m.step.to}`),
    access: keep(c.access, (a) => `a${a.material}|${a.access}|${a.grantId ?? ''}`),
  };
}
