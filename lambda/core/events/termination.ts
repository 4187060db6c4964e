import { z } from 'zod';

/** How the engineer left. `hostile` removes every grace window. */
export type TerminationType = 'voluntary' | 'involuntary' | 'hostile';

const isoTimestamp = z.iso.datetime({ offset: true });

// Unknown detail fields are allowed: HR systems add fields, and the ledger keeps the event verbatim.
const terminationDetail = z.object({
  eventId: z.string().min(1).max(256),
  employeeId: z.string().min(1).max(128),
  email: z.email(),
  effectiveAt: isoTimestamp,
  terminationType: z.enum(['voluntary', 'involuntary', 'hostile']),
  reason: z.string().max(2000).optional(),
  initiatedBy: z.string().max(256).optional(),
});

const terminationEvent = z.object({
  version: z.string().optional(),
  id: z.string().optional(),
  source: z.string().regex(/^hr\.[a-z0-9][a-z0-9._-]*$/, 'must be "hr.<system>"'),
  'detail-type': z.literal('Employee Terminated'),
  account: z.string().optional(),
  time: isoTimestamp.optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: terminationDetail,
});

export type TerminationDetail = z.infer<typeof terminationDetail>;
/** The EventBridge event an HR system sends when an employee leaves. */
export type TerminationEvent = z.infer<typeof terminationEvent>;

/** One problem with an incoming event, naming the field by its path. */
export interface EventIssue {
  readonly path: string;
  readonly message: string;
}

export type ParseEventResult =
  | { readonly ok: true; readonly event: TerminationEvent }
  | { readonly ok: false; readonly issues: readonly EventIssue[] };

/**
 * Validates an HR termination event. Failure is expected input, so it is returned, not thrown:
 * the caller must record the rejected event in the ledger before answering.
 *
 * @example
 * const parsed = parseTerminationEvent(JSON.parse(body));
 * if (!parsed.ok) console.error(formatEventIssues(parsed.issues));
 */
export function parseTerminationEvent(raw: unknown): ParseEventResult {
  const result = terminationEvent.safeParse(raw);
  if (result.success) return { ok: true, event: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.length === 0 ? '(event)' : issue.path.map(String).join('.'),
      message: issue.message,
    })),
  };
}

/** `detail.email: Invalid email address; detail.effectiveAt: …` — one line a person can act on. */
export function formatEventIssues(issues: readonly EventIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}
