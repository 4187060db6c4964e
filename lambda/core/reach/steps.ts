import type { Decision, StatementRef } from '../policy/index.js';
import type { ProjectedPolicy } from './policy-scan.js';
import type { ReachCondition, StatementCitation, StepEffect, WitnessStep } from './types.js';

/**
 * Witness steps are described cheaply when an edge is found (the decisions behind it) and only
 * turned into citations when a report needs them: most edges of a large graph are never shown.
 */

/** A decision, with the projection its resource policy was evaluated through (to cite original statement indices). */
export interface Verdict {
  readonly decision: Decision;
  readonly projected: ProjectedPolicy | undefined;
  /** The resource-side policy's id: decisions are shared between resources whose policies project alike. */
  readonly resource?: string;
  /** For a step to many targets: the resource-side policy is each target's own, with this id after the target's ARN. */
  readonly targetResourceSuffix?: string;
}

/** The ARN a witness step names for a principal or group index (undefined when none). */
export interface ArnByIndex {
  get(index: number): string | undefined;
}

/** What a step is, before citations are worked out. */
export interface StepSpec {
  /** Undefined for edges to several targets: the target principal's ARN is used. */
  readonly to?: string;
  readonly via: string;
  readonly effect: StepEffect;
  readonly verdicts: readonly Verdict[];
  readonly escalation?: string;
  /** Undecidable tests besides those of the verdicts (service trust conditions, assumptions). */
  readonly conditions?: readonly ReachCondition[];
  readonly citations?: readonly StatementCitation[];
  readonly grantId?: string;
  /** For a modification of many groups or policies: per target principal, and per group, the group or policy it goes through. */
  readonly targetTo?: ArnByIndex;
  readonly groupTo?: ArnByIndex;
  /** Per target principal: the statement of its trust policy that lets the service in. */
  readonly targetCitations?: ReadonlyMap<number, StatementCitation>;
  readonly targetConditions?: ReadonlyMap<number, readonly ReachCondition[]>;
}

/**
 * A step with its citations, lacking only the performer. Its optional fields are always there,
 * undefined when absent: every template has one shape, built in one go (see {@link materialize}).
 */
export interface StepTemplate {
  readonly to: string;
  readonly via: string;
  readonly policy: string;
  readonly statement: string | number;
  readonly effect: StepEffect;
  readonly escalation: string | undefined;
  readonly allowedBy: readonly StatementCitation[];
  readonly conditions: readonly ReachCondition[] | undefined;
  readonly grantId: string | undefined;
}

/** Citations of statements cited as they are (not remapped through a projection): one per statement, however many steps cite it. */
const plainCitations = new WeakMap<StatementRef, StatementCitation>();

const citationOf = (ref: StatementRef, verdict: Verdict, to?: string): StatementCitation => {
  const projected = verdict.projected;
  if (projected === undefined || (ref.policyKind !== 'resource' && ref.policyKind !== 'trust')) {
    let plain = plainCitations.get(ref);
    if (plain === undefined) {
      plain = { policy: ref.policyId, statement: ref.sid ?? ref.statementIndex };
      plainCitations.set(ref, plain);
    }
    return plain;
  }
  const index = projected.indexMap[ref.statementIndex] ?? ref.statementIndex;
  const resource =
    verdict.targetResourceSuffix !== undefined && to !== undefined ? `${to}${verdict.targetResourceSuffix}` : verdict.resource;
  return { policy: resource ?? ref.policyId, statement: ref.sid ?? index };
};

/** What one verdict cites: its statements in order, each once, and the first identity statement among them. */
interface VerdictCitations {
  readonly allowedBy: readonly StatementCitation[];
  readonly identity: StatementCitation | undefined;
}

/** Without a projected resource policy nothing is remapped: a verdict's citations are its decision's, shared by every step citing it. */
const decisionCitations = new WeakMap<Decision, VerdictCitations>();

