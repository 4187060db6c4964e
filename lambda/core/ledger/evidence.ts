import type { LedgerEntry } from './types.js';
import type { VerificationReport } from './verify.js';

/**
 * The facts of one case as an auditor reads them, derived from its ledger entries: what HR
 * said, when each stage finished, how long containment and revocation took, and what
 * happened to every credential and key. `report.ts` renders it; nothing here is HTML.
 */

/** How an action contributes to the case: cutting the person off, or making keys they knew useless. */
export type ActionCategory = 'containment' | 'rotation' | 'other';

export type ActionOutcome = 'succeeded' | 'failed' | 'started' | 'deferred' | 'planned';

export interface ActionEvidence {
  readonly actionId: string;
  readonly actionType: string;
  readonly category: ActionCategory;
  readonly target: string;
  readonly resourceArn?: string;
  readonly outcome: ActionOutcome;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly dueAt?: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly requestIds?: readonly string[];
  readonly durationMs?: number;
  readonly error?: unknown;
}

/** One credential or key and everything done to it. */
export interface ResourceEvidence {
  /** The resource ARN, or the action target when no ARN was recorded. */
  readonly resource: string;
  readonly actions: readonly ActionEvidence[];
}

export type MilestoneKey = 'event' | 'received' | 'contained' | 'rotated' | 'tokens-invalid' | 'verified';

export interface Milestone {
  readonly key: MilestoneKey;
  readonly label: string;
  /** When the stage finished; absent when it did not (see `note`). */
  readonly at?: string;
  /** Why there is no time, or what the time means. */
  readonly note: string;
  /** `incomplete` when the stage applies but did not finish; `not-applicable` when nothing of its kind was planned. */
  readonly state: 'done' | 'incomplete' | 'not-applicable';
}

export interface TokenCheckEvidence {
  readonly at: string;
  readonly kid: string;
  readonly keyArn: string;
  readonly outcome: string;
  readonly code?: string;
}

export interface CaseEvidence {
  readonly caseId: string;
  readonly employeeId: string;
  readonly generatedAt: string;
  /** The HR event as received, verbatim. */
  readonly hrEvent?: unknown;
  readonly principals: readonly string[];
  readonly milestones: readonly Milestone[];
  /** From the HR event (or receipt when the event states no time) to the end of containment. */
  readonly timeToContainMs?: number;
  /** From the same start to the last of containment, rotation and token invalidation. */
  readonly timeToRevokeMs?: number;
  readonly resources: readonly ResourceEvidence[];
  readonly tokenChecks: readonly TokenCheckEvidence[];
  readonly closedStatus?: string;
  /** Plain-language problems an auditor must look at (failed actions, accepted tokens …). */
  readonly concerns: readonly string[];
  readonly verification: VerificationReport;
  readonly entries: readonly LedgerEntry[];
}

const CONTAINMENT_TYPES = new Set([
  'attach-quarantine-policy',
  'revoke-grant',
  'deactivate-access-key',
  'delete-access-key',
  'delete-login-profile',
  'deny-role-sessions',
  'revoke-sessions',
  'deactivate-mfa-device',
  'delete-ssh-public-key',
  'delete-service-specific-credential',
  'delete-signing-certificate',
  'remove-user-from-group',
  'detach-user-policy',
  'attach-deny-policy',
]);

const ROTATION_TYPES = new Set([
  'create-replacement-key',
  'move-alias',
  'disable-key',
  'schedule-key-deletion',
  'rotate-secret',
  'rotate-parameter',
  'publish-public-key',
  'unpublish-public-key',
  'revoke-key-id',
  'revoke-subject',
]);

/**
 * Classifies an action type. Types the ledger does not know yet are classified by their
 * wording so a new action still lands in the right stage; anything else is `other` and
 * counts towards no milestone.
 */
