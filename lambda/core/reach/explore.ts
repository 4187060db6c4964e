import type { AccessOut, EdgeOut, ModOut, Node, NodeOutputs, OutputSet, ReachEngine, RetagOut, RetagSubject, Table } from './engine.js';
import { cached, innerMap } from './memo.js';
import { materialize, stepTemplate } from './steps.js';
import type { WitnessStep } from './types.js';

/**
 * Breadth-first walk of the reach graph from an employee's principals, in two phases: first only
 * along steps that need no undecidable condition, then along all steps. A node reached in the
 * first phase is reached unconditionally, and its recorded parent gives a condition-free witness;
 * nodes reached only in the second phase are conditional.
 *
 * Modifications are facts about the account, not about who makes them: once a reachable node can
 * escalate principal T, every state of T reached so far or later also gets the escalated state.
 *
 * A third phase follows resource tags the employee could choose (see retag.ts): once a reached
 * state can tag (or untag) a KMS key, secret, parameter, role or user, every reached state asks
 * again what it could do with that item's tags unknown. What it finds is conditional, and the walk
 * goes on from the principals it opens until no new state or tag right turns up.
 *
 * Reach is a monotone fixpoint, so a walk may also take over a finished walk started elsewhere
 * (a "seed": everything reached from one node, or from all the roles behind one kind of existing
 * workload) instead of repeating it. The inventory, which walks from every human principal, does
 * so; a single plan does not, so that every node keeps an exact witness.
 */

export type Parent =
  | { readonly kind: 'start' }
  | { readonly kind: 'edge'; readonly from: number; readonly out: EdgeOut; readonly target: number }
  | { readonly kind: 'mod'; readonly performer: number; readonly base: number; readonly out: ModOut; readonly retag?: RetagRecord }
  | { readonly kind: 'seed' }
  /** An edge opened by choosing the tags of its target (or of the item it needs). */
  | { readonly kind: 'retag'; readonly from: number; readonly out: EdgeOut; readonly target: number; readonly retag: RetagRecord };

/** A right to choose an item's tags, and the state that holds it. */
export interface RetagRecord {
  readonly performer: number;
  readonly out: RetagOut;
}

interface ModRecord {
  readonly performer: number;
  readonly out: ModOut;
  /** The tag right the modification rests on, when it was found with its target's tags chosen. */
  readonly retag?: RetagRecord;
}

/** Modifications recorded by a walk, as facts about principals and groups. */
interface ModFacts {
  readonly escalated: ReadonlyMap<number, ModRecord>;
  readonly unbounded: ReadonlyMap<number, ModRecord>;
  /** Principals whose tags the attacker chooses. */
  readonly tagged: ReadonlyMap<number, ModRecord>;
  readonly escalatedGroups: ReadonlyMap<number, ModRecord>;
  readonly joins: readonly { readonly group: number; readonly record: ModRecord }[];
}

/** A finished walk other walks take over (by reference: its nodes are not copied). */
export interface Seed {
  /** Nodes reached without undecidable conditions, from the seed's own starts. */
  readonly phase1: ReadonlySet<number>;
  /** Every node reached. */
  readonly all: ReadonlySet<number>;
  /** Principal index → its states among the seed's nodes. */
  readonly statesOf: ReadonlyMap<number, readonly number[]>;
  /** Its states of users that are not escalated, and its states with added groups. */
  readonly userStates: readonly number[];
  readonly groupStates: readonly number[];
  readonly facts1: ModFacts;
  readonly facts2: ModFacts;
  /** The walk itself, for summaries. */
  readonly walk: Exploration;
}

/** Fan-outs at least this wide (an edge to every role behind one kind of existing workload) are walked once and taken over. */
const HUB_MIN_TARGETS = 16;

/** Memoised seeds for one engine, shared by the walks of an inventory. */
export class SeedCache {
  readonly hubs = new Map<readonly number[], Seed>();
  readonly nodes = new Map<number, Seed>();
  readonly inProgress = new Set<unknown>();
}

const NO_STATES: readonly number[] = [];

const NO_FACTS: ModFacts = { escalated: new Map(), unbounded: new Map(), tagged: new Map(), escalatedGroups: new Map(), joins: [] };

const stepKey = (s: WitnessStep): string => `${s.from}\u0000${s.to}\u0000${s.via}\u0000${s.effect}`;

const overridden = (out: NodeOutputs, x: { readonly item: number; readonly tables: readonly Table[] }): boolean => {
  if (out.overrides === undefined) return false;
  for (const t of x.tables) if (out.overrides.get(t)?.has(x.item) === true) return true;
  return false;
};

const listTables = new WeakMap<OutputSet, ReadonlySet<Table>>();

/** Whether the node's overrides can touch any output of a shared list. */
function overridesTouch(out: NodeOutputs, list: OutputSet): boolean {
  if (out.overrides === undefined) return false;
  let tables = listTables.get(list);
  if (tables === undefined) {
    const set = new Set<Table>();
    for (const x of [...list.edges, ...list.mods, ...list.access]) for (const t of x.tables) set.add(t);
    tables = set;
    listTables.set(list, set);
  }
  for (const t of out.overrides.keys()) if (tables.has(t)) return true;
  return false;
}

/** Whether `list` holds every element of `subset` (loops, not closures: the walk asks this for every pair of states of a principal). */
function includesAll(list: readonly number[], subset: readonly number[]): boolean {
  for (let i = 0; i < subset.length; i++) if (!list.includes(subset[i] as number)) return false;
  return true;
}

/** Shared and class lists taken in full, and arrays of shared lists every one of which was. */
export type TakenLists = Set<OutputSet | readonly OutputSet[]>;