// Lists are a handful long: a scan is cheaper than a set of keys.
const addCitation = (list: StatementCitation[], c: StatementCitation): void => {
  if (!list.some((x) => x.policy === c.policy && x.statement === c.statement)) list.push(c);
};

function verdictCitations(verdict: Verdict, to: string): VerdictCitations {
  const shared = verdict.projected === undefined;
  const cached = shared ? decisionCitations.get(verdict.decision) : undefined;
  if (cached !== undefined) return cached;
  const allowedBy: StatementCitation[] = [];
  let identity: StatementCitation | undefined;
  for (const ref of verdict.decision.allowedBy) {
    const c = citationOf(ref, verdict, to);
    addCitation(allowedBy, c);
    if (identity === undefined && ref.policyKind === 'identity') identity = c;
  }
  // Copied to its length: a list grown by push keeps spare room, and a report holds tens of thousands.
  const cited = { allowedBy: allowedBy.slice(), identity };
  if (shared) decisionCitations.set(verdict.decision, cited);
  return cited;
}

/** The undecidable tests of a decision, in report form. */
export function conditionsOf(verdict: Verdict, to?: string): ReachCondition[] {
  return verdict.decision.unknownConditions.map((u) => {
    const c = citationOf(u, verdict, to);
    return { policy: c.policy, statement: c.statement, operator: u.operator, key: u.key, values: u.values };
  });
}

const conditionKey = (c: ReachCondition): string => JSON.stringify([c.policy, c.statement, c.operator, c.key, c.values]);

/** Concatenates condition lists, each condition once. */
export function mergeConditions(lists: readonly (readonly ReachCondition[])[]): ReachCondition[] {
  const seen = new Set<string>();
  const out: ReachCondition[] = [];
  for (const list of lists) {
    for (const c of list) {
      const k = conditionKey(c);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(c);
      }
    }
  }
  return out;
}

/** Whether a step is conditional: a verdict is, or extra undecidable tests apply. */
export function isConditional(verdicts: readonly Verdict[], extra: readonly ReachCondition[] | undefined): boolean {
  if (extra !== undefined && extra.length > 0) return true;
  for (const v of verdicts) if (v.decision.conditional) return true;
  return false;
}

const templates = new WeakMap<StepSpec, StepTemplate>();

/** Stands for the target's ARN in the template of a step to many targets. */
const TARGET = '\u0000target';

/**
 * The citations of a step: every statement that had to allow it; the one cited first is the first
 * identity statement, else the first statement that is not an SCP/RCP. A step to many targets
 * (`spec.to` undefined) shares what does not depend on the target, and adds each target's trust
 * statement and conditions.
 */
export function stepTemplate(spec: StepSpec, target?: { readonly index: number; readonly arn: string }): StepTemplate {
  const perTarget = spec.to === undefined;
  // An access step ends a path and stands for one output, cited about once per plan: caching it would only hold memory.
  if (spec.effect === 'access' && spec.to !== undefined) return buildTemplate(spec, spec.to);
  let base = templates.get(spec);
  if (base === undefined) {
    // A step to many targets is built once with a placeholder target, filled in per target below.
    base = buildTemplate(spec, spec.to ?? TARGET);
    templates.set(spec, base);
  }
  if (!perTarget) return base;
  const to = target?.arn ?? '';
  const own = (c: StatementCitation): StatementCitation =>
    c.policy.startsWith(TARGET) ? { ...c, policy: to + c.policy.slice(TARGET.length) } : c;
  const byTarget = spec.verdicts.some((v) => v.targetResourceSuffix !== undefined);
  const targetCitation = target !== undefined ? spec.targetCitations?.get(target.index) : undefined;
  const targetConditions = target !== undefined ? spec.targetConditions?.get(target.index) : undefined;
  let allowedBy = byTarget ? base.allowedBy.map(own) : base.allowedBy;
  if (
    targetCitation !== undefined &&
    !allowedBy.some((c) => c.policy === targetCitation.policy && c.statement === targetCitation.statement)
  ) {
    allowedBy = allowedBy.concat(targetCitation);
  }
  const baseConditions = byTarget ? base.conditions?.map((c) => ({ ...c, ...own(c) })) : base.conditions;
  const conditions = targetConditions === undefined ? baseConditions : mergeConditions([baseConditions ?? [], targetConditions]);
  // The target's trust statement is cited first when only SCPs and RCPs were (as it would be among the citations).
  const orgOnly = base.policy === 'unknown' || base.policy.startsWith('scp[') || base.policy.startsWith('rcp[');
  const primary = orgOnly && targetCitation !== undefined ? targetCitation : own({ policy: base.policy, statement: base.statement });
  return {
    to,
    via: base.via,
    policy: primary.policy,
    statement: primary.statement,
    effect: base.effect,
    escalation: base.escalation,
    allowedBy,
    conditions: conditions !== undefined && conditions.length > 0 ? conditions : undefined,
    grantId: base.grantId,
  };
}

