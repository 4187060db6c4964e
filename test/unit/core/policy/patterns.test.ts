// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables (${aws:username} …) are plain strings here.
import { describe, expect, it } from 'vitest';
import {
  documentMayAllow,
  documentMayDeny,
  principalResourceMatcher,
  statementMayMatchAction,
  statementMayMatchResource,
} from '../../../../lambda/core/policy/compile.js';
import { actionMatches, arnMatches, parseTemplate, patternMayMatch, resourceMatches } from '../../../../lambda/core/policy/patterns.js';
import type { Statement } from '../../../../lambda/core/policy/types.js';
import { alice, deployer, doc } from './fixtures.js';

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234';

describe('Function: actionMatches', () => {
  it.each([
    ['kms:Sign', 'kms:Sign'],
    ['KMS:sign', 'kms:Sign'],
    ['kms:*', 'kms:GenerateMac'],
    ['kms:Sign*', 'kms:SignMessage'],
    ['kms:?ign', 'kms:Sign'],
    ['*', 'sts:AssumeRole'],
    ['secretsmanager:Get*Value', 'secretsmanager:GetSecretValue'],
  ])('matches %s against %s', (pattern, action) => {
    expect(actionMatches(pattern, action)).toBe(true);
  });

  it.each([
    ['kms:Sign', 'kms:SignMessage'],
    ['kms:Sign*', 'kms:Verify'],
    ['kms:?ign', 'kms:Design'],
    ['s3:*', 'kms:Sign'],
    ['kms:Sign.', 'kms:SignX'],
  ])('does not match %s against %s', (pattern, action) => {
    expect(actionMatches(pattern, action)).toBe(false);
  });
});

