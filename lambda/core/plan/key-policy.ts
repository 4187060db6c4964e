/**
 * Copies a key policy for the replacement key, minus the departing engineer. Works on the raw
 * JSON so everything else in the policy (conditions, sids, odd formatting of principals) is kept.
 *
 * @example
 * withoutPrincipals(oldKey.policyText, ['arn:aws:iam::111122223333:user/mallory']);
 */
export function withoutPrincipals(policyText: string, removed: readonly string[]): string {
  const gone = new Set(removed);
  const policy = JSON.parse(policyText) as { Statement?: unknown };
  const statements = Array.isArray(policy.Statement) ? policy.Statement : policy.Statement ? [policy.Statement] : [];
  const kept = statements.flatMap((statement: Record<string, unknown>) => {
    const principal = statement.Principal;
    if (typeof principal !== 'object' || principal === null) return [statement];
    const block = { ...(principal as Record<string, unknown>) };
    const aws = block.AWS;
    if (aws === undefined) return [statement];
    const remaining = (Array.isArray(aws) ? aws : [aws]).filter((p) => !gone.has(String(p)));
    if (remaining.length === 0) delete block.AWS;
    else block.AWS = remaining.length === 1 ? remaining[0] : remaining;
    // A statement left with no principal at all would be invalid; it only ever named the engineer.
    if (Object.keys(block).length === 0) return [];
    return [{ ...statement, Principal: block }];
  });
  return JSON.stringify({ ...policy, Statement: kept });
}