/** Every statement a step cites, each once, and the one cited first. */
function stepCitations(spec: StepSpec, to: string): { allowedBy: readonly StatementCitation[]; primary: StatementCitation | undefined } {
  const only = spec.verdicts.length === 1 && spec.citations === undefined ? spec.verdicts[0] : undefined;
  let allowedBy: readonly StatementCitation[];
  let primary: StatementCitation | undefined;
  if (only !== undefined) {
    // The verdict's own list, shared rather than copied.
    ({ allowedBy, identity: primary } = verdictCitations(only, to));
  } else {
    const merged: StatementCitation[] = [];
    for (const v of spec.verdicts) {
      const cited = verdictCitations(v, to);
      for (const c of cited.allowedBy) addCitation(merged, c);
      primary ??= cited.identity;
    }
    for (const c of spec.citations ?? []) addCitation(merged, c);
    allowedBy = merged.slice();
  }
  primary ??= allowedBy.find((c) => !c.policy.startsWith('scp[') && !c.policy.startsWith('rcp[')) ?? allowedBy[0];
  return { allowedBy, primary };
}

function buildTemplate(spec: StepSpec, to: string): StepTemplate {
  const { allowedBy, primary } = stepCitations(spec, to);
  const undecided = spec.verdicts.some((v) => v.decision.unknownConditions.length > 0) || (spec.conditions?.length ?? 0) > 0;
  return {
    to,
    via: spec.via,
    policy: primary?.policy ?? 'unknown',
    statement: primary?.statement ?? 0,
    effect: spec.effect,
    escalation: spec.escalation,
    allowedBy,
    // Undecided tests always yield at least one condition.
    conditions: undecided ? mergeConditions([...spec.verdicts.map((v) => conditionsOf(v, to)), spec.conditions ?? []]) : undefined,
    grantId: spec.grantId,
  };
}

/** A report object being assembled: its optional fields are set one by one, in the order the JSON shows them. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A witness step: the template with its performer, without the fields the template lacks, in the
 * order the JSON shows them. Built from whole literals (the rare fields set after): spreading
 * optional fields in takes a slow path, and a large report holds tens of thousands of steps.
 */
export function materialize(step: StepTemplate, from: string): WitnessStep {
  const { to, via, policy, statement, effect, escalation, allowedBy } = step;
  const out: Writable<WitnessStep> =
    escalation !== undefined
      ? { from, to, via, policy, statement, effect, escalation, allowedBy }
      : { from, to, via, policy, statement, effect, allowedBy };
  if (step.conditions !== undefined) out.conditions = step.conditions;
  if (step.grantId !== undefined) out.grantId = step.grantId;
  return out;
}

/** Every undecidable condition along a path, once each. */
export function pathConditions(steps: readonly WitnessStep[]): ReachCondition[] {
  return mergeConditions(steps.map((s) => s.conditions ?? []));
}
