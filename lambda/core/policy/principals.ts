import type { PrincipalContext } from './context.js';
import type { PrincipalBlock } from './types.js';

/**
 * Matching the `Principal` / `NotPrincipal` element of resource-side policies (key policies,
 * secret resource policies, trust policies, RCPs) against an IAM user, role or the account root.
 */

/**
 * How a statement names the requesting principal. The order matters: a higher value grants more.
 * - `NONE`: not named.
 * - `ACCOUNT`: named through its account (`arn:aws:iam::111122223333:root` or `111122223333`).
 *   In an Allow this only delegates to the account's own IAM policies; in a Deny it covers every
 *   principal of the account.
 * - `ROLE`: a role named by its role ARN (or by `*`). Within one account such a grant does not need
 *   an identity Allow but is still limited by an implicit deny in the role's permissions boundary.
 * - `DIRECT`: a user ARN, a role session ARN, the root of its own account, or `*` for a user. Within
 *   one account such a grant is not limited by an implicit deny in identity policies or boundaries.
 */
export type PrincipalMatch = 0 | 1 | 2 | 3;
export const NONE: PrincipalMatch = 0;
export const ACCOUNT: PrincipalMatch = 1;
export const ROLE: PrincipalMatch = 2;
export const DIRECT: PrincipalMatch = 3;

/** A principal block indexed for constant-time lookups. Service, Federated and CanonicalUser principals never match IAM identities. */
export interface CompiledPrincipals {
  readonly everyone: boolean;
  readonly arns: ReadonlySet<string>;
  /** Accounts named by root ARN (`arn:aws:iam::111122223333:root`). */
  readonly rootArns: ReadonlySet<string>;
  /** Accounts named by bare id (`111122223333`): any partition. */
  readonly accountIds: ReadonlySet<string>;
  /** Role sessions, as `<root ARN of the role's account>|<role name>`: the caller picks the session name. */
  readonly sessions: ReadonlySet<string>;
}

const ROOT_ARN = /^arn:[^:]+:iam::\d{12}:root$/;
const BARE_ACCOUNT = /^\d{12}$/;
const SESSION_ARN = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/;

export function compilePrincipals(block: PrincipalBlock): CompiledPrincipals {
  const arns = new Set<string>();
  const rootArns = new Set<string>();
  const accountIds = new Set<string>();
  const sessions = new Set<string>();
  let everyone = block === '*';
  for (const value of block === '*' ? [] : (block.AWS ?? [])) {
    if (value === '*') everyone = true;
    else if (ROOT_ARN.test(value)) rootArns.add(value);
    else if (BARE_ACCOUNT.test(value)) accountIds.add(value);
    else {
      const session = SESSION_ARN.exec(value);
      if (session !== null) sessions.add(`arn:${session[1]}:iam::${session[2]}:root|${session[3]}`);
      else arns.add(value);
    }
  }
  return { everyone, arns, rootArns, accountIds, sessions };
}

/** Facts about the requesting principal derived from its ARN; computed once per principal. */
interface PrincipalFacts {
  readonly principal: PrincipalContext;
  /** `arn:<partition>:iam::<account>:root`. */
  readonly rootArn: string;
  /** Session key of a role (see {@link CompiledPrincipals.sessions}); empty for users and root. */
  readonly sessionKey: string;
}

// The reach engine asks about one principal many times in a row: a one-entry cache suffices.
let lastFacts: PrincipalFacts | undefined;

function factsOf(principal: PrincipalContext): PrincipalFacts {
  if (lastFacts !== undefined && lastFacts.principal === principal) return lastFacts;
  const partitionEnd = principal.arn.indexOf(':', 4);
  const partition = partitionEnd === -1 ? 'aws' : principal.arn.slice(4, partitionEnd);
  const rootArn = `arn:${partition}:iam::${principal.accountId}:root`;
  lastFacts = { principal, rootArn, sessionKey: principal.type === 'role' ? `${rootArn}|${principal.name}` : '' };
  return lastFacts;
}

function namesAccount(p: CompiledPrincipals, principal: PrincipalContext): boolean {
  return (
    (p.accountIds.size > 0 && p.accountIds.has(principal.accountId)) || (p.rootArns.size > 0 && p.rootArns.has(factsOf(principal).rootArn))
  );
}

function namesSession(p: CompiledPrincipals, principal: PrincipalContext): boolean {
  return principal.type === 'role' && p.sessions.size > 0 && p.sessions.has(factsOf(principal).sessionKey);
}

/** How strongly a `Principal` element names the requesting principal. */
export function matchPrincipal(p: CompiledPrincipals, principal: PrincipalContext): PrincipalMatch {
  if (principal.type === 'root') return p.everyone || namesAccount(p, principal) || p.arns.has(principal.arn) ? DIRECT : NONE;
  if (namesSession(p, principal)) return DIRECT;
  if (p.arns.has(principal.arn)) return principal.type === 'user' ? DIRECT : ROLE;
  if (p.everyone) return principal.type === 'user' ? DIRECT : ROLE;
  return namesAccount(p, principal) ? ACCOUNT : NONE;
}

/**
 * Whether a Deny with `NotPrincipal` exempts the principal. IAM checks the account, then the role,
 * then the session (or the account, then the user), and denies if any of them is not exempted, so:
 * - a user is exempt only when both its ARN and its account are listed;
 * - a role session only when the session ARN, the role ARN and the account are all listed;
 * - the root only when its account is listed.
 * A principal with a permissions boundary is never exempt (documented IAM behaviour).
 */
export function exemptFromNotPrincipalDeny(p: CompiledPrincipals, principal: PrincipalContext, hasPermissionsBoundary: boolean): boolean {
  if (p.everyone) return true;
  if (hasPermissionsBoundary) return false;
  const account = namesAccount(p, principal);
  switch (principal.type) {
    case 'root':
      return account;
    case 'user':
      return account && p.arns.has(principal.arn);
    case 'role':
      return account && p.arns.has(principal.arn) && namesSession(p, principal);
  }
}

/**
 * Whether an Allow with `NotPrincipal` (everyone except the listed) covers the principal, and
 * how: it grants as if naming the principal, so a user gets `DIRECT` and a role `ROLE`.
 */
export function matchNotPrincipalAllow(p: CompiledPrincipals, principal: PrincipalContext): PrincipalMatch {
  if (p.everyone || namesAccount(p, principal) || p.arns.has(principal.arn) || namesSession(p, principal)) return NONE;
  return principal.type === 'role' ? ROLE : DIRECT;
}