/**
 * How a node takes a shared (or class) list: `skip` when the list was already taken in full
 * (a node can only take a subset of it again), `filter` when the node's principal is named in
 * some of its items (take the rest, and do not mark the list as taken in full), else `all`.
 */
function take(out: NodeOutputs, list: OutputSet, done: TakenLists): 'skip' | 'filter' | 'all' {
  if (done.has(list)) return 'skip';
  if (overridesTouch(out, list)) return 'filter';
  done.add(list);
  return 'all';
}

/**
 * Calls `fn` with each of the node's lists not taken in full yet (shared, class, then own), and
 * whether to filter out the items the node's principal is named in. The shared lists are one
 * array per share key, met again by thousands of nodes: once all of them are taken in full, the
 * array is skipped without looking at each.
 */
function eachUntaken(out: NodeOutputs, done: TakenLists, fn: (list: OutputSet, filter: boolean) => void): void {
  if (!done.has(out.shared)) {
    let whole = true;
    for (let i = 0; i < out.shared.length; i++) {
      const list = out.shared[i] as OutputSet;
      const mode = take(out, list, done);
      if (mode === 'skip') continue;
      if (mode === 'filter') whole = false;
      fn(list, mode === 'filter');
    }
    if (whole) done.add(out.shared);
  }
  const mode = take(out, out.cls, done);
  if (mode !== 'skip') fn(out.cls, mode === 'filter');
  fn(out.own, false);
}

/** The outcome of one walk. */
export class Exploration {
  /** Node ids in the order they were reached (all unconditional ones first). */
  readonly order: number[] = [];
  readonly unconditional = new Set<number>();
  readonly parent = new Map<number, Parent>();
  /**
   * Nodes whose outputs this walk applied itself: not dominated by another reached state of the
   * same principal (an escalated state can do everything the plain one can, an unbounded one
   * everything the bounded one can), and not taken over from a seed.
   */
  readonly expanded = new Set<number>();
  /** Principals whose tags the employee could choose (tagging them, or federating with session tags). */
  readonly tagsChosen = new Set<number>();
  /** Rights to tag subjects (see `ReachEngine.retagSubjects`) that this walk's own states hold, by subject id (seeds keep theirs). */
  readonly retagged = new Map<number, RetagRecord>();
  /** Access found with a subject's tags chosen (always conditional), not found otherwise. */
  readonly retagAccess: { readonly node: number; readonly out: AccessOut; readonly retag: RetagRecord; readonly also?: RetagRecord }[] = [];
  /** Seeds taken over, and whether through an undecidable condition. */
  readonly seeds: { readonly seed: Seed; readonly conditional: boolean }[] = [];
  /** Modifications recorded by the end of phase 1, and by the end. */
  facts1: ModFacts = NO_FACTS;
  facts2: ModFacts = NO_FACTS;
  private readonly witnesses = new Map<number, WitnessStep[]>();

  constructor(private readonly engine: ReachEngine) {}

  node(id: number): Node {
    return this.engine.nodeById(id);
  }

  /** The steps that take the employee to node `id` (memoised). Empty for starts and nodes taken over from seeds. */
  witness(id: number): readonly WitnessStep[] {
    const cached = this.witnesses.get(id);
    if (cached !== undefined) return cached;
    const parent = this.parent.get(id);
    let path: WitnessStep[];
    if (parent === undefined || parent.kind === 'start' || parent.kind === 'seed') path = [];
    else if (parent.kind === 'edge') path = this.witness(parent.from).concat(this.edgeStep(parent));
    else if (parent.kind === 'retag') path = this.retagWitness(parent.retag, parent.from).concat(this.edgeStep(parent));
    else {
      const base = this.node(parent.base);
      const spec = parent.out.spec;
      // A modification of many groups or policies names the one this target is governed through.
      let to = spec.targetTo?.get(base.principal.index);
      for (const g of base.groups) to ??= spec.groupTo?.get(g);
      const step = stepTemplate(spec, { index: base.principal.index, arn: to ?? base.principal.arn });
      const performed = parent.retag !== undefined ? this.retagWitness(parent.retag, parent.performer) : this.witness(parent.performer);
      path = this.replay(performed, materialize(step, this.node(parent.performer).principal.arn), parent.base);
    }
    this.witnesses.set(id, path);
    return path;
  }

  /**
   * The steps to node `base` after a tag right was used: the performer's path, the tagging, then
   * whatever of the base's path is not done yet.
   */
  retagWitness(retag: RetagRecord, base: number, also?: RetagRecord): WitnessStep[] {
    const step = (r: RetagRecord): WitnessStep => materialize(stepTemplate(r.out.spec), this.node(r.performer).principal.arn);
    if (also === undefined) return this.replay(this.witness(retag.performer), step(retag), base);
    // Two items tagged for one request: both performers' paths and steps, then the base's.
    const first = this.replay(this.witness(retag.performer), step(retag), also.performer);
    return this.replay(first, step(also), base);
  }

  private edgeStep(parent: { readonly from: number; readonly out: EdgeOut; readonly target: number }): WitnessStep {
    const step = stepTemplate(parent.out.spec, this.engine.directory.principals[parent.target]);
    return materialize(step, this.node(parent.from).principal.arn);
  }

  /** The performer's path, one step of its own, then whatever of the base's path is not done yet. */
  private replay(performed: readonly WitnessStep[], step: WitnessStep, base: number): WitnessStep[] {
    // concat makes an array of just the right length (a spread leaves spare room in each of thousands of paths).
    const path = performed.concat(step);
    const done = new Set(path.map(stepKey));
    for (const s of this.witness(base)) {
      if (!done.has(stepKey(s))) {
        done.add(stepKey(s));
        path.push(s);
      }
    }
    return path;
  }

