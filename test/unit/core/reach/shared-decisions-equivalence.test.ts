import { describe, expect, it } from 'vitest';
import { computeInventory, computeReach, reachEngine } from '../../../../lambda/core/reach/compute-reach.js';
import type { TableItem } from '../../../../lambda/core/reach/engine.js';
import { explore } from '../../../../lambda/core/reach/explore.js';
import type { ReachEntry, ReachReport } from '../../../../lambda/core/reach/types.js';
import type { Tags } from '../../../../lambda/core/snapshot/model.js';
import {
  ACCOUNT,
  AccountBuilder,
  groupArn,
  keyArn,
  policy,
  policyArn,
  type RawStatement,
  REGION,
  ROOT,
  roleArn,
  rootKeyPolicy,
  secretArn,
  trustAccount,
  trustPrincipals,
  trustService,
  userArn,
} from '../../../fixtures/reach/builder.js';

/**
 * Shared decisions must give exactly what every principal deciding every request on its own gives
 * (`shareDecisions: false`), and the inventory, which walks every employee on one engine, must
 * count what a single plan finds. Random small accounts, seeded so a failure names a reproducible
 * case, mix the features that could tell two items or two principals apart: narrower Resource
 * patterns, NotResource, ARN variables, tag and principal conditions, boundaries, SCPs,
 * service-linked roles, login profiles, group membership, roles whose callers choose session tags,
 * principals whose tags the engineer can set (tagging, rewritten trusts, federation), keys, secrets
 * and roles whose tags the engineer can set, and one resource policy text on several keys or
 * secrets whose statements name only some of them.
 */

const EMPLOYEE = 'E-R';

/** xorshift32: small, deterministic, good enough to spread cases. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
  return {
    chance: (p: number): boolean => next() < p,
    int: (n: number): number => Math.floor(next() * n),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T,
  };
}

const ACTIONS = [
  'iam:UpdateAssumeRolePolicy',
  'iam:PutRolePolicy',
  'iam:AttachRolePolicy',
  'iam:PutUserPolicy',
  'iam:CreatePolicyVersion',
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
  'iam:AddUserToGroup',
  'iam:PutGroupPolicy',
  'iam:AttachGroupPolicy',
  'iam:DeleteRolePermissionsBoundary',
  'iam:DeleteUserPermissionsBoundary',
  'iam:PassRole',
  'lambda:CreateFunction',
  'lambda:InvokeFunction',
  'lambda:UpdateFunctionCode',
  'sts:AssumeRole',
  // Ways to choose a principal's tags.
  'iam:TagRole',
  'iam:TagUser',
  'sts:TagSession',
  'sts:GetFederationToken',
  // Ways to choose a resource's tags.
  'kms:TagResource',
  'secretsmanager:TagResource',
  'kms:UntagResource',
  'iam:UntagRole',
  'kms:Sign',
  'secretsmanager:GetSecretValue',
  'iam:*',
  'iam:Put*',
];

const CONDITIONS: readonly RawStatement[] = [
  { Condition: { StringEquals: { 'aws:ResourceTag/team': 'a' } } },
  { Condition: { StringNotEquals: { 'aws:ResourceTag/level': '5' } } },
  { Condition: { StringEquals: { 'secretsmanager:ResourceTag/team': 'b' } } },
  { Condition: { StringEquals: { 'aws:PrincipalTag/team': 'a' } } },
  // Tag tests decided through how the tag compares (string operators), and one that is not (numeric).
  { Condition: { StringLike: { 'aws:PrincipalTag/team': 'a*' } } },
  { Condition: { StringNotEqualsIfExists: { 'aws:PrincipalTag/team': 'b' } } },
  { Condition: { NumericLessThan: { 'aws:PrincipalTag/level': '3' } } },
  // A tag compared with a template, which the evaluator fills per request.
  { Condition: { StringEquals: { 'aws:PrincipalTag/team': '${aws:ResourceTag/team}' } } },
  // Users and roles with the same policies differ only here (and in resource policies).
  { Condition: { StringEquals: { 'aws:PrincipalType': 'User' } } },
  { Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/u*` } } },
  { Condition: { StringLike: { 'aws:username': 'u0' } } },
  { Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } } },
  { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
];

/**
 * A random account; `retag` gives some keys, secrets or roles other tags (by ARN), leaving the
 * rest of the account as the seed makes it.
 */
