import type { EdgeOut, ModOut, Node, NodeOutputs, OutputSet, ReachEngine, Table } from './engine.js';
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
 */

export type Parent =
  | { readonly kind: 'start' }
  | { readonly kind: 'edge'; readonly from: number; readonly out: EdgeOut; readonly target: number }
  | { readonly kind: 'mod'; readonly performer: number; readonly base: number; readonly out: ModOut };

interface ModRecord {
  readonly performer: number;
  readonly out: ModOut;
}

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

/**
 * How a node takes a shared (or class) list: `skip` when the list was already taken in full
 * (a node can only take a subset of it again), `filter` when the node's principal is named in
 * some of its items (take the rest, and do not mark the list as taken in full), else `all`.
 */
function take(out: NodeOutputs, list: OutputSet, done: Set<OutputSet>): 'skip' | 'filter' | 'all' {
  if (done.has(list)) return 'skip';
  if (overridesTouch(out, list)) return 'filter';
  done.add(list);
  return 'all';
}

/** The outcome of one walk. */
export class Exploration {
  /** Node ids in the order they were reached (all unconditional ones first). */
  readonly order: number[] = [];
  /**
   * Nodes not dominated by another reached state of the same principal (an escalated state can
   * do everything the plain one can, an unbounded one everything the bounded one can): only
   * these are expanded, and only their accesses need gathering.
   */
  readonly expanded = new Set<number>();
  readonly unconditional = new Set<number>();
  readonly parent = new Map<number, Parent>();
  private readonly witnesses = new Map<number, WitnessStep[]>();

  constructor(private readonly engine: ReachEngine) {}

  node(id: number): Node {
    return this.engine.nodeById(id);
  }

  /** The steps that take the employee to node `id` (memoised). */
  witness(id: number): readonly WitnessStep[] {
    const cached = this.witnesses.get(id);
    if (cached !== undefined) return cached;
    const parent = this.parent.get(id);
    let path: WitnessStep[];
    if (parent === undefined || parent.kind === 'start') path = [];
    else if (parent.kind === 'edge') {
      const target = this.engine.directory.principals[parent.target];
      const step = stepTemplate(parent.out.spec, target);
      path = [...this.witness(parent.from), materialize(step, this.node(parent.from).principal.arn)];
    } else {
      // Replay the performer's path, the modification, then whatever of the base's path is not done yet.
      path = [...this.witness(parent.performer), materialize(stepTemplate(parent.out.spec), this.node(parent.performer).principal.arn)];
      const done = new Set(path.map(stepKey));
      for (const step of this.witness(parent.base)) {
        if (!done.has(stepKey(step))) {
          done.add(stepKey(step));
          path.push(step);
        }
      }
    }
    this.witnesses.set(id, path);
    return path;
  }

  /** The outputs a node contributes, skipping shared and class lists already seen (tracked in `seen`). */
  *outputs<K extends keyof OutputSet>(id: number, field: K, seen: Set<OutputSet>): Generator<OutputSet[K][number]> {
    const out = this.engine.outputs(this.node(id));
    for (const list of [out.shared, out.cls, out.own]) {
      const mode = list === out.own ? 'all' : take(out, list, seen);
      if (mode === 'skip') continue;
      for (const x of list[field]) {
        if (mode === 'filter' && overridden(out, x)) continue;
        yield x;
      }
    }
  }
}

