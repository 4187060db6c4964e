import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PrincipalContext } from '../../../../lambda/core/policy/evaluate.js';
import { authorize } from '../../../../lambda/core/policy/evaluate.js';
import { parsePolicyDocument } from '../../../../lambda/core/policy/parse.js';
import type { PolicyDocument, PolicySource } from '../../../../lambda/core/policy/types.js';

/**
 * Realism check against real `get-account-authorization-details` exports kept next to the
 * project (not part of it). Skipped, with a note, when they are not there.
 */
const DIR = fileURLToPath(new URL('../../../../../shared/reference/authorization-details/', import.meta.url));
const FILES = ['iam-vulnerable-account.json', 'small-account.json'] as const;
const available = FILES.every((f) => existsSync(`${DIR}${f}`));
const SKIP_NOTE = `reference exports not found in ${DIR}; this check runs only where ../shared/reference exists`;

interface NamedPolicy {
  readonly PolicyName: string;
  readonly PolicyDocument: unknown;
}
interface Details {
  readonly UserDetailList: readonly {
    readonly UserName: string;
    readonly UserId: string;
    readonly Arn: string;
    readonly GroupList: readonly string[];
    readonly UserPolicyList?: readonly NamedPolicy[];
    readonly AttachedManagedPolicies: readonly { readonly PolicyArn: string }[];
  }[];
  readonly GroupDetailList: readonly {
    readonly GroupName: string;
    readonly GroupPolicyList?: readonly NamedPolicy[];
    readonly AttachedManagedPolicies: readonly { readonly PolicyArn: string }[];
  }[];
  readonly RoleDetailList: readonly {
    readonly RoleName: string;
    readonly Arn: string;
    readonly AssumeRolePolicyDocument: unknown;
    readonly RolePolicyList?: readonly NamedPolicy[];
  }[];
  readonly Policies: readonly {
    readonly Arn: string;
    readonly PolicyVersionList: readonly { readonly Document: unknown; readonly IsDefaultVersion: boolean }[];
  }[];
}

const load = (file: string): Details => JSON.parse(readFileSync(`${DIR}${file}`, 'utf8')) as Details;

/** Every document of an export, parsed, with the location each came from. */
function parseAll(file: string): { where: string; document: PolicyDocument }[] {
  const details = load(file);
  const out: { where: string; document: PolicyDocument }[] = [];
  const add = (where: string, raw: unknown): void => {
    out.push({ where, document: parsePolicyDocument(raw, `${file}: ${where}`) });
  };
  for (const [i, u] of details.UserDetailList.entries()) {
    for (const [j, p] of (u.UserPolicyList ?? []).entries())
      add(`UserDetailList[${i}].UserPolicyList[${j}].PolicyDocument`, p.PolicyDocument);
  }
  for (const [i, g] of details.GroupDetailList.entries()) {
    for (const [j, p] of (g.GroupPolicyList ?? []).entries())
      add(`GroupDetailList[${i}].GroupPolicyList[${j}].PolicyDocument`, p.PolicyDocument);
  }
  for (const [i, r] of details.RoleDetailList.entries()) {
    add(`RoleDetailList[${i}].AssumeRolePolicyDocument`, r.AssumeRolePolicyDocument);
    for (const [j, p] of (r.RolePolicyList ?? []).entries())
      add(`RoleDetailList[${i}].RolePolicyList[${j}].PolicyDocument`, p.PolicyDocument);
  }
  for (const [i, p] of details.Policies.entries()) {
    for (const [j, v] of p.PolicyVersionList.entries()) add(`Policies[${i}].PolicyVersionList[${j}].Document`, v.Document);
  }
  return out;
}

