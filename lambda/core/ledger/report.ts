import type { ActionEvidence, CaseEvidence, Milestone } from './evidence.js';

/**
 * The evidence report of one case as a single self-contained HTML page, written for a
 * reader who is not an engineer: a summary first, then the HR event, the timeline, every
 * credential and key with its state before and after, the token checks, the ledger
 * verification, and the full ledger record as an appendix.
 *
 * The page loads nothing (no scripts, no external styles or fonts; a Content-Security-Policy
 * forbids it) and every value taken from the ledger is HTML-escaped: ledger data comes from
 * HR systems and AWS resource names, which an attacker may influence.
 */

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** A duration in words: `850 ms`, `14.2 s`, `3 min 12 s`, `2 h 5 min`, `3 d 4 h`. */
export const formatDuration = (ms: number): string => {
  const sign = ms < 0 ? '−' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  const s = abs / 1000;
  if (s < 60) return `${sign}${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${sign}${Math.floor(totalS / 60)} min ${totalS % 60} s`;
  const totalMin = Math.round(totalS / 60);
  if (totalMin < 1440) return `${sign}${Math.floor(totalMin / 60)} h ${totalMin % 60} min`;
  const totalH = Math.round(totalMin / 60);
  return `${sign}${Math.floor(totalH / 24)} d ${totalH % 24} h`;
};

const e = escapeHtml;

const time = (iso: string | undefined): string =>
  iso === undefined ? '<span class="muted">—</span>' : `<time datetime="${e(iso)}">${e(iso.replace('T', ' ').replace('Z', ' UTC'))}</time>`;

const json = (value: unknown): string => JSON.stringify(value, null, 2) ?? 'undefined';

/** Before/after state: a flat object as `key: value` lines, anything else as JSON. */
const state = (value: unknown): string => {
  if (value === undefined) return '<span class="muted">not recorded</span>';
  if (typeof value === 'string') return e(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const rows = Object.entries(value as Record<string, unknown>);
    if (rows.every(([, v]) => typeof v !== 'object' || v === null)) {
      return rows.map(([k, v]) => `<div><span class="k">${e(k)}:</span> ${e(String(v))}</div>`).join('');
    }
  }
  return `<pre>${e(json(value))}</pre>`;
};

const OUTCOME_LABEL: Record<ActionEvidence['outcome'], string> = {
  succeeded: 'Succeeded',
  failed: 'FAILED',
  started: 'Started, not finished',
  deferred: 'Scheduled',
  planned: 'Planned, not run',
};

const STATE_LABEL: Record<Milestone['state'], string> = {
  done: 'Done',
  incomplete: 'Not complete',
  'not-applicable': 'Not needed',
};

/** Flattens nested objects into `detail.email`-style rows; arrays stay JSON. */
const flatten = (value: Record<string, unknown>, prefix = ''): [string, unknown][] =>
  Object.entries(value).flatMap(([k, v]): [string, unknown][] =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? flatten(v as Record<string, unknown>, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v]],
  );

const renderHrEvent = (event: unknown): string => {
  if (event === undefined) return '<p class="bad">The ledger holds no HR event for this case.</p>';
  if (typeof event === 'object' && event !== null && !Array.isArray(event)) {
    const rows = flatten(event as Record<string, unknown>)
      .map(
        ([k, v]) =>
          `<tr><th scope="row">${e(k)}</th><td>${typeof v === 'object' && v !== null ? `<pre>${e(json(v))}</pre>` : e(String(v))}</td></tr>`,
      )
      .join('');
    return `<table class="kv">${rows}</table>`;
  }
  return `<pre>${e(json(event))}</pre>`;
};

const renderTimeline = (evidence: CaseEvidence): string => {
  const origin = evidence.milestones.find((m) => m.key === 'event')?.at ?? evidence.milestones.find((m) => m.key === 'received')?.at;
  const rows = evidence.milestones
    .map((m) => {
      const offset =
        m.at !== undefined && origin !== undefined && m.key !== 'verified'
          ? `+${formatDuration(Date.parse(m.at) - Date.parse(origin))}`
          : '';
      return `<li class="milestone ${m.state}" data-milestone="${e(m.key)}"><span class="label">${e(m.label)}</span> <span class="state">${e(STATE_LABEL[m.state])}</span> ${time(m.at)} <span class="offset">${e(offset)}</span><div class="note">${e(m.note)}</div></li>`;
    })
    .join('');
  return `<ol class="timeline">${rows}</ol>`;
};

