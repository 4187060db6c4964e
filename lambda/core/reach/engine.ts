import type { Decision, PolicySet } from '../policy/index.js';
import { authorize, principalResourceMatcher, statementMayMatchAction } from '../policy/index.js';
import type { PolicyDocument, PolicySource, Statement } from '../policy/types.js';
import type { AccountSnapshot, Tags } from '../snapshot/model.js';
import { ArnIndex, probeArn, widenVariables } from './arn-index.js';
import type { EscalationPath, RequiredPermission } from './escalation-catalog.js';
import { ESCALATION_CATALOG } from './escalation-catalog.js';
import type { MaterialRecord } from './material.js';
import { decryptContext, GRANT_USE_OPERATION, signingMaterial } from './material.js';
import { cached, denseId, innerMap } from './memo.js';
import type { IdentityClause, ProjectedPolicy, Projection, SignatureStatement } from './policy-scan.js';
import {
  ActionMask,
  allowStatements,
  clauseFingerprint,
  identityValue,
  ProjectionCache,
  patternsCover,
  resourceHints,
  scanDocument,
  signatureStatements,
  statementScope,
  valueFingerprint,
} from './policy-scan.js';
import type { PrincipalRecord } from './principals.js';
import { PrincipalDirectory } from './principals.js';
import { coversAnyAction, readsResourceTags, retaggedItem, TAG_ACTIONS, tagReadingStatements } from './retag.js';
import type { ArnByIndex, StepSpec, Verdict } from './steps.js';
import { isConditional } from './steps.js';
import type { ReachAccess, ReachCondition, StatementCitation } from './types.js';

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

const ESCALATED_LAYER: readonly PolicySource[] = [ESCALATED_IDENTITY];

/** Policy id used for conditions that stand for facts the snapshot cannot show. */
export const ASSUMPTION_POLICY = 'sever:assumption';

/** The id of a role's rewritten trust policy is the role's ARN with this suffix. */
const REWRITTEN_SUFFIX = '#trust-rewritten';

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
  /** The resource policy with only the statements that name no principal of the account (compiled at build). */
  generic?: ProjectedPolicy;
  /** Per principal the resource policy names: the policy with its statements for that principal kept too (compiled at build). */
  named?: Map<number, ProjectedPolicy>;
  /** The projected resource policies handed to `authorize`, kept so its per-object indexes are reused. */
  sources?: Map<ProjectedPolicy['projection'], PolicySource>;
  /**
   * Its resource-tag tests are unknown: the attacker chooses its tags (a twin, see retag.ts), or
   * the snapshot does not hold them (customer managed policies).
   */
  readonly tagsUnknown: boolean;
}

/**
 * A table item with every field present (those not set are undefined): items of all tables then
 * share one shape, and the loops that read thousands of them stay monomorphic.
 */
function tableItem(
  arn: string,
  tags: Tags,
  ref: number,
  policy?: PolicySource,
  context?: Readonly<Record<string, string | readonly string[]>>,
): TableItem {
  return { arn, tags, context, policy, ref, generic: undefined, named: undefined, sources: undefined, tagsUnknown: false };
}

/** One kind of resource requests are made on, indexed by ARN and by the principals its policies name. */
export interface Table {
  readonly name: string;
  readonly mode: PolicySet['resourceMode'];
  readonly items: readonly TableItem[];
  readonly index: ArnIndex;
  /** Principal index → items whose resource policy names it (by its ARN, or by its role sessions). */
  readonly explicit: ReadonlyMap<number, readonly number[]>;
  /** Items whose resource policy may grant to anyone without an identity policy. */
  readonly star: readonly number[];
}

interface Derived {
  readonly conditional: boolean;
  readonly spec: StepSpec;
  /** Item and tables the output was derived from, so a node whose principal a resource policy names can skip a shared output. */
  readonly item: number;
  readonly tables: readonly Table[];
}

export interface EdgeOut extends Derived {
  /** Principal indices of the principals the node can become. */
  readonly targets: readonly number[];
}

export interface ModOut extends Derived {
  /** `tag`: the attacker chooses the targets' tags. */
  readonly kind: 'escalate' | 'unbound' | 'join' | 'tag';
  /** Principal indices (escalate, unbound, tag) or the group index (join). */
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

/** An item whose tags the attacker could choose to some effect (see `ReachEngine.retagSubjects`). */
export interface RetagSubject {
  /** Dense, in the order of `retagSubjects`. */
  readonly id: number;
  /** `protection`: the customer KMS key protecting a secret or parameter (its item in the decrypt table). */
  readonly kind: 'material' | 'protection' | 'role' | 'user';
  /** The table its use (or assumption) is decided in, and its item there. */
  readonly table: Table;
  readonly item: number;
  /** Material or principal index. */
  readonly ref: number;
  /** The actions that set or remove its tags, each with its catalogue technique. */
  readonly tagActions: readonly TagAction[];
  /**
   * The right to tag it may turn on principal attributes that rule requests do not read (its
   * resource policy tests them for the tag action alone): states sharing outputs may differ.
   */
  readonly personal: boolean;
  /** What its tags can open, by kind of request: only these need asking. */
  readonly aspects: readonly RetagAspect[];
}

/** Requests on a subject that some policy reads its tags for. */
export interface RetagAspect {
  /** Which of the engine's groups of requests (`retagGroups`). */
  readonly group: number;
  /** Its own resource policy reads its tags for them. */
  readonly ownReads: boolean;
  /** For signing material, what the requests give; undefined for a principal. */
  readonly access?: ReachAccess;
}

/** An action that sets or removes tags, and the catalogue technique that uses it. */
export interface TagAction {
  readonly action: string;
  readonly escalation: string;
}

/** A right to set a subject's tags. */
export interface RetagOut extends Derived {
  readonly subject: number;
}

export interface OutputSet {
  readonly edges: readonly EdgeOut[];
  readonly mods: readonly ModOut[];
  readonly access: readonly AccessOut[];
}

export interface NodeOutputs {
  /** Per rule, shared by every node whose decisions for that rule's requests agree (same objects). */
  readonly shared: readonly OutputSet[];
  /** Shared by every node with the same class key: items whose resource policy tests principal attributes. */
  readonly cls: OutputSet;
  readonly own: OutputSet;
  /** Items (per table) this node's principal is named in: their shared and class outputs do not apply. */
  readonly overrides: ReadonlyMap<Table, ReadonlySet<number>> | undefined;
}

export interface Node {
  readonly id: number;
  readonly principal: PrincipalRecord;
  readonly admin: boolean;
  readonly unbounded: boolean;
  /** Groups added by the attacker (indices), sorted. */
  readonly groups: readonly number[];
  /** The attacker chooses the principal's tags (by tagging it, or through session tags); `principal` is then a copy saying so. */
  readonly chosenTags: boolean;
  readonly identity: readonly PolicySource[];
  readonly boundary: PolicySource | undefined;
  /** Equal for nodes whose decisions agree on every item whose resource policy does not name them or test their attributes. */
  readonly shareKey: string;
  /** Shared by nodes that also agree on items whose resource policy tests principal attributes (found when first needed). */
  classState?: ClassState;
  /** Per tracked action (see {@link ActionMask}): may an identity policy allow it? */
  readonly mask: Uint8Array;
  /** Per request: the key of the decisions it shares with other nodes (see `actionKey`). */
  actionKeys?: Map<Use, string>;
  /** Per request: its shared decisions (see `sharedAllowed`), memoised. */
  allowed?: Map<Use, SharedAllowed>;
  /** Per request shape whose statements embed ARN variables: how they cover ARNs for this principal (null: not fixed by it). */
  coverage?: Map<RequestShape, readonly Cover[] | null>;
  outputs?: NodeOutputs;
}

/** Actions the engine asks about besides those of the escalation catalogue. */
const BASE_ACTIONS = [
  'sts:AssumeRole',
  'iam:CreateAccessKey',
  'iam:DeleteAccessKey',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
  'kms:Sign',
  'kms:GenerateMac',
  'kms:PutKeyPolicy',
  'kms:CreateGrant',
  'kms:Decrypt',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecret',
  'secretsmanager:PutResourcePolicy',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParameterHistory',
  'ssm:PutParameter',
] as const;

/** Allowed items and their verdicts. */
interface Verdicts {
  get(item: number): Verdict | undefined;
  keys(): Iterable<number>;
}

/** Items that get one verdict. */
interface VerdictGroup {
  readonly verdict: Verdict;
  readonly items: readonly number[];
}

/**
 * Allowed items of a table without resource policies, in groups that got one decision each:
 * thousands of equal entries in a `Map` would cost more than the decisions themselves.
 */
class GroupedVerdicts implements Verdicts {
  private readonly groupOf: Int32Array;
  private readonly allowed: readonly number[];

  constructor(
    itemCount: number,
    readonly groups: readonly VerdictGroup[],
  ) {
    this.groupOf = new Int32Array(itemCount).fill(-1);
    groups.forEach((g, n) => {
      for (const i of g.items) this.groupOf[i] = n;
    });
    this.allowed = groups.length === 1 ? (groups[0] as VerdictGroup).items : groups.flatMap((g) => g.items);
  }

  get(item: number): Verdict | undefined {
    const n = this.groupOf[item] as number;
    return n >= 0 ? (this.groups[n] as VerdictGroup).verdict : undefined;
  }

  keys(): readonly number[] {
    return this.allowed;
  }
}

interface SharedAllowed {
  readonly id: number;
  readonly map: Verdicts;
  /** Candidates whose resource policy tests principal tags or identity: decided per class. */
  readonly sensitive: readonly number[];
  /** Candidates whose resource policy has NotPrincipal (exemptions name exact principals): decided per node. */
  readonly personal: readonly number[];
}

interface SharedOutputs {
  readonly fragments: readonly OutputSet[];
  readonly sensitive: boolean;
  readonly personal: boolean;
  /** The outputs of every node that no resource policy or grant names, per class (one object for all of them). */
  readonly unnamed: Map<ClassState, NodeOutputs>;
}

/** One kind of output, derived from a fixed set of requests: memoised per set of decisions it read. */
interface Rule {
  readonly id: string;
  readonly uses: readonly Use[];
  /** Workload API calls (decided on probe ARNs) the rule needs, all of them. */
  readonly probes: readonly RequiredPermission[];
  /** Whether the rule also reads the decision to assume a role after rewriting its trust. */
  readonly rewrite: boolean;
  readonly run: (view: View, out: Collector) => void;
}

interface ClassState {
  readonly allowed: Map<string, ReadonlyMap<number, Verdict>>;
  outputs?: OutputSet;
}

interface Use {
  readonly table: Table;
  readonly action: string;
  readonly extra?: Readonly<Record<string, string>>;
  readonly key: string;
}

/** A way of reading decisions: for the share key, for the class, or for one node. */
interface View {
  readonly node: Node;
  readonly level: 'shared' | 'class' | 'own';
  items(uses: readonly Use[]): readonly number[];
  /** The verdict on each item of a request (undefined when not allowed), resolved once per request for loops over items. */
  verdicts(use: Use): (item: number) => Verdict | undefined;
  /** The allowed items of a request in groups with one verdict each, when the decisions were made by group (then outputs name each group's targets in one record). */
  groups(use: Use): readonly VerdictGroup[] | undefined;
  /** The item as this view decides on it when it is not the table's own: its twin with its tags chosen (see retag.ts). */
  twin?(table: Table, item: number): TableItem | undefined;
}

interface FanOut {
  readonly groups: readonly { readonly targets: readonly number[]; readonly conditions: readonly ReachCondition[] }[];
  readonly citations: ReadonlyMap<number, StatementCitation>;
  readonly conditions: ReadonlyMap<number, readonly ReachCondition[]>;
}

interface AccessPlan {
  readonly table: Table;
  readonly control: readonly Use[];
  readonly uses: readonly Use[];
  readonly decrypt?: Use;
  readonly all: readonly Use[];
  readonly tables: readonly Table[];
}

interface Collector {
  readonly edges: EdgeOut[];
  readonly mods: ModOut[];
  readonly access: AccessOut[];
}

const EMPTY_SET: OutputSet = Object.freeze({ edges: [], mods: [], access: [] });

/** The class of nodes whose share key met no principal-sensitive item. */
const NO_CLASS: ClassState = Object.freeze({ allowed: new Map<string, ReadonlyMap<number, Verdict>>(), outputs: EMPTY_SET });

/** A service trust: the role lets the service assume it, possibly under conditions we cannot decide. */
interface ServiceTrust {
  readonly conditions: readonly ReachCondition[];
  readonly citation: StatementCitation;
}

export interface EngineOptions {
  readonly assumeExistingWorkloads: boolean;
  readonly maxAddedGroups: number;
  /** Off: every node decides every request itself through `authorize` (the reference shared decisions are tested against). */
  readonly shareDecisions: boolean;
}

const assumption = (path: EscalationPath, text: string): ReachCondition => ({
  policy: ASSUMPTION_POLICY,
  statement: path.id,
  operator: 'Assumes',
  key: 'sever:Precondition',
  values: [text],
});

const NONE: readonly number[] = Object.freeze([]);
/** The added groups of a node without any (one array for all of them; not frozen, like the lists of nodes with groups). */
const NO_GROUPS: readonly number[] = [];

/** Whether a statement's Resource or NotResource list holds an ARN. */
type Cover = (arn: string) => boolean;

/** Items grouped so that each group takes one decision, and the items to decide one by one. */
interface ItemPartition {
  readonly groups: readonly (readonly number[])[];
  readonly rest: readonly number[];
}

/** A statement that may cover an action, tagged `<document id>.<index>` for signatures. */
interface SignatureEntry {
  readonly tag: string;
  readonly statement: SignatureStatement;
}

/** Who one escalation record escalates, and (for groups and managed policies) through what. */
interface EscalationTargets {
  readonly targets: readonly number[];
  readonly groups?: readonly number[];
  readonly targetTo?: ArnByIndex;
  readonly groupTo?: ArnByIndex;
}

/** Per principal or group index, the ARN of the first of a table's items it was reached through. */
class FirstItemArn implements ArnByIndex {
  constructor(
    private readonly table: Table,
    private readonly first: Int32Array,
  ) {}