function randomAccount(seed: number, retag: ReadonlyMap<string, Tags> = new Map()) {
  const r = random(seed);
  const tagsOf = (arn: string, made: Tags): Tags => retag.get(arn) ?? made;
  const b = new AccountBuilder();
  const users = Array.from({ length: 2 + r.int(3) }, (_, i) => `u${i}`);
  const roles = Array.from({ length: 1 + r.int(4) }, (_, i) => `r${i}`);
  const groups = Array.from({ length: r.int(3) }, (_, i) => `g${i}`);
  const managed = Array.from({ length: r.int(3) }, (_, i) => `m${i}`);
  const patterns = [
    '*',
    `arn:aws:iam::${ACCOUNT}:role/*`,
    `arn:aws:iam::${ACCOUNT}:role/r?`,
    `arn:aws:iam::${ACCOUNT}:user/*`,
    `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`,
    // Variables the principal fixes (a role has no user name: the default applies), one unknown
    // for roles (a role session's user id), and one the resource fixes.
    `arn:aws:iam::${ACCOUNT}:role/\${aws:username, 'r1'}`,
    `arn:aws:iam::${ACCOUNT}:\${aws:PrincipalTag/team, 'role'}/*`,
    `arn:aws:iam::${ACCOUNT}:user/\${aws:userid}`,
    `arn:aws:iam::${ACCOUNT}:\${aws:ResourceTag/team, 'user'}/*`,
    `arn:aws:iam::${ACCOUNT}:*/*1`,
    ...users.map(userArn),
    ...roles.map(roleArn),
    ...groups.map(groupArn),
    ...managed.map(policyArn),
    keyArn('signing'),
    // Functions by name: a workload the engineer may only touch under some names.
    `arn:aws:lambda:${REGION}:${ACCOUNT}:function:prod-*`,
  ];
  const statement = (): RawStatement => {
    const s: RawStatement = {
      Effect: r.chance(0.2) ? 'Deny' : 'Allow',
      Action: Array.from({ length: 1 + r.int(3) }, () => r.pick(ACTIONS)),
      [r.chance(0.15) ? 'NotResource' : 'Resource']: Array.from({ length: 1 + r.int(2) }, () => r.pick(patterns)),
    };
    return r.chance(0.3) ? { ...s, ...r.pick(CONDITIONS) } : s;
  };
  const somePolicy = (most = 3) => policy(...Array.from({ length: 1 + r.int(most) }, statement));
  const tags = (): Record<string, string> => ({
    ...(r.chance(0.5) ? { team: r.pick(['a', 'b']) } : {}),
    ...(r.chance(0.5) ? { level: r.pick(['2', '02', '5']) } : {}),
  });
  for (const m of managed) b.managed(m, somePolicy());
  const boundary = r.chance(0.4) ? b.managed('boundary', policy({ Effect: 'Allow', Action: '*', Resource: '*' }, statement())) : undefined;
  for (const g of groups) b.group(g, { inline: r.chance(0.7) ? [somePolicy()] : [], managed: managed.filter(() => r.chance(0.3)) });
  users.forEach((u, i) => {
    b.user(u, {
      employee: i === 0 ? EMPLOYEE : `E-U${i}`,
      tags: tagsOf(userArn(u), tags()),
      inline: i === 0 ? [somePolicy(5)] : r.chance(0.5) ? [somePolicy()] : [],
      managed: managed.filter(() => r.chance(0.3)),
      groups: groups.filter(() => r.chance(0.3)),
      ...(boundary !== undefined && r.chance(0.4) ? { boundary } : {}),
    });
    if (r.chance(0.6)) b.userCredentials(u, { loginProfile: r.chance(0.5), accessKeys: r.int(3) });
  });
  for (const role of roles) {
    const trust = r.chance(0.3)
      ? trustService(r.pick(['lambda.amazonaws.com', 'ec2.amazonaws.com']))
      : r.chance(0.3)
        ? trustAccount({
            ...(r.chance(0.5) ? r.pick(CONDITIONS) : {}),
            // Some let their callers choose session tags.
            ...(r.chance(0.4) ? { Action: ['sts:AssumeRole', 'sts:TagSession'] } : {}),
          })
        : trustPrincipals(userArn(r.pick(users)));
    b.role(role, {
      trust,
      tags: tagsOf(roleArn(role), tags()),
      inline: r.chance(0.6) ? [somePolicy()] : [],
      managed: managed.filter(() => r.chance(0.3)),
      ...(boundary !== undefined && r.chance(0.3) ? { boundary } : {}),
    });
  }
  if (r.chance(0.3)) b.role('AWSServiceRoleForSupport', { trust: trustService('support.amazonaws.com'), serviceLinked: true });
  b.key('signing', { policy: rootKeyPolicy(), tags: tagsOf(keyArn('signing'), {}) });
  // One policy text on several keys and on several secrets, its statements naming some of them.
  const resourceStatement = (action: string, resources: readonly string[]): RawStatement => ({
    Effect: r.chance(0.5) ? 'Deny' : 'Allow',
    Principal: r.chance(0.5) ? '*' : { AWS: r.chance(0.7) ? ROOT : userArn(r.pick(users)) },
    Action: action,
    Resource: r.pick(resources),
    ...(r.chance(0.3) ? r.pick(CONDITIONS) : {}),
  });
  const keyPolicy = rootKeyPolicy(
    resourceStatement(r.pick(['kms:Sign', 'kms:TagResource']), ['*', keyArn('shared-a'), keyArn('shared-*')]),
  );
  for (const id of ['shared-a', 'shared-b']) b.key(id, { policy: keyPolicy, tags: tagsOf(keyArn(id), tags()) });
  const secretPolicy = policy(
    resourceStatement('secretsmanager:GetSecretValue', ['*', secretArn('s-a'), secretArn('s-*')]),
    ...(r.chance(0.3) ? [resourceStatement('secretsmanager:TagResource', ['*', secretArn('s-b')])] : []),
  );
  for (const name of ['s-a', 's-b', 'other']) b.secret(name, { policy: secretPolicy, tags: tagsOf(secretArn(name), tags()) });
  if (r.chance(0.5))
    b.serviceControlPolicies([policy({ Effect: 'Allow', Action: '*', Resource: '*' }, { ...statement(), Effect: 'Deny' })]);
  return b.build();
}

