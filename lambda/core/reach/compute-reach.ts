import type { AccountSnapshot } from '../snapshot/model.js';
import type { AccessOut, EngineOptions } from './engine.js';
import { ReachEngine } from './engine.js';
import { ReachError } from './errors.js';
import type { Exploration, MaterialReach, RetagRecord, TakenLists } from './explore.js';
import { explore, exploreFrom, materialReached, SeedCache } from './explore.js';
import type { MaterialRecord } from './material.js';
import { innerMap } from './memo.js';
import { resolvePrincipals } from './principals.js';
import { materialize, pathConditions, stepTemplate, type Writable } from './steps.js';
import type {
  InventoryEntry,
  ReachAccess,
  ReachablePrincipal,
  ReachEntry,
  ReachOptions,
  ReachReport,
  SigningMaterialKind,
  WitnessStep,
} from './types.js';

const DEFAULTS = { maxPathsPerEntry: 3, assumeExistingWorkloads: true, maxAddedGroups: 2, shareDecisions: true } as const;

const engines = new WeakMap<AccountSnapshot, Map<string, ReachEngine>>();

function engineOptions(options: ReachOptions): EngineOptions {
  return {
    assumeExistingWorkloads: options.assumeExistingWorkloads ?? DEFAULTS.assumeExistingWorkloads,
    shareDecisions: options.shareDecisions ?? DEFAULTS.shareDecisions,
    maxAddedGroups: options.maxAddedGroups ?? DEFAULTS.maxAddedGroups,
  };
}

/**
 * The reach engine of a snapshot, built on first use and kept for as long as the snapshot object
 * lives: indexes, compiled policies and every principal's computed edges are reused by later
 * {@link computeReach} and {@link computeInventory} calls on the same snapshot.
 */
export function reachEngine(snapshot: AccountSnapshot, options: ReachOptions = {}): ReachEngine {
  const opts = engineOptions(options);
  const key = JSON.stringify(opts);
  const perSnapshot = innerMap(engines, snapshot);
  let engine = perSnapshot.get(key);
  if (engine === undefined) {
    engine = new ReachEngine(snapshot, opts);
    perSnapshot.set(key, engine);
  }
  return engine;
}

/**
 * Builds the reach engine of a snapshot and computes every principal's edges and accesses up
 * front, so later {@link computeReach} calls on the same snapshot object only walk the graph.
 * Optional: without it the same work happens lazily, for the principals a walk reaches.
 *
 * @example
 * ```ts
 * const snapshot = parseSnapshot(files);
 * prepareReach(snapshot); // seconds for a large organisation, once
 * computeReach(snapshot, 'E-1042'); // then a fraction of a second per employee
 * ```
 */
export function prepareReach(snapshot: AccountSnapshot, options: ReachOptions = {}): void {
  const engine = reachEngine(snapshot, options);
  const maxAddedGroups = engineOptions(options).maxAddedGroups;
  engine.prepare((start) => void exploreFrom(engine, [start], { maxAddedGroups }));
}

/**
 * Every piece of signing material an employee could reach from their own IAM users and roles
 * (tagged `employee-id`), directly or through any chain of role assumptions, credential minting,
 * policy rewrites and compute services running as other roles, with a witness path naming the
 * policy and statement behind every hop. Reach that depends on a condition the snapshot cannot
 * decide is reported with `conditional: true` and the conditions, never dropped.
 *
 * An employee without any tagged principal gets an empty report with a warning (their tokens
 * still need revoking; the caller decides what else to do).
 *
 * @throws {@link ReachError} `ERR_REACH_EMPLOYEE_ID` when the id is empty.
 * @example
 * ```ts
 * const report = computeReach(parseSnapshot(files), 'E-1042');
 * for (const r of report.reach) console.log(r.kind, r.access, r.resourceArn, r.conditional ? '(conditional)' : '');
 * // report.reach[0].paths[0] → [{ from: '…user/alice', to: '…role/deploy', via: 'sts:AssumeRole', policy: '…', statement: 'AssumeDeploy', … }, …]
 * ```
 */