  /** Calls `fn` with each output a node contributes, skipping shared and class lists already seen (tracked in `seen`). */
  eachOutput<K extends keyof OutputSet>(id: number, field: K, seen: TakenLists, fn: (x: OutputSet[K][number]) => void): void {
    const out = this.engine.outputs(this.node(id));
    eachUntaken(out, seen, (list, filter) => {
      const items = list[field];
      // An indexed loop: a report runs this once per node, largely before it is optimized, when for-of allocates per item.
      for (let j = 0; j < items.length; j++) {
        const x = items[j] as OutputSet[K][number];
        if (filter && overridden(out, x)) continue;
        fn(x);
      }
    });
  }
}

export interface ExploreOptions {
  readonly maxAddedGroups: number;
  /** Take over memoised walks (inventory). Witnesses of nodes taken over are empty. */
  readonly seeds?: SeedCache;
  /** Whether this walk may start seeds at escalated principals (only the outermost walk does: they are large). */
  readonly adminSeeds?: boolean;
  /** Keep the modifications recorded (a walk that becomes a seed). */
  readonly keepFacts?: boolean;
}

/** Walks the graph from the given nodes (any state). */
export function exploreFrom(engine: ReachEngine, starts: readonly Node[], options: ExploreOptions): Exploration {
  return walk(engine, starts, options);
}

/** Walks the graph from the given principals (indices into the engine's directory). */
export function explore(engine: ReachEngine, startPrincipals: readonly number[], options: ExploreOptions): Exploration {
  return walk(
    engine,
    startPrincipals.map((p) => engine.node(p)),
    options,
  );
}

