/**
 * Inline policies that make temporary credentials useless. Temporary credentials cannot be
 * recalled, only denied: `aws:TokenIssueTime` before the cut-off matches every session issued
 * before it.
 */

/** Name AWS's console uses for "Revoke active sessions"; kept so operators recognise it. */
export const BLANKET_REVOCATION_POLICY_NAME = 'AWSRevokeOlderSessions';

/** Deny every session of one engineer on a role, leaving everyone else's sessions alone. */
export function targetedSessionDeny(identities: readonly string[], issuedBefore: string): string {
  const unique = [...new Set(identities)].sort();
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'SeverDenySessionsByName',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: {
          StringLike: { 'aws:userid': unique.map((identity) => `*:${identity}`) },
          DateLessThan: { 'aws:TokenIssueTime': issuedBefore },
        },
      },
      {
        Sid: 'SeverDenySessionsBySourceIdentity',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceIdentity': unique },
          DateLessThan: { 'aws:TokenIssueTime': issuedBefore },
        },
      },
    ],
  });
}

/** Deny every session issued before the cut-off, whoever holds it (hostile terminations). */
export function blanketSessionDeny(issuedBefore: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore } },
      },
    ],
  });
}

/** Deny-all for a departing engineer's own IAM user: stops console and API use at once. */
export const QUARANTINE_POLICY_NAME = 'SeverQuarantine';
export const QUARANTINE_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'SeverQuarantine', Effect: 'Deny', Action: '*', Resource: '*' }],
});