export function computeReach(snapshot: AccountSnapshot, employeeId: string, options: ReachOptions = {}): ReachReport {
  if (typeof employeeId !== 'string' || employeeId.trim() === '') {
    throw new ReachError('ERR_REACH_EMPLOYEE_ID', 'employee id must be a non-empty string');
  }
  const engine = reachEngine(snapshot, options);
  const own = resolvePrincipals(snapshot, employeeId);
  const starts = own.map((p) => engine.directory.byArn.get(p.arn) as number);
  const warnings = [...engine.warnings];
  if (starts.length === 0) {
    warnings.unshift(`no IAM user or role is tagged employee-id=${employeeId}: nothing in this account is attributed to the employee`);
    return { employeeId, accountId: engine.accountId, principals: [], reachablePrincipals: [], reach: [], warnings };
  }
  const walk = explore(engine, starts, { maxAddedGroups: engineOptions(options).maxAddedGroups });
  return {
    employeeId,
    accountId: engine.accountId,
    principals: own.map((p) => p.arn),
    reachablePrincipals: reachablePrincipals(engine, walk),
    reach: reachEntries(engine, walk, options.maxPathsPerEntry ?? DEFAULTS.maxPathsPerEntry),
    warnings,
  };
}

/** Per reached principal: flags of what any of its reached states shows. */
const REACHED = 1;
const UNCONDITIONAL = 2;
const ESCALATED = 4;
const UNBOUNDED = 8;
const TAGS_CHOSEN = 16;

function reachablePrincipals(engine: ReachEngine, walk: Exploration): ReachablePrincipal[] {
  const flags = new Uint8Array(engine.directory.principals.length);
  /** Each principal's first reached state, in the order the principals were reached. */
  const firsts: number[] = [];
  for (const id of walk.order) {
    const n = walk.node(id);
    const p = n.principal.index;
    if (flags[p] === 0) firsts.push(id);
    flags[p] =
      (flags[p] as number) |
      REACHED |
      (walk.unconditional.has(id) ? UNCONDITIONAL : 0) |
      (n.admin ? ESCALATED : 0) |
      (n.unbounded ? UNBOUNDED : 0) |
      (n.principal.sessionTags || walk.tagsChosen.has(p) ? TAGS_CHOSEN : 0);
  }
  return firsts.map((first) => {
    const principal = walk.node(first).principal;
    const f = flags[principal.index] as number;
    return {
      arn: principal.arn,
      type: principal.type,
      path: walk.witness(first),
      conditional: (f & UNCONDITIONAL) === 0,
      escalated: (f & ESCALATED) !== 0,
      boundaryRemoved: (f & UNBOUNDED) !== 0,
      tagsChosen: (f & TAGS_CHOSEN) !== 0,
    };
  });
}

interface Candidate {
  readonly node: number;
  readonly out: AccessOut;
  readonly conditional: boolean;
  /** The tag right the access rests on, when it was found with the material's tags chosen (and a second one, for its key). */
  readonly retag?: RetagRecord;
  readonly also?: RetagRecord;
}

interface Slot {
  readonly material: MaterialRecord;
  readonly access: ReachAccess;
  readonly candidates: Candidate[];
  /** Distinct, in the order found (lists are a handful long). */
  readonly actions: string[];
  readonly grants: string[];
}

const addOnce = (list: string[], value: string): void => {
  if (!list.includes(value)) list.push(value);
};

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sorts a short list in place unless it is in order already: sorting allocates working storage even for two items. */
function sortShort<T>(list: T[], compare: (a: T, b: T) => number): T[] {
  for (let i = 1; i < list.length; i++) if (compare(list[i - 1] as T, list[i] as T) > 0) return list.sort(compare);
  return list;
}