  get(index: number): string | undefined {
    const i = this.first[index];
    return i === undefined || i < 0 ? undefined : (this.table.items[i] as TableItem).arn;
  }
}

/** See `ReachEngine.prefix`. */
interface RequestPrefix {
  readonly shape: RequestShape;
  readonly text: string;
  /** The shape's keys whose values come from the item or the request context. */
  readonly itemKeys: readonly string[];
}

/** Condition keys and variables whose value is the principal's own. */
const PRINCIPAL_KEY = /^(aws:principaltag\/|aws:username$|aws:userid$|aws:principalarn$)/;

/** A stand-in item for reading principal keys, which never look at the item. */
const NO_ITEM: TableItem = tableItem('', {}, -1);

/** See `ReachEngine.shape`. */
interface RequestShape {
  /** Equal for shapes that list the same statements. */
  readonly id: number;
  /** Keys read by the statements that cover every resource. */
  readonly keys: readonly string[];
  /** Per layer, the statements whose coverage depends on the resource ARN; empty when there are none. */
  readonly perItem: readonly (readonly SignatureEntry[])[];
  /** The same statements in one list. */
  readonly dependent: readonly SignatureStatement[];
  /** Some statement's Resource embeds variables. */
  readonly itemArn: boolean;
  /**
   * Some statement, whether it covers every resource or not, reads the resource's tags, through
   * `aws:ResourceTag` or a service's own key (see retag.ts).
   */
  readonly tagReads: boolean;
}

const loweredCache = new WeakMap<object, ReadonlyMap<string, unknown>>();

/** A record with lower-cased keys (tags and condition keys compare case-insensitively), cached per record. */
function lowered<V>(record: Readonly<Record<string, V>>): ReadonlyMap<string, V> {
  let map = loweredCache.get(record) as ReadonlyMap<string, V> | undefined;
  if (map === undefined) {
    map = new Map(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
    loweredCache.set(record, map);
  }
  return map;
}

/** Keys a tag whose value cannot be known offline (session tags, a retagged resource, a managed policy's tags); no real tag value is this. */
const CHOSEN_TAG = '\u0002';

/** A principal's tag (lower-cased key) as decisions are keyed: {@link CHOSEN_TAG} when the caller sets session tags. */
function principalTag(p: PrincipalRecord, key: string): string | undefined {
  return p.sessionTags ? CHOSEN_TAG : lowered(p.tags).get(key);
}

/**
 * The principal in a share key that names it: its ARN, marked when its tags are chosen. Nodes with
 * equal share keys must decide alike, and a principal's two states do not when its policies read
 * its tags. (Request keys and signatures also hold the tag values they read.)
 */
const principalName = (p: PrincipalRecord): string => (p.sessionTags ? `${p.arn}${CHOSEN_TAG}` : p.arn);

/** Where caches of a principal's attribute keys keep it: its tags as they are, or chosen by the caller, look different. */
const attributeSlot = (p: PrincipalRecord): number => p.index * 2 + (p.sessionTags ? 1 : 0);

const EMPTY_MAP: ReadonlyMap<number, Verdict> = new Map();
const NO_VERDICT = (_item: number): Verdict | undefined => undefined;

const verdictOf = (decision: Decision, projected: ProjectedPolicy | undefined, item: TableItem): Verdict =>
  item.policy !== undefined ? { decision, projected, resource: item.policy.id } : { decision, projected };

/** Union of item lists, in first-seen order. */
const union = (lists: readonly Iterable<number>[]): readonly number[] => {
  if (lists.length === 1) {
    const only = lists[0] as Iterable<number>;
    return Array.isArray(only) ? (only as readonly number[]) : [...only];
  }
  const set = new Set<number>();
  for (const list of lists) for (const i of list) set.add(i);
  return set.size === 0 ? NONE : [...set];
};

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
  /** Nodes with added groups, by principal, boundary state and groups. */
  private readonly nodeByKey = new Map<string, Node>();
  private readonly allowedByKey = new Map<string, SharedAllowed>();
  /** Per share key and request: the action key, or null when it names the principal (then kept per node). */
  private readonly actionKeysByShare = new Map<string, Map<Use, string | null>>();
  /** Per share key: the shared outputs and flags, when no action key of its nodes names the principal. */
  private readonly sharedByShareKey = new Map<string, SharedOutputs>();
  private readonly keyIds = new Map<string, number>();
  private readonly fragments = new Map<string, OutputSet>();
  private readonly probeByKey = new Map<string, Verdict | null>();
  private readonly rewrittenByKey = new Map<string, Map<number, Verdict | null>>();
  private ruleList: readonly Rule[] | undefined;
  /** Per share key, per resource-side key: the class of the nodes with both. */
  private readonly classes = new Map<string, Map<string, ClassState>>();
  /** Per identity layer, boundary and principal type: see {@link SharingProfile}. */
  private readonly profiles = new WeakMap<readonly PolicySource[], Map<string, SharingProfile>>();
  private profileCount = 0;
  private readonly serviceTrusts = new Map<string, ReadonlyMap<number, ServiceTrust>>();
  private serviceCandidates:
    | { readonly byService: ReadonlyMap<string, readonly number[]>; readonly everyone: readonly number[] }
    | undefined;
  /** Principal ARN → grants naming it as grantee: use/control of signing keys, and Decrypt of the keys protecting secrets/parameters. */
  private readonly grantsByGrantee = new Map<
    string,
    { material: number; grantId: string; operations: readonly string[]; decrypt: boolean }[]
  >();
  /** What the account's resource-side policies (trust, key and secret policies) read of principals. */
  private readonly resourceSide: AttributeLens;
  private readonly roleByName = new Map<string, number>();
  private readonly rewrittenTrust: ProjectedPolicy;
  /** A table with no items: names the workload API calls decided on probe ARNs. */
  private readonly workloads: Table = { name: 'workload', mode: 'none', items: [], index: new ArnIndex([]), explicit: new Map(), star: [] };
  private readonly materialItem = new Map<string, number>();
  private readonly decisions = new Map<string, Decision>();
  private readonly resourceKeys = new Map<number, string>();
  private readonly docIds = new WeakMap<PolicyDocument, number>();
  private docCount = 0;
  private readonly actionMask = new ActionMask([...BASE_ACTIONS, ...ESCALATION_CATALOG.flatMap((p) => p.permissions.map((q) => q.action))]);

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
    const of = (kind: MaterialRecord['kind']): MaterialRecord[] => this.materials.filter((m) => m.kind === kind);
    const materialItem = (m: MaterialRecord): TableItem => tableItem(m.arn, m.tags, m.index, m.resourcePolicy, m.context);
    const decryptItem = (m: MaterialRecord): TableItem => {
      const p = m.protection;
      if (p?.kind !== 'customer') return tableItem('', {}, m.index);
      return tableItem(p.key.arn, p.key.tags, m.index, p.policy, {
        'kms:KeySpec': p.key.keySpec,
        'kms:KeyUsage': p.key.keyUsage,
        'kms:ResourceAliases': p.key.aliases.map((a) => a.aliasName),
        ...decryptContext(m, snapshot.account.region),
      });
    };
    for (const m of [...of('secret'), ...of('ssm-parameter')]) {
      if (m.protection?.kind === 'missing') {
        warnings.push(`KMS key ${m.protection.keyId} protecting ${m.arn} is not in the snapshot: kms:Decrypt on it is assumed`);
      }
    }
    const secrets = of('secret');
    const parameters = of('ssm-parameter');
    this.tables = {
      roleTrust: this.table(
        'role-trust',
        'trust-policy',
        roles.map((r) => tableItem(r.arn, r.tags, r.index, r.trust)),
      ),
      roleIam: this.table(
        'role',
        'none',
        roles.map((r) => tableItem(r.arn, r.tags, r.index)),
      ),
      userIam: this.table(
        'user',
        'none',
        users.map((u) => tableItem(u.arn, u.tags, u.index)),
      ),
      groupIam: this.table(
        'group',
        'none',
        d.groups.map((g) => tableItem(g.arn, {}, g.index)),
      ),
      // The account's authorization details hold no tags of managed policies.
      policyIam: this.table(
        'policy',
        'none',
        customer.map((p) => ({ ...tableItem(p.arn, {}, p.index), tagsUnknown: true })),
      ),
      kmsSign: this.table('kms-sign', 'kms-key', of('kms-sign').map(materialItem)),
      kmsMac: this.table('kms-mac', 'kms-key', of('kms-mac').map(materialItem)),
      secrets: this.table('secret', 'resource-policy', secrets.map(materialItem)),
      secretDecrypt: this.table('secret-decrypt', 'kms-key', secrets.map(decryptItem)),
      parameters: this.table('parameter', 'none', parameters.map(materialItem)),
      parameterDecrypt: this.table('parameter-decrypt', 'kms-key', parameters.map(decryptItem)),
    };
    for (const t of [this.tables.kmsSign, this.tables.kmsMac, this.tables.secrets, this.tables.parameters]) {
      t.items.forEach((it, i) => {
        this.materialItem.set(`${t.name}|${it.ref}`, i);
      });
    }
    this.rewrittenTrust = this.projections.project(REWRITTEN_TRUST, () => true);
    this.indexGrants();
    this.warnings = warnings;
    this.resourceSide = scanResourceSide(snapshot);
    // Compile up front what every walk would otherwise pay on first touch, all linear in the
    // snapshot: each principal's identity layer (relevant policies, action mask, share key, the
    // statements that may cover each action it may be allowed), how it looks to resource
    // policies, whether any names it, the rules, the items whose tags matter if the attacker
    // sets them, and which roles each compute service may assume.
    // (Resource policies are compiled with their tables.)
    for (const p of d.principals) {
      this.resourceSideKey(p);
      this.named(p);
      const node = this.node(p.index);
      node.mask.forEach((allowed, bit) => {
        if (allowed === 1) this.entries(node.identity, () => node.identity.map((x) => x.document), this.actionMask.actions[bit] as string);
      });
    }
    this.rules();
    this.retagSubjects();
    for (const path of ESCALATION_CATALOG)
      if (path.outcome.kind === 'workload-role') for (const sp of path.outcome.servicePrincipals) this.fanOut(sp);
  }

  // ── Tables ───────────────────────────────────────────────────────────────────────────────────

  /**
   * Indexes a table and compiles its resource policies: each policy's generic projection, and
   * for each principal of the account a policy names (by ARN or by a session of the role), the
   * projection that keeps that principal's statements too. Names of principals outside the
   * snapshot are left out: no walk can reach them.
   */
  private table(name: string, mode: Table['mode'], items: TableItem[]): Table {
    const explicit = new Map<number, number[]>();
    const star: number[] = [];
    items.forEach((item, i) => {
      if (item.policy === undefined) return;
      const document = item.policy.document;
      let isStar = false;
      const named = new Set<number>();
      for (const s of document.statements) {
        const scope = statementScope(s, this.accountId);
        for (const n of scope.names) {
          const index = n.startsWith('assumed-role:') ? this.roleByName.get(n.slice(13)) : this.directory.byArn.get(n);
          if (index !== undefined) named.add(index);
        }
        if (s.effect === 'Allow' && (s.principal === '*' || s.notPrincipal !== undefined || (s.principal?.AWS ?? []).includes('*'))) {
          isStar = true;
        }
      }
      item.generic = this.projections.project(document, (s) => statementScope(s, this.accountId).generic);
      const byPrincipal = new Map<number, ProjectedPolicy>();
      for (const n of named) {
        const list = explicit.get(n);
        if (list === undefined) explicit.set(n, [i]);
        else list.push(i);
        const p = this.directory.principals[n] as PrincipalRecord;
        const session = `assumed-role:${p.name}`;
        const projected = this.projections.project(document, (s) => {
          const scope = statementScope(s, this.accountId);
          return scope.generic || scope.names.includes(p.arn) || (p.type === 'role' && scope.names.includes(session));
        });
        byPrincipal.set(n, projected);
      }
      if (byPrincipal.size > 0) item.named = byPrincipal;
      if (isStar) star.push(i);
    });
    return { name, mode, items, index: new ArnIndex(items.map((i) => i.arn)), explicit, star };
  }

  private specific(item: TableItem, principal: PrincipalRecord): ProjectedPolicy | undefined {
    return item.named?.get(principal.index) ?? item.generic;
  }

  private readonly namedCache = new Map<number, boolean>();

  /** Whether some resource policy names the principal, or a grant does: only then has it outputs of its own. */
  named(principal: PrincipalRecord): boolean {
    let named = this.namedCache.get(principal.index);
    if (named === undefined) {
      named =
        this.grantsByGrantee.has(principal.arn) ||
        Object.values(this.tables).some((t: Table) => this.explicitItems(t, principal).length > 0);
      this.namedCache.set(principal.index, named);
    }
    return named;
  }