/** A user's identity policies (inline, managed, and its groups'), at their default versions. */
function userPolicies(details: Details, userName: string): { principal: PrincipalContext; identity: PolicySource[] } {
  const user = details.UserDetailList.find((u) => u.UserName === userName);
  if (user === undefined) throw new Error(`no user ${userName}`);
  const managed = (arn: string): PolicySource => {
    const policy = details.Policies.find((p) => p.Arn === arn);
    const version = policy?.PolicyVersionList.find((v) => v.IsDefaultVersion);
    if (version === undefined) throw new Error(`no default version of ${arn}`);
    return { id: arn, kind: 'identity', document: parsePolicyDocument(version.Document, arn) };
  };
  const inline = (owner: string, p: NamedPolicy): PolicySource => ({
    id: `${owner}#inline:${p.PolicyName}`,
    kind: 'identity',
    document: parsePolicyDocument(p.PolicyDocument, p.PolicyName),
  });
  const identity = [
    ...(user.UserPolicyList ?? []).map((p) => inline(user.Arn, p)),
    ...user.AttachedManagedPolicies.map((p) => managed(p.PolicyArn)),
    ...user.GroupList.flatMap((name) => {
      const group = details.GroupDetailList.find((g) => g.GroupName === name);
      return [
        ...(group?.GroupPolicyList ?? []).map((p) => inline(name, p)),
        ...(group?.AttachedManagedPolicies ?? []).map((p) => managed(p.PolicyArn)),
      ];
    }),
  ];
  const accountId = user.Arn.split(':')[4] as string;
  return { principal: { arn: user.Arn, accountId, type: 'user', id: user.UserId, name: user.UserName, tags: {} }, identity };
}

describe('Reference exports (get-account-authorization-details)', () => {
  it.for(FILES)('parses every policy document of %s', (file, ctx) => {
    ctx.skip(!available, SKIP_NOTE);

    // Act
    const parsed = parseAll(file);

    // Assess
    expect(parsed.length).toBeGreaterThan(10);
    expect(parsed.every((p) => p.document.statements.length > 0)).toBe(true);
  });

  it('decides the documented outcomes of the vulnerable account', (ctx) => {
    ctx.skip(!available, SKIP_NOTE);

    // Prepare
    const details = load('iam-vulnerable-account.json');
    const role = (name: string) => {
      const r = details.RoleDetailList.find((x) => x.RoleName === name);
      if (r === undefined) throw new Error(`no role ${name}`);
      return {
        resource: { arn: r.Arn, accountId: r.Arn.split(':')[4] as string, tags: {} },
        trust: { id: r.Arn, kind: 'trust' as const, document: parsePolicyDocument(r.AssumeRolePolicyDocument, r.RoleName) },
      };
    };
    const assume = (userName: string, roleName: string) => {
      const { principal, identity } = userPolicies(details, userName);
      const { resource, trust } = role(roleName);
      return authorize(
        { principal, action: 'sts:AssumeRole', resource },
        { identity, resource: trust, resourceMode: 'trust-policy', scps: [], rcps: [] },
      );
    };
    const act = (userName: string, action: string) => {
      const { principal, identity } = userPolicies(details, userName);
      const resource = { arn: `arn:aws:kms:us-east-1:${principal.accountId}:key/example`, accountId: principal.accountId, tags: {} };
      return authorize({ principal, action, resource }, { identity, resourceMode: 'none', scps: [], rcps: [] });
    };

    // Assess
    expect(assume('privesc-sre-user', 'privesc-sre-role').decision).toBe('allow');
    // Root delegation: needs an identity Allow of sts:AssumeRole (privesc14 has one, the SRE user has iam/ec2/s3 only).
    expect(assume('privesc14-UpdatingAssumeRolePolicy-user', 'privesc-permissive-role-trust').decision).toBe('allow');
    expect(assume('privesc-sre-user', 'privesc-permissive-role-trust').decision).toBe('implicit-deny');
    expect(assume('privesc-AssumeRole-start-user', 'privesc-permissive-role-trust').decision).toBe('implicit-deny');
    // Trusts another account only.
    expect(assume('privesc14-UpdatingAssumeRolePolicy-user', 'OrganizationAccountAccessRole').decision).toBe('implicit-deny');
    expect(act('privesc-sre-user', 'iam:CreateAccessKey').decision).toBe('allow');
    expect(act('fp2-allow-and-deny-multiple-policies-user', 'kms:Sign').decision).toBe('explicit-deny');
    expect(act('fp1-allow-and-deny-user', 'iam:CreateAccessKey').decision).toBe('explicit-deny');
    expect(act('fp3-deny-iam-user', 'kms:Sign').decision).toBe('implicit-deny');
  });
});
