import type { InventoryEntry, ReachCondition, ReachEntry, ReachReport, WitnessStep } from './types.js';

/**
 * Plain-text renderings of reach reports for a person at a terminal: who the employee is in AWS,
 * what signing material they could reach, and why (each hop with the statement that allows it).
 */

/** `arn:aws:iam::1:role/ops/deploy` → `role/ops/deploy`; anything that is not an ARN is returned as is. */
export function shortArn(arn: string): string {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' ? parts.slice(5).join(':') : arn;
}

const cite = (policy: string, statement: string | number): string =>
  `${shortArn(policy)} ${typeof statement === 'number' ? `statement #${statement}` : `"${statement}"`}`;

/** One hop, as a sentence. */
export function describeStep(step: WitnessStep): string {
  const from = shortArn(step.from);
  const to = shortArn(step.to);
  const technique = step.escalation !== undefined ? ` [${step.escalation}]` : '';
  let text: string;
  switch (step.effect) {
    case 'become':
      text = `${from} becomes ${to} via ${step.via}`;
      break;
    case 'escalate':
      text = `${from} rewrites ${to} to allow everything via ${step.via}`;
      break;
    case 'remove-boundary':
      text = `${from} lifts the permissions boundary of ${to} via ${step.via}`;
      break;
    case 'join-group':
      text = `${from} adds its user to group ${to} via ${step.via}`;
      break;
    case 'choose-tags':
      text = `${from} chooses the principal tags of ${to} via ${step.via}`;
      break;
    case 'choose-resource-tags':
      text = `${from} chooses the resource tags of ${to} via ${step.via}`;
      break;
    case 'access':
      text =
        step.grantId !== undefined && step.via === 'kms-grant'
          ? `${from} uses grant ${step.grantId} on ${to}`
          : `${from} calls ${step.via} on ${to}`;
      break;
  }
  return `${text}${technique} — allowed by ${cite(step.policy, step.statement)}`;
}

/** One undecidable test, as text. */
export function describeCondition(c: ReachCondition): string {
  if (c.policy === 'sever:assumption') return `assumes ${c.values.join(', ')} (${c.statement})`;
  return `${c.operator} ${c.key} ${JSON.stringify(c.values)} in ${cite(c.policy, c.statement)}`;
}

function entryLine(e: ReachEntry): string {
  const label = e.aliases !== undefined && e.aliases.length > 0 ? ` (${e.aliases.join(', ')})` : e.name !== undefined ? ` (${e.name})` : '';
  const flags = [e.conditional ? 'CONDITIONAL' : '', e.grants !== undefined ? `grant ${e.grants.join(', ')}` : ''].filter((f) => f !== '');
  return `${e.access.toUpperCase().padEnd(8)}${e.kind.padEnd(14)}${e.resourceArn}${label}${flags.length > 0 ? `  [${flags.join('; ')}]` : ''}`;
}

/**
 * The report of `sever plan` for people. Every piece of signing material is listed with its first
 * witness path; the principals the employee can act as are listed up to `maxPrincipals` (default 50).
 *
 * @example
 * ```ts
 * console.log(formatReachReport(computeReach(snapshot, 'E-1042')));
 * ```
 */
export function formatReachReport(report: ReachReport, options: { readonly maxPrincipals?: number } = {}): string {
  const maxPrincipals = options.maxPrincipals ?? 50;
  const lines: string[] = [];
  lines.push(`Reach of employee ${report.employeeId} in account ${report.accountId}`);
  lines.push(`Own principals (${report.principals.length}):`);
  for (const p of report.principals) lines.push(`  ${p}`);
  const others = report.reachablePrincipals.filter(
    (p) => !report.principals.includes(p.arn) || p.escalated || p.boundaryRemoved || p.tagsChosen,
  );
  lines.push(`Can act as (${others.length} principal${others.length === 1 ? '' : 's'} besides their own):`);
  for (const p of others.slice(0, maxPrincipals)) {
    const flags = [
      p.escalated ? 'can make it allow everything' : '',
      p.boundaryRemoved ? 'can lift its boundary' : '',
      p.tagsChosen ? 'can choose its tags' : '',
      p.conditional ? 'conditional' : '',
    ]
      .filter((f) => f !== '')
      .join('; ');
    const how = p.path.length === 0 ? 'own principal' : `${p.path.length} step${p.path.length === 1 ? '' : 's'}`;
    lines.push(`  ${shortArn(p.arn).padEnd(40)} ${how}${flags !== '' ? `  [${flags}]` : ''}`);
  }
  if (others.length > maxPrincipals) lines.push(`  … ${others.length - maxPrincipals} more (--json lists them all, each with its path)`);
  const conditional = report.reach.filter((r) => r.conditional).length;
  const distinct = new Set(report.reach.map((r) => r.resourceArn)).size;
  lines.push(
    distinct === 0
      ? 'Signing material: none reachable.'
      : `Signing material: ${distinct} reachable (${report.reach.length} accesses, ${conditional} conditional):`,
  );
  for (const entry of report.reach) {
    lines.push(`  ${entryLine(entry)}`);
    const path = entry.paths[0] ?? [];
    path.forEach((step, i) => {
      lines.push(`      ${i + 1}. ${describeStep(step)}`);
    });
    if (entry.paths.length > 1) lines.push(`      (${entry.paths.length - 1} more path${entry.paths.length === 2 ? '' : 's'} in --json)`);
    for (const c of entry.conditions ?? []) lines.push(`      if: ${describeCondition(c)}`);
  }
  if (report.warnings.length > 0) {
    lines.push('Warnings:');
    for (const w of report.warnings) lines.push(`  - ${w}`);
  }
  return lines.join('\n');
}

/**
 * The table of `sever inventory` for people: largest blast radius first.
 *
 * @example
 * ```ts
 * console.log(formatInventory(computeInventory(snapshot)));
 * ```
 */
export function formatInventory(entries: readonly InventoryEntry[]): string {
  const reaching = entries.filter((e) => e.signingKeys > 0).length;
  const lines = [
    `Standing blast radius: ${entries.length} human principal${entries.length === 1 ? '' : 's'}, ${reaching} reach signing material`,
    `${'KEYS'.padStart(6)}${'UNCOND'.padStart(8)}${'USE'.padStart(6)}${'CTRL'.padStart(6)}${'ACTS AS'.padStart(9)}  ${'ADMIN'.padEnd(6)}${'EMPLOYEE'.padEnd(14)}PRINCIPAL`,
  ];
  for (const e of entries) {
    lines.push(
      `${String(e.signingKeys).padStart(6)}${String(e.unconditionalSigningKeys).padStart(8)}${String(e.use).padStart(6)}${String(e.control).padStart(6)}${String(e.reachablePrincipals).padStart(9)}  ${(e.escalatesToAdmin ? 'yes' : 'no').padEnd(6)}${e.employeeId.padEnd(14)}${shortArn(e.principalArn)}`,
    );
  }
  return lines.join('\n');
}