export const categorize = (actionType: string): ActionCategory => {
  if (CONTAINMENT_TYPES.has(actionType)) return 'containment';
  if (ROTATION_TYPES.has(actionType)) return 'rotation';
  if (/access-key|login|session|credential|mfa|ssh|certificate|deny/.test(actionType)) return 'containment';
  if (/rotate|key|alias|secret|parameter|jwks|token/.test(actionType)) return 'rotation';
  return 'other';
};

/** Fields an HR event may state its effective time in, most specific first. */
const EVENT_TIME_FIELDS = [
  'effectiveAt',
  'terminatedAt',
  'terminationTime',
  'terminationDate',
  'occurredAt',
  'eventTime',
  'time',
  'timestamp',
];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const validTime = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

/** The effective time an HR event states, looking in the event and in an EventBridge `detail`. */
const eventTime = (event: unknown): string | undefined => {
  const candidates = isRecord(event) ? [isRecord(event.detail) ? event.detail : {}, event] : [];
  // Field priority beats nesting: `detail.effectiveAt` wins over EventBridge's own `time`.
  for (const field of EVENT_TIME_FIELDS) {
    for (const candidate of candidates) {
      const time = validTime(candidate[field]);
      if (time !== undefined) return time;
    }
  }
  return undefined;
};

const latest = (times: readonly (string | undefined)[]): string | undefined => {
  const defined = times.filter((t): t is string => t !== undefined);
  return defined.length === 0 ? undefined : defined.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
};

const between = (from: string | undefined, to: string | undefined): number | undefined =>
  from === undefined || to === undefined ? undefined : Date.parse(to) - Date.parse(from);

interface MutableAction {
  actionId: string;
  actionType: string;
  target: string;
  resourceArn?: string;
  outcome: ActionOutcome;
  startedAt?: string;
  finishedAt?: string;
  dueAt?: string;
  before?: unknown;
  after?: unknown;
  requestIds?: string[];
  durationMs?: number;
  error?: unknown;
}

/**
 * Derives the evidence of one case from its entries (in seq order) and its verification.
 *
 * @example
 * ```ts
 * const evidence = buildCaseEvidence(entries, report, clock.now());
 * const html = renderEvidenceReport(evidence);
 * ```
 */