describe('Function: resourceMatches', () => {
  it.each([
    ['*', KEY],
    [KEY, KEY],
    ['arn:aws:kms:*:111122223333:key/*', KEY],
    ['arn:aws:kms:eu-west-?:111122223333:key/1234', KEY],
    ['arn:aws:kms:*', KEY],
    ['arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/*', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/a-1'],
  ])('matches %s against %s', (pattern, arn) => {
    expect(resourceMatches(pattern, arn)).toBe(true);
  });

  it.each([
    ['arn:aws:kms:eu-west-1:111122223333:key/ABCD', KEY],
    ['ARN:aws:kms:eu-west-1:111122223333:key/1234', KEY],
    ['arn:aws:kms:*:444455556666:key/*', KEY],
    ['arn:aws:kms:eu-west-1:111122223333:key/123', KEY],
    ['arn:aws:kms:eu-west-1:111122223333:key/12.4*', KEY],
  ])('does not match %s against %s (case-sensitive, anchored, regex characters literal)', (pattern, arn) => {
    expect(resourceMatches(pattern, arn)).toBe(false);
  });

  it('treats policy variables as literal text', () => {
    expect(resourceMatches('arn:aws:iam::1:user/${aws:username}', 'arn:aws:iam::1:user/alice')).toBe(false);
    expect(resourceMatches('arn:aws:iam::1:user/${aws:username}', 'arn:aws:iam::1:user/${aws:username}')).toBe(true);
  });
});

describe('Function: arnMatches', () => {
  it('matches segment by segment', () => {
    expect(arnMatches('arn:aws:iam::*:role/*', 'arn:aws:iam::111122223333:role/a/b')).toBe(true);
    expect(arnMatches('arn:aws:iam::111122223333:role/*', 'arn:aws:iam::111122223333:role/x:y')).toBe(true);
  });

  it('does not let a wildcard in the first five segments swallow a colon', () => {
    // Prepare
    const value = 'arn:aws:iam:eu-west-1:extra::111122223333:role/x';

    // Assess
    expect(resourceMatches('arn:aws:*::111122223333:role/x', value)).toBe(true);
    expect(arnMatches('arn:aws:*::111122223333:role/x', value)).toBe(false);
    expect(arnMatches('arn:*:iam::111122223333:role/x', 'arn:aws:iam::111122223333:role/x')).toBe(true);
  });

  it('matches a pattern with fewer than six segments as a plain wildcard', () => {
    expect(arnMatches('*', 'arn:aws:iam::111122223333:role/x')).toBe(true);
  });
});

describe('Function: parseTemplate', () => {
  it('returns undefined for values without variables', () => {
    expect(parseTemplate('arn:aws:iam::1:user/alice')).toBeUndefined();
    expect(parseTemplate('cost ${ not a variable')).toBeUndefined();
  });

  it('splits variables, defaults and escapes', () => {
    // Act
    const parts = parseTemplate("a${aws:username}b${aws:PrincipalTag/team, 'none'}${*}");

    // Assess
    expect(parts?.map((p) => (p.kind === 'variable' ? `var:${p.key.name}:${p.fallback ?? ''}` : `${p.kind}:${p.text}`))).toEqual([
      'text:a',
      'var:aws:username:',
      'text:b',
      'var:aws:PrincipalTag/team:none',
      'escape:*',
    ]);
  });
});

describe('Function: patternMayMatch', () => {
  it('reads variables as wildcards', () => {
    expect(patternMayMatch('arn:aws:iam::1:user/${aws:username}', 'arn:aws:iam::1:user/alice')).toBe(true);
    expect(patternMayMatch('arn:aws:iam::1:user/${aws:username}', 'arn:aws:iam::1:role/alice')).toBe(false);
  });
});

describe('Function: statementMayMatchAction', () => {
  const allow = (s: Partial<Statement>): Statement => ({ effect: 'Allow', resource: ['*'], ...s });

  it('matches Action patterns', () => {
    expect(statementMayMatchAction(allow({ action: ['kms:Sign*', 'kms:Verify'] }), 'KMS:SIGN')).toBe(true);
  });

  it('does not match an action outside Action', () => {
    expect(statementMayMatchAction(allow({ action: ['kms:Verify'] }), 'kms:Sign')).toBe(false);
  });

  it('matches every action NotAction does not list', () => {
    expect(statementMayMatchAction(allow({ notAction: ['iam:*'] }), 'kms:Sign')).toBe(true);
  });

  it('does not match an action NotAction lists', () => {
    expect(statementMayMatchAction(allow({ notAction: ['kms:*'] }), 'kms:Sign')).toBe(false);
  });
});

describe('Function: statementMayMatchResource', () => {
  it('over-approximates variables and honours NotResource', () => {
    // Prepare
    const statement: Statement = { effect: 'Allow', action: ['kms:Sign'], resource: ['arn:aws:kms:*:*:key/${aws:PrincipalTag/key}'] };
    const excluding: Statement = { effect: 'Allow', action: ['kms:Sign'], notResource: [KEY] };
    const open: Statement = { effect: 'Allow', action: ['sts:AssumeRole'] };

    // Assess
    expect(statementMayMatchResource(statement, KEY)).toBe(true);
    expect(statementMayMatchResource(statement, 'arn:aws:s3:::bucket')).toBe(false);
    expect(statementMayMatchResource(excluding, KEY)).toBe(false);
    expect(statementMayMatchResource(excluding, `${KEY}5`)).toBe(true);
    expect(statementMayMatchResource(open, KEY)).toBe(true);
  });
});

describe('Function: principalResourceMatcher', () => {
  const USER = (name: string) => `arn:aws:iam::111122223333:user/${name}`;
  const ROLE = (name: string) => `arn:aws:iam::111122223333:role/${name}`;
  const of = (resource: string[], version = '2012-10-17') =>
    doc([{ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: resource }], version);

  it('substitutes the values the principal fixes: user name, tags, defaults', () => {
    // Act
    const own = principalResourceMatcher(of([USER('${aws:username}')]), 0, alice);
    const team = principalResourceMatcher(of([ROLE('${aws:PrincipalTag/team}-*')]), 0, deployer);
    const fallback = principalResourceMatcher(of([ROLE("${aws:username, 'shared'}")]), 0, deployer);

    // Assess
    expect([own?.(USER('alice')), own?.(USER('bob'))]).toEqual([true, false]);
    expect([team?.(ROLE('platform-ci')), team?.(ROLE('payments-ci'))]).toEqual([true, false]);
    expect([fallback?.(ROLE('shared')), fallback?.(ROLE('deployer'))]).toEqual([true, false]);
  });

  it('matches nothing when the variable is absent without a default, and keeps literal patterns as they are', () => {
    // Act
    const roleUserName = principalResourceMatcher(of([USER('${aws:username}')]), 0, deployer);
    const literal = principalResourceMatcher(of([USER('${aws:username}')], '2008-10-17'), 0, alice);

    // Assess
    expect(roleUserName?.(USER('deployer'))).toBe(false);
    expect(literal?.(USER('${aws:username}'))).toBe(true);
    expect(literal?.(USER('alice'))).toBe(false);
  });

  it('is undefined when a variable depends on the request or is unknown offline', () => {
    // Act
    const resourceTag = principalResourceMatcher(of([USER('${aws:ResourceTag/owner}')]), 0, alice);
    const roleSession = principalResourceMatcher(of([USER('${aws:userid}')]), 0, deployer);
    const userId = principalResourceMatcher(of([USER('${aws:userid}')]), 0, alice);

    // Assess
    expect(resourceTag).toBeUndefined();
    expect(roleSession).toBeUndefined();
    expect(userId?.(USER(alice.id))).toBe(true);
  });
});

describe('Function: documentMayAllow / documentMayDeny', () => {
  it('tells whether an Allow or a Deny of the document covers the action', () => {
    // Prepare
    const document = doc([
      { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: '*' },
    ]);

    // Assess
    expect(documentMayAllow(document, 'kms:Sign')).toBe(true);
    expect(documentMayAllow(document, 'secretsmanager:GetSecretValue')).toBe(false);
    expect(documentMayDeny(document, 'kms:ScheduleKeyDeletion')).toBe(true);
    expect(documentMayDeny(document, 'kms:Sign')).toBe(false);
  });
});