function walk(engine: ReachEngine, starts: readonly Node[], options: ExploreOptions): Exploration {
  const { maxAddedGroups, seeds } = options;
  const result = new Exploration(engine);
  const visited = new Set<number>();
  const statesOf = new Map<number, number[]>();
  const escalated = new Map<number, ModRecord>();
  const escalatedGroups = new Map<number, ModRecord>();
  const unbounded = new Map<number, ModRecord>();
  const tagged = new Map<number, ModRecord>();
  const joins: { group: number; record: ModRecord }[] = [];
  const joined = new Set<number>();
  /** Reached states of users not escalated (the only ones joining a group can improve). */
  const userStates: number[] = [];
  /** Reached states with groups added. */
  const groupStates: number[] = [];
  const mergedSeeds = new Map<Seed, 'phase1' | 'all'>();
  let queue: number[] = [];
  let head = 0;
  let allowConditional = false;
  let expanded: TakenLists = new Set();
  /**
   * Target lists (shared by many edges and modifications) already gone through in full. Reach
   * and facts only grow, so going through one again changes nothing: every target is reached or
   * in a seed taken over, or has its fact recorded.
   */
  const walkedTargets = new Set<readonly number[]>();
  const recordedTargets = {
    escalate: new Set<readonly number[]>(),
    unbound: new Set<readonly number[]>(),
    tag: new Set<readonly number[]>(),
  };

  const add = (node: Node, parent: Parent): boolean => {
    if (visited.has(node.id)) return false;
    visited.add(node.id);
    result.parent.set(node.id, parent);
    result.order.push(node.id);
    const p = node.principal.index;
    const list = statesOf.get(p);
    if (list === undefined) statesOf.set(p, [node.id]);
    else list.push(node.id);
    if (node.principal.type === 'user' && !node.admin) userStates.push(node.id);
    if (node.groups.length > 0) groupStates.push(node.id);
    return true;
  };

  /** Whether a seed taken over contains the node (in the part taken so far). */
  const inSeeds = (id: number): boolean => {
    for (const [seed, state] of mergedSeeds) if ((state === 'all' ? seed.all : seed.phase1).has(id)) return true;
    return false;
  };

  /** The seed being taken over: closed under its own facts, so they need not be applied to it. */
  let merging: Seed | undefined;
  let adminSeeded = false;

  /** Whether a state of the principal, this walk's own or one taken over from a seed, passes the test. */
  const someStateIn = (principal: number, test: (id: number) => boolean): boolean => {
    for (const id of statesOf.get(principal) ?? NO_STATES) if (test(id)) return true;
    for (const [seed, state] of mergedSeeds) {
      if (seed === merging) continue;
      for (const id of seed.statesOf.get(principal) ?? NO_STATES) if ((state === 'all' || seed.phase1.has(id)) && test(id)) return true;
    }
    return false;
  };

  /** States of a principal: this walk's own and those of the seeds taken over. */
  const statesIn = (principal: number): number[] => {
    const out: number[] = [];
    someStateIn(principal, (id) => {
      out.push(id);
      return false;
    });
    return out;
  };

  const reach = (node: Node, parent: Parent): void => {
    if (visited.has(node.id) || (mergedSeeds.size > 0 && inSeeds(node.id))) return;
    if (seeds !== undefined && node.admin && node.boundary === undefined) {
      const seed = seedOf(node);
      if (seed !== undefined) {
        merge(seed, allowConditional);
        if (inSeeds(node.id)) return;
      }
    }
    add(node, parent);
    queue.push(node.id);
    applyRecorded(node);
  };

  const derive = (base: Node, target: Node, record: ModRecord): void => {
    const parent: Parent =
      record.retag !== undefined
        ? { kind: 'mod', performer: record.performer, base: base.id, out: record.out, retag: record.retag }
        : { kind: 'mod', performer: record.performer, base: base.id, out: record.out };
    reach(target, parent);
  };

  /**
   * Whether the walk derives states with chosen tags yet. They reach nothing unconditionally that
   * their plain twins do not (see `dominated`), so they join the walk when its first phase ends.
   */
  let chooseTags = false;

  /**
   * Whether an escalated state of the node's principal, at least as unbounded, is reached: its
   * chosen-tags twin then covers the node's (and is derived from it).
   */
  const coveredByEscalated = (node: Node): boolean => {
    if (node.admin) return false;
    return someStateIn(node.principal.index, (id) => {
      const other = engine.nodeById(id);
      return other.admin && !other.chosenTags && other.unbounded >= node.unbounded;
    });
  };

  /** Outputs keys (see `ReachEngine.outputsKey`) of the states with chosen tags reached that no resource policy names. */
  const chosenOutputs = new Set<string>();

  /**
   * Whether a reached state with chosen tags covers this one: one with the same outputs, whose
   * principal no resource policy names, when this one's principal is not named either, or is
   * named only by policies that do not read its tags (its own outputs are then its twin's, and
   * the twin is reached). Thousands of principals an escalated engineer can tag share a handful of
   * such states.
   */
  const sameOutputsReached = (chosen: Node): boolean => {
    const key = engine.outputsKey(chosen);
    if (key === undefined) return false;
    if (engine.named(chosen.principal)) return chosenOutputs.has(key) && engine.ownTagBlind(chosen.principal);
    if (chosenOutputs.has(key)) return true;
    chosenOutputs.add(key);
    return false;
  };

  /** The recorded choice of the node's principal's tags, if any, applied to the node: its state with chosen tags. */
  const applyTagChoice = (node: Node): void => {
    const p = node.principal;
    const tag = tagged.get(p.index);
    if (tag === undefined || p.sessionTags || coveredByEscalated(node)) return;
    const chosen = engine.node(p.index, node.admin, node.unbounded, node.groups, true);
    if (!visited.has(chosen.id) && !sameOutputsReached(chosen)) derive(node, chosen, tag);
  };

  /**
   * The tag choice recorded for a principal, applied to its states. A seed taken over whose own
   * walk recorded a choice for the principal, in the phase taken over, has derived the same
   * states already (whichever step chose the tags).
   */
  const applyTagChoicesOf = (principal: number): void => {
    for (const id of statesOf.get(principal) ?? NO_STATES) applyTagChoice(engine.nodeById(id));
    for (const [seed, state] of [...mergedSeeds]) {
      if (seed === merging || (state === 'all' ? seed.facts2 : seed.facts1).tagged.has(principal)) continue;
      for (const id of seed.statesOf.get(principal) ?? NO_STATES) {
        if (state === 'all' || seed.phase1.has(id)) applyTagChoice(engine.nodeById(id));
      }
    }
  };

  /** Each recorded modification of the node's principal, applied to the node: its other states (each keeping what the node has). */
  const applyRecorded = (node: Node): void => {
    const p = node.principal;
    const chosen = node.chosenTags;
    if (!node.admin) {
      let record = escalated.get(p.index);
      if (record === undefined) for (const g of node.groups) record ??= escalatedGroups.get(g);
      if (record !== undefined) derive(node, engine.node(p.index, true, node.unbounded, NO_STATES, chosen), record);
    }
    const unbound = unbounded.get(p.index);
    if (unbound !== undefined && p.boundary !== undefined && !node.unbounded) {
      derive(node, engine.node(p.index, node.admin, true, node.groups, chosen), unbound);
    }
    if (chooseTags) applyTagChoice(node);
    if (p.type === 'user' && !node.admin && !escalated.has(p.index) && node.groups.length < maxAddedGroups) {
      for (const { group, record } of joins) {
        if (node.groups.includes(group) || p.groups.includes(group)) continue;
        derive(
          node,
          engine.node(
            p.index,
            false,
            node.unbounded,
            [...node.groups, group].sort((a, b) => a - b),
            chosen,
          ),
          record,
        );
      }
    }
  };

  /** Reached user states (own and taken over, except the seed being taken over) that are not escalated. */
  const allUserStates = (): number[] => {
    const out = [...userStates];
    for (const [seed, state] of mergedSeeds) {
      if (seed === merging) continue;
      for (const id of seed.userStates) if (state === 'all' || seed.phase1.has(id)) out.push(id);
    }
    return out;
  };

  const recordJoin = (group: number, rec: ModRecord): void => {
    if (joined.has(group)) return;
    joined.add(group);
    joins.push({ group, record: rec });
    for (const id of allUserStates()) {
      const n = engine.nodeById(id);
      if (!n.admin && !escalated.has(n.principal.index)) applyRecorded(n);
    }
  };

  const recordFact = (map: Map<number, ModRecord>, target: number, rec: ModRecord): void => {
    if (map.has(target)) return;
    map.set(target, rec);
    if (map === tagged) {
      result.tagsChosen.add(target);
      // Before the first phase ends, the boundary applies every tag choice at once.
      if (chooseTags) applyTagChoicesOf(target);
      return;
    }
    for (const id of statesIn(target)) applyRecorded(engine.nodeById(id));
  };

  const recordGroup = (group: number, rec: ModRecord): void => {
    if (escalatedGroups.has(group)) return;
    escalatedGroups.set(group, rec);
    const candidates = [...groupStates];
    for (const [seed, state] of mergedSeeds) {
      if (seed === merging) continue;
      for (const id of seed.groupStates) if (state === 'all' || seed.phase1.has(id)) candidates.push(id);
    }
    for (const id of candidates) {
      const n = engine.nodeById(id);
      if (n.groups.includes(group)) applyRecorded(n);
    }
  };

  const record = (performer: Node, mod: ModOut, retag?: RetagRecord): void => {
    const rec: ModRecord = retag !== undefined ? { performer: performer.id, out: mod, retag } : { performer: performer.id, out: mod };
    if (mod.kind === 'join') {
      recordJoin(mod.targets[0] as number, rec);
      return;
    }
    const done = recordedTargets[mod.kind];
    if (!done.has(mod.targets)) {
      const map = mod.kind === 'escalate' ? escalated : mod.kind === 'unbound' ? unbounded : tagged;
      for (let i = 0; i < mod.targets.length; i++) recordFact(map, mod.targets[i] as number, rec);
      done.add(mod.targets);
    }
    if (mod.kind === 'escalate') for (const g of mod.groups ?? []) recordGroup(g, rec);
  };

  const facts = (): ModFacts => ({
    escalated: new Map(escalated),
    unbounded: new Map(unbounded),
    tagged: new Map(tagged),
    escalatedGroups: new Map(escalatedGroups),
    joins: [...joins],
  });

  const mergeFacts = (f: ModFacts): void => {
    for (const [t, rec] of f.escalated) recordFact(escalated, t, rec);
    for (const [t, rec] of f.unbounded) recordFact(unbounded, t, rec);
    for (const [t, rec] of f.tagged) recordFact(tagged, t, rec);
    for (const [g, rec] of f.escalatedGroups) recordGroup(g, rec);
    for (const { group, record: rec } of f.joins) recordJoin(group, rec);
  };

  /**
   * Applies this walk's modifications that did not come from the seed itself to the seed's
   * states (only those taken over just now when `fresh` is given): the seed is closed under its
   * own modifications, not under ours. A tag choice the seed also recorded, by the end of the
   * part taken over (all of it when `conditional`), is not ours to apply: whichever step chose
   * the tags, the seed has derived the same states.
   */
  const applyOwnFacts = (seed: Seed, conditional: boolean, fresh: (id: number) => boolean): void => {
    const theirs = seed.facts2;
    const theirTags = (conditional ? seed.facts2 : seed.facts1).tagged;
    const ownJoins = joins.some((j) => !theirs.joins.some((x) => x.record === j.record));
    let ownGroups = false;
    for (const [g, rec] of escalatedGroups) if (theirs.escalatedGroups.get(g) !== rec) ownGroups = true;
    for (const [principal, ids] of seed.statesOf) {
      const e = escalated.get(principal);
      const u = unbounded.get(principal);
      const t = tagged.get(principal);
      const user = ownJoins && engine.directory.principals[principal]?.type === 'user';
      if (
        !user &&
        !ownGroups &&
        (e === undefined || theirs.escalated.get(principal) === e) &&
        (u === undefined || theirs.unbounded.get(principal) === u) &&
        (t === undefined || theirTags.has(principal))
      )
        continue;
      for (const id of ids) if (fresh(id)) applyRecorded(engine.nodeById(id));
    }
  };

  /** Takes over a seed: in phase 1 its unconditional part (the rest when phase 2 starts), in phase 2 all of it. */
  const merge = (seed: Seed, conditional: boolean): void => {
    const state = mergedSeeds.get(seed);
    if (state === 'all' || (state === 'phase1' && !conditional)) return;
    mergedSeeds.set(seed, conditional ? 'all' : 'phase1');
    result.seeds.push({ seed, conditional });
    merging = seed;
    mergeFacts(conditional ? seed.facts2 : seed.facts1);
    merging = undefined;
    const taken = conditional ? seed.all : seed.phase1;
    applyOwnFacts(seed, conditional, state === 'phase1' ? (id) => !seed.phase1.has(id) : (id) => taken.has(id));
  };

  const seedOf = (node: Node): Seed | undefined => {
    if (seeds === undefined) return undefined;
    const known = seeds.nodes.get(node.id);
    // One escalated seed per walk: it normally holds every other escalated state already.
    if (known !== undefined || options.adminSeeds !== true || adminSeeded || seeds.inProgress.has(node.id)) return known;
    adminSeeded = true;
    seeds.inProgress.add(node.id);
    const seed = toSeed(engine, walk(engine, [node], { maxAddedGroups, seeds, adminSeeds: false, keepFacts: true }));
    seeds.inProgress.delete(node.id);
    seeds.nodes.set(node.id, seed);
    return seed;
  };

  const hubOf = (targets: readonly number[]): Seed | undefined => {
    if (seeds === undefined || targets.length < HUB_MIN_TARGETS || seeds.inProgress.has(targets)) return undefined;
    let seed = seeds.hubs.get(targets);
    if (seed === undefined) {
      seeds.inProgress.add(targets);
      seed = toSeed(
        engine,
        walk(
          engine,
          targets.map((t) => engine.node(t)),
          { maxAddedGroups, seeds, adminSeeds: false, keepFacts: true },
        ),
      );
      seeds.inProgress.delete(targets);
      seeds.hubs.set(targets, seed);
    }
    return seed;
  };

  const expand = (node: Node): void => {
    const out = engine.outputs(node);
    eachUntaken(out, expanded, (list, filter) => {
      for (const e of list.edges) {
        if ((!allowConditional && e.conditional) || (filter && overridden(out, e))) continue;
        const hub = hubOf(e.targets);
        if (hub !== undefined) {
          merge(hub, e.conditional || allowConditional);
          continue;
        }
        if (walkedTargets.has(e.targets)) continue;
        for (let i = 0; i < e.targets.length; i++) {
          const target = e.targets[i] as number;
          // Skip the reached targets before allocating a parent.
          const next = engine.node(target);
          if (!visited.has(next.id)) reach(next, { kind: 'edge', from: node.id, out: e, target });
        }
        walkedTargets.add(e.targets);
      }
      for (const m of list.mods) {
        if ((!allowConditional && m.conditional) || (filter && overridden(out, m))) continue;
        record(node, m);
      }
    });
    if (!node.chosenTags && !tagged.has(node.principal.index)) {
      const self = engine.selfTagging(node);
      if (self !== undefined && (allowConditional || !self.conditional)) record(node, self);
    }
  };

  /**
   * Another reached state of the same principal can do everything this one can. A state reached
   * unconditionally is only dominated by another reached unconditionally, so no unconditional
   * reach is lost to a conditional one.
   *
   * A state whose tags the attacker chooses evaluates every test of its tags as undecidable: it
   * reaches all its plain twin reaches and more, but only conditionally where a tag was tested.
   * Such states join the walk in its second phase (see `chooseTags`), once the twin has taken
   * its unconditional steps: from then on they cover their twins, never the reverse.
   */
  const dominated = (node: Node): boolean => {
    const free = result.unconditional.has(node.id) || !allowConditional;
    const states = statesOf.get(node.principal.index) ?? NO_STATES;
    for (let i = 0; i < states.length; i++) {
      const id = states[i] as number;
      if (id === node.id || (free && allowConditional && !result.unconditional.has(id))) continue;
      const other = engine.nodeById(id);
      if (other.admin < node.admin || other.unbounded < node.unbounded) continue;
      const tags = other.chosenTags !== node.chosenTags;
      if (tags && !other.chosenTags) continue;
      if (other.admin || includesAll(other.groups, node.groups)) {
        if (tags || other.admin !== node.admin || other.unbounded !== node.unbounded || other.groups.length > node.groups.length)
          return true;
      }
    }
    return false;
  };

  /**
   * This walk's own expanded states: all of them (`ownAll`), and one of each group that shares
   * an outputs object (`ownStates`: such states decide every rule's requests alike). Each list
   * grows in the order found, so a prefix of it stays the same.
   */
  const ownStates: number[] = [];
  const ownAll: number[] = [];
  const ownOutputs = new Set<NodeOutputs>();
  let ownListed = 0;
  const addStates = (): void => {
    // Expanded states only (a state dominated can do no more than the one dominating it), in the order reached.
    for (; ownListed < result.order.length; ownListed++) {
      const id = result.order[ownListed] as number;
      if (!result.expanded.has(id)) continue;
      ownAll.push(id);
      const outputs = engine.outputs(engine.nodeById(id));
      if (ownOutputs.has(outputs)) continue;
      ownOutputs.add(outputs);
      ownStates.push(id);
    }
  };

  /** Whether the subject's tags could still open something (see `stillOpen`). */
  const open = (subject: RetagSubject, access: Uint8Array): boolean => {
    if (!isPrincipal(subject)) return stillOpen(engine, subject, access, undefined, NO_FACTS);
    const id = engine.node(subject.ref).id;
    return stillOpen(engine, subject, access, visited.has(id) || inSeeds(id), { escalated, unbounded, tagged });
  };

  /** How many of `ownAll` were asked for their tag rights; the rights of the seeds taken over. */
  let rightsAsked = 0;
  const seedRights: ReadonlyMap<number, RetagRecord>[] = [];
  const seedsWithRights = new Set<Seed>();

  /** Records the tag rights this walk's states reached since last asked hold on subjects `wanted` lets through, and takes the seeds' rights. */
  const recordRights = (wanted: (subject: RetagSubject) => boolean): void => {
    findRights(engine, ownAll.slice(rightsAsked), wanted, result.retagged);
    rightsAsked = ownAll.length;
    for (const seed of mergedSeeds.keys()) {
      if (seedsWithRights.has(seed)) continue;
      seedsWithRights.add(seed);
      seedRights.push(openRightsIn(engine, seed));
    }
  };

  /** The right to tag a subject: held by a state of this walk (recorded), or of a seed taken over. */
  const retagOf = (subject: RetagSubject): RetagRecord | undefined => {
    let found = result.retagged.get(subject.id);
    for (let n = 0; n < seedRights.length && found === undefined; n++)
      found = (seedRights[n] as ReadonlyMap<number, RetagRecord>).get(subject.id);
    return found;
  };

  /** Phase 3: see the file comment. Every step here is conditional: the tags were undecidable. */
  const followRetags = (): void => {
    const subjects = engine.retagSubjects();
    if (subjects.length === 0) return;
    /** Per subject (or subject and partner): how many own states were asked what they reach with its tags chosen, and which seeds. */
    const asked = new Map<string, number>();
    const seedsAsked = new Map<string, Set<Seed>>();
    for (;;) {
      const access = materialReached(result, engine.materials.length, false).access;
      const opening = subjects.filter((s) => open(s, access));
      // Most walks, an escalated one above all, reach everything their tag rights could open.
      if (opening.length === 0) return;
      addStates();
      const states = ownAll.length;
      const seedCount = mergedSeeds.size;
      const opened = new Set(opening);
      recordRights((subject) => opened.has(subject));
      let retagging = false;
      for (const subject of opening) {
        const retag = retagOf(subject);
        if (retag === undefined) continue;
        retagging = true;
        const apply = (id: number, outputs: OutputSet, also?: RetagRecord): void => {
          for (const out of outputs.access) {
            const slot = out.material * 2 + (out.access === 'use' ? 0 : 1);
            if (access[slot] === 1) continue;
            access[slot] = 1;
            result.retagAccess.push(also !== undefined ? { node: id, out, retag, also } : { node: id, out, retag });
          }
          for (const e of outputs.edges) {
            for (const target of e.targets) reach(engine.node(target), { kind: 'retag', from: id, out: e, target, retag });
          }
          for (const m of outputs.mods) record(engine.nodeById(id), m, retag);
        };
        const needed = (kind: 'use' | 'control' | undefined): boolean =>
          kind === undefined || access[subject.ref * 2 + (kind === 'use' ? 0 : 1)] === 0;
        /** Asks the own states and the seeds not asked yet what they find with the subject (and the partner) retagged. */
        const askAll = (partner?: RetagSubject, partnerRetag?: RetagRecord): void => {
          const key = partner === undefined ? `${subject.id}` : `${subject.id}+${partner.id}`;
          const still = (): boolean => (partner === undefined ? open(subject, access) : needed('use'));
          for (let n = asked.get(key) ?? 0; n < ownStates.length && still(); n++) {
            const id = ownStates[n] as number;
            const node = engine.nodeById(id);
            if (engine.retagMatters(node, subject, needed) || (partner !== undefined && engine.retagMatters(node, partner, needed))) {
              apply(id, engine.retaggedOutputs(node, subject, partner), partnerRetag);
            }
          }
          asked.set(key, ownStates.length);
          const seedsDone = cached(seedsAsked, key, () => new Set<Seed>());
          for (const seed of mergedSeeds.keys()) {
            if (seedsDone.has(seed)) continue;
            seedsDone.add(seed);
            for (const found of retaggedIn(engine, seed, subject, partner)) apply(found.node, found.outputs, partnerRetag);
          }
        };
        askAll();
        // A secret or parameter whose key can be retagged too: both tags chosen for one read.
        const partner = engine.protectionOf(subject);
        const partnerRetag = partner !== undefined ? retagOf(partner) : undefined;
        if (partner !== undefined && partnerRetag !== undefined && needed('use')) askAll(partner, partnerRetag);
      }
      if (!retagging) return;
      run();
      // Every state and seed was asked: only new ones call for another round (a new state may
      // share outputs with one asked, yet hold rights to tag of its own).
      addStates();
      if (ownAll.length === states && mergedSeeds.size === seedCount) return;
    }
  };

  const run = (): void => {
    while (head < queue.length) {
      const node = engine.nodeById(queue[head++] as number);
      if (dominated(node)) continue;
      result.expanded.add(node.id);
      expand(node);
    }
  };

  for (const n of starts) reach(n, { kind: 'start' });
  run();
  // States with chosen tags derived now rest on unconditional steps only: they count as reached unconditionally.
  chooseTags = true;
  for (const principal of [...tagged.keys()]) applyTagChoicesOf(principal);
  for (const id of result.order) result.unconditional.add(id);
  if (options.keepFacts === true) result.facts1 = facts();

  allowConditional = true;
  expanded = new Set();
  queue = [...result.order];
  head = 0;
  for (const [seed, state] of [...mergedSeeds]) if (state === 'phase1') merge(seed, true);
  run();
  followRetags();
  if (options.keepFacts === true) result.facts2 = facts();
  return result;
}

