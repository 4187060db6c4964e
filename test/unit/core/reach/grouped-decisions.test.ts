import { describe, expect, it } from 'vitest';
import { computeReach } from '../../../../lambda/core/reach/compute-reach.js';
import type { ReachReport } from '../../../../lambda/core/reach/types.js';
import {
  AccountBuilder,
  allow,
  closedKeyPolicy,
  deny,
  keyArn,
  policy,
  policyArn,
  ROOT,
  roleArn,
  trustPrincipals,
  trustService,
  userArn,
} from '../../../fixtures/reach/builder.js';

/**
 * Requests on IAM users and roles are decided once per group of items the same statements cover,
 * and outputs that cover a whole group are one record whose witness steps name each target. These
 * tests pin what that must not change: which principals are reached, and the citations per target.
 */

const EMPLOYEE = 'E-7';
const SHIELDED = 'shielded';

/** An administrator, three roles only the account's CI may assume, one of them shielded by an SCP, and a key only the roles may use. */
function account(scpShields: boolean): { report: ReachReport; key: string } {
  const b = new AccountBuilder();
  b.user('admin', { employee: EMPLOYEE, inline: [policy(allow('*', '*', { Sid: 'Everything' }))] });
  const ci = b.user('ci');
  for (const name of ['build', 'deploy', SHIELDED]) b.role(name, { trust: trustPrincipals(ci) });
  b.role('runner', { trust: trustService('lambda.amazonaws.com') });
  const key = b.key('signing', { policy: closedKeyPolicy([roleArn('deploy'), roleArn(SHIELDED)]) });
  const scp = [policy(allow('*'))];
  if (scpShields) scp.push(policy(deny(['iam:*', 'sts:AssumeRole'], roleArn(SHIELDED), { Sid: 'ShieldBreakGlass' })));
  b.serviceControlPolicies(scp);
  return { report: computeReach(b.build(), EMPLOYEE), key };
}

const reached = (report: ReachReport, arn: string) => report.reachablePrincipals.find((p) => p.arn === arn);