function reachEntries(engine: ReachEngine, walk: Exploration, maxPaths: number): ReachEntry[] {
  /** Per material index * 2 + (0 for use, 1 for control); `slots` keeps them in the order found. */
  const slotOf: (Slot | undefined)[] = new Array(engine.materials.length * 2);
  const slots: Slot[] = [];
  const seen: TakenLists = new Set();
  // Takes the parts, not a candidate: most outputs found are never kept, and need no object.
  const offer = (node: number, out: AccessOut, conditional: boolean, retag?: RetagRecord, also?: RetagRecord): void => {
    const key = out.material * 2 + (out.access === 'use' ? 0 : 1);
    let slot = slotOf[key];
    if (slot === undefined) {
      const material = engine.materials[out.material] as MaterialRecord;
      slot = { material, access: out.access, candidates: [], actions: [out.action], grants: [] };
      slotOf[key] = slot;
      slots.push(slot);
    } else addOnce(slot.actions, out.action);
    if (out.grantId !== undefined) addOnce(slot.grants, out.grantId);
    if (slot.candidates.length < maxPaths) {
      const found: Candidate =
        retag === undefined
          ? { node, out, conditional }
          : also === undefined
            ? { node, out, conditional, retag }
            : { node, out, conditional, retag, also };
      slot.candidates.push(found);
    } else if (!conditional) {
      const candidates = slot.candidates;
      for (let c = 0; c < candidates.length; c++) {
        if (!(candidates[c] as Candidate).conditional) continue;
        candidates[c] = { node, out, conditional };
        break;
      }
    }
  };
  for (const id of walk.order) {
    if (!walk.expanded.has(id)) continue;
    const nodeConditional = !walk.unconditional.has(id);
    walk.eachOutput(id, 'access', seen, (out) => offer(id, out, nodeConditional || out.conditional));
  }
  for (const { node, out, retag, also } of walk.retagAccess) offer(node, out, true, retag, also);
  const retagPaths = new Map<Candidate, readonly WitnessStep[]>();
  /** The steps to a candidate's node (the tagging first, when it rests on one; built once). */
  const before = (c: Candidate): readonly WitnessStep[] => {
    if (c.retag === undefined) return walk.witness(c.node);
    let path = retagPaths.get(c);
    if (path === undefined) {
      path = walk.retagWitness(c.retag, c.node, c.also);
      retagPaths.set(c, path);
    }
    return path;
  };
  /** Unconditional paths first, then shorter ones. */
  const byPreference = (a: Candidate, b: Candidate): number =>
    Number(a.conditional) - Number(b.conditional) || before(a).length - before(b).length;
  const entries: ReachEntry[] = [];
  for (const slot of slots) {
    const candidates = sortShort(slot.candidates, byPreference);
    // concat makes an array of just the right length (a spread leaves spare room in each of thousands of paths).
    const paths = candidates.map((c): readonly WitnessStep[] =>
      before(c).concat(materialize(stepTemplate(c.out.spec), walk.node(c.node).principal.arn)),
    );
    const conditional = (candidates[0] as Candidate).conditional;
    const m = slot.material;
    const conditions = conditional ? pathConditions(paths[0] as readonly WitnessStep[]) : [];
    const actions = sortShort(slot.actions, byCodeUnits);
    const entry: Writable<ReachEntry> =
      conditions.length > 0
        ? { resourceArn: m.arn, kind: m.kind, access: slot.access, conditional, conditions, paths, actions }
        : { resourceArn: m.arn, kind: m.kind, access: slot.access, conditional, paths, actions };
    // Set one by one, in the order the JSON shows them: spreading them in would build every entry on a slow path.
    if (m.keyId !== undefined) entry.keyId = m.keyId;
    if (m.aliases !== undefined) entry.aliases = m.aliases;
    if (m.name !== undefined) entry.name = m.name;
    if (slot.grants.length > 0) entry.grants = sortShort(slot.grants, byCodeUnits);
    entries.push(entry);
  }
  return entries.sort((a, b) =>
    a.resourceArn < b.resourceArn ? -1 : a.resourceArn > b.resourceArn ? 1 : a.access === b.access ? 0 : a.access === 'use' ? -1 : 1,
  );
}