/**
 * Whether choosing a subject's tags could still add anything: its material is not yet reached for
 * both use and control; its principal is not yet reached, or some modification of it (escalated,
 * stripped of its boundary, its tags chosen) is not yet recorded. Reach only grows, so a subject
 * once closed stays closed.
 */
function stillOpen(
  engine: ReachEngine,
  subject: RetagSubject,
  access: Uint8Array,
  reached: boolean | undefined,
  facts: Pick<ModFacts, 'escalated' | 'unbounded' | 'tagged'>,
): boolean {
  if (subject.kind === 'material') return access[subject.ref * 2] === 0 || access[subject.ref * 2 + 1] === 0;
  // The key protecting a secret or parameter matters to its use alone.
  if (subject.kind === 'protection') return access[subject.ref * 2] === 0;
  const p = engine.directory.principals[subject.ref];
  if (p === undefined) return false;
  return (
    reached !== true ||
    !facts.escalated.has(p.index) ||
    (p.boundary !== undefined && !facts.unbounded.has(p.index)) ||
    (!p.sessionTags && !facts.tagged.has(p.index))
  );
}

const isPrincipal = (subject: RetagSubject): boolean => subject.kind === 'role' || subject.kind === 'user';

const statesMemo = { distinct: new WeakMap<Exploration, readonly number[]>(), all: new WeakMap<Exploration, readonly number[]>() };