const renderResources = (evidence: CaseEvidence): string => {
  if (evidence.resources.length === 0) return '<p>No credential or key was acted on.</p>';
  const rows = evidence.resources
    .flatMap((resource) =>
      resource.actions.map(
        (a, index) => `<tr class="${a.outcome}">
${index === 0 ? `<td rowspan="${resource.actions.length}" class="resource"><code>${e(resource.resource)}</code></td>` : ''}
<td>${e(a.actionType)}${a.target !== '' && a.target !== resource.resource ? `<div>on <code>${e(a.target)}</code></div>` : ''}<div class="muted">${e(a.category)} · ${e(a.actionId)}</div></td>
<td>${state(a.before)}</td>
<td>${state(a.after)}</td>
<td>${e(OUTCOME_LABEL[a.outcome])}${a.dueAt === undefined ? '' : `<div class="muted">due ${time(a.dueAt)}</div>`}${a.error === undefined ? '' : `<div class="bad">${state(a.error)}</div>`}</td>
<td>${time(a.finishedAt ?? a.startedAt)}${a.durationMs === undefined ? '' : `<div class="muted">took ${e(formatDuration(a.durationMs))}</div>`}${a.requestIds === undefined || a.requestIds.length === 0 ? '' : `<div class="muted">request ${a.requestIds.map((r) => e(r)).join(', ')}</div>`}</td>
</tr>`,
      ),
    )
    .join('');
  return `<table class="grid"><thead><tr><th>Credential or key</th><th>Action</th><th>Before</th><th>After</th><th>Outcome</th><th>When</th></tr></thead><tbody>${rows}</tbody></table>`;
};

const renderTokenChecks = (evidence: CaseEvidence): string => {
  if (evidence.tokenChecks.length === 0) return '<p>No token was checked.</p>';
  const rows = evidence.tokenChecks
    .map(
      (t) =>
        `<tr class="${t.outcome === 'rejected' ? 'succeeded' : 'failed'}"><td><code>${e(t.kid)}</code></td><td><code>${e(t.keyArn)}</code></td><td>${e(t.outcome)}${t.code === undefined ? '' : ` (${e(t.code)})`}</td><td>${time(t.at)}</td></tr>`,
    )
    .join('');
  return `<table class="grid"><thead><tr><th>Key id (kid)</th><th>Key</th><th>Outcome</th><th>When</th></tr></thead><tbody>${rows}</tbody></table>`;
};

const renderVerification = (evidence: CaseEvidence): string => {
  const v = evidence.verification;
  const verdict = v.ok
    ? '<p class="good verdict">Intact: every entry of this case is unaltered, in order and complete as far as the ledger can prove.</p>'
    : '<p class="bad verdict">FAILED: the ledger record of this case has been tampered with or damaged.</p>';
  const digest =
    v.lastDigest === undefined
      ? '<p>No signed digest exists yet, so deletion of the whole case could not be detected.</p>'
      : `<p>Last signed digest: number ${v.lastDigest.seq}, made ${time(v.lastDigest.at)}.</p>`;
  const findings =
    v.findings.length === 0
      ? '<p>No findings.</p>'
      : `<ul class="findings">${v.findings.map((f) => `<li class="${f.severity}"><code>${e(f.code)}</code> ${e(f.message)}</li>`).join('')}</ul>`;
  return `${verdict}<p>${v.entriesChecked} entries and ${v.digestsChecked} digests checked.</p>${digest}${findings}`;
};

const renderEntries = (evidence: CaseEvidence): string => {
  const rows = evidence.entries
    .map(
      (entry) =>
        `<tr><td>${entry.seq}</td><td>${time(entry.at)}</td><td>${e(entry.type)}</td><td>${entry.resourceArn === undefined ? '' : `<code>${e(entry.resourceArn)}</code>`}</td><td>${e(entry.actor.function)}<div class="muted">${e(entry.actor.requestId)}</div></td><td><details><summary>data</summary><pre>${e(json(entry.data))}</pre></details></td><td><code class="hash">${e(entry.hash)}</code></td></tr>`,
    )
    .join('');
  return `<table class="grid entries"><thead><tr><th>Seq</th><th>At</th><th>Type</th><th>Resource</th><th>Written by</th><th>Data</th><th>Hash</th></tr></thead><tbody>${rows}</tbody></table>`;
};

