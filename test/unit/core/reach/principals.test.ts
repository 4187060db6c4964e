import { describe, expect, it } from 'vitest';
import { PrincipalDirectory, resolvePrincipals } from '../../../../lambda/core/reach/principals.js';
import { AccountBuilder, allow, groupArn, policy, roleArn, trustAccount, userArn } from '../../../fixtures/reach/builder.js';

describe('Function: resolvePrincipals', () => {
  it('returns the users, then the roles, tagged with exactly the employee id', () => {
    // Prepare
    const b = new AccountBuilder();
    b.role('alice-admin', { employee: 'E-1', trust: trustAccount() });
    b.user('alice', { employee: 'E-1' });
    b.user('alicia', { employee: 'E-10' });
    b.user('bob', { tags: { 'Employee-Id': 'E-1' } });

    // Act
    const principals = resolvePrincipals(b.build(), 'E-1');

    // Assess
    expect(principals.map((p) => p.arn)).toEqual([userArn('alice'), roleArn('alice-admin')]);
  });

  it('returns nothing for an unknown employee', () => {
    // Prepare
    const b = new AccountBuilder();
    b.user('alice', { employee: 'E-1' });

    // Act
    const principals = resolvePrincipals(b.build(), 'E-2');

    // Assess
    expect(principals).toEqual([]);
  });
});

describe('Class: PrincipalDirectory', () => {
  it('gathers a user’s own and group policies, and the principals each managed policy governs', () => {
    // Prepare
    const b = new AccountBuilder();
    const shared = b.managed('shared', policy(allow('s3:ListAllMyBuckets')));
    b.group('devs', { managed: [shared], inline: [policy(allow('ec2:Describe*'))] });
    b.user('alice', { groups: ['devs'], inline: [policy(allow('sts:GetCallerIdentity'))] });

    // Act
    const directory = new PrincipalDirectory(b.build());

    // Assess
    const alice = directory.principals[0];
    expect(alice?.identity.map((s) => s.id)).toEqual([
      `${userArn('alice')}#inline:inline-0`,
      `${groupArn('devs')}#inline:inline-0`,
      shared,
    ]);
    expect(directory.policies.find((p) => p.arn === shared)).toMatchObject({ customerManaged: true, governs: [0], groups: [0] });
  });

  it('warns about groups and boundaries missing from the snapshot', () => {
    // Prepare
    const b = new AccountBuilder();
    b.user('alice', { groups: ['ghosts'], boundary: 'arn:aws:iam::111122223333:policy/gone' });

    // Act
    const directory = new PrincipalDirectory(b.build());

    // Assess
    expect(directory.warnings).toHaveLength(2);
    expect(directory.principals[0]?.boundary).toBeUndefined();
  });
});