/**
 * The standing blast radius of every human principal (IAM user or role tagged `employee-id`):
 * how much signing material each could reach today, largest first. Shares all work across
 * principals: each node's edges and accesses are computed once for the whole inventory.
 *
 * @example
 * ```ts
 * const top = computeInventory(snapshot)[0];
 * console.log(`${top.principalArn} reaches ${top.signingKeys} signing keys`);
 * ```
 */
export function computeInventory(snapshot: AccountSnapshot, options: ReachOptions = {}): InventoryEntry[] {
  const engine = reachEngine(snapshot, options);
  const maxAddedGroups = engineOptions(options).maxAddedGroups;
  const materials = engine.materials;
  const seeds = new SeedCache();
  const summaries = new WeakMap<Exploration, Summary>();
  const entries: InventoryEntry[] = [];
  for (const p of engine.directory.principals) {
    if (p.employeeId === undefined) continue;
    const walk = explore(engine, [p.index], { maxAddedGroups, seeds, adminSeeds: true });
    const s = summarize(walk, materials.length, summaries, engine.directory.principals.length);
    let reachable = 0;
    for (const flag of s.principals) reachable += flag;
    const byKind: Record<SigningMaterialKind, number> = { 'kms-sign': 0, 'kms-mac': 0, secret: 0, 'ssm-parameter': 0 };
    let total = 0;
    let unconditional = 0;
    let useCount = 0;
    let controlCount = 0;
    for (let i = 0; i < materials.length; i++) {
      const use = s.material.access[i * 2] === 1;
      const control = s.material.access[i * 2 + 1] === 1;
      if (!use && !control) continue;
      total++;
      byKind[(materials[i] as MaterialRecord).kind]++;
      if (use) useCount++;
      if (control) controlCount++;
      if (s.material.free[i] === 1) unconditional++;
    }
    entries.push({
      principalArn: p.arn,
      principalType: p.type,
      employeeId: p.employeeId,
      signingKeys: total,
      unconditionalSigningKeys: unconditional,
      use: useCount,
      control: controlCount,
      byKind,
      reachablePrincipals: reachable,
      escalatesToAdmin: s.escalates,
    });
  }
  return entries.sort(
    (a, b) =>
      b.signingKeys - a.signingKeys ||
      b.unconditionalSigningKeys - a.unconditionalSigningKeys ||
      (a.principalArn < b.principalArn ? -1 : a.principalArn > b.principalArn ? 1 : 0),
  );
}

/** What a walk reaches: signing material, and principals. */
interface Summary {
  readonly material: MaterialReach;
  /** Per principal index: can it be acted as? */
  readonly principals: Uint8Array;
  readonly escalates: boolean;
}

/** Summarises a walk, including the seeds it took over (memoised per walk: seeds are summarised once). */
function summarize(walk: Exploration, size: number, memo: WeakMap<Exploration, Summary>, principalCount: number): Summary {
  const cached = memo.get(walk);
  if (cached !== undefined) return cached;
  const principals = new Uint8Array(principalCount);
  let escalates = false;
  for (const id of walk.order) {
    const n = walk.node(id);
    principals[n.principal.index] = 1;
    escalates ||= n.admin;
  }
  for (const { seed } of walk.seeds) {
    const s = summarize(seed.walk, size, memo, principalCount);
    for (let i = 0; i < principalCount; i++) principals[i] = (principals[i] as number) | (s.principals[i] as number);
    escalates ||= s.escalates;
  }
  const summary = { material: materialReached(walk, size, true), principals, escalates };
  memo.set(walk, summary);
  return summary;
}
