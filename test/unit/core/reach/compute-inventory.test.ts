import { describe, expect, it } from 'vitest';
import { generateSyntheticOrg } from '../../../../bench/synthetic-org.js';
import { computeInventory, computeReach, prepareReach } from '../../../../lambda/core/reach/compute-reach.js';
import { parseSnapshot } from '../../../../lambda/core/snapshot/parse.js';
import {
  ACCOUNT,
  AccountBuilder,
  allow,
  keyArn,
  policy,
  roleArn,
  trustAccount,
  trustService,
  userArn,
} from '../../../fixtures/reach/builder.js';

describe('Function: computeInventory', () => {
  it('lists every human principal, largest blast radius first, with counts per kind', () => {
    // Prepare
    const b = new AccountBuilder();
    b.key('sign-1');
    b.key('sign-2');
    b.key('mac-1', { usage: 'GENERATE_VERIFY_MAC' });
    b.secret('jwt');
    b.parameter('hmac', { type: 'String' });
    b.user('wide', {
      employee: 'E-1',
      inline: [policy(allow(['kms:Sign', 'kms:GenerateMac', 'secretsmanager:GetSecretValue', 'ssm:GetParameter']))],
    });
    b.user('narrow', { employee: 'E-2', inline: [policy(allow('kms:Sign', keyArn('sign-1')))] });
    b.user('none', { employee: 'E-3' });
    b.user('service-account', { inline: [policy(allow('*'))] });
    b.role('sso-ops', {
      employee: 'E-4',
      trust: trustService('sso.amazonaws.com'),
      inline: [policy(allow('kms:PutKeyPolicy', keyArn('sign-2')))],
    });

    // Act
    const inventory = computeInventory(b.build());

    // Assess
    // Ties (one key each) are broken by ARN.
    expect(inventory.map((e) => e.principalArn)).toEqual([userArn('wide'), roleArn('sso-ops'), userArn('narrow'), userArn('none')]);
    expect(inventory[0]).toMatchObject({
      employeeId: 'E-1',
      principalType: 'user',
      signingKeys: 5,
      unconditionalSigningKeys: 5,
      use: 5,
      control: 0,
      byKind: { 'kms-sign': 2, 'kms-mac': 1, secret: 1, 'ssm-parameter': 1 },
      reachablePrincipals: 1,
      escalatesToAdmin: false,
    });
    expect(inventory[1]).toMatchObject({ principalType: 'role', signingKeys: 1, use: 0, control: 1 });
    expect(inventory[3]).toMatchObject({ signingKeys: 0 });
    expect(inventory.some((e) => e.principalArn === userArn('service-account'))).toBe(false);
  });

  it('counts conditional reach separately and flags principals that can escalate', () => {
    // Prepare
    const b = new AccountBuilder();
    b.key('office');
    b.key('anywhere');
    b.user('alice', {
      employee: 'E-1',
      inline: [
        policy(
          allow('kms:Sign', keyArn('office'), { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }),
          allow('sts:AssumeRole', roleArn('ops')),
        ),
      ],
    });
    b.role('ops', { trust: trustAccount(), inline: [policy(allow('iam:PutRolePolicy', roleArn('ops')))] });

    // Act
    const [alice] = computeInventory(b.build());

    // Assess
    expect(alice).toMatchObject({ signingKeys: 2, unconditionalSigningKeys: 2, reachablePrincipals: 2, escalatesToAdmin: true });
  });

  it('agrees with computeReach for every employee of a synthetic organisation', () => {
    // Prepare
    const org = generateSyntheticOrg({ roles: 400, users: 60, policies: 2_500, signingMaterial: 200, teams: 6, seed: 7 });
    const snapshot = parseSnapshot(org.files);

    // Act
    const inventory = computeInventory(snapshot);

    // Assess
    expect(inventory).toHaveLength(60);
    expect(inventory.some((e) => e.escalatesToAdmin)).toBe(true);
    expect(inventory.some((e) => !e.escalatesToAdmin && e.signingKeys > 0)).toBe(true);
    for (const entry of inventory) {
      const report = computeReach(snapshot, entry.employeeId);
      const all = new Set(report.reach.map((r) => r.resourceArn));
      const free = new Set(report.reach.filter((r) => !r.conditional).map((r) => r.resourceArn));
      expect([entry.employeeId, entry.signingKeys, entry.unconditionalSigningKeys, entry.reachablePrincipals]).toEqual([
        entry.employeeId,
        all.size,
        free.size,
        report.reachablePrincipals.length,
      ]);
    }
  });
  it.each([
    ['unconditionally', undefined],
    ['only with MFA', { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }],
  ])('counts a key opened by tags she sets on a role reached through a walk it takes over (%s)', (_, condition) => {
    // Prepare: she may create a function with any of 17 roles Lambda assumes, so become each of
    // them (one walk, taken over whole), and tag one of them, which signs with a key open to team
    // payments only. The roles themselves tag nothing.
    const b = new AccountBuilder();
    b.key('signing', {
      policy: policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:Sign',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalTag/team': 'payments' } },
      }),
    });
    for (let i = 0; i < 16; i++) b.role(`fn-${i}`, { trust: trustService('lambda.amazonaws.com') });
    b.role('search', { tags: { team: 'search' }, trust: trustService('lambda.amazonaws.com'), inline: [policy(allow('kms:Sign'))] });
    b.user('alice', {
      employee: 'E-1',
      inline: [
        policy(
          allow(
            ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'],
            '*',
            condition === undefined ? {} : { Condition: condition },
          ),
          allow('iam:TagRole', roleArn('search')),
        ),
      ],
    });
    const snapshot = b.build();

    // Act
    const [entry] = computeInventory(snapshot);

    // Assess
    expect(computeReach(snapshot, 'E-1').reach.map((r) => [r.resourceArn, r.conditional])).toEqual([[keyArn('signing'), true]]);
    expect(entry).toMatchObject({ signingKeys: 1, unconditionalSigningKeys: 0, reachablePrincipals: 18 });
  });

  it('counts no role a function runs as where the only names an SCP lets through are IAM users', () => {
    // Prepare: the user may do anything to itself; outside IAM the SCP denies all but IAM users.
    const b = new AccountBuilder();
    b.user('self-admin', { employee: 'E-1', inline: [policy(allow('*', userArn('self-admin')))] });
    b.role('exec', { trust: trustService('lambda.amazonaws.com') });
    b.serviceControlPolicies([policy(allow('*'), { Effect: 'Deny', NotAction: 'iam:*', NotResource: `arn:aws:iam::${ACCOUNT}:user/*` })]);

    // Act
    const [entry] = computeInventory(b.build());

    // Assess
    expect(entry?.reachablePrincipals).toBe(1);
  });
});

describe('Function: prepareReach', () => {
  it('changes nothing in the reports, only when the work is done', () => {
    // Prepare
    const org = generateSyntheticOrg({ roles: 300, users: 40, policies: 1_500, signingMaterial: 120, teams: 4, seed: 3 });
    const lazy = parseSnapshot(org.files);
    const prepared = parseSnapshot(org.files);

    // Act
    prepareReach(prepared);

    // Assess
    for (const employee of Object.values(org.sampleEmployees)) {
      expect(computeReach(prepared, employee)).toEqual(computeReach(lazy, employee));
    }
  });
});