/**
 * The expanded states of a finished walk and of the seeds it took over; when `distinct`, one of
 * each group that shares an outputs object (such states decide every rule's requests alike).
 */
function expandedStates(engine: ReachEngine, walk: Exploration, distinct: boolean): readonly number[] {
  const memo = distinct ? statesMemo.distinct : statesMemo.all;
  let ids = memo.get(walk);
  if (ids === undefined) {
    const seen = new Set<object>();
    const out: number[] = [];
    const consider = (id: number): void => {
      const node = engine.nodeById(id);
      const key = distinct ? engine.outputs(node) : node;
      if (seen.has(key)) return;
      seen.add(key);
      out.push(id);
    };
    for (const id of walk.expanded) consider(id);
    for (const { seed } of walk.seeds) for (const id of expandedStates(engine, seed.walk, distinct)) consider(id);
    ids = out;
    memo.set(walk, ids);
  }
  return ids;
}

const retaggedMemo = new WeakMap<Seed, Map<string, readonly { readonly node: number; readonly outputs: OutputSet }[]>>();

/**
 * What the states of a seed find with a subject's tags chosen, and its partner's (the key
 * protecting it) too when given (memoised: every walk that takes the seed over asks).
 */
function retaggedIn(
  engine: ReachEngine,
  seed: Seed,
  subject: RetagSubject,
  partner?: RetagSubject,
): readonly { readonly node: number; readonly outputs: OutputSet }[] {
  const perSubject = innerMap(retaggedMemo, seed);
  const key = partner === undefined ? `${subject.id}` : `${subject.id}+${partner.id}`;
  let found = perSubject.get(key);
  if (found === undefined) {
    const list: { node: number; outputs: OutputSet }[] = [];
    const all = (): boolean => true;
    for (const id of expandedStates(engine, seed.walk, true)) {
      const node = engine.nodeById(id);
      if (!engine.retagMatters(node, subject, all) && (partner === undefined || !engine.retagMatters(node, partner, all))) continue;
      const outputs = engine.retaggedOutputs(node, subject, partner);
      if (outputs.edges.length + outputs.mods.length + outputs.access.length > 0) list.push({ node: id, outputs });
    }
    found = list;
    perSubject.set(key, found);
  }
  return found;
}