export const buildCaseEvidence = (entries: readonly LedgerEntry[], verification: VerificationReport, generatedAt: Date): CaseEvidence => {
  const ordered = [...entries].sort((a, b) => a.seq - b.seq);
  const first = ordered[0];
  const opened = ordered.find((e) => e.type === 'case-opened');
  const hrEvent = opened?.data.event;
  const receivedAt = validTime(opened?.data.receivedAt) ?? opened?.at ?? first?.at;
  const startAt = eventTime(hrEvent);

  const principals = new Set<string>();
  const actions = new Map<string, MutableAction>();
  const deferred = new Set<string>();
  const tokenChecks: TokenCheckEvidence[] = [];
  let closedStatus: string | undefined;

  const actionFor = (id: string, type: string, target: string): MutableAction => {
    let action = actions.get(id);
    if (action === undefined) {
      action = { actionId: id, actionType: type, target, outcome: 'planned' };
      actions.set(id, action);
    }
    return action;
  };

  for (const entry of ordered) {
    const data = entry.data;
    switch (entry.type) {
      case 'identity-resolved':
        for (const arn of Array.isArray(data.principals) ? data.principals : []) if (typeof arn === 'string') principals.add(arn);
        break;
      case 'plan-made': {
        // Either `{ actions: [...] }` or the whole plan, `{ plan: { steps: [...] } }`.
        const plan = isRecord(data.plan) ? data.plan : {};
        const plannedList: unknown[] = Array.isArray(data.actions) ? data.actions : Array.isArray(plan.steps) ? plan.steps : [];
        for (const planned of plannedList) {
          if (!isRecord(planned)) continue;
          const id = asString(planned.id);
          if (id === undefined) continue;
          actionFor(id, asString(planned.type) ?? 'unknown', asString(planned.target) ?? '');
        }
        break;
      }
      case 'action-started':
      case 'action-succeeded':
      case 'action-failed': {
        const id = asString(data.actionId) ?? `${entry.type}#${entry.seq}`;
        const action = actionFor(id, asString(data.actionType) ?? 'unknown', asString(data.target) ?? entry.resourceArn ?? '');
        if (asString(data.actionType) !== undefined) action.actionType = data.actionType as string;
        if (asString(data.target) !== undefined) action.target = data.target as string;
        if (entry.resourceArn !== undefined) action.resourceArn = entry.resourceArn;
        if (data.before !== undefined) action.before = data.before;
        if (data.after !== undefined) action.after = data.after;
        if (Array.isArray(data.requestIds)) action.requestIds = data.requestIds.filter((r): r is string => typeof r === 'string');
        if (typeof data.durationMs === 'number') action.durationMs = data.durationMs;
        if (entry.type === 'action-started') {
          action.startedAt ??= entry.at;
          if (action.outcome === 'planned' || action.outcome === 'deferred') action.outcome = 'started';
        } else {
          action.finishedAt = entry.at;
          action.outcome = entry.type === 'action-succeeded' ? 'succeeded' : 'failed';
          if (entry.type === 'action-failed') action.error = data.error;
          else delete action.error;
        }
        break;
      }
      case 'step-deferred': {
        const id = asString(data.actionId);
        if (id === undefined) break;
        deferred.add(id);
        const action = actions.get(id) ?? actionFor(id, 'unknown', entry.resourceArn ?? '');
        const dueAt = asString(data.dueAt);
        if (dueAt !== undefined) action.dueAt = dueAt;
        if (action.outcome === 'planned') action.outcome = 'deferred';
        break;
      }
      case 'token-check':
        tokenChecks.push({
          at: entry.at,
          kid: asString(data.kid) ?? '',
          keyArn: asString(data.keyArn) ?? entry.resourceArn ?? '',
          outcome: asString(data.outcome) ?? 'unknown',
          ...(asString(data.code) === undefined ? {} : { code: data.code as string }),
        });
        break;
      case 'case-closed':
        closedStatus = asString(data.status);
        break;
      default:
        break;
    }
  }

  const all = [...actions.values()];
  const concerns: string[] = [];
  const stage = (category: ActionCategory): { at?: string; state: Milestone['state']; pending: MutableAction[] } => {
    // Deferred steps (a key deletion due after a grace period) are listed with their due
    // date; they neither hold back nor stretch the stage they belong to.
    const relevant = all.filter((a) => categorize(a.actionType) === category && !deferred.has(a.actionId));
    if (relevant.length === 0) return { state: 'not-applicable', pending: [] };
    const pending = relevant.filter((a) => a.outcome !== 'succeeded');
    if (pending.length > 0) return { state: 'incomplete', pending };
    const at = latest(relevant.map((a) => a.finishedAt));
    return at === undefined ? { state: 'incomplete', pending } : { at, state: 'done', pending };
  };
  const containment = stage('containment');
  const rotation = stage('rotation');

  for (const action of all) {
    if (action.outcome === 'failed') concerns.push(`Action ${action.actionId} (${action.actionType} on ${action.target}) failed.`);
    else if (action.outcome === 'started')
      concerns.push(`Action ${action.actionId} (${action.actionType} on ${action.target}) started but never finished.`);
    else if (action.outcome === 'planned' && !deferred.has(action.actionId))
      concerns.push(`Action ${action.actionId} (${action.actionType} on ${action.target}) was planned but never run.`);
  }
  const accepted = tokenChecks.filter((t) => t.outcome !== 'rejected');
  for (const check of accepted) concerns.push(`A token signed by ${check.kid || check.keyArn} was still ${check.outcome} at ${check.at}.`);
  if (!verification.ok) concerns.push('The ledger failed verification: the record of this case cannot be relied on as is.');

  const tokensInvalid: Pick<Milestone, 'at' | 'state' | 'note'> =
    tokenChecks.length === 0
      ? { state: rotation.state === 'not-applicable' ? 'not-applicable' : 'incomplete', note: 'No token was checked after rotation.' }
      : accepted.length > 0
        ? { state: 'incomplete', note: `${accepted.length} of ${tokenChecks.length} token checks still accepted a token.` }
        : {
            at: latest(tokenChecks.map((t) => t.at)) as string,
            state: 'done',
            note: `All ${tokenChecks.length} token checks were rejected.`,
          };

  const noteFor = (s: ReturnType<typeof stage>, done: string, what: string): string =>
    s.state === 'done'
      ? done
      : s.state === 'not-applicable'
        ? `No ${what} action was needed.`
        : `${s.pending.length} ${what} action(s) did not succeed: ${s.pending.map((a) => a.actionId).join(', ')}.`;

  const milestones: Milestone[] = [
    {
      key: 'event',
      label: 'HR event',
      ...(startAt === undefined ? {} : { at: startAt }),
      state: startAt === undefined ? 'incomplete' : 'done',
      note: startAt === undefined ? 'The HR event states no time; durations count from receipt.' : 'When HR says the employment ended.',
    },
    {
      key: 'received',
      label: 'Received',
      ...(receivedAt === undefined ? {} : { at: receivedAt }),
      state: receivedAt === undefined ? 'incomplete' : 'done',
      note: 'When Sever received the HR event.',
    },
    {
      key: 'contained',
      label: 'Contained',
      ...(containment.at === undefined ? {} : { at: containment.at }),
      state: containment.state,
      note: noteFor(containment, 'Every credential and session of the person was cut off.', 'containment'),
    },
    {
      key: 'rotated',
      label: 'Keys rotated',
      ...(rotation.at === undefined ? {} : { at: rotation.at }),
      state: rotation.state,
      note: noteFor(rotation, 'Every key the person could reach was replaced.', 'rotation'),
    },
    { key: 'tokens-invalid', label: 'Tokens invalid', ...tokensInvalid },
    {
      key: 'verified',
      label: 'Ledger verified',
      at: generatedAt.toISOString(),
      state: verification.ok ? 'done' : 'incomplete',
      note: verification.ok ? 'The ledger record of this case is intact.' : 'The ledger record of this case failed verification.',
    },
  ];

  const origin = startAt ?? receivedAt;
  const timeToContainMs = containment.state === 'done' ? between(origin, containment.at) : undefined;
  const revokeStages = [containment, rotation, { ...tokensInvalid, pending: [] }];
  const timeToRevokeMs =
    revokeStages.some((s) => s.state === 'incomplete') || revokeStages.every((s) => s.state === 'not-applicable')
      ? undefined
      : between(origin, latest(revokeStages.map((s) => s.at)));

  const byResource = new Map<string, ActionEvidence[]>();
  for (const action of all) {
    const resource = action.resourceArn ?? action.target;
    const list = byResource.get(resource) ?? [];
    list.push({ ...action, category: categorize(action.actionType) });
    byResource.set(resource, list);
  }

  return {
    caseId: first?.caseId ?? '',
    employeeId: first?.employeeId ?? '',
    generatedAt: generatedAt.toISOString(),
    ...(hrEvent === undefined ? {} : { hrEvent }),
    principals: [...principals],
    milestones,
    ...(timeToContainMs === undefined ? {} : { timeToContainMs }),
    ...(timeToRevokeMs === undefined ? {} : { timeToRevokeMs }),
    resources: [...byResource.entries()].map(([resource, list]) => ({ resource, actions: list })),
    tokenChecks,
    ...(closedStatus === undefined ? {} : { closedStatus }),
    concerns,
    verification,
    entries: ordered,
  };
};
