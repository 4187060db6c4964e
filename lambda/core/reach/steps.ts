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
  readonly targetTo?: ReadonlyMap<number, string>;
  readonly groupTo?: ReadonlyMap<number, string>;
  /** Per target principal: the statement of its trust policy that lets the service in. */
  readonly targetCitations?: ReadonlyMap<number, StatementCitation>;
  readonly targetConditions?: ReadonlyMap<number, readonly ReachCondition[]>;
}

/** A step with its citations, lacking only the performer. */
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

const citationOf = (ref: StatementRef, verdict: Verdict, to?: string): StatementCitation => {
  const projected = verdict.projected;
  const remap = projected !== undefined && (ref.policyKind === 'resource' || ref.policyKind === 'trust');
  const index = remap ? (projected.indexMap[ref.statementIndex] ?? ref.statementIndex) : ref.statementIndex;
  const resource =
    verdict.targetResourceSuffix !== undefined && to !== undefined ? `${to}${verdict.targetResourceSuffix}` : verdict.resource;
  return { policy: remap ? (resource ?? ref.policyId) : ref.policyId, statement: ref.sid ?? index };
};

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
    allowedBy = [...allowedBy, targetCitation];
  }
  const baseConditions = byTarget ? base.conditions?.map((c) => ({ ...c, ...own(c) })) : base.conditions;
  const conditions = targetConditions === undefined ? baseConditions : mergeConditions([baseConditions ?? [], targetConditions]);
  // The target's trust statement is cited first when only SCPs and RCPs were (as it would be among the citations).
  const orgOnly = base.policy === 'unknown' || base.policy.startsWith('scp[') || base.policy.startsWith('rcp[');
  const primary = orgOnly && targetCitation !== undefined ? targetCitation : own({ policy: base.policy, statement: base.statement });
  return {
    ...base,
    policy: primary.policy,
    statement: primary.statement,
    to,
    allowedBy,
    ...(conditions !== undefined && conditions.length > 0 ? { conditions } : {}),
  };
}

function buildTemplate(spec: StepSpec, to: string): StepTemplate {
  const allowedBy: StatementCitation[] = [];
  let primary: StatementCitation | undefined;
  // Lists are a handful long: a scan is cheaper than a set of keys.
  const add = (c: StatementCitation): void => {
    if (!allowedBy.some((x) => x.policy === c.policy && x.statement === c.statement)) allowedBy.push(c);
  };
  for (const v of spec.verdicts) {
    for (const ref of v.decision.allowedBy) {
      const c = citationOf(ref, v, to);
      add(c);
      if (primary === undefined && ref.policyKind === 'identity') primary = c;
    }
  }
  for (const c of spec.citations ?? []) add(c);
  primary ??= allowedBy.find((c) => !c.policy.startsWith('scp[') && !c.policy.startsWith('rcp[')) ?? allowedBy[0];
  const undecided = spec.verdicts.some((v) => v.decision.unknownConditions.length > 0) || (spec.conditions?.length ?? 0) > 0;
  const conditions = undecided ? mergeConditions([...spec.verdicts.map((v) => conditionsOf(v, to)), spec.conditions ?? []]) : [];
  return {
    to,
    via: spec.via,
    policy: primary?.policy ?? 'unknown',
    statement: primary?.statement ?? 0,
    effect: spec.effect,
    ...(spec.escalation !== undefined ? { escalation: spec.escalation } : {}),
    allowedBy,
    ...(conditions.length > 0 ? { conditions } : {}),
    ...(spec.grantId !== undefined ? { grantId: spec.grantId } : {}),
  };
}

/** A witness step: the template with its performer. */
export function materialize(step: StepTemplate, from: string): WitnessStep {
  return {
    from,
    to: step.to,
    via: step.via,
    policy: step.policy,
    statement: step.statement,
    effect: step.effect,
    ...(step.escalation !== undefined ? { escalation: step.escalation } : {}),
    allowedBy: step.allowedBy,
    ...(step.conditions !== undefined ? { conditions: step.conditions } : {}),
    ...(step.grantId !== undefined ? { grantId: step.grantId } : {}),
  };
}

/** Every undecidable condition along a path, once each. */
export function pathConditions(steps: readonly WitnessStep[]): ReachCondition[] {
  return mergeConditions(steps.map((s) => s.conditions ?? []));
}
