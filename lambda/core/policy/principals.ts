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

interface SessionRef {
  readonly partition: string;
  readonly accountId: string;
  readonly roleName: string;
}

/** A principal block indexed for constant-time lookups. Service, Federated and CanonicalUser principals never match IAM identities. */
export interface CompiledPrincipals {
  readonly everyone: boolean;
  readonly arns: ReadonlySet<string>;
  /** Account ids named by root ARN (`partition` kept) or bare id (`partition` `*`). */
  readonly accounts: readonly { readonly partition: string; readonly accountId: string }[];
  readonly sessions: readonly SessionRef[];
}

const ROOT_ARN = /^arn:([^:]+):iam::(\d{12}):root$/;
const BARE_ACCOUNT = /^\d{12}$/;
const SESSION_ARN = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/;

export function compilePrincipals(block: PrincipalBlock): CompiledPrincipals {
  if (block === '*') return { everyone: true, arns: new Set(), accounts: [], sessions: [] };
  let everyone = false;
  const arns = new Set<string>();
  const accounts: { partition: string; accountId: string }[] = [];
  const sessions: SessionRef[] = [];
  for (const value of block.AWS ?? []) {
    if (value === '*') {
      everyone = true;
      continue;
    }
    const root = ROOT_ARN.exec(value);
    if (root !== null) {
      accounts.push({ partition: root[1] as string, accountId: root[2] as string });
      continue;
    }
    if (BARE_ACCOUNT.test(value)) {
      accounts.push({ partition: '*', accountId: value });
      continue;
    }
    const session = SESSION_ARN.exec(value);
    if (session !== null) {
      sessions.push({ partition: session[1] as string, accountId: session[2] as string, roleName: session[3] as string });
      continue;
    }
    arns.add(value);
  }
  return { everyone, arns, accounts, sessions };
}

function partitionOf(arn: string): string {
  const end = arn.indexOf(':', 4);
  return end === -1 ? '' : arn.slice(4, end);
}

function namesAccount(p: CompiledPrincipals, principal: PrincipalContext): boolean {
  for (const a of p.accounts) {
    if (a.accountId === principal.accountId && (a.partition === '*' || a.partition === partitionOf(principal.arn))) return true;
  }
  return false;
}

/** A role session ARN names a role when account and role name agree; the caller picks the session name. */
function namesSession(p: CompiledPrincipals, principal: PrincipalContext): boolean {
  if (principal.type !== 'role') return false;
  for (const s of p.sessions) {
    if (s.accountId === principal.accountId && s.roleName === principal.name && s.partition === partitionOf(principal.arn)) return true;
  }
  return false;
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
export function exemptFromNotPrincipalDeny(
  p: CompiledPrincipals,
  principal: PrincipalContext,
  hasPermissionsBoundary: boolean,
): boolean {
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