  private explicitItems(table: Table, principal: PrincipalRecord): readonly number[] {
    return table.explicit.get(principal.index) ?? NONE;
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
      for (const g of m.grants)
        push(g.granteePrincipal, { material: m.index, grantId: g.grantId, operations: g.operations, decrypt: false });
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

  /**
   * Nodes without added groups, per state and principal. The state is a bit field: 1 escalated,
   * 2 unbounded, 4 tags chosen.
   */
  private readonly plainNodes: (Node | undefined)[][] = [[], [], [], [], [], [], [], []];

  /** The node of a principal in a state; created on first use. */
  node(principal: number, admin = false, unbounded = false, groups: readonly number[] = [], chosenTags = false): Node {
    const p = this.directory.principals[principal];
    // A boundary only a principal with one can lose; added groups change nothing for an escalated
    // state; a role whose callers pass session tags has its tags chosen already.
    const effectiveUnbounded = unbounded && p?.boundary !== undefined;
    const effectiveChosen = chosenTags && p?.sessionTags === false;
    if (groups.length === 0 || admin) {
      const slot = this.plainNodes[(admin ? 1 : 0) + (effectiveUnbounded ? 2 : 0) + (effectiveChosen ? 4 : 0)] as (Node | undefined)[];
      const known = slot[principal];
      if (known !== undefined) return known;
      const created = this.createNode(principal, admin, effectiveUnbounded, NO_GROUPS, effectiveChosen);
      slot[principal] = created;
      return created;
    }
    const key = `${principal}|${effectiveUnbounded ? 1 : 0}|${effectiveChosen ? 1 : 0}|${groups.join(',')}`;
    const known = this.nodeByKey.get(key);
    if (known !== undefined) return known;
    const created = this.createNode(principal, false, effectiveUnbounded, groups, effectiveChosen);
    this.nodeByKey.set(key, created);
    return created;
  }

  private readonly chosenRecords = new Map<number, PrincipalRecord>();

  /**
   * The principal as the attacker sees it once they choose its tags: the same principal (same
   * index, so every lookup by index still finds it), evaluated as a role whose callers pass
   * session tags, with every `aws:PrincipalTag` undecidable.
   */
  private chosenRecord(p: PrincipalRecord): PrincipalRecord {
    let record = this.chosenRecords.get(p.index);
    if (record === undefined) {
      record = { ...p, sessionTags: true, context: { ...p.context, sessionTags: true } };
      this.chosenRecords.set(p.index, record);
    }
    return record;
  }

  private createNode(principal: number, admin: boolean, unbounded: boolean, extra: readonly number[], chosenTags: boolean): Node {
    const own = this.directory.principals[principal] as PrincipalRecord;
    const p = chosenTags ? this.chosenRecord(own) : own;
    let identity: readonly PolicySource[];
    if (admin) identity = ESCALATED_LAYER;
    else {
      const list = [...p.identity];
      for (const g of extra) for (const s of this.directory.groups[g]?.identity ?? []) if (!list.includes(s)) list.push(s);
      identity = this.relevantLayer(list);
    }
    const boundary = unbounded ? undefined : p.boundary;
    const shareKey = this.shareKey(p, identity, boundary);
    let mask = this.layerMasks.get(identity);
    if (mask === undefined) {
      mask = new Uint8Array(this.actionMask.size);
      for (const source of identity) {
        const m = this.actionMask.of(source);
        for (let i = 0; i < m.length; i++) mask[i] |= m[i] as number;
      }
      this.layerMasks.set(identity, mask);
    }
    const node: Node = {
      id: this.nodes.length,
      principal: p,
      admin,
      unbounded,
      groups: extra,
      chosenTags,
      identity,
      boundary,
      shareKey,
      mask,
      // Filled in later, but present from the start: every node then has one shape, and the
      // walk's reads of these fields stay monomorphic.
      classState: undefined,
      actionKeys: undefined,
      allowed: undefined,
      coverage: undefined,
      outputs: undefined,
    };
    this.nodes.push(node);
    return node;
  }

  private readonly layers = new Map<string, readonly PolicySource[]>();
  /** Per identity layer (one object per distinct list, see `relevantLayer`): the actions it may allow. */
  private readonly layerMasks = new WeakMap<readonly PolicySource[], Uint8Array>();

  /**
   * The identity policies that can matter to reach: a policy none of whose statements covers an
   * action the engine ever asks about cannot change a decision, so it is left out, and
   * principals that differ only in such policies share one layer (and all their work).
   */
  private relevantLayer(sources: readonly PolicySource[]): readonly PolicySource[] {
    const kept = sources.filter((s) => this.actionMask.relevant(s.document));
    const key = kept.map((s) => s.id).join('\n');
    let layer = this.layers.get(key);
    if (layer === undefined) {
      layer = kept;
      this.layers.set(key, layer);
    }
    return layer;
  }

  /**
   * Computes the edges and accesses of every principal as it is, and (through `walk`, started
   * from one escalated principal) of every escalated state: what walks would otherwise compute
   * lazily the first time they reach them. For long-lived processes that answer several plans.
   */
  prepare(walk: (start: Node) => void): void {
    for (const p of this.directory.principals) this.outputs(this.node(p.index));
    // Escalated principals: a walk from one of them reaches (and computes) every escalated state.
    const first = this.directory.principals.find((p) => p.type === 'role' && !p.serviceLinked) ?? this.directory.principals[0];
    if (first !== undefined) walk(this.node(first.index, true, true));
  }

  nodeById(id: number): Node {
    return this.nodes[id] as Node;
  }

  /** What a principal's tags and identity-condition outcomes look like through a lens (see {@link attributeLens}). */
  private attributeKey(p: PrincipalRecord, lens: AttributeLens): string {
    if (lens.variables) return `arn:${principalName(p)}`;
    let out = '';
    for (const k of lens.tagKeys) {
      const value = principalTag(p, k);
      if (value !== undefined) out += `${k}=${value}\u0000`;
    }
    out += '|';
    if (lens.clauses.length === 0) return out;
    const who = { type: p.type, arn: p.arn, name: p.name, id: p.context.id };
    for (const clause of lens.clauses) out += `${clauseFingerprint(clause, identityValue(clause.key, who))};`;
    return out;
  }

  /**
   * Nodes with equal share keys get equal decisions on every request whose resource policy
   * neither names them nor tests their attributes: same identity policies and boundary, same
   * type, and the same look to their own policies, boundary, SCPs and RCPs (the tags those
   * documents test, the outcome of every identity condition in them).
   */
  private shareKey(p: PrincipalRecord, identity: readonly PolicySource[], boundary: PolicySource | undefined): string {
    // Identity layers are one object per list of policies (see `relevantLayer`).
    const perLayer = innerMap(this.profiles, identity);
    const profileKey = `${boundary?.id ?? ''}#${p.type}`;
    let profile = perLayer.get(profileKey);
    if (profile === undefined) {
      const org = this.snapshot.organization;
      profile = {
        id: this.profileCount++,
        lens: attributeLens([
          ...identity.map((s) => s.document),
          ...(boundary !== undefined ? [boundary.document] : []),
          ...org.serviceControlPolicies.flat(),
          ...org.resourceControlPolicies.flat(),
        ]),
        keys: [],
      };
      perLayer.set(profileKey, profile);
    }
    const slot = attributeSlot(p);
    let key = profile.keys[slot];
    if (key === undefined) {
      key = `${profile.id}|${this.attributeKey(p, profile.lens)}`;
      profile.keys[slot] = key;
    }
    return key;
  }

  /** How a principal looks to every resource-side policy (trust, key and secret policies) that tests principal attributes. */
  private resourceSideKey(p: PrincipalRecord): string {
    const slot = attributeSlot(p);
    const cached = this.resourceKeys.get(slot);
    if (cached !== undefined) return cached;
    const key = this.attributeKey(p, this.resourceSide);
    this.resourceKeys.set(slot, key);
    return key;
  }

  // ── Decisions ────────────────────────────────────────────────────────────────────────────────

  private docId(doc: PolicyDocument): number {
    let id = this.docIds.get(doc);
    if (id === undefined) {
      id = this.docCount++;
      this.docIds.set(doc, id);
    }
    return id;
  }

  private readonly layerEntries = new WeakMap<object, Map<string, readonly SignatureEntry[]>>();
  private readonly extraKeys = new WeakMap<object, string>();

  /** The statements of a layer (identity policies, a boundary, the SCPs and RCPs) that may cover an action, tagged with their position. */
  private entries(owner: object, documents: () => readonly PolicyDocument[], action: string): readonly SignatureEntry[] {
    const perAction = innerMap(this.layerEntries, owner);
    let list = perAction.get(action);
    if (list === undefined) {
      const built: SignatureEntry[] = [];
      for (const doc of documents()) {
        const id = this.docId(doc);
        for (const st of signatureStatements(doc, action)) built.push({ tag: `${id}.${st.index}`, statement: st });
      }
      list = built;
      perAction.set(action, list);
    }
    return list;
  }

  /** Per identity layer, per boundary (null: none), per action. */
  private readonly shapes = new WeakMap<readonly PolicySource[], Map<PolicySource | null, Map<string, RequestShape>>>();
  private readonly shapeIds = new Map<string, number>();

  /**
   * The part of a request's signature fixed by the node's layers and the action: the statements
   * that cover every resource, the keys they read, and the statements whose coverage depends on
   * the resource ARN (checked per item). Computed once per identity layer, boundary and action.
   */
  private shape(node: Node, action: string): RequestShape {
    const perLayer = innerMap(this.shapes, node.identity);
    const boundary = node.boundary;
    const perAction = innerMap(perLayer, boundary ?? null);
    let shape = perAction.get(action);
    if (shape !== undefined) return shape;
    const text: string[] = [boundary !== undefined ? 'B' : '', action];
    const keys = new Set<string>();
    const perItem: (readonly SignatureEntry[])[] = [];
    let itemArn = false;
    let tagReads = false;
    const add = (list: readonly SignatureEntry[]): void => {
      const dependent: SignatureEntry[] = [];
      for (const e of list) {
        const st = e.statement;
        if (st.resourceVariables) itemArn = true;
        if (readsResourceTags(st.keys)) tagReads = true;
        if (st.anyResource && !st.not) {
          text.push(e.tag);
          for (const k of st.keys) keys.add(k);
        } else dependent.push(e);
      }
      text.push('|');
      perItem.push(dependent);
    };
    add(this.entries(node.identity, () => node.identity.map((x) => x.document), action));
    if (boundary !== undefined) add(this.entries(boundary, () => [boundary.document], action));
    const org = this.snapshot.organization;
    add(this.entries(org, () => [...org.serviceControlPolicies.flat(), ...org.resourceControlPolicies.flat()], action));
    // Layers that put the same statements in front of the action share one short id in signatures.
    const full = text.join('\u0001');
    const id = denseId(this.shapeIds, full);
    const dependent = perItem.flat().map((e) => e.statement);
    shape = { id, keys: [...keys], perItem: dependent.length > 0 ? perItem : [], dependent, itemArn, tagReads };
    perAction.set(action, shape);
    return shape;
  }

  /** The part of a request's signature that no item changes: principal, action, extra context, and the values of principal keys. */
  private prefix(node: Node, action: string, extra: Use['extra']): RequestPrefix {
    const p = node.principal;
    const shape = this.shape(node, action);
    let extraKey = '';
    if (extra !== undefined) {
      extraKey = this.extraKeys.get(extra) ?? JSON.stringify(extra);
      this.extraKeys.set(extra, extraKey);
    }
    let text = `${p.type}\u0001${extraKey}\u0001${shape.id}`;
    const itemKeys: string[] = [];
    for (const key of shape.keys) {
      if (PRINCIPAL_KEY.test(key)) text += `\u0001${key}=${this.requestValue(key, p, NO_ITEM, extra)}`;
      else itemKeys.push(key);
    }
    return { shape, text, itemKeys };
  }

  /**
   * Everything `authorize` reads for this request: the statements that can apply (identity,
   * boundary, SCP, RCP, the projected resource policy) and the values their conditions and
   * variables read. Requests with equal signatures get equal decisions.
   */
  private signature(
    node: Node,
    it: TableItem,
    mode: Table['mode'],
    action: string,
    projected: ProjectedPolicy | undefined,
    extra: Use['extra'],
    prefix: RequestPrefix,
  ): string {
    const p = node.principal;
    const shape = prefix.shape;
    const arn = it.arn;
    let signature = `${prefix.text}\u0001${projected !== undefined ? mode : 'none'}`;
    let keys: readonly string[] = prefix.itemKeys;
    for (const list of shape.perItem) {
      for (const e of list) {
        const st = e.statement;
        const covered = patternsCover(st, arn);
        if (st.not) signature += covered ? `\u0001${e.tag}x` : `\u0001${e.tag}n`;
        else if (covered) signature += `\u0001${e.tag}`;
        else continue;
        if (st.keys.length > 0) keys = [...keys, ...st.keys];
      }
      signature += '\u0001|';
    }
    let principalArn = false;
    if (projected !== undefined) {
      const projection = projected.projection;
      signature += `\u0001p${projection.id}`;
      // Resources sharing a policy's text differ when its statements name some of them only.
      const coverage = projection.resourceCoverage(action, arn);
      if (coverage !== '') {
        signature += `\u0001r${coverage}`;
        if (coverage.startsWith('@')) principalArn = true;
      }
      const more = projection.keys(action);
      if (more.length > 0) {
        // A principal tag the resource policy only compares counts through how it compares:
        // principals whose values differ but compare alike (neither is the one a trust policy
        // names, say) share the decision.
        const tests = scanDocument(projection.document).tagTests;
        const rest: string[] = [];
        for (const key of more) {
          const values = key.startsWith('aws:principaltag/') ? tests.get(key.slice(17)) : null;
          if (values === null || values === undefined || p.sessionTags) rest.push(key);
          else signature += `\u0001${key}?${valueFingerprint(values, lowered(p.tags).get(key.slice(17)))}`;
        }
        if (rest.length > 0) keys = [...keys, ...rest];
      }
      if (projection.notPrincipal) principalArn = true;
    }
    for (const key of keys !== prefix.itemKeys ? new Set(keys) : keys) {
      signature += `\u0001${key}=${this.requestValue(key, p, it, extra)}`;
    }
    if (shape.itemArn) signature += `\u0001@${arn}`;
    if (principalArn || shape.itemArn) signature += `\u0001^${p.arn}`;
    return signature;
  }

  /** The value a condition key or variable reads from the request, as a string for signatures ('\u0000' when absent). */
  private requestValue(key: string, p: PrincipalRecord, it: TableItem, extra: Use['extra']): string {
    if (key.startsWith('aws:resourcetag/')) return it.tagsUnknown ? CHOSEN_TAG : (lowered(it.tags).get(key.slice(16)) ?? '\u0000');
    if (key.startsWith('aws:principaltag/')) return principalTag(p, key.slice(17)) ?? '\u0000';
    if (key === 'aws:username') return p.type === 'user' ? p.name : '\u0000';
    if (key === 'aws:userid') return p.type === 'user' ? p.context.id : '\u0001';
    if (key === 'aws:principalarn') return p.arn;
    let found: unknown;
    if (extra !== undefined) found = lowered(extra).get(key);
    if (found === undefined && it.context !== undefined) found = lowered(it.context).get(key);
    return found === undefined ? '\u0000' : JSON.stringify(found);
  }

  private decide(
    node: Node,
    table: Table,
    item: number,
    action: string,
    projected: ProjectedPolicy | undefined,
    extra: Use['extra'],
    prefix = this.prefix(node, action, extra),
  ): Decision {
    return this.decideItem(node, table.items[item] as TableItem, table.mode, action, projected, extra, prefix);
  }

  private decideItem(
    node: Node,
    it: TableItem,
    mode: Table['mode'],
    action: string,
    projected: ProjectedPolicy | undefined,
    extra: Use['extra'],
    prefix = this.prefix(node, action, extra),
  ): Decision {
    if (!this.options.shareDecisions) return this.evaluate(node, it, mode, action, projected, extra);
    const signature = this.signature(node, it, mode, action, projected, extra, prefix);
    const cached = this.decisions.get(signature);
    if (cached !== undefined) return cached;
    const decision = this.evaluate(node, it, mode, action, projected, extra);
    if (this.decisions.size >= 2_000_000) this.decisions.clear();
    this.decisions.set(signature, decision);
    return decision;
  }

  private evaluate(
    node: Node,
    it: TableItem,
    mode: Table['mode'],
    action: string,
    projected: ProjectedPolicy | undefined,
    extra?: Use['extra'],
  ): Decision {
    const context = extra === undefined ? it.context : { ...it.context, ...extra };
    const org = this.snapshot.organization;
    return authorize(
      {
        principal: node.principal.context,
        action,
        resource: { arn: it.arn, accountId: this.accountId, tags: it.tags, tagsUnknown: it.tagsUnknown },
        ...(context !== undefined ? { context } : {}),
      },
      {
        identity: node.identity,
        ...(node.boundary !== undefined ? { permissionsBoundary: node.boundary } : {}),
        ...(projected !== undefined && it.policy !== undefined ? { resource: this.resourceSource(it, it.policy, projected) } : {}),
        resourceMode: projected !== undefined ? mode : 'none',
        scps: org.serviceControlPolicies,
        rcps: org.resourceControlPolicies,
      },
    );
  }

  private resourceSource(it: TableItem, policy: PolicySource, projected: ProjectedPolicy): PolicySource {
    it.sources ??= new Map();
    let source = it.sources.get(projected.projection);
    if (source === undefined) {
      source = { id: policy.id, kind: policy.kind, document: projected.projection.document };
      it.sources.set(projected.projection, source);
    }
    return source;
  }

  /** Whether some identity policy of the node has an Allow that may cover the action. */
  private mayAllow(node: Node, action: string): boolean {
    const bit = this.actionMask.bit(action);
    if (bit >= 0) return node.mask[bit] === 1;
    for (const source of node.identity) if (allowStatements(source, action).length > 0) return true;
    return false;
  }

  private readonly candidateStamps = new WeakMap<Table, Uint32Array>();
  private candidateStamp = 0;

  /** Items a node's identity policies may allow the action on, plus items any resource policy may grant directly. */
  private candidates(node: Node, table: Table, action: string): readonly number[] {
    if (table.items.length === 0) return [];
    if (!this.mayAllow(node, action)) return table.star;
    // One stamp array per table, reused by every call: a fresh mark array per call would allocate
    // the table's size thousands of times in a walk.
    let stamps = this.candidateStamps.get(table);
    if (stamps === undefined) {
      stamps = new Uint32Array(table.items.length);
      this.candidateStamps.set(table, stamps);
    }
    const marks = stamps;
    const stamp = ++this.candidateStamp;
    const out: number[] = [];
    const mark = (list: readonly number[]): void => {
      for (const i of list) {
        if (marks[i] !== stamp) {
          marks[i] = stamp;
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
    const lowerTags = lowered(p.tags);
    return pattern.replace(/\$\{\s*([^}\s,]+)[^}]*\}/g, (whole, name: string) => {
      const lower = name.toLowerCase();
      if (lower === 'aws:username' && p.type === 'user') return p.name;
      if (lower === 'aws:userid' && p.type === 'user') return p.context.id;
      if (lower === 'aws:principalarn') return p.arn;
      if (lower === 'aws:principalaccount') return this.accountId;
      if (lower.startsWith('aws:principaltag/'))
        return (p.sessionTags ? undefined : lowerTags.get(lower.slice(17))) ?? widenVariables(whole);
      return '*';
    });
  }

  /**
   * The key of the decisions a node shares with other nodes for one kind of request: its type,
   * its boundary, the statements of its identity policies and boundary that may cover the action,
   * and the principal attributes those statements and the SCPs/RCPs read. Two nodes with equal
   * keys get equal decisions on every item whose resource policy neither names them nor tests
   * their attributes, so the decisions (and what is derived from them) are computed once.
   */
  private actionKey(node: Node, use: Use): string {
    const key = this.commonActionKey(node, use);
    return this.options.shareDecisions ? key : `${key}\u0001node ${node.id}`;
  }

  private commonActionKey(node: Node, use: Use): string {
    // Nodes with equal share keys have equal action keys unless the key names the principal itself.
    const shared = innerMap(this.actionKeysByShare, node.shareKey);
    const common = shared.get(use);
    if (common !== undefined && common !== null) return common;
    node.actionKeys ??= new Map();
    const cached = node.actionKeys.get(use);
    if (cached !== undefined) return cached;
    const p = node.principal;
    const parts: string[] = ['', node.boundary?.id ?? '', use.key];
    const keys: string[] = [];
    let variables = false;
    const who = { type: p.type, arn: p.arn, name: p.name, id: p.context.id };
    const add = (list: readonly SignatureEntry[], own: boolean): void => {
      for (const e of list) {
        if (own) parts.push(e.tag);
        for (const k of e.statement.keys) keys.push(k);
        if ((own && e.statement.resourceVariables) || e.statement.identityVariables) variables = true;
        // A condition on the principal's identity only matters through its outcome: fingerprint it.
        for (const c of e.statement.identityClauses) {
          if (c.values.some((v) => v.includes('${'))) variables = true;
          else parts.push(`${e.tag}?${clauseFingerprint(c, identityValue(c.key, who))}`);
        }
      }
      parts.push('|');
    };
    add(
      this.entries(node.identity, () => node.identity.map((x) => x.document), use.action),
      true,
    );
    const boundary = node.boundary;
    if (boundary !== undefined)
      add(
        this.entries(boundary, () => [boundary.document], use.action),
        true,
      );
    const org = this.snapshot.organization;
    add(
      this.entries(org, () => [...org.serviceControlPolicies.flat(), ...org.resourceControlPolicies.flat()], use.action),
      false,
    );
    for (const key of new Set(keys)) {
      if (key.startsWith('aws:principaltag/')) parts.push(`${key}=${principalTag(p, key.slice(17)) ?? '\u0000'}`);
    }
    // Users and roles are told apart by resource policies (how a Principal element names them, and
    // RCPs) and by conditions on aws:PrincipalType. The other principal keys that depend on the
    // type (user name and id) are in the identity clauses' outcomes above.
    if (use.table.mode !== 'none' || keys.includes('aws:principaltype')) parts[0] = p.type;
    if (variables) parts.push(`@${p.arn}`);
    const key = parts.join('\u0001');
    if (variables) {
      shared.set(use, null);
      node.actionKeys.set(use, key);
    } else shared.set(use, key);
    return key;
  }

  private keyId(key: string): number {
    let id = this.keyIds.get(key);
    if (id === undefined) {
      id = this.keyIds.size + 1;
      this.keyIds.set(key, id);
    }
    return id;
  }

  private classState(node: Node): ClassState {
    if (node.classState !== undefined) return node.classState;
    // Two levels of cached strings, not one joined key: a join would be built and hashed per node.
    const perShare = innerMap(this.classes, node.shareKey);
    const sideKey = this.options.shareDecisions ? this.resourceSideKey(node.principal) : `node ${node.id}`;
    let state = perShare.get(sideKey);
    if (state === undefined) {
      state = { allowed: new Map() };
      perShare.set(sideKey, state);
    }
    node.classState = state;
    return state;
  }

  private readonly plainTables = new WeakMap<Table, boolean>();

  /**
   * Whether the node's decisions on the request's items can be made by group: the items have no
   * resource policies or request context, so a decision depends on an item only through which
   * statements cover its ARN (see {@link coverageKey}).
   */
  private groupable(node: Node, use: Use): boolean {
    if (!this.options.shareDecisions) return false;
    let plain = this.plainTables.get(use.table);
    if (plain === undefined) {
      plain = use.table.mode === 'none' && use.table.items.every((it) => it.context === undefined && it.policy === undefined);
      this.plainTables.set(use.table, plain);
    }
    return plain && this.coverage(node, use.action, use.extra) !== undefined;
  }

  private readonly shapeCoverage = new WeakMap<RequestShape, readonly Cover[]>();

  /**
   * How each statement of the node's layers whose coverage depends on the ARN covers ARNs, when,
   * for items without resource policies or request context, the layers read nothing else of the
   * item for the action: no test of resource tags (tags would tell apart items the same
   * statements cover), and ARN variables only when the node's principal fixes their values and
   * the request adds no context. Undefined otherwise.
   */
  private coverage(node: Node, action: string, extra: Use['extra']): readonly Cover[] | undefined {
    const shape = this.shape(node, action);
    if (shape.tagReads) return undefined;
    if (!shape.itemArn) {
      let covers = this.shapeCoverage.get(shape);
      if (covers === undefined) {
        covers = shape.dependent.map((st) => (arn: string) => patternsCover(st, arn));
        this.shapeCoverage.set(shape, covers);
      }
      return covers;
    }
    if (extra !== undefined) return undefined;
    // ARN variables resolve per principal: the node's own matchers, with its values substituted.
    node.coverage ??= new Map();
    let covers = node.coverage.get(shape);
    if (covers === undefined) {
      const principal = node.principal.context;
      const built: Cover[] = [];
      for (const st of shape.dependent) {
        const cover = st.resourceVariables
          ? principalResourceMatcher(st.document, st.index, principal)
          : (arn: string) => patternsCover(st, arn);
        if (cover === undefined) break;
        built.push(cover);
      }
      covers = built.length === shape.dependent.length ? built : null;
      node.coverage.set(shape, covers);
    }
    return covers ?? undefined;
  }

  /** Which of the statements whose coverage depends on the ARN cover this one: equal keys, equal decisions (see {@link coverage}). */
  private coverageKey(covers: readonly Cover[], arn: string): number | string {
    if (covers.length <= 30) {
      let bits = 0;
      for (let n = 0; n < covers.length; n++) if ((covers[n] as Cover)(arn)) bits |= 1 << n;
      return bits;
    }
    let key = '';
    for (const cover of covers) key += cover(arn) ? '1' : '0';
    return key;
  }

  /** Decisions shared by every node with the same action key (evaluated for `node`, the first of them). */
  private sharedAllowed(node: Node, use: Use): SharedAllowed {
    node.allowed ??= new Map();
    const known = node.allowed.get(use);
    if (known !== undefined) return known;
    const key = this.actionKey(node, use);
    const cached = this.allowedByKey.get(key);
    if (cached !== undefined) {
      node.allowed.set(use, cached);
      return cached;
    }
    const candidates = this.candidates(node, use.table, use.action);
    const result: SharedAllowed = {
      id: this.keyId(key),
      ...(this.groupable(node, use) ? this.groupedAllowed(node, use, candidates) : this.itemAllowed(node, use, candidates)),
    };
    this.allowedByKey.set(key, result);
    node.allowed.set(use, result);
    return result;
  }

  private readonly contextKeys = new WeakMap<Table, ReadonlySet<string>>();

  /**
   * Whether the value a request reads for a key is the same for every item of the table: the
   * principal's own attributes, or keys no item's context sets (their value comes from the
   * request's extra context, or is unknown offline, alike for all items).
   */
  private itemIndependent(table: Table, key: string): boolean {
    if (PRINCIPAL_KEY.test(key)) return true;
    if (key.startsWith('aws:resourcetag/')) return false;
    let keys = this.contextKeys.get(table);
    if (keys === undefined) {
      keys = new Set(table.items.flatMap((it) => Object.keys(it.context ?? {}).map((k) => k.toLowerCase())));
      this.contextKeys.set(table, keys);
    }
    return !keys.has(key);
  }

  private readonly plainProjections = new WeakMap<Projection, Map<Use, boolean>>();

  /** Whether, for the request's action, a projection reads nothing of an item of its table but which of its statements cover the ARN. */
  private plainProjection(use: Use, projection: Projection): boolean {
    const perUse = innerMap(this.plainProjections, projection);
    let plain = perUse.get(use);
    if (plain === undefined) {
      plain = !projection.notPrincipal && projection.keys(use.action).every((k) => this.itemIndependent(use.table, k));
      perUse.set(use, plain);
    }
    return plain;
  }

  /**
   * How the node's request on items of the table reads an item, when it reads nothing of it but
   * which statements cover its ARN and its resource policy's projection: a function giving each
   * item a key (undefined for an item whose projection reads more), equal keys meaning equal
   * decisions. Undefined when the node's layers read more of the items (tags, context, ARN
   * variables the principal does not fix), or when decisions are not shared.
   */
  private requestKeys(
    node: Node,
    use: Use,
  ): ((i: number, projected: ProjectedPolicy | undefined) => number | string | undefined) | undefined {
    const { table, action, extra } = use;
    const covers = this.options.shareDecisions ? this.coverage(node, action, extra) : undefined;
    if (covers === undefined) return undefined;
    const shape = this.shape(node, action);
    if (!shape.keys.every((k) => this.itemIndependent(table, k))) return undefined;
    if (!shape.dependent.every((st) => st.keys.every((k) => this.itemIndependent(table, k)))) return undefined;
    // Runs of items share their resource policy's projection: keep the last answer at hand.
    let lastProjection: Projection | undefined;
    let lastPlain = false;
    return (i, projected) => {
      const arn = (table.items[i] as TableItem).arn;
      const coverage = this.coverageKey(covers, arn);
      if (projected === undefined) return `-${coverage}`;
      const projection = projected.projection;
      if (projection !== lastProjection) {
        lastProjection = projection;
        lastPlain = this.plainProjection(use, projection);
      }
      if (!lastPlain) return undefined;
      const resource = projection.resourceCoverage(action, arn);
      if (resource.startsWith('@')) return undefined;
      // Numbers for the common case (no narrow statement in the projection, few in the layers).
      return resource === '' && typeof coverage === 'number' && coverage < 2 ** 20
        ? projection.id * 2 ** 20 + coverage
        : `${projection.id}|${resource}|${coverage}`;
    };
  }

  /**
   * Decides the node's request on items of the table, one item at a time. Within one loop (one
   * node and request), items with equal request keys (see {@link requestKeys}) share one
   * decision, found without a signature; the others are decided through {@link decide}.
   */
  private decider(node: Node, use: Use): (i: number, projected: ProjectedPolicy | undefined) => Decision {
    const { table, action, extra } = use;
    const prefix = this.prefix(node, action, extra);
    const decide = (i: number, projected: ProjectedPolicy | undefined): Decision =>
      this.decide(node, table, i, action, projected, extra, prefix);
    const keyOf = this.requestKeys(node, use);
    if (keyOf === undefined) return decide;
    const memo = new Map<number | string, Decision>();
    return (i, projected) => {
      const key = keyOf(i, projected);
      if (key === undefined) return decide(i, projected);
      let decision = memo.get(key);
      if (decision === undefined) {
        decision = decide(i, projected);
        memo.set(key, decision);
      }
      return decision;
    };
  }

  private readonly sensitivePartitions = new WeakMap<readonly number[], Map<RequestShape, ItemPartition>>();

  /**
   * Items a class decides on (resource policies that test principal attributes), grouped by
   * request key (see {@link requestKeys}). Every class of one layer shares the grouping: it
   * depends on the items, the statements and the action, not on the class's attributes.
   */
  private sensitivePartition(node: Node, use: Use, sensitive: readonly number[]): ItemPartition {
    const shape = this.shape(node, use.action);
    const cached = this.sensitivePartitions.get(sensitive)?.get(shape);
    if (cached !== undefined) return cached;
    // With ARN variables, coverage is the node's own: a grouping could not be shared by its class.
    const keyOf = shape.itemArn ? undefined : this.requestKeys(node, use);
    let partition: ItemPartition;
    if (keyOf === undefined) partition = { groups: [], rest: sensitive };
    else {
      const byKey = new Map<number | string, number[]>();
      const rest: number[] = [];
      for (const i of sensitive) {
        const key = keyOf(i, (use.table.items[i] as TableItem).generic);
        if (key === undefined) {
          rest.push(i);
          continue;
        }
        const group = byKey.get(key);
        if (group === undefined) byKey.set(key, [i]);
        else group.push(i);
      }
      partition = { groups: [...byKey.values()], rest };
    }
    innerMap(this.sensitivePartitions, sensitive).set(shape, partition);
    return partition;
  }

  /** Shared decisions item by item. */
  private itemAllowed(node: Node, use: Use, candidates: readonly number[]): Omit<SharedAllowed, 'id'> {
    const map = new Map<number, Verdict>();
    const sensitive: number[] = [];
    const personal: number[] = [];
    const gated = use.table.mode === 'kms-key' || use.table.mode === 'trust-policy';
    const decide = this.decider(node, use);
    for (const i of candidates) {
      const item = use.table.items[i] as TableItem;
      if (item.arn === '') continue;
      const projected = item.generic;
      if (projected !== undefined) {
        // A key or trust policy with no Allow for the account's principals lets none of them in.
        if (gated && !projected.projection.hasAllow) continue;
        if (projected.projection.notPrincipal) {
          personal.push(i);
          continue;
        }
        if (projected.projection.principalSensitive(use.action)) {
          sensitive.push(i);
          continue;
        }
      }
      const decision = decide(i, projected);
      if (decision.decision === 'allow') map.set(i, verdictOf(decision, projected, item));
    }
    return { map, sensitive, personal };
  }

  /** Shared decisions by group (see {@link groupable}): one decision per group of items its statements cover alike. */
  private groupedAllowed(node: Node, use: Use, candidates: readonly number[]): Omit<SharedAllowed, 'id'> {
    const items = use.table.items;
    const covers = this.coverage(node, use.action, use.extra) as readonly Cover[];
    const groups: VerdictGroup[] = [];
    for (const members of this.partition(covers, use.table, candidates)) {
      const first = members[0] as number;
      const decision = this.decide(node, use.table, first, use.action, undefined, use.extra);
      if (decision.decision === 'allow')
        groups.push({ verdict: verdictOf(decision, undefined, items[first] as TableItem), items: members });
    }
    if (groups.length === 0) return { map: EMPTY_MAP, sensitive: NONE, personal: NONE };
    return { map: new GroupedVerdicts(items.length, groups), sensitive: NONE, personal: NONE };
  }

  private readonly partitions = new WeakMap<readonly Cover[], Map<Table, readonly (readonly number[])[]>>();

  /**
   * The candidates grouped by which statements cover their ARN. A partition of the whole table is
   * kept per set of statements: the requests of one layer that differ only by context (passing a
   * role to each service) group the items alike.
   */
  private partition(covers: readonly Cover[], table: Table, candidates: readonly number[]): readonly (readonly number[])[] {
    const whole = candidates === table.index.all();
    const known = whole ? this.partitions.get(covers)?.get(table) : undefined;
    if (known !== undefined) return known;
    const byKey = new Map<number | string, number[]>();
    for (const i of candidates) {
      const arn = (table.items[i] as TableItem).arn;
      if (arn === '') continue;
      const key = this.coverageKey(covers, arn);
      const group = byKey.get(key);
      if (group === undefined) byKey.set(key, [i]);
      else group.push(i);
    }
    const groups = [...byKey.values()];
    if (whole) innerMap(this.partitions, covers).set(table, groups);
    return groups;
  }

  /** Decisions valid for every node of the class: items whose resource policy tests principal attributes. */
  private classAllowed(node: Node, use: Use): ReadonlyMap<number, Verdict> {
    const shared = this.sharedAllowed(node, use);
    if (shared.sensitive.length === 0) return EMPTY_MAP;
    const state = this.classState(node);
    const key = use.key;
    const cached = state.allowed.get(key);
    if (cached !== undefined) return cached;
    const map = new Map<number, Verdict>();
    const items = use.table.items;
    const decide = this.decider(node, use);
    const { groups, rest } = this.sensitivePartition(node, use, shared.sensitive);
    for (const group of groups) {
      const first = group[0] as number;
      const decision = decide(first, (items[first] as TableItem).generic);
      if (decision.decision !== 'allow') continue;
      for (const i of group) map.set(i, verdictOf(decision, (items[i] as TableItem).generic, items[i] as TableItem));
    }
    for (const i of rest) {
      const item = items[i] as TableItem;
      const decision = decide(i, item.generic);
      if (decision.decision === 'allow') map.set(i, verdictOf(decision, item.generic, item));
    }
    state.allowed.set(key, map);
    return map;
  }

  /** Decisions only this node gets: items whose resource policy names its principal. */
  private ownAllowed(node: Node, use: Use): Map<number, Verdict> {
    const own = new Map<number, Verdict>();
    const explicit = this.explicitItems(use.table, node.principal);
    const decide = this.decider(node, use);
    for (const i of explicit) {
      const item = use.table.items[i] as TableItem;
      const projected = this.specific(item, node.principal);
      const decision = decide(i, projected);
      if (decision.decision === 'allow') own.set(i, verdictOf(decision, projected, item));
    }
    if (this.possible(node, use)) {
      for (const i of this.sharedAllowed(node, use).personal) {
        if (explicit.includes(i)) continue;
        const item = use.table.items[i] as TableItem;
        const projected = item.generic;
        const decision = decide(i, projected);
        if (decision.decision === 'allow') own.set(i, verdictOf(decision, projected, item));
      }
    }
    return own;
  }

  private readonly uses = new Map<string, Use>();
  private readonly plainUses = new Map<Table, Map<string, Use>>();

  /** The (memoised) description of one kind of request. */
  private use(table: Table, action: string, extra?: Readonly<Record<string, string>>): Use {
    if (extra === undefined) {
      const perTable = innerMap(this.plainUses, table);
      let u = perTable.get(action);
      if (u === undefined) {
        u = { table, action, key: `${table.name}|${action}|` };
        perTable.set(action, u);
      }
      return u;
    }
    const key = `${table.name}|${action}|${JSON.stringify(extra)}`;
    let u = this.uses.get(key);
    if (u === undefined) {
      u = { table, action, extra, key };
      this.uses.set(key, u);
    }
    return u;
  }

  private accessPlans: readonly AccessPlan[] | undefined;

  /** Per kind of signing material: the requests that give control, those that give use, and the decrypt they may need. */
  private plans(): readonly AccessPlan[] {
    if (this.accessPlans !== undefined) return this.accessPlans;
    const t = this.tables;
    const plans: AccessPlan[] = [];
    for (const table of [t.kmsSign, t.kmsMac, t.secrets, t.parameters]) {
      if (table.items.length === 0) continue;
      const sample = this.materials[(table.items[0] as TableItem).ref] as MaterialRecord;
      const decryptTable = table === t.secrets ? t.secretDecrypt : table === t.parameters ? t.parameterDecrypt : undefined;
      const decrypt = decryptTable !== undefined ? this.use(decryptTable, 'kms:Decrypt') : undefined;
      const control = sample.controlActions.map((a) => this.use(table, a));
      const uses = sample.useActions.map((a) => this.use(table, a));
      plans.push({
        table,
        control,
        uses,
        ...(decrypt !== undefined ? { decrypt } : {}),
        all: [...control, ...uses, ...(decrypt !== undefined ? [decrypt] : [])],
        tables: decryptTable !== undefined ? [table, decryptTable] : [table],
      });
    }
    this.accessPlans = plans;
    return plans;
  }

  /** Whether the node can be allowed the request on any item without its principal being named: else nothing to evaluate. */
  private possible(node: Node, use: Use): boolean {
    return use.table.items.length > 0 && (use.table.star.length > 0 || this.mayAllow(node, use.action));
  }

  // ── Outputs ──────────────────────────────────────────────────────────────────────────────────

  /** Every rule, in a fixed order (assumption first, then the catalogue, then access). */
  private rules(): readonly Rule[] {
    if (this.ruleList !== undefined) return this.ruleList;
    const t = this.tables;
    const rules: Rule[] = [];
    const rule = (id: string, uses: readonly Use[], run: Rule['run'], extra: Partial<Pick<Rule, 'probes' | 'rewrite'>> = {}): void => {
      rules.push({ id, uses, run, probes: extra.probes ?? [], rewrite: extra.rewrite ?? false });
    };
    rule('assume', [this.use(t.roleTrust, 'sts:AssumeRole')], (v, o) => this.deriveAssume(v, o));
    rule(
      'credentials',
      ['iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile'].map((a) => this.use(t.userIam, a)),
      (v, o) => this.deriveCredentials(v, o),
    );
    const iamTable = (target: string): Table =>
      target === 'user' ? t.userIam : target === 'role' ? t.roleIam : target === 'group' ? t.groupIam : t.policyIam;
    for (const path of ESCALATION_CATALOG) {
      const o = path.outcome;
      const first = path.permissions[0]?.action ?? '';
      switch (o.kind) {
        case 'rewrite-trust':
          rule(path.id, [this.use(t.roleIam, first)], (v, c) => this.deriveRewrite(v, c, path), { rewrite: true });
          break;
        case 'escalate-identity':
          rule(path.id, [this.use(iamTable(o.target), first)], (v, c) => this.deriveEscalation(v, c, path, o.target));
          break;
        case 'join-group':
          rule(path.id, [this.use(t.groupIam, first)], (v, c) => this.deriveJoin(v, c, path));
          break;
        case 'remove-boundary':
          rule(path.id, [this.use(iamTable(o.target), first)], (v, c) => this.deriveUnbound(v, c, path, o.target));
          break;
        case 'choose-tags':
          // Tagging one's own session depends on who does it: no shared rule, see `selfTagging`.
          if (o.target !== 'self') {
            const target = o.target;
            const uses = path.permissions.map((q) => this.use(iamTable(target), q.action));
            rule(path.id, uses, (v, c) => this.deriveChooseTags(v, c, path, target));
          }
          break;
        case 'workload-role': {
          if (!o.passRole && !this.options.assumeExistingWorkloads) break;
          const passes = o.passRole
            ? o.servicePrincipals.map((sp) => this.use(t.roleIam, 'iam:PassRole', { 'iam:PassedToService': sp }))
            : [];
          rule(path.id, passes, (v, c) => this.deriveWorkload(v, c, path, o.servicePrincipals, o.passRole), {
            probes: path.permissions.filter((q) => q.on !== 'passed-role'),
          });
          break;
        }
        default:
          break;
      }
    }
    for (const plan of this.plans()) rule(`access:${plan.table.name}`, plan.all, (v, c) => this.deriveAccessPlan(v, c, plan));
    this.ruleList = rules;
    return rules;
  }

  /** The memo key of a rule for a node: the decisions it would read. Undefined when the rule can yield nothing. */
  private ruleKey(node: Node, rule: Rule): string | undefined {
    // Most rules yield nothing for most nodes: settle that on the action masks before building a key.
    if (rule.probes.length === 0) {
      let possible = false;
      for (const use of rule.uses) if (this.possible(node, use)) possible = true;
      if (!possible) return undefined;
    }
    const parts: (string | number)[] = [rule.id];
    let any = rule.probes.length > 0;
    for (const perm of rule.probes) {
      if (!this.mayAllow(node, perm.action)) return undefined;
      parts.push(this.keyId(this.actionKey(node, this.use(this.workloads, perm.action))));
    }
    for (const use of rule.uses) {
      if (this.possible(node, use)) {
        parts.push(this.sharedAllowed(node, use).id);
        any = true;
      } else parts.push(0);
    }
    if (!any) return undefined;
    if (rule.rewrite) parts.push(this.keyId(this.actionKey(node, this.use(this.tables.roleTrust, 'sts:AssumeRole'))));
    return parts.join(',');
  }

  /**
   * A key equal for nodes whose shared and class outputs are one object (see `outputs`): same
   * share key and class. Those of nodes no resource policy or grant names are then one object
   * altogether (see {@link named}). Undefined when a node's decisions name its principal.
   */
  outputsKey(node: Node): string | undefined {
    let key = this.outputsKeys.get(node.id);
    if (key === undefined) {
      key = null;
      if (this.options.shareDecisions) {
        // Computing the node's outputs keeps the shared part under its share key, unless it is personal.
        this.outputs(node);
        const common = this.sharedByShareKey.get(node.shareKey);
        if (common !== undefined && !common.personal) {
          key = common.sensitive ? `${node.shareKey}\u0001${this.resourceSideKey(node.principal)}` : node.shareKey;
        }
      }
      this.outputsKeys.set(node.id, key);
    }
    return key ?? undefined;
  }

  /** Per node id: its outputs key, or null when it has none. */
  private readonly outputsKeys = new Map<number, string | null>();

  private readonly tagBlindCache = new Map<number, boolean>();

  /**
   * Whether no resource policy that names the principal reads principal tags: its own outputs
   * (see `outputs`) are then the same whatever its tags.
   */
  ownTagBlind(principal: PrincipalRecord): boolean {
    let blind = this.tagBlindCache.get(principal.index);
    if (blind === undefined) {
      blind = true;
      for (const table of Object.values(this.tables) as Table[]) {
        for (const i of this.explicitItems(table, principal)) {
          const projected = this.specific(table.items[i] as TableItem, principal);
          if (projected !== undefined && scanDocument(projected.projection.document).tagKeys.length > 0) blind = false;
        }
      }
      this.tagBlindCache.set(principal.index, blind);
    }
    return blind;
  }

  /** The node's edges, modifications and accesses (computed once). */
  outputs(node: Node): NodeOutputs {
    if (node.outputs !== undefined) return node.outputs;
    const common = (this.options.shareDecisions ? this.sharedByShareKey.get(node.shareKey) : undefined) ?? this.sharedOutputs(node);
    const shared = common.fragments;
    const cls: ClassState = common.sensitive ? this.classState(node) : NO_CLASS;
    const unnamed = !common.personal && !this.named(node.principal);
    const same = unnamed ? common.unnamed.get(cls) : undefined;
    if (same !== undefined) {
      node.outputs = same;
      return same;
    }
    if (cls.outputs === undefined) {
      cls.outputs = this.collect({
        node,
        level: 'class',
        groups: () => undefined,
        items: (uses) => {
          const lists: Iterable<number>[] = [];
          for (const u of uses) if (this.possible(node, u)) lists.push(this.classAllowed(node, u).keys());
          return lists.length === 0 ? NONE : union(lists);
        },
        verdicts: (use) => {
          if (!this.possible(node, use)) return NO_VERDICT;
          const mine = this.classAllowed(node, use);
          const shared = this.sharedAllowed(node, use).map;
          return (item) => mine.get(item) ?? shared.get(item);
        },
      });
    }
    if (unnamed) {
      node.outputs = { shared, cls: cls.outputs, own: EMPTY_SET, overrides: undefined };
      common.unnamed.set(cls, node.outputs);
      return node.outputs;
    }
    const ownMaps = new Map<string, ReadonlyMap<number, Verdict>>();
    const overrides = new Map<Table, Set<number>>();
    const ownOf = (use: Use): ReadonlyMap<number, Verdict> => {
      const key = use.key;
      let own = ownMaps.get(key);
      if (own === undefined) {
        const explicit = this.explicitItems(use.table, node.principal);
        if (explicit.length === 0 && (!this.possible(node, use) || this.sharedAllowed(node, use).personal.length === 0)) return EMPTY_MAP;
        own = this.ownAllowed(node, use);
        ownMaps.set(key, own);
        if (explicit.length > 0) {
          let set = overrides.get(use.table);
          if (set === undefined) {
            set = new Set();
            overrides.set(use.table, set);
          }
          for (const i of explicit) set.add(i);
        }
      }
      return own;
    };
    const own = this.collect(
      {
        node,
        level: 'own',
        groups: () => undefined,
        items: (uses) => union(uses.map((u) => ownOf(u).keys())),
        verdicts: (use) => {
          const mine = ownOf(use);
          // Items whose resource policy names the principal are decided by its own verdicts alone.
          const named = overrides.get(use.table);
          if (!this.possible(node, use)) return (item) => mine.get(item);
          const cls = this.classAllowed(node, use);
          const shared = this.sharedAllowed(node, use).map;
          return (item) => mine.get(item) ?? (named?.has(item) === true ? undefined : (cls.get(item) ?? shared.get(item)));
        },
      },
      (collector) => this.grantAccess(node, collector),
    );
    node.outputs = {
      shared,
      cls: cls.outputs,
      own,
      overrides: overrides.size > 0 ? overrides : undefined,
    };
    return node.outputs;
  }

  /** The outputs of the rules on decisions shared by every node with the node's share key. */
  private sharedOutputs(node: Node): SharedOutputs {
    const sharedView: View = {
      node,
      level: 'shared',
      items: (uses) => {
        const lists: Iterable<number>[] = [];
        for (const u of uses) if (this.possible(node, u)) lists.push(this.sharedAllowed(node, u).map.keys());
        return lists.length === 0 ? NONE : union(lists);
      },
      verdicts: (use) => {
        if (!this.possible(node, use)) return NO_VERDICT;
        const shared = this.sharedAllowed(node, use).map;
        return (item) => shared.get(item);
      },
      groups: (use) => {
        if (!this.possible(node, use)) return undefined;
        const allowed = this.sharedAllowed(node, use).map;
        return allowed instanceof GroupedVerdicts ? allowed.groups : undefined;
      },
    };
    const fragments: OutputSet[] = [];
    let sensitive = false;
    let personal = false;
    for (const rule of this.rules()) {
      const key = this.ruleKey(node, rule);
      if (key === undefined) continue;
      let fragment = this.fragments.get(key);
      if (fragment === undefined) {
        const collector: Collector = { edges: [], mods: [], access: [] };
        rule.run(sharedView, collector);
        fragment = collector.edges.length + collector.mods.length + collector.access.length === 0 ? EMPTY_SET : dedupe(collector);
        this.fragments.set(key, fragment);
      }
      if (fragment !== EMPTY_SET) fragments.push(fragment);
      for (const u of rule.uses) {
        if (!this.possible(node, u)) continue;
        const a = this.sharedAllowed(node, u);
        if (a.sensitive.length > 0) sensitive = true;
        if (a.personal.length > 0) personal = true;
      }
    }
    const common = { fragments, sensitive, personal, unnamed: new Map() };
    // Shareable only when none of the keys read names this node's principal.
    const perNode = node.actionKeys !== undefined && node.actionKeys.size > 0;
    if (!perNode && this.options.shareDecisions) this.sharedByShareKey.set(node.shareKey, common);
    return common;
  }

  /** Outputs of the rules that read resource policies (class and own levels: IAM users, roles, groups and policies have none). */
  private collect(view: View, more?: (c: Collector) => void): OutputSet {
    const collector: Collector = { edges: [], mods: [], access: [] };
    this.deriveAssume(view, collector);
    for (const plan of this.plans()) this.deriveAccessPlan(view, collector, plan);
    more?.(collector);
    return collector.edges.length + collector.mods.length + collector.access.length === 0 ? EMPTY_SET : dedupe(collector);
  }

  private edge(
    out: Collector,
    t: Table,
    i: number,
    verdicts: readonly Verdict[],
    via: string,
    escalation: string,
    conditions?: readonly ReachCondition[],
  ): void {
    const item = t.items[i] as TableItem;
    out.edges.push({
      targets: [item.ref],
      conditional: isConditional(verdicts, conditions),
      spec: {
        to: item.arn,
        via,
        effect: 'become',
        verdicts,
        escalation,
        ...(conditions !== undefined && conditions.length > 0 ? { conditions } : {}),
      },
      item: i,
      tables: [t],
    });
  }

  /** One edge to many principals; each witness step names its own target. */
  private fanEdge(
    out: Collector,
    t: Table,
    targets: readonly number[],
    verdicts: readonly Verdict[],
    via: string,
    escalation: string,
  ): void {
    if (targets.length === 0) return;
    out.edges.push({
      targets,
      conditional: isConditional(verdicts, undefined),
      spec: { via, effect: 'become', verdicts, escalation },
      item: -1,
      tables: [t],
    });
  }

  private readonly targetLists = new Map<string, readonly number[]>();

  /**
   * The principals a group of user or role items stands for that an attacker can take over (not
   * service-linked; with `bounded`, only those with a permissions boundary; only items `eligible`
   * keeps). Equal lists are one object, so walks that take over a fan-out once recognise it.
   */
  private principalsOf(t: Table, items: readonly number[], which: 'all' | 'bounded', eligible?: (i: number) => boolean): readonly number[] {
    // Groups of a table's partition are met again by other rules and share keys: skip re-listing them.
    const byItems = eligible === undefined ? innerMap(this.principalsOfItems, items) : undefined;
    const memoKey = `${t.name}|${which}`;
    const known = byItems?.get(memoKey);
    if (known !== undefined) return known;
    const list = this.listPrincipals(t, items, which, eligible);
    byItems?.set(memoKey, list);
    return list;
  }

  private readonly principalsOfItems = new WeakMap<readonly number[], Map<string, readonly number[]>>();

  private listPrincipals(
    t: Table,
    items: readonly number[],
    which: 'all' | 'bounded',
    eligible?: (i: number) => boolean,
  ): readonly number[] {
    const list: number[] = [];
    for (const i of items) {
      if (eligible !== undefined && !eligible(i)) continue;
      const p = this.directory.principals[(t.items[i] as TableItem).ref] as PrincipalRecord;
      if (p.serviceLinked || (which === 'bounded' && p.boundaryArn === undefined)) continue;
      list.push(p.index);
    }
    const key = list.join(',');
    const known = this.targetLists.get(key);
    if (known !== undefined) return known;
    this.targetLists.set(key, list);
    return list;
  }

  private deriveAssume(view: View, out: Collector): void {
    const t = this.tables.roleTrust;
    const use = this.use(t, 'sts:AssumeRole');
    const verdictOn = view.verdicts(use);
    for (const i of view.items([use])) {
      const v = verdictOn(i);
      if (v !== undefined) this.edge(out, t, i, [v], 'sts:AssumeRole', 'sts-001');
    }
  }

  private deriveRewrite(view: View, out: Collector, path: EscalationPath): void {
    const t = this.tables.roleIam;
    const use = this.use(t, path.permissions[0]?.action ?? 'iam:UpdateAssumeRolePolicy');
    const rewrittenKey = this.actionKey(view.node, this.use(this.tables.roleTrust, 'sts:AssumeRole'));
    // Whether the node may assume the role once its trust names it: depends only on the node's sts:AssumeRole statements.
    const rewrittenDecision = (i: number): Verdict | null => {
      // A role whose tags the attacker chooses keeps them chosen once its trust is rewritten.
      const item = view.twin?.(t, i) ?? (t.items[i] as TableItem);
      const decided = innerMap(this.rewrittenByKey, item.tagsUnknown ? `${rewrittenKey}${CHOSEN_TAG}` : rewrittenKey);
      let after = decided.get(i);
      if (after === undefined) {
        const rewritten: TableItem = {
          ...tableItem(item.arn, item.tags, item.ref, { id: `${item.arn}${REWRITTEN_SUFFIX}`, kind: 'trust', document: REWRITTEN_TRUST }),
          tagsUnknown: item.tagsUnknown,
        };
        const scratch: Table = { ...this.tables.roleTrust, items: [rewritten] };
        const decision = this.decide(view.node, scratch, 0, 'sts:AssumeRole', this.rewrittenTrust, undefined);
        after = decision.decision === 'allow' ? verdictOf(decision, this.rewrittenTrust, rewritten) : null;
        decided.set(i, after);
      }
      return after;
    };
    const via = `${use.action}+sts:AssumeRole`;
    const groups = view.groups(use);
    const assumeCoverage = groups !== undefined ? this.coverage(view.node, 'sts:AssumeRole', undefined) : undefined;
    if (groups !== undefined && assumeCoverage !== undefined) {
      // Assuming a rewritten role depends only on which AssumeRole statements cover its ARN: decide once per coverage.
      const afterByCoverage = new Map<number | string, Verdict | null>();
      for (const group of groups) {
        const byAfter = new Map<Verdict, number[]>();
        for (const i of group.items) {
          const key = this.coverageKey(assumeCoverage, (t.items[i] as TableItem).arn);
          let after = afterByCoverage.get(key);
          if (after === undefined) {
            after = rewrittenDecision(i);
            afterByCoverage.set(key, after);
          }
          if (after === null) continue;
          const list = byAfter.get(after);
          if (list === undefined) byAfter.set(after, [i]);
          else list.push(i);
        }
        // Mostly every item of the group has one decision after the rewrite: keep the group's own list then.
        const one = byAfter.size === 1 && ([...byAfter.values()][0] as number[]).length === group.items.length;
        for (const [after, items] of byAfter) {
          const ofEachTarget: Verdict = { decision: after.decision, projected: after.projected, targetResourceSuffix: REWRITTEN_SUFFIX };
          this.fanEdge(out, t, this.principalsOf(t, one ? group.items : items, 'all'), [group.verdict, ofEachTarget], via, path.id);
        }
      }
      return;
    }
    const verdictOn = view.verdicts(use);
    for (const i of view.items([use])) {
      const v = verdictOn(i);
      const item = t.items[i] as TableItem;
      if (v === undefined || (this.directory.principals[item.ref] as PrincipalRecord).serviceLinked) continue;
      const after = rewrittenDecision(i);
      if (after !== null) this.edge(out, t, i, [v, after], via, path.id);
    }
  }

  private deriveCredentials(view: View, out: Collector): void {
    const t = this.tables.userIam;
    const create = this.use(t, 'iam:CreateAccessKey');
    const createProfile = this.use(t, 'iam:CreateLoginProfile');
    const updateProfile = this.use(t, 'iam:UpdateLoginProfile');
    const user = (i: number): PrincipalRecord => this.directory.principals[(t.items[i] as TableItem).ref] as PrincipalRecord;
    // A snapshot shows credentials as they are at the termination, not as they were during the
    // tenure: a user whose two access-key slots are full, or who has a password, may hold a key or
    // password the engineer created earlier. Minting counts whatever the user holds today.
    const mint = (use: Use, escalation: string, eligible: (i: number) => boolean): void => {
      const groups = view.groups(use);
      if (groups !== undefined) {
        for (const g of groups) this.fanEdge(out, t, this.principalsOf(t, g.items, 'all', eligible), [g.verdict], use.action, escalation);
        return;
      }
      const verdictOn = view.verdicts(use);
      for (const i of view.items([use])) {
        const v = verdictOn(i);
        if (v !== undefined && eligible(i)) this.edge(out, t, i, [v], use.action, escalation);
      }
    };
    mint(create, 'iam-002', () => true);
    mint(createProfile, 'iam-004', () => true);
    mint(updateProfile, 'iam-006', (i) => user(i).loginProfile !== false);
  }

  /**
   * The principals and groups a set of groups or managed policies governs, and for each the first
   * of them it is governed through (what a witness step names). Kept per list of items: a
   * group of a whole table's partition is met again by every escalation path editing that table.
   */
  private escalatedThrough(t: Table, items: readonly number[], target: 'group' | 'managed-policy'): EscalationTargets {
    let through = this.escalations.get(items);
    if (through === undefined) {
      through = this.governedThrough(t, items, target);
      this.escalations.set(items, through);
    }
    return through;
  }

  private readonly escalations = new WeakMap<readonly number[], EscalationTargets>();

  private governedThrough(t: Table, items: readonly number[], target: 'group' | 'managed-policy'): EscalationTargets {
    const firstTarget = new Int32Array(this.directory.principals.length).fill(-1);
    const firstGroup = new Int32Array(this.directory.groups.length).fill(-1);
    const targets: number[] = [];
    const groups: number[] = [];
    for (let n = 0; n < items.length; n++) {
      const i = items[n] as number;
      const ref = (t.items[i] as TableItem).ref;
      const members = target === 'group' ? (this.directory.groups[ref]?.members ?? NONE) : (this.directory.policies[ref]?.governs ?? NONE);
      for (let k = 0; k < members.length; k++) {
        const m = members[k] as number;
        if (firstTarget[m] !== -1) continue;
        firstTarget[m] = i;
        targets.push(m);
      }
      if (target === 'group') {
        if (firstGroup[ref] === -1) {
          firstGroup[ref] = i;
          groups.push(ref);
        }
        continue;
      }
      const governed = this.directory.policies[ref]?.groups ?? NONE;
      for (let k = 0; k < governed.length; k++) {
        const g = governed[k] as number;
        if (firstGroup[g] !== -1) continue;
        firstGroup[g] = i;
        groups.push(g);
      }
    }
    return { targets, groups, targetTo: new FirstItemArn(t, firstTarget), groupTo: new FirstItemArn(t, firstGroup) };
  }

  private deriveEscalation(view: View, out: Collector, path: EscalationPath, target: 'user' | 'role' | 'group' | 'managed-policy'): void {
    const perm = path.permissions[0] as RequiredPermission;
    const t =
      target === 'user'
        ? this.tables.userIam
        : target === 'role'
          ? this.tables.roleIam
          : target === 'group'
            ? this.tables.groupIam
            : this.tables.policyIam;
    const use = this.use(t, perm.action);
    const assumes = path.assumes !== undefined ? [assumption(path, path.assumes)] : undefined;
    const decided = view.groups(use);
    if (decided !== undefined) {
      // Items decided by group: one record per group, whose witness steps name what each target was escalated through.
      for (const g of decided) {
        const through: EscalationTargets =
          target === 'user' || target === 'role'
            ? { targets: this.principalsOf(t, g.items, 'all') }
            : this.escalatedThrough(t, g.items, target);
        if (through.targets.length === 0 && (through.groups?.length ?? 0) === 0) continue;
        out.mods.push({
          kind: 'escalate',
          targets: through.targets,
          ...(through.groups !== undefined && through.groups.length > 0 ? { groups: through.groups } : {}),
          conditional: isConditional([g.verdict], assumes),
          spec: {
            via: perm.action,
            effect: 'escalate',
            verdicts: [g.verdict],
            escalation: path.id,
            ...(assumes !== undefined ? { conditions: assumes } : {}),
            ...(through.targetTo !== undefined ? { targetTo: through.targetTo } : {}),
            ...(through.groupTo !== undefined ? { groupTo: through.groupTo } : {}),
          },
          item: -1,
          tables: [t],
        });
      }
      return;
    }
    // Thousands of records may share their verdict: share its list, and the table list.
    const tables = [t];
    let verdicts: readonly Verdict[] = [];
    const verdictOn = view.verdicts(use);
    for (const i of view.items([use])) {
      const v = verdictOn(i);
      if (v === undefined) continue;
      if (verdicts[0] !== v) verdicts = [v];
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
        conditional: isConditional(verdicts, assumes),
        spec: {
          to: item.arn,
          via: perm.action,
          effect: 'escalate',
          verdicts,
          escalation: path.id,
          ...(assumes !== undefined ? { conditions: assumes } : {}),
        },
        item: i,
        tables,
      });
    }
  }

