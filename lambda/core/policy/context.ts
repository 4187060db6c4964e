import type { Tags } from '../snapshot/model.js';

/**
 * The request context as far as it can be known offline, and the three-valued lookup of
 * condition keys in it: a key is KNOWN (it has a value), ABSENT (known not to be in the request),
 * or UNKNOWN (decided only when the real request is made: source IP, MFA, VPC endpoint …).
 */

/** The IAM identity making the request. A role stands for any session of that role. */
export interface PrincipalContext {
  readonly arn: string;
  readonly accountId: string;
  readonly type: 'user' | 'role' | 'root';
  /** AIDA… for users, AROA… for roles, the account id for root. */
  readonly id: string;
  readonly name: string;
  readonly tags: Tags;
  /**
   * The caller may set session tags (a role whose trust policy allows `sts:TagSession`): its
   * `aws:PrincipalTag/*` values are whatever the caller chose, so UNKNOWN offline.
   */
  readonly sessionTags?: boolean;
}

/** The resource the request acts on (a key, a secret, a role for sts:AssumeRole …). */
export interface ResourceContext {
  readonly arn: string;
  readonly accountId: string;
  readonly tags: Tags;
  /**
   * The resource's tags cannot be known offline: the caller may set them (it holds a right to tag
   * it), or the snapshot does not hold them. Its `aws:ResourceTag/*` values are then UNKNOWN.
   */
  readonly tagsUnknown?: boolean;
}

export interface RequestContext {
  readonly principal: PrincipalContext;
  readonly action: string;
  readonly resource: ResourceContext;
  /**
   * Extra condition keys whose values are known (e.g. kms:KeySpec). Keys are case-insensitive.
   * An empty array marks a key known to be absent from the request.
   */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

/** Three-valued truth: a statement or condition that cannot be decided offline is {@link UNK}. */
export type Tri = 0 | 1 | 2;
export const NO: Tri = 0;
export const UNK: Tri = 1;
export const YES: Tri = 2;

/** Marks a condition key known not to be in the request. */
export const ABSENT: unique symbol = Symbol('absent');
/** Marks a condition key whose value cannot be known offline. */
export const UNKNOWN: unique symbol = Symbol('unknown');
export type KeyValue = string | readonly string[] | typeof ABSENT | typeof UNKNOWN;

type KeyKind =
  | 'username'
  | 'userid'
  | 'principalarn'
  | 'principalaccount'
  | 'principaltype'
  | 'principaltag'
  | 'resourcetag'
  | 'resourceaccount'
  | 'calleraccount'
  | 'principalisawsservice'
  | 'other';

/** A condition key or policy variable name, classified once so lookups do no string work. */
export interface CompiledKey {
  /** As written in the policy. */
  readonly name: string;
  readonly lower: string;
  readonly kind: KeyKind;
  /** Tag key for `aws:PrincipalTag/…` and `aws:ResourceTag/…`, as written. */
  readonly tagKey?: string;
}

const FIXED_KEYS: ReadonlyMap<string, KeyKind> = new Map<string, KeyKind>([
  ['aws:username', 'username'],
  ['aws:userid', 'userid'],
  ['aws:principalarn', 'principalarn'],
  ['aws:principalaccount', 'principalaccount'],
  ['aws:principaltype', 'principaltype'],
  ['aws:resourceaccount', 'resourceaccount'],
  ['kms:calleraccount', 'calleraccount'],
  ['aws:principalisawsservice', 'principalisawsservice'],
]);

const keyCache = new Map<string, CompiledKey>();

/** Classifies a condition key (case-insensitive, as IAM treats key names). */
export function compileKey(name: string): CompiledKey {
  const cached = keyCache.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  let compiled: CompiledKey;
  const fixed = FIXED_KEYS.get(lower);
  if (fixed !== undefined) compiled = { name, lower, kind: fixed };
  else if (lower.startsWith('aws:principaltag/')) compiled = { name, lower, kind: 'principaltag', tagKey: name.slice(17) };
  else if (lower.startsWith('aws:resourcetag/')) compiled = { name, lower, kind: 'resourcetag', tagKey: name.slice(16) };
  else compiled = { name, lower, kind: 'other' };
  keyCache.set(name, compiled);
  return compiled;
}

const lowerTagCache = new WeakMap<Tags, ReadonlyMap<string, string>>();

/** Tag keys compare case-insensitively in conditions: IAM forbids two tags differing only in case. */
function tagValue(tags: Tags, key: string): string | typeof ABSENT {
  const exact = tags[key];
  if (exact !== undefined && Object.hasOwn(tags, key)) return exact;
  let lowered = lowerTagCache.get(tags);
  if (lowered === undefined) {
    lowered = new Map(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));
    lowerTagCache.set(tags, lowered);
  }
  return lowered.get(key.toLowerCase()) ?? ABSENT;
}

const lowerContextCache = new WeakMap<object, ReadonlyMap<string, string | readonly string[]>>();

function contextValue(
  context: Readonly<Record<string, string | readonly string[]>>,
  lower: string,
): string | readonly string[] | undefined {
  let lowered = lowerContextCache.get(context);
  if (lowered === undefined) {
    lowered = new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v]));
    lowerContextCache.set(context, lowered);
  }
  return lowered.get(lower);
}

const PRINCIPAL_TYPE: Readonly<Record<PrincipalContext['type'], string>> = {
  user: 'User',
  role: 'AssumedRole',
  root: 'Account',
};

/**
 * Looks a condition key up in the request. Keys in `request.context` win over the built-in ones
 * (so a caller can supply, say, the session tags a role would carry). Known offline:
 * - `aws:username` — users only; ABSENT for roles and root.
 * - `aws:userid` — the user's id, or the account id for root. For a role it is
 *   `AROA…:<session name>` and the session name is chosen by the caller, so UNKNOWN.
 * - `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType` (`User`, `AssumedRole`, `Account`).
 * - `aws:PrincipalTag/<k>` — the principal's tag, ABSENT when it has none; UNKNOWN for a principal
 *   whose caller may set session tags (`sessionTags`).
 * - `aws:ResourceTag/<k>` — the resource's tag, ABSENT when it has none; UNKNOWN for a resource
 *   whose tags cannot be known offline (`tagsUnknown`).
 * - `aws:ResourceAccount`.
 * - `kms:CallerAccount` (the principal's account) and `aws:PrincipalIsAWSService` (`false`: an IAM
 *   user or role is never a service principal).
 * Every other key is UNKNOWN.
 */
export function resolveKey(key: CompiledKey, request: RequestContext): KeyValue {
  if (request.context !== undefined) {
    const given = contextValue(request.context, key.lower);
    if (given !== undefined) return given;
  }
  const principal = request.principal;
  switch (key.kind) {
    case 'username':
      return principal.type === 'user' ? principal.name : ABSENT;
    case 'userid':
      if (principal.type === 'user') return principal.id;
      return principal.type === 'root' ? principal.accountId : UNKNOWN;
    case 'principalarn':
      return principal.arn;
    case 'principalaccount':
    case 'calleraccount':
      return principal.accountId;
    case 'principaltype':
      return PRINCIPAL_TYPE[principal.type];
    case 'principaltag':
      return principal.sessionTags === true ? UNKNOWN : tagValue(principal.tags, key.tagKey as string);
    case 'resourcetag':
      return request.resource.tagsUnknown === true ? UNKNOWN : tagValue(request.resource.tags, key.tagKey as string);
    case 'resourceaccount':
      return request.resource.accountId;
    case 'principalisawsservice':
      return 'false';
    case 'other':
      return UNKNOWN;
  }
}