const rightsMemo = new WeakMap<Seed, ReadonlyMap<number, RetagRecord>>();

/**
 * The rights to tag subjects still open when a seed was done, held by its states (and those of
 * the seeds it took over): a walk that takes the seed over reaches all it reached, so only those
 * subjects can still open anything.
 */
function openRightsIn(engine: ReachEngine, seed: Seed): ReadonlyMap<number, RetagRecord> {
  let rights = rightsMemo.get(seed);
  if (rights === undefined) {
    const access = materialReached(seed.walk, engine.materials.length, true).access;
    const found = new Map<number, RetagRecord>();
    const wanted = (subject: RetagSubject): boolean => {
      const reached = isPrincipal(subject) && seed.all.has(engine.node(subject.ref).id);
      return stillOpen(engine, subject, access, reached, seed.facts2);
    };
    findRights(engine, expandedStates(engine, seed.walk, false), wanted, found);
    rights = found;
    rightsMemo.set(seed, rights);
  }
  return rights;
}

/**
 * Adds to `found` the first right to tag each subject `wanted` lets through held by one of the
 * states. States go first: most hold no right to tag anything, which one test per table tells.
 */
function findRights(
  engine: ReachEngine,
  states: readonly number[],
  wanted: (subject: RetagSubject) => boolean,
  found: Map<number, RetagRecord>,
): void {
  // Per group, the subjects still looked for; the list shrinks as rights are found.
  const looking = engine.tagGroups.map((group) => ({ group, subjects: group.subjects.filter((s) => !found.has(s.id) && wanted(s)) }));
  /** Outputs objects met already: a state sharing one with an earlier state holds the same rights, but on personal subjects. */
  const met = new Set<NodeOutputs>();
  for (const id of states) {
    const node = engine.nodeById(id);
    const outputs = engine.outputs(node);
    const repeated = met.has(outputs);
    met.add(outputs);
    for (const entry of looking) {
      if (entry.subjects.length === 0 || !engine.mayTagIn(node, entry.group)) continue;
      const left: RetagSubject[] = [];
      for (const subject of entry.subjects) {
        const right = repeated && !subject.personal ? undefined : engine.retagRight(node, subject);
        if (right !== undefined) found.set(subject.id, { performer: id, out: right });
        else left.push(subject);
      }
      entry.subjects = left;
    }
  }
}