describe('Function: computeReach (decisions by group)', () => {
  it('takes over every role when nothing tells them apart, citing each role’s own rewritten trust', () => {
    // Act
    const { report, key } = account(false);

    // Assess
    for (const name of ['build', 'deploy', SHIELDED]) {
      const role = reached(report, roleArn(name));
      expect(role, name).toBeDefined();
      const rewrite = role?.path.find((s) => s.via === 'iam:UpdateAssumeRolePolicy+sts:AssumeRole');
      expect(rewrite, name).toMatchObject({ from: userArn('admin'), to: roleArn(name), policy: `${userArn('admin')}#inline:inline-0` });
      expect(rewrite?.allowedBy).toContainEqual({ policy: `${roleArn(name)}#trust-rewritten`, statement: 0 });
    }
    expect(report.reach.find((r) => r.resourceArn === key && r.access === 'use')?.conditional).toBe(false);
  });

  it('splits the roles an SCP statement covers from the rest, and reaches none of the shielded ones through IAM', () => {
    // Act
    const { report, key } = account(true);

    // Assess
    expect(reached(report, roleArn('build'))).toBeDefined();
    expect(reached(report, roleArn('deploy'))).toBeDefined();
    expect(reached(report, roleArn(SHIELDED))).toBeUndefined();
    // The key stays reachable through deploy, which the key policy also names.
    const use = report.reach.find((r) => r.resourceArn === key && r.access === 'use');
    expect(use?.paths[0]?.at(-1)).toMatchObject({ from: roleArn('deploy'), to: key });
  });

  it('passes every role a service trusts in one record, citing each role’s trust statement', () => {
    // Prepare
    const b = new AccountBuilder();
    b.user('dev', { employee: EMPLOYEE, inline: [policy(allow(['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'], '*'))] });
    const runners = ['runner-a', 'runner-b'].map((name) =>
      b.role(name, { trust: trustService('lambda.amazonaws.com', { Sid: `Trust-${name}` }) }),
    );
    b.role('other', { trust: trustService('ec2.amazonaws.com') });
    b.key('signing', { policy: closedKeyPolicy(runners) });

    // Act
    const report = computeReach(b.build(), EMPLOYEE);

    // Assess
    for (const [n, arn] of runners.entries()) {
      const step = reached(report, arn)?.path.at(-1);
      expect(step).toMatchObject({ to: arn, effect: 'become' });
      expect(step?.allowedBy).toContainEqual({ policy: `${arn}#trust`, statement: `Trust-runner-${n === 0 ? 'a' : 'b'}` });
    }
    expect(reached(report, roleArn('other'))).toBeUndefined();
    expect(report.reach.map((r) => r.resourceArn)).toContain(keyArn('signing'));
  });

  it('names, in each witness, the managed policy a target was escalated through', () => {
    // Prepare
    const b = new AccountBuilder();
    const engineer = b.user('eng', {
      employee: EMPLOYEE,
      inline: [
        policy(allow('iam:CreatePolicyVersion'), allow('sts:AssumeRole', roleArn('app')), allow('iam:CreateAccessKey', userArn('ops'))),
      ],
    });
    const readOnly = (name: string) => b.managed(name, policy(allow('s3:ListBucket')));
    const appPolicy = readOnly('app-read');
    const opsPolicy = readOnly('ops-read');
    b.role('app', { trust: trustPrincipals(engineer), managed: [appPolicy] });
    b.group('ops', { managed: [opsPolicy] });
    b.user('ops', { groups: ['ops'] });
    // Each key lets in, through the account, only one principal: reaching it needs that principal escalated.
    const onlyFor = (arn: string) =>
      policy({
        Effect: 'Allow',
        Principal: { AWS: ROOT },
        Action: 'kms:*',
        Resource: '*',
        Condition: { ArnEquals: { 'aws:PrincipalArn': arn } },
      });
    const appKey = b.key('app-key', { policy: onlyFor(roleArn('app')) });
    const opsKey = b.key('ops-key', { policy: onlyFor(userArn('ops')) });

    // Act
    const report = computeReach(b.build(), EMPLOYEE);

    // Assess
    const through = (key: string) =>
      report.reach.find((r) => r.resourceArn === key && r.access === 'use')?.paths[0]?.find((s) => s.via === 'iam:CreatePolicyVersion');
    expect(through(appKey)).toMatchObject({ from: engineer, to: policyArn('app-read'), effect: 'escalate' });
    expect(through(opsKey)).toMatchObject({ to: policyArn('ops-read'), effect: 'escalate' });
  });

  it('tells apart items that the same statements cover but whose tags a condition reads', () => {
    // Prepare
    const b = new AccountBuilder();
    const engineer = b.user('eng', {
      employee: EMPLOYEE,
      inline: [
        policy(
          allow(['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'], roleArn('app-*'), {
            Sid: 'DevAppsOnly',
            Condition: { StringEquals: { 'aws:ResourceTag/env': 'dev' } },
          }),
        ),
      ],
    });
    const ci = b.user('ci');
    b.role('app-dev', { trust: trustPrincipals(ci), tags: { env: 'dev' } });
    b.role('app-prod', { trust: trustPrincipals(ci), tags: { env: 'prod' } });

    // Act
    const report = computeReach(b.build(), EMPLOYEE);

    // Assess
    expect(reached(report, roleArn('app-dev'))?.path[0]).toMatchObject({ from: engineer, statement: 'DevAppsOnly' });
    expect(reached(report, roleArn('app-prod'))).toBeUndefined();
  });

  it('decides by group with ARN variables, substituting the principal’s own values', () => {
    // Prepare: every user's keys and role's trust with MFA (undecidable); the engineer's own keys, and the team's roles, without.
    const b = new AccountBuilder();
    const mfa = { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } };
    b.user('eng', {
      employee: EMPLOYEE,
      tags: { team: 'pay' },
      inline: [
        policy(
          allow(['iam:CreateAccessKey', 'iam:UpdateAssumeRolePolicy'], '*', mfa),
          allow('iam:CreateAccessKey', userArn('${aws:username}'), { Sid: 'OwnKeys' }),
          allow('iam:UpdateAssumeRolePolicy', roleArn('${aws:PrincipalTag/team}-*'), { Sid: 'TeamRoles' }),
          allow('sts:AssumeRole', '*'),
        ),
      ],
    });
    for (const name of ['ops', 'ci']) b.user(name);
    const ci = b.user('runner');
    for (const name of ['pay-api', 'pay-batch', 'risk-api']) b.role(name, { trust: trustPrincipals(ci) });

    // Act
    const grouped = computeReach(b.build(), EMPLOYEE);
    const itemByItem = computeReach(b.build(), EMPLOYEE, { shareDecisions: false });

    // Assess
    for (const name of ['ops', 'ci']) expect(reached(grouped, userArn(name))?.conditional, name).toBe(true);
    expect(reached(grouped, roleArn('pay-api'))?.conditional).toBe(false);
    expect(reached(grouped, roleArn('pay-batch'))?.path[0]).toMatchObject({ statement: 'TeamRoles' });
    // Another team's role only with MFA.
    expect(reached(grouped, roleArn('risk-api'))?.conditional).toBe(true);
    const flags = (r: ReachReport) => r.reachablePrincipals.map((p) => `${p.arn} ${p.conditional}`).sort();
    expect(flags(grouped)).toEqual(flags(itemByItem));
  });

  it('lists a passed role’s conditions in one order whether the role is decided alone or in a group', () => {
    // Prepare: a tag condition makes the engine decide item by item; without it, by group.
    const build = (byItem: boolean) => {
      const b = new AccountBuilder();
      const tagged = byItem ? { Condition: { StringEquals: { 'aws:ResourceTag/app': 'web' } } } : {};
      b.user('dev', { employee: EMPLOYEE, inline: [policy(allow('iam:PassRole', '*', tagged), allow('ec2:RunInstances'))] });
      b.role('web', {
        trust: trustService('ec2.amazonaws.com', { Sid: 'Ec2', Condition: { StringEquals: { 'aws:SourceArn': 'arn:aws:ec2:x' } } }),
        tags: { app: 'web' },
      });
      b.role('web2', { trust: trustService('ec2.amazonaws.com') });
      return computeReach(b.build(), EMPLOYEE, { assumeExistingWorkloads: false });
    };
    const conditionsOfWeb = (report: ReachReport) =>
      reached(report, roleArn('web'))
        ?.path.at(-1)
        ?.conditions?.map((c) => [c.policy, c.key]);

    // Act
    const alone = conditionsOfWeb(build(true));
    const grouped = conditionsOfWeb(build(false));

    // Assess
    expect(alone).toBeDefined();
    expect(grouped).toEqual(alone);
    expect(alone?.at(-1)).toEqual([`${roleArn('web')}#trust`, 'aws:SourceArn']);
  });
});