  private deriveJoin(view: View, out: Collector, path: EscalationPath): void {
    const t = this.tables.groupIam;
    const use = this.use(t, path.permissions[0]?.action ?? 'iam:AddUserToGroup');
    const verdictOn = view.verdicts(use);
    for (const i of view.items([use])) {
      const v = verdictOn(i);
      if (v === undefined) continue;
      const item = t.items[i] as TableItem;
      out.mods.push({
        kind: 'join',
        targets: [item.ref],
        conditional: v.decision.conditional,
        spec: { to: item.arn, via: use.action, effect: 'join-group', verdicts: [v], escalation: path.id },
        item: i,
        tables: [t],
      });
    }
  }

  private deriveUnbound(view: View, out: Collector, path: EscalationPath, target: 'user' | 'role' | 'managed-policy'): void {
    const perm = path.permissions[0] as RequiredPermission;
    const t = target === 'user' ? this.tables.userIam : target === 'role' ? this.tables.roleIam : this.tables.policyIam;
    const use = this.use(t, perm.action);
    const groups = target === 'managed-policy' ? undefined : view.groups(use);
    if (groups !== undefined) {
      for (const g of groups) {
        const targets = this.principalsOf(t, g.items, 'bounded');
        if (targets.length === 0) continue;
        out.mods.push({
          kind: 'unbound',
          targets,
          conditional: g.verdict.decision.conditional,
          spec: { via: perm.action, effect: 'remove-boundary', verdicts: [g.verdict], escalation: path.id },
          item: -1,
          tables: [t],
        });
      }
      return;
    }
    const verdictOn = view.verdicts(use);
    for (const i of view.items([use])) {
      const v = verdictOn(i);
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
        spec: { to: item.arn, via: perm.action, effect: 'remove-boundary', verdicts: [v], escalation: path.id },
        item: i,
        tables: [t],
      });
    }
  }

  /**
   * Whether a user node may federate its own user with session tags of its choosing, as a
   * modification of that user (undefined when it may not). Kept out of the shared rule outputs:
   * a walk takes a shared list once, whichever node it meets it at, and this one's target is
   * whoever performs it.
   */
  selfTagging(node: Node): ModOut | undefined {
    if (node.principal.type !== 'user') return undefined;
    const path = this.selfTaggingPath;
    if (path === undefined) return undefined;
    const verdicts: Verdict[] = [];
    for (const perm of path.permissions) {
      const v = this.probe(node, perm);
      if (v === null) return undefined;
      verdicts.push(v);
    }
    return {
      kind: 'tag',
      targets: [node.principal.index],
      conditional: isConditional(verdicts, undefined),
      spec: { via: path.permissions.map((p) => p.action).join('+'), effect: 'choose-tags', verdicts, escalation: path.id },
      item: -1,
      tables: [this.workloads],
    };
  }

  private readonly selfTaggingPath = ESCALATION_CATALOG.find((p) => p.outcome.kind === 'choose-tags' && p.outcome.target === 'self');

  private deriveChooseTags(view: View, out: Collector, path: EscalationPath, target: 'user' | 'role'): void {
    const via = path.permissions.map((p) => p.action).join('+');
    const t = target === 'user' ? this.tables.userIam : this.tables.roleIam;
    const tables = [t];
    const [first, ...rest] = path.permissions.map((p) => this.use(t, p.action)) as [Use, ...Use[]];
    const restOn = rest.map((use) => view.verdicts(use));
    /** The verdicts of every permission on an item, or undefined when one is not allowed. */
    const allowed = (i: number, v: Verdict): Verdict[] | undefined => {
      const verdicts = [v];
      for (const on of restOn) {
        const w = on(i);
        if (w === undefined) return undefined;
        verdicts.push(w);
      }
      return verdicts;
    };
    const push = (items: readonly number[], verdicts: readonly Verdict[], to: TableItem | undefined): void => {
      const targets = this.principalsOf(t, items, 'all');
      if (targets.length === 0) return;
      out.mods.push({
        kind: 'tag',
        targets,
        conditional: isConditional(verdicts, undefined),
        spec: { ...(to !== undefined ? { to: to.arn } : {}), via, effect: 'choose-tags', verdicts, escalation: path.id },
        item: to !== undefined ? (items[0] as number) : -1,
        tables,
      });
    };
    const groups = view.groups(first);
    if (groups !== undefined && rest.every((use) => view.groups(use) !== undefined)) {
      // Decided by group: one record per group and combination of the other permissions' verdicts.
      for (const g of groups) {
        const byVerdicts = new Map<string, { verdicts: Verdict[]; items: number[] }>();
        const ids = new Map<Verdict, number>();
        for (const i of g.items) {
          const verdicts = allowed(i, g.verdict);
          if (verdicts === undefined) continue;
          const key = verdicts.map((v) => denseId(ids, v)).join(',');
          const bucket = byVerdicts.get(key);
          if (bucket === undefined) byVerdicts.set(key, { verdicts, items: [i] });
          else bucket.items.push(i);
        }
        for (const { verdicts, items } of byVerdicts.values()) {
          // Mostly one combination covers the whole group: its own list then, met again by other rules.
          push(items.length === g.items.length ? g.items : items, verdicts, undefined);
        }
      }
      return;
    }
    const firstOn = view.verdicts(first);
    for (const i of view.items([first])) {
      const v = firstOn(i);
      const verdicts = v !== undefined ? allowed(i, v) : undefined;
      if (verdicts !== undefined) push([i], verdicts, t.items[i] as TableItem);
    }
  }

  /** Whether the node may call a workload API, on a resource it creates or names: decided on probe ARNs. */
  private probe(node: Node, perm: RequiredPermission): Verdict | null {
    if (!this.mayAllow(node, perm.action)) return null;
    const key = this.actionKey(node, this.use(this.workloads, perm.action));
    const cached = this.probeByKey.get(key);
    if (cached !== undefined) return cached;
    const region = this.snapshot.account.region;
    const partition = this.snapshot.account.partition;
    const fill = (template: string): string =>
      template.replaceAll('{partition}', partition).replaceAll('{region}', region).replaceAll('{account}', this.accountId);
    const shape = fill(perm.arn ?? '*');
    const arns = new Set<string>([shape.replaceAll('*', 'sever-probe')]);
    // One ARN per pattern of every layer that can refuse the request, not of the identity
    // policies alone: a state whose identity allows everything (escalated) must still find the
    // names a boundary or an SCP lets through, or it would reach less than the state it stands for.
    const org = this.snapshot.organization;
    const hint = (document: PolicyDocument): void => {
      for (const pattern of resourceHints(document, perm.action)) {
        const arn = probeArn(pattern, shape);
        if (arn !== undefined) arns.add(arn);
      }
    };
    for (const source of node.identity) hint(source.document);
    if (node.boundary !== undefined) hint(node.boundary.document);
    for (const level of org.serviceControlPolicies) for (const document of level) hint(document);
    for (const level of org.resourceControlPolicies) for (const document of level) hint(document);
    let best: Verdict | null = null;
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
    this.probeByKey.set(key, best);
    return best;
  }

  /** Roles whose trust policy lets the service assume them (item index in the role tables → trust). */
  private trusting(service: string): ReadonlyMap<number, ServiceTrust> {
    const cached = this.serviceTrusts.get(service);
    if (cached !== undefined) return cached;
    if (this.serviceCandidates === undefined) {
      // One pass over every trust policy: which roles name which services (or everyone).
      const byService = new Map<string, number[]>();
      const everyone: number[] = [];
      this.tables.roleTrust.items.forEach((item, i) => {
        const named = new Set<string>();
        let all = false;
        for (const st of item.policy?.document.statements ?? []) {
          if (st.principal === '*' || (st.principal !== undefined && (st.principal.AWS ?? []).includes('*'))) all = true;
          for (const sv of st.principal === undefined || st.principal === '*' ? [] : (st.principal.Service ?? [])) named.add(sv);
        }
        if (all) everyone.push(i);
        for (const sv of named) {
          const list = byService.get(sv);
          if (list === undefined) byService.set(sv, [i]);
          else list.push(i);
        }
      });
      this.serviceCandidates = { byService, everyone };
    }
    const candidates = [...new Set([...(this.serviceCandidates.byService.get(service) ?? []), ...this.serviceCandidates.everyone])];
    const result = new Map<number, ServiceTrust>();
    for (const i of candidates.sort((a, b) => a - b)) {
      const item = this.tables.roleTrust.items[i] as TableItem;
      const source = item.policy;
      if (source === undefined) continue;
      const applies = (s: Statement): boolean =>
        statementMayMatchAction(s, 'sts:AssumeRole') &&
        (s.principal === '*' || (s.principal?.AWS ?? []).includes('*') || (s.principal?.Service ?? []).includes(service));
      let allow: ServiceTrust | undefined;
      let denied = false;
      const denyConditions: ReachCondition[] = [];
      source.document.statements.forEach((s, index) => {
        if (!applies(s)) return;
        const conditions = this.undecidedServiceConditions(s, source.id, index);
        if (s.effect === 'Deny') {
          if (conditions.length === 0) denied = true;
          else denyConditions.push(...conditions);
          return;
        }
        if (allow === undefined || (allow.conditions.length > 0 && conditions.length === 0)) {
          allow = { conditions, citation: { policy: source.id, statement: s.sid ?? index } };
        }
      });
      if (allow !== undefined && !denied) {
        const found: ServiceTrust = allow;
        result.set(i, { citation: found.citation, conditions: [...found.conditions, ...denyConditions] });
      }
    }
    this.serviceTrusts.set(service, result);
    return result;
  }

  private readonly fanOuts = new Map<string, FanOut>();

  /**
   * Every role the service may assume, grouped by the (undecidable) conditions of their trust:
   * computed once per service, so the target lists are the same objects for every node that can
   * reach existing workloads of the service.
   */
  private fanOut(service: string): FanOut {
    const cached = this.fanOuts.get(service);
    if (cached !== undefined) return cached;
    const groups = new Map<string, { targets: number[]; conditions: readonly ReachCondition[] }>();
    const citations = new Map<number, StatementCitation>();
    const conditions = new Map<number, readonly ReachCondition[]>();
    for (const [i, trust] of this.trusting(service)) {
      const ref = (this.tables.roleIam.items[i] as TableItem).ref;
      const key = JSON.stringify(trust.conditions);
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { targets: [ref], conditions: trust.conditions });
      else group.targets.push(ref);
      citations.set(ref, trust.citation);
      if (trust.conditions.length > 0) conditions.set(ref, trust.conditions);
    }
    const fanOut: FanOut = { groups: [...groups.values()], citations, conditions };
    this.fanOuts.set(service, fanOut);
    return fanOut;
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

  /** The verdict every listed item gets at the shared level, when decided by group and all get the same one. */
  private oneVerdict(view: View, use: Use, items: Iterable<number>): Verdict | undefined {
    if (view.groups(use) === undefined) return undefined;
    let found: Verdict | undefined;
    const verdictOn = view.verdicts(use);
    for (const i of items) {
      const v = verdictOn(i);
      if (v === undefined || (found !== undefined && v !== found)) return undefined;
      found = v;
    }
    return found;
  }

  private deriveWorkload(view: View, out: Collector, path: EscalationPath, services: readonly string[], passes: boolean): void {
    if (!passes && !this.options.assumeExistingWorkloads) return;
    for (const perm of path.permissions) if (!this.mayAllow(view.node, perm.action)) return;
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
        const use = this.use(t, 'iam:PassRole', { 'iam:PassedToService': service });
        const every = this.oneVerdict(view, use, trusting.keys());
        if (every !== undefined) {
          // Every role the service trusts may be passed, with one verdict: one edge per group of equal trust conditions, as for existing workloads.
          const fanOut = this.fanOut(service);
          const all = [every, ...verdicts];
          for (const group of fanOut.groups) {
            out.edges.push({
              targets: group.targets,
              conditional: isConditional(all, [...group.conditions, ...assumes]),
              spec: {
                via,
                effect: 'become',
                verdicts: all,
                escalation: path.id,
                conditions: assumes,
                targetCitations: fanOut.citations,
                targetConditions: fanOut.conditions,
              },
              item: -1,
              tables: [t],
            });
          }
          continue;
        }
        const verdictOn = view.verdicts(use);
        for (const i of view.items([use])) {
          const trust = trusting.get(i);
          const pass = verdictOn(i);
          if (trust === undefined || pass === undefined) continue;
          const item = t.items[i] as TableItem;
          const all = [pass, ...verdicts];
          // The same order as a fan-out step: the assumption, then the trust statement's own conditions.
          const conditions = [...assumes, ...trust.conditions];
          out.edges.push({
            targets: [item.ref],
            conditional: isConditional(all, conditions),
            spec: { to: item.arn, via, effect: 'become', verdicts: all, escalation: path.id, conditions, citations: [trust.citation] },
            item: i,
            tables: [t],
          });
        }
        continue;
      }
      // Existing workloads: one edge to every role the service may assume, per group of equal trust conditions.
      const fanOut = this.fanOut(service);
      for (const group of fanOut.groups) {
        out.edges.push({
          targets: group.targets,
          conditional: isConditional(verdicts, [...group.conditions, ...assumes]),
          spec: {
            via,
            effect: 'become',
            verdicts,
            escalation: path.id,
            conditions: assumes,
            targetCitations: fanOut.citations,
            targetConditions: fanOut.conditions,
          },
          item: -1,
          tables: [],
        });
      }
    }
  }

  private deriveAccessPlan(view: View, out: Collector, plan: AccessPlan): void {
    const node = view.node;
    const grants = view.level === 'own' ? (this.grantsByGrantee.get(node.principal.arn) ?? []) : [];
    const { table, decrypt } = plan;
    // Nothing to find when no identity policy can grant these requests and no resource policy names the principal.
    if (!plan.all.some((u) => this.possible(node, u))) {
      if (view.level !== 'own') return;
      if (grants.length === 0 && plan.tables.every((tb) => this.explicitItems(tb, node.principal).length === 0)) return;
    }
    // A layer may push thousands of records: each is built from whole literals (spreading optional
    // fields in is slow), and consecutive records with one verdict share its list.
    let lastVerdict: Verdict | undefined;
    let lastList: readonly Verdict[] = [];
    const only = (v: Verdict): readonly Verdict[] => {
      if (v !== lastVerdict) {
        lastVerdict = v;
        lastList = [v];
      }
      return lastList;
    };
    const push = (
      i: number,
      access: ReachAccess,
      action: string,
      verdicts: readonly Verdict[],
      via = action,
      conditions?: readonly ReachCondition[],
      grant?: { readonly citations: readonly StatementCitation[]; readonly grantId: string },
    ): void => {
      const item = table.items[i] as TableItem;
      const conditional = isConditional(verdicts, conditions);
      const to = item.arn;
      if (grant !== undefined) {
        const { citations, grantId } = grant;
        const spec: StepSpec = { to, via, effect: 'access', verdicts, citations, grantId };
        out.access.push({ material: item.ref, access, action, conditional, spec, item: i, tables: plan.tables, grantId });
        return;
      }
      const spec: StepSpec =
        conditions !== undefined ? { to, via, effect: 'access', verdicts, conditions } : { to, via, effect: 'access', verdicts };
      out.access.push({ material: item.ref, access, action, conditional, spec, item: i, tables: plan.tables });
    };
    for (const use of plan.control) {
      const verdictOn = view.verdicts(use);
      for (const i of view.items([use])) {
        const v = verdictOn(i);
        if (v !== undefined) push(i, 'control', use.action, only(v));
      }
    }
    let candidates = view.items(plan.all.slice(plan.control.length));
    if (decrypt !== undefined && grants.length > 0) {
      const extra = grants
        .filter((g) => g.decrypt)
        .map((g) => this.materialItem.get(`${table.name}|${g.material}`))
        .filter((i) => i !== undefined);
      if (extra.length > 0) candidates = union([candidates, extra]);
    }
    const uses = plan.uses;
    const verdictsOn = uses.map((u) => view.verdicts(u));
    const decryptOn = decrypt !== undefined ? view.verdicts(decrypt) : NO_VERDICT;
    for (let n = 0; n < candidates.length; n++) {
      const i = candidates[n] as number;
      let bestUse: Use | undefined;
      let bestVerdict: Verdict | undefined;
      for (let k = 0; k < uses.length; k++) {
        const v = (verdictsOn[k] as (item: number) => Verdict | undefined)(i);
        if (v !== undefined && (bestVerdict === undefined || (bestVerdict.decision.conditional && !v.decision.conditional))) {
          bestUse = uses[k];
          bestVerdict = v;
        }
      }
      if (bestUse === undefined || bestVerdict === undefined) continue;
      const material = this.materials[(table.items[i] as TableItem).ref] as MaterialRecord;
      const protection = material.protection;
      if (decrypt === undefined || protection === undefined || protection.kind === 'aws-managed') {
        push(i, 'use', bestUse.action, only(bestVerdict));
        continue;
      }
      const via = `${bestUse.action}+kms:Decrypt`;
      if (protection.kind === 'missing') {
        const c: ReachCondition = {
          policy: ASSUMPTION_POLICY,
          statement: material.arn,
          operator: 'Assumes',
          key: 'kms:Decrypt',
          values: [protection.keyId],
        };
        push(i, 'use', bestUse.action, [bestVerdict], via, [c]);
        continue;
      }
      const d = decryptOn(i);
      if (d !== undefined) {
        push(i, 'use', bestUse.action, [bestVerdict, d], via);
        continue;
      }
      const grant = grants.find((g) => g.decrypt && g.material === material.index);
      if (grant !== undefined) {
        const citation = { policy: `${protection.key.arn}#grant:${grant.grantId}`, statement: grant.grantId };
        push(i, 'use', bestUse.action, [bestVerdict], via, undefined, { citations: [citation], grantId: grant.grantId });
      }
    }
  }

  /** KMS grants naming the node's principal: reach whatever the policies say. */
  private grantAccess(node: Node, out: Collector): void {
    for (const g of this.grantsByGrantee.get(node.principal.arn) ?? []) {
      if (g.decrypt) continue;
      const material = this.materials[g.material] as MaterialRecord;
      const useOp = GRANT_USE_OPERATION[material.kind];
      const table = material.kind === 'kms-sign' ? this.tables.kmsSign : this.tables.kmsMac;
      const citation = { policy: `${material.arn}#grant:${g.grantId}`, statement: g.grantId };
      const add = (access: ReachAccess, action: string): void => {
        out.access.push({
          material: material.index,
          access,
          action,
          conditional: false,
          grantId: g.grantId,
          spec: { to: material.arn, via: 'kms-grant', effect: 'access', verdicts: [], citations: [citation], grantId: g.grantId },
          item: -1,
          tables: [table],
        });
      };
      if (useOp !== undefined && g.operations.includes(useOp)) add('use', `kms:${useOp}`);
      if (g.operations.includes('CreateGrant')) add('control', 'kms:CreateGrant');
    }
  }

  // ── Resource tags the attacker chooses (see retag.ts) ───────────────────────────────────────

  private retagList: readonly RetagSubject[] | undefined;

  /**
   * Items whose decisions could change if the attacker chose their tags: signing material, the
   * KMS keys protecting secrets and parameters, roles and users, where the item's own resource
   * policy, or any identity policy, boundary, SCP or RCP of the account, reads resource tags in a
   * statement that may cover one of the requests rules make on it. Every other item decides
   * alike whatever its tags.
   */
  retagSubjects(): readonly RetagSubject[] {
    if (this.retagList !== undefined) return this.retagList;
    const documents = new Set<PolicyDocument>();
    for (const p of this.directory.principals) {
      for (const source of p.identity) documents.add(source.document);
      if (p.boundary !== undefined) documents.add(p.boundary.document);
    }
    for (const g of this.directory.groups) for (const source of g.identity) documents.add(source.document);
    const org = this.snapshot.organization;
    for (const d of [...org.serviceControlPolicies.flat(), ...org.resourceControlPolicies.flat()]) documents.add(d);
    // One pass over every policy: almost none reads a resource tag.
    const readers = tagReadingStatements(documents);
    const subjects: RetagSubject[] = [];
    /**
     * Lists the items of a table whose tags some policy reads for one of the requests (by what
     * they give: `use`, `control`, or a principal), each with the aspects whose policies do.
     */
    const add = (
      kind: RetagSubject['kind'],
      table: Table,
      tagging: readonly string[],
      requests: readonly (readonly [ReachAccess | undefined, readonly string[]])[],
    ): void => {
      const tagActions = tagging.map((action): TagAction => {
        const technique = ESCALATION_CATALOG.find((p) => p.outcome.kind === 'choose-resource-tags' && p.permissions[0]?.action === action);
        if (technique === undefined) throw new Error(`no technique in the catalogue tags with ${action}`);
        return { action, escalation: technique.id };
      });

      const groups = requests.map(([access, actions]) => {
        const group = this.retagGroups.length;
        this.retagGroups.push(actions);
        return { access, actions, group, everywhere: coversAnyAction(readers, actions) };
      });
      const tagTable = kind === 'role' ? this.tables.roleIam : table;
      const listed: RetagSubject[] = [];
      table.items.forEach((item, i) => {
        if (item.arn === '') return;
        const own = item.policy !== undefined ? tagReadingStatements([item.policy.document]) : [];
        const aspects: RetagAspect[] = [];
        for (const { access, actions, group, everywhere } of groups) {
          const ownReads = own.length > 0 && coversAnyAction(own, actions);
          if (everywhere || ownReads) aspects.push(access !== undefined ? { group, ownReads, access } : { group, ownReads });
        }
        if (aspects.length === 0) return;
        const projection = (tagTable.items[i] as TableItem).generic?.projection;
        const personal = projection !== undefined && (projection.notPrincipal || tagging.some((a) => projection.principalSensitive(a)));
        const subject: RetagSubject = {
          id: subjects.length,
          kind,
          table,
          item: i,
          ref: item.ref,
          tagActions,
          personal,
          aspects,
        };
        subjects.push(subject);
        listed.push(subject);
        if (kind === 'protection') this.protections.set(subject.ref, subject);
      });
      if (listed.length > 0) this.tagGroups.push({ table: tagTable, tagging, subjects: listed });
    };
    /** Every request a rule asks about the items of these tables. */
    const ruleActions = (tables: readonly Table[]): readonly string[] => [
      ...new Set(this.rules().flatMap((r) => r.uses.filter((u) => tables.includes(u.table)).map((u) => u.action))),
    ];
    for (const plan of this.plans()) {
      const sample = this.materials[(plan.table.items[0] as TableItem).ref] as MaterialRecord;
      add('material', plan.table, sample.tagActions, [
        ['use', plan.uses.map((u) => u.action)],
        ['control', plan.control.map((u) => u.action)],
      ]);
    }
    const t = this.tables;
    add('protection', t.secretDecrypt, TAG_ACTIONS.kmsKey, [['use', ['kms:Decrypt']]]);
    add('protection', t.parameterDecrypt, TAG_ACTIONS.kmsKey, [['use', ['kms:Decrypt']]]);
    add('role', t.roleTrust, TAG_ACTIONS.role, [[undefined, ruleActions(this.retaggedTables('role', t.roleTrust))]]);
    add('user', t.userIam, TAG_ACTIONS.user, [[undefined, ruleActions(this.retaggedTables('user', t.userIam))]]);
    this.retagList = subjects;
    return subjects;
  }

  /** Protection subjects by the material index of the secret or parameter their key protects. */
  private readonly protections = new Map<number, RetagSubject>();

  /** The subjects by the table and action that tag them. */
  readonly tagGroups: { readonly table: Table; readonly tagging: readonly string[]; readonly subjects: readonly RetagSubject[] }[] = [];

  /** Whether any policy could let the node tag an item of the group: its identity policies, or a resource policy that names it or anyone. */
  mayTagIn(node: Node, group: ReachEngine['tagGroups'][number]): boolean {
    const t = group.table;
    return group.tagging.some((a) => this.mayAllow(node, a)) || t.star.length > 0 || this.explicitItems(t, node.principal).length > 0;
  }

  /** Per outputs object (states that share one decide alike), or per node for personal subjects, per subject id: the right to tag it, or null. */
  private readonly retagRightsOf = new WeakMap<object, (RetagOut | null)[]>();

  /**
   * Whether the node may set the subject's tags (decided on its tags as they are), memoised for
   * every state that shares the node's outputs, unless the subject is personal.
   */
  retagRight(node: Node, subject: RetagSubject): RetagOut | undefined {
    const memo = cached(this.retagRightsOf, subject.personal ? node : this.outputs(node), (): (RetagOut | null)[] => []);
    const known = memo[subject.id];
    if (known !== undefined) return known ?? undefined;
    const table = subject.kind === 'role' ? this.tables.roleIam : subject.table;
    const p = node.principal;
    const i = subject.item;
    let right: RetagOut | null = null;
    const named = table.star.includes(i) || this.explicitItems(table, p).includes(i);
    // Setting tags first: the witness then names the fuller right.
    for (const { action, escalation } of subject.tagActions) {
      if (right !== null || (!named && !this.mayAllow(node, action))) continue;
      const item = table.items[i] as TableItem;
      const projected = this.specific(item, p);
      const decision = this.decideItem(node, item, table.mode, action, projected, undefined);
      if (decision.decision !== 'allow') continue;
      const verdicts = [verdictOf(decision, projected, item)];
      right = {
        subject: subject.id,
        conditional: isConditional(verdicts, undefined),
        spec: { to: item.arn, via: action, effect: 'choose-resource-tags', verdicts, escalation },
        item: i,
        tables: [table],
      };
    }
    memo[subject.id] = right;
    return right ?? undefined;
  }

  private readonly twins = new Map<Table, Map<number, TableItem>>();

  private twin(table: Table, i: number): TableItem {
    const perTable = innerMap(this.twins, table);
    let twin = perTable.get(i);
    if (twin === undefined) {
      twin = retaggedItem(table.items[i] as TableItem);
      perTable.set(i, twin);
    }
    return twin;
  }

  /** The tables where a subject's tags are read: its use, or a principal's assumption and IAM requests. */
  private retaggedTables(kind: RetagSubject['kind'], table: Table): readonly Table[] {
    const t = this.tables;
    return kind === 'role' ? [t.roleTrust, t.roleIam] : kind === 'user' ? [t.userIam] : [table];
  }

  /**
   * What the node finds through the subject with its tags chosen: every rule that asks about the
   * subject's tables (use and control of signing material; assuming, passing, rewriting,
   * escalating, unbinding, tagging or minting credentials for a principal), asked about the
   * subject alone, with its requests decided on its retagged twin. Requests whose policies read
   * no resource tag decide as on the item itself.
   */
  retaggedOutputs(node: Node, subject: RetagSubject, partner?: RetagSubject): OutputSet {
    // States that share outputs decide every rule's requests alike, on twins as on the items.
    const memo = cached(partner === undefined ? this.retaggedOf : this.retaggedPairsOf, this.outputs(node), (): OutputSet[] => []);
    let found = memo[subject.id];
    if (found === undefined) {
      found = this.deriveRetagged(node, subject, partner);
      memo[subject.id] = found;
    }
    return found;
  }

  private readonly retaggedOf = new WeakMap<NodeOutputs, OutputSet[]>();
  /** The same, for a secret or parameter retagged with the key protecting it (its one partner). */
  private readonly retaggedPairsOf = new WeakMap<NodeOutputs, OutputSet[]>();

  /** The subject for the KMS key protecting a secret or parameter subject, when that key's tags matter. */
  protectionOf(subject: RetagSubject): RetagSubject | undefined {
    return subject.kind === 'material' ? this.protections.get(subject.ref) : undefined;
  }

  /** Groups of requests on subjects (see `RetagAspect`). */
  private readonly retagGroups: (readonly string[])[] = [];
  private readonly tagReadingOf: number[] = [];

  /**
   * Whether retagging the subject could change what the node finds, for the aspects still open:
   * only where a policy in front of those requests reads its tags.
   */
  retagMatters(node: Node, subject: RetagSubject, open: (access: ReachAccess | undefined) => boolean): boolean {
    for (const aspect of subject.aspects) {
      if (open(aspect.access) && (aspect.ownReads || (this.tagReading(node) & (1 << aspect.group)) !== 0)) return true;
    }
    return false;
  }

  /** One bit per group of requests (a dozen groups at most: one or two per table of subjects): whether the node's own policies, boundary, SCPs or RCPs read resource tags for one of its requests. */
  private tagReading(node: Node): number {
    let bits = this.tagReadingOf[node.id];
    if (bits === undefined) {
      bits = 0;
      this.retagGroups.forEach((actions, g) => {
        if (actions.some((a) => this.shape(node, a).tagReads)) bits = (bits as number) | (1 << g);
      });
      this.tagReadingOf[node.id] = bits;
    }
    return bits;
  }

  private deriveRetagged(node: Node, subject: RetagSubject, partner?: RetagSubject): OutputSet {
    const p = node.principal;
    const i = subject.item;
    const retagged = [
      ...this.retaggedTables(subject.kind, subject.table),
      ...(partner !== undefined ? this.retaggedTables(partner.kind, partner.table) : []),
    ];
    const verdict = (use: Use): Verdict | undefined => {
      const item = retagged.includes(use.table) ? this.twin(use.table, i) : (use.table.items[i] as TableItem);
      if (item.arn === '') return undefined;
      const projected = this.specific(item, p);
      const decision = this.decideItem(node, item, use.table.mode, use.action, projected, use.extra);
      return decision.decision === 'allow' ? verdictOf(decision, projected, item) : undefined;
    };
    const view: View = {
      node,
      level: 'own',
      items: () => [i],
      verdicts: (use) => {
        const v = verdict(use);
        return (item) => (item === i ? v : undefined);
      },
      groups: () => undefined,
      twin: (table, item) => (item === i && retagged.includes(table) ? this.twin(table, i) : undefined),
    };
    const out: Collector = { edges: [], mods: [], access: [] };
    for (const rule of this.rules()) if (rule.uses.some((u) => retagged.includes(u.table))) rule.run(view, out);
    return out.edges.length + out.mods.length + out.access.length === 0 ? EMPTY_SET : out;
  }
}