/** Walks the graph from the given principals (indices into the engine's directory). */
export function explore(engine: ReachEngine, startPrincipals: readonly number[], maxAddedGroups: number): Exploration {
  const result = new Exploration(engine);
  const visited = new Set<number>();
  const statesOf = new Map<number, number[]>();
  const escalated = new Map<number, ModRecord>();
  const escalatedGroups = new Map<number, ModRecord>();
  const unbounded = new Map<number, ModRecord>();
  const joins: { group: number; record: ModRecord }[] = [];
  const joined = new Set<number>();
  /** Reached states of users not escalated (the only ones joining a group can improve). */
  const userStates: number[] = [];
  /** Reached states with groups added. */
  const groupStates: number[] = [];
  let queue: number[] = [];
  let head = 0;
  let allowConditional = false;
  let expanded = new Set<OutputSet>();

  const reach = (node: Node, parent: Parent): void => {
    if (visited.has(node.id)) return;
    visited.add(node.id);
    result.parent.set(node.id, parent);
    result.order.push(node.id);
    queue.push(node.id);
    const p = node.principal.index;
    const list = statesOf.get(p);
    if (list === undefined) statesOf.set(p, [node.id]);
    else list.push(node.id);
    if (node.principal.type === 'user' && !node.admin) userStates.push(node.id);
    if (node.groups.length > 0) groupStates.push(node.id);
    applyRecorded(node);
  };

  const derive = (base: Node, target: Node, record: ModRecord): void => {
    reach(target, { kind: 'mod', performer: record.performer, base: base.id, out: record.out });
  };

  const applyRecorded = (node: Node): void => {
    const p = node.principal;
    if (!node.admin) {
      let record = escalated.get(p.index);
      if (record === undefined) for (const g of node.groups) record ??= escalatedGroups.get(g);
      if (record !== undefined) derive(node, engine.node(p.index, true, node.unbounded), record);
    }
    const unbound = unbounded.get(p.index);
    if (unbound !== undefined && p.boundary !== undefined && !node.unbounded) {
      derive(node, engine.node(p.index, node.admin, true, node.groups), unbound);
    }
    if (p.type === 'user' && !node.admin && !escalated.has(p.index) && node.groups.length < maxAddedGroups) {
      for (const { group, record } of joins) {
        if (node.groups.includes(group) || p.groups.includes(group)) continue;
        derive(node, engine.node(p.index, false, node.unbounded, [...node.groups, group].sort((a, b) => a - b)), record);
      }
    }
  };

  const record = (performer: Node, mod: ModOut): void => {
    const rec: ModRecord = { performer: performer.id, out: mod };
    if (mod.kind === 'join') {
      const group = mod.targets[0] as number;
      if (joined.has(group)) return;
      joined.add(group);
      joins.push({ group, record: rec });
      for (const id of [...userStates]) {
        const n = engine.nodeById(id);
        if (!escalated.has(n.principal.index)) applyRecorded(n);
      }
      return;
    }
    const map = mod.kind === 'escalate' ? escalated : unbounded;
    for (const t of mod.targets) {
      if (map.has(t)) continue;
      map.set(t, rec);
      for (const id of [...(statesOf.get(t) ?? [])]) applyRecorded(engine.nodeById(id));
    }
    if (mod.kind === 'escalate') {
      for (const g of mod.groups ?? []) {
        if (escalatedGroups.has(g)) continue;
        escalatedGroups.set(g, rec);
        for (const id of [...groupStates]) {
          const n = engine.nodeById(id);
          if (n.groups.includes(g)) applyRecorded(n);
        }
      }
    }
  };

  const expand = (node: Node): void => {
    const out = engine.outputs(node);
    for (const list of [out.shared, out.cls, out.own]) {
      const mode = list === out.own ? 'all' : take(out, list, expanded);
      if (mode === 'skip') continue;
      const filter = mode === 'filter';
      for (const e of list.edges) {
        if ((!allowConditional && e.conditional) || (filter && overridden(out, e))) continue;
        for (const target of e.targets) reach(engine.node(target), { kind: 'edge', from: node.id, out: e, target });
      }
      for (const m of list.mods) {
        if ((!allowConditional && m.conditional) || (filter && overridden(out, m))) continue;
        record(node, m);
      }
    }
  };

  /**
   * Another reached state of the same principal can do everything this one can. A state reached
   * unconditionally is only dominated by another reached unconditionally, so no unconditional
   * reach is lost to a conditional one.
   */
  const dominated = (node: Node): boolean => {
    const free = result.unconditional.has(node.id);
    for (const id of statesOf.get(node.principal.index) ?? []) {
      if (id === node.id || (free && !result.unconditional.has(id))) continue;
      const other = engine.nodeById(id);
      if (other.admin < node.admin || other.unbounded < node.unbounded) continue;
      if (other.admin || node.groups.every((g) => other.groups.includes(g))) {
        if (other.admin !== node.admin || other.unbounded !== node.unbounded || other.groups.length > node.groups.length) return true;
      }
    }
    return false;
  };

  const run = (): void => {
    while (head < queue.length) {
      const node = engine.nodeById(queue[head++] as number);
      if (dominated(node)) continue;
      result.expanded.add(node.id);
      expand(node);
    }
  };

  for (const p of startPrincipals) reach(engine.node(p), { kind: 'start' });
  run();
  for (const id of result.order) result.unconditional.add(id);

  allowConditional = true;
  expanded = new Set();
  queue = [...result.order];
  head = 0;
  run();
  return result;
}
