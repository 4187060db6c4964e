import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../../../lambda/core/policy/parse.js';
import { allowsSessionTags, PrincipalDirectory, resolvePrincipals } from '../../../../lambda/core/reach/principals.js';
import { AccountBuilder, allow, groupArn, policy, ROOT, roleArn, trustAccount, userArn } from '../../../fixtures/reach/builder.js';

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

describe('Function: allowsSessionTags', () => {
  const trust = (...statements: object[]) => parsePolicyDocument({ Version: '2012-10-17', Statement: statements }, 'trust');

  it('is true when an AWS principal may pass session tags, whatever the conditions on them', () => {
    // Act
    const named = allowsSessionTags(trust({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: ['sts:AssumeRole', 'sts:TagSession'] }));
    const limited = allowsSessionTags(
      trust({
        Effect: 'Allow',
        Principal: '*',
        Action: 'sts:*',
        Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['project'] } },
      }),
    );

    // Assess
    expect([named, limited]).toEqual([true, true]);
  });

  it('is false when only services or identity providers, or nobody, may pass them', () => {
    // Act
    const service = allowsSessionTags(
      trust({ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:TagSession' }),
    );
    const saml = allowsSessionTags(
      trust({ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::111122223333:saml-provider/idp` }, Action: 'sts:TagSession' }),
    );
    const assumeOnly = allowsSessionTags(trust({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'sts:AssumeRole' }));
    const denied = allowsSessionTags(trust({ Effect: 'Deny', Principal: '*', Action: 'sts:TagSession' }));

    // Assess
    expect([service, saml, assumeOnly, denied]).toEqual([false, false, false, false]);
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