/** What principals with one identity layer, boundary and type share: an id, what their policies read of them, and their share keys by principal index. */
interface SharingProfile {
  readonly id: number;
  readonly lens: AttributeLens;
  readonly keys: (string | undefined)[];
}

/**
 * What a set of policy documents reads of principals: the (lower-cased) principal tag keys they
 * test, sorted and distinct, and their identity-condition clauses. `variables` when they read
 * principal variables: then nothing short of the principal's ARN tells principals apart.
 */
interface AttributeLens {
  readonly tagKeys: readonly string[];
  readonly clauses: readonly IdentityClause[];
  readonly variables: boolean;
}

function attributeLens(docs: Iterable<PolicyDocument | undefined>): AttributeLens {
  const tagKeys = new Set<string>();
  const clauses = new Map<string, IdentityClause>();
  let variables = false;
  for (const doc of docs) {
    if (doc === undefined) continue;
    const s = scanDocument(doc);
    for (const k of s.tagKeys) tagKeys.add(k);
    for (const c of s.clauses) {
      clauses.set(JSON.stringify(c), c);
      variables ||= c.values.some((v) => v.includes('${'));
    }
    variables ||= s.identityVariables;
  }
  return { tagKeys: [...tagKeys].sort(), clauses: [...clauses.values()], variables };
}