const summary = (evidence: CaseEvidence): string => {
  const lines: string[] = [];
  lines.push(
    evidence.timeToContainMs === undefined
      ? 'Access was <strong>not fully cut off</strong>.'
      : `Access was cut off <strong>${e(formatDuration(evidence.timeToContainMs))}</strong> after the HR event.`,
  );
  lines.push(
    evidence.timeToRevokeMs === undefined
      ? 'Revocation is <strong>not complete</strong>.'
      : `Everything was revoked <strong>${e(formatDuration(evidence.timeToRevokeMs))}</strong> after the HR event.`,
  );
  const keys = evidence.resources.length;
  lines.push(`${keys} credential${keys === 1 ? '' : 's'} and key${keys === 1 ? '' : 's'} acted on.`);
  lines.push(
    evidence.verification.ok ? 'The ledger record is <strong>intact</strong>.' : 'The ledger record <strong>FAILED verification</strong>.',
  );
  const concerns =
    evidence.concerns.length === 0
      ? '<p class="good">Nothing needs attention.</p>'
      : `<h3>Needs attention</h3><ul class="concerns">${evidence.concerns.map((c) => `<li>${e(c)}</li>`).join('')}</ul>`;
  return `<ul class="summary">${lines.map((l) => `<li>${l}</li>`).join('')}</ul>${concerns}`;
};

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;max-width:1100px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
.muted{color:#57606a;font-size:.85em}.good{color:#116329}.bad{color:#a40e26;font-weight:600}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid #d0d7de}
table.kv th{width:14rem;font-weight:600}pre{margin:0;white-space:pre-wrap;word-break:break-word;font-size:.85em}
code{font-size:.85em;word-break:break-all}.hash{font-size:.7em}td.resource{min-width:14rem}
tr.failed td,tr.started td,tr.planned td{background:#ffebe9}tr.deferred td{background:#fff8c5}
.timeline{list-style:none;padding:0}.milestone{border-left:4px solid #d0d7de;padding:.3rem .8rem;margin:.3rem 0}
.milestone.done{border-color:#2da44e}.milestone.incomplete{border-color:#cf222e}.milestone .label{font-weight:600;display:inline-block;min-width:9rem}
.milestone .state{display:inline-block;min-width:7rem}.milestone .note{color:#57606a;font-size:.9em}
.verdict{font-size:1.1em}.findings li.error{color:#a40e26}.findings li.warning{color:#9a6700}
.metrics{display:flex;gap:2rem}.metric{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem}.metric b{display:block;font-size:1.4rem}
@media print{details{display:block}details>summary{display:none}}
`;

/**
 * Renders the evidence of one case as a self-contained HTML document.
 *
 * @example
 * ```ts
 * const evidence = buildCaseEvidence(entries, await verifyLedger(audit, { verifier, caseIds: [caseId] }), new Date());
 * await writeFile('case.html', renderEvidenceReport(evidence));
 * ```
 */
export const renderEvidenceReport = (evidence: CaseEvidence): string => {
  const metric = (label: string, ms: number | undefined): string =>
    `<div class="metric" data-metric="${e(label)}">${e(label)}<b>${ms === undefined ? 'not complete' : e(formatDuration(ms))}</b></div>`;
  const principals =
    evidence.principals.length === 0
      ? ''
      : `<p>AWS identities of this person: ${evidence.principals.map((p) => `<code>${e(p)}</code>`).join(', ')}</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Revocation evidence — case ${e(evidence.caseId)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Revocation evidence — case <code>${e(evidence.caseId)}</code></h1>
<p>Employee <strong>${e(evidence.employeeId)}</strong>${evidence.closedStatus === undefined ? ' · case still open' : ` · case closed: ${e(evidence.closedStatus)}`} · report generated ${time(evidence.generatedAt)}</p>
</header>
<section id="summary"><h2>Summary</h2>
<div class="metrics">${metric('Time to contain', evidence.timeToContainMs)}${metric('Time to revoke', evidence.timeToRevokeMs)}</div>
${summary(evidence)}
<p class="muted">Time to contain runs from the HR event (or its receipt, when the event states no time) until every credential and session of the person was cut off. Time to revoke runs to the last of containment, key rotation and token invalidation.</p>
</section>
<section id="hr-event"><h2>What HR reported</h2>${renderHrEvent(evidence.hrEvent)}${principals}</section>
<section id="timeline"><h2>Timeline</h2>${renderTimeline(evidence)}</section>
<section id="credentials"><h2>Credentials and keys</h2>${renderResources(evidence)}</section>
<section id="tokens"><h2>Token checks</h2>${renderTokenChecks(evidence)}</section>
<section id="verification"><h2>Ledger verification</h2>${renderVerification(evidence)}</section>
<section id="record"><h2>Full ledger record</h2>${renderEntries(evidence)}</section>
</body>
</html>
`;
};