/** Which signing material a walk reaches (see `materialReached`). */
export interface MaterialReach {
  /** Per material index * 2 + (0 for use, 1 for control): reached at all. */
  readonly access: Uint8Array;
  /** Per material index: reached without undecidable conditions. */
  readonly free: Uint8Array;
}

const materialMemo = new WeakMap<Exploration, MaterialReach>();

/**
 * Which signing material a walk reaches, with the seeds it took over (so far, for a walk not
 * `finished`; a finished walk's answer is memoised). A seed taken over through an undecidable
 * condition adds nothing it reached freely.
 */
export function materialReached(walk: Exploration, size: number, finished: boolean): MaterialReach {
  const cached = finished ? materialMemo.get(walk) : undefined;
  if (cached !== undefined) return cached;
  const access = new Uint8Array(size * 2);
  const free = new Uint8Array(size);
  const seen: TakenLists = new Set();
  for (const id of walk.expanded) {
    const nodeFree = walk.unconditional.has(id);
    walk.eachOutput(id, 'access', seen, (out) => {
      access[out.material * 2 + (out.access === 'use' ? 0 : 1)] = 1;
      if (nodeFree && !out.conditional) free[out.material] = 1;
    });
  }
  for (const { out } of walk.retagAccess) access[out.material * 2 + (out.access === 'use' ? 0 : 1)] = 1;
  for (const { seed, conditional } of walk.seeds) {
    const theirs = materialReached(seed.walk, size, true);
    for (let i = 0; i < access.length; i++) access[i] = (access[i] as number) | (theirs.access[i] as number);
    if (!conditional) for (let i = 0; i < size; i++) free[i] = (free[i] as number) | (theirs.free[i] as number);
  }
  const reach = { access, free };
  if (finished) materialMemo.set(walk, reach);
  return reach;
}

/** Freezes a finished walk (and the seeds it took over) as a seed. */
function toSeed(engine: ReachEngine, w: Exploration): Seed {
  const phase1 = new Set<number>();
  const all = new Set<number>();
  const statesOf = new Map<number, number[]>();
  const addNode = (id: number, free: boolean): void => {
    if (all.has(id)) {
      if (free) phase1.add(id);
      return;
    }
    all.add(id);
    if (free) phase1.add(id);
    const p = engine.nodeById(id).principal.index;
    const list = statesOf.get(p);
    if (list === undefined) statesOf.set(p, [id]);
    else list.push(id);
  };
  for (const id of w.order) addNode(id, w.unconditional.has(id));
  for (const { seed, conditional } of w.seeds) {
    for (const id of conditional ? seed.all : seed.phase1) addNode(id, !conditional && seed.phase1.has(id));
  }
  const userStates: number[] = [];
  const groupStates: number[] = [];
  for (const id of all) {
    const n = engine.nodeById(id);
    if (n.principal.type === 'user' && !n.admin) userStates.push(id);
    if (n.groups.length > 0) groupStates.push(id);
  }
  return { phase1, all, statesOf, userStates, groupStates, facts1: w.facts1, facts2: w.facts2, walk: w };
}