/** What the account's trust, key and secret policies read of principals. */
function scanResourceSide(snapshot: AccountSnapshot): AttributeLens {
  return attributeLens([
    ...snapshot.roles.map((r) => r.trustPolicy),
    ...snapshot.kmsKeys.map((k) => k.policy),
    ...snapshot.secrets.map((s) => s.resourcePolicy),
  ]);
}

/** Small numbers for the actions of access records (a fixed, short list: the catalogue's). */
const accessActionIds = new Map<string, number>();

/**
 * The dedupe key of an access record without a grant, as a number: thousands of them are deduped
 * per list, and strings would be built and hashed for each.
 */
const accessKey = (a: AccessOut): number =>
  ((a.material * 4096 + denseId(accessActionIds, a.action)) * 2 + (a.access === 'use' ? 0 : 1)) * 2 + (a.conditional ? 1 : 0);

/** Keeps, per single target, one unconditional and one conditional output, the first found. */
function dedupe(c: Collector): OutputSet {
  const seen = new Set<string>();
  const first = (key: string, x: Derived): boolean => {
    const full = `${key}|${x.conditional ? 1 : 0}`;
    if (seen.has(full)) return false;
    seen.add(full);
    return true;
  };
  const seenAccess = new Set<number>();
  return {
    edges: c.edges.filter((e) => e.targets.length !== 1 || first(`e${e.targets[0] as number}`, e)),
    mods: c.mods.filter((m) => m.spec.to === undefined || first(`m${m.kind}|${m.spec.to}`, m)),
    access: c.access.filter((a) => {
      if (a.grantId !== undefined) return first(`a${a.material}|${a.access}|${a.action}|${a.grantId}`, a);
      const key = accessKey(a);
      if (seenAccess.has(key)) return false;
      seenAccess.add(key);
      return true;
    }),
  };
}