/** What a report says is reachable, and how, without the choice among equally valid witnesses. */
function outcome(report: ReachReport) {
  return {
    principals: report.reachablePrincipals
      .map((p) => `${p.arn} c=${p.conditional} e=${p.escalated} b=${p.boundaryRemoved} t=${p.tagsChosen}`)
      .sort(),
    reach: report.reach.map((e) => `${e.resourceArn} ${e.access} c=${e.conditional}`).sort(),
  };
}

describe('Random accounts: shared decisions, single plans and the inventory agree', () => {
  it('reach the same principals and keys, with the same flags, on 300 random accounts', () => {
    // Prepare
    const seeds = Array.from({ length: 300 }, (_, i) => i + 1);

    // Act
    const differing = seeds.filter((seed) => {
      const shared = outcome(computeReach(randomAccount(seed), EMPLOYEE));
      const alone = outcome(computeReach(randomAccount(seed), EMPLOYEE, { shareDecisions: false }));
      return JSON.stringify(shared) !== JSON.stringify(alone);
    });

    // Assess
    expect(differing).toEqual([]);
  });

  it('count in the inventory what computeReach finds for each employee, on the same accounts', () => {
    // Prepare
    const seeds = Array.from({ length: 300 }, (_, i) => i + 1);
    const distinct = (entries: readonly ReachEntry[]): number => new Set(entries.map((e) => e.resourceArn)).size;

    // Act
    const differing = seeds.flatMap((seed) => {
      const snapshot = randomAccount(seed);
      return computeInventory(snapshot)
        .filter((entry) => {
          const report = computeReach(snapshot, entry.employeeId);
          const found = [distinct(report.reach), distinct(report.reach.filter((e) => !e.conditional)), report.reachablePrincipals.length];
          return JSON.stringify(found) !== JSON.stringify([entry.signingKeys, entry.unconditionalSigningKeys, entry.reachablePrincipals]);
        })
        .map((entry) => `seed ${seed}: ${entry.employeeId}`);
    });

    // Assess
    expect(differing).toEqual([]);
  });

  it('report all that a concrete retagging of what she can tag would let her reach, on the same accounts', () => {
    // Prepare: the keys, secrets, roles and users her walk finds she can tag while they could
    // still open something; each account is then rebuilt three times with those tagged at random.
    const choices: readonly Tags[] = [{}, { team: 'a' }, { team: 'b' }, { level: '5' }, { team: 'a', level: '2' }];
    const seeds = Array.from({ length: 300 }, (_, i) => i + 1);
    const reached = (report: ReachReport) =>
      new Set([...report.reach.map((e) => `${e.resourceArn} ${e.access}`), ...report.reachablePrincipals.map((p) => p.arn)]);
    let retagging = 0;

    // Act
    const escaping = seeds.flatMap((seed) => {
      const snapshot = randomAccount(seed);
      // What she can tag, as found by an engine that shares no decision between principals.
      const engine = reachEngine(snapshot, { shareDecisions: false });
      const walk = explore(engine, [engine.directory.byArn.get(userArn('u0')) as number], { maxAddedGroups: 2 });
      const subjects = engine.retagSubjects();
      const taggable = [...walk.retagged.keys()].map((id) => {
        const subject = subjects[id] as (typeof subjects)[number];
        return (subject.table.items[subject.item] as TableItem).arn;
      });
      if (taggable.length === 0) return [];
      retagging++;
      const known = reached(computeReach(snapshot, EMPLOYEE));
      return [0, 1, 2].flatMap((k) => {
        const r = random(seed * 7 + k);
        const variant = randomAccount(seed, new Map(taggable.map((arn) => [arn, r.pick(choices)])));
        return [...reached(computeReach(variant, EMPLOYEE))].filter((x) => !known.has(x)).map((x) => `seed ${seed}/${k}: ${x}`);
      });
    });

    // Assess
    expect(escaping).toEqual([]);
    expect(retagging).toBeGreaterThan(20);
  });
});
