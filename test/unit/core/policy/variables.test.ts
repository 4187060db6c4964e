// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables (${aws:username} …) are plain strings here.
import { describe, expect, it } from 'vitest';
import type { PrincipalContext, ResourceContext } from '../../../../lambda/core/policy/evaluate.js';
import { authorize } from '../../../../lambda/core/policy/evaluate.js';
import { ACCOUNT_ID, alice, deployer, identity, policies, request } from './fixtures.js';

const secretArn = (name: string): string => `arn:aws:secretsmanager:eu-west-1:${ACCOUNT_ID}:secret:${name}`;
const secretNamed = (name: string): ResourceContext => ({ arn: secretArn(name), accountId: ACCOUNT_ID, tags: {} });

function decide(resourcePattern: string | object, principal: PrincipalContext, resourceName: string, version?: string) {
  const statement =
    typeof resourcePattern === 'string'
      ? { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: resourcePattern }
      : { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', ...resourcePattern };
  return authorize(
    request(principal, 'secretsmanager:GetSecretValue', secretNamed(resourceName)),
    policies({ identity: [identity('home', statement, version)] }),
  );
}

describe('Function: authorize (policy variables)', () => {
  describe('${aws:username} in Resource', () => {
    const pattern = secretArn('home/${aws:username}/*');

    it('allows the user’s own resources', () => {
      expect(decide(pattern, alice, 'home/alice/key-1').decision).toBe('allow');
    });

    it('denies other users’ resources', () => {
      expect(decide(pattern, alice, 'home/bob/key-1').decision).toBe('implicit-deny');
    });

    it('denies a role, which has no user name', () => {
      expect(decide(pattern, deployer, 'home/deployer/key-1').decision).toBe('implicit-deny');
    });

    it('is not substituted in a 2008-10-17 document', () => {
      expect(decide(pattern, alice, 'home/alice/key-1', '2008-10-17').decision).toBe('implicit-deny');
      expect(decide(pattern, alice, 'home/${aws:username}/key-1', '2008-10-17').decision).toBe('allow');
    });
  });

  describe('principal variables', () => {
    it('substitutes aws:userid, aws:PrincipalAccount and aws:PrincipalArn', () => {
      expect(decide(secretArn('${aws:userid}-${aws:PrincipalAccount}'), alice, `AIDAALICEEXAMPLE-${ACCOUNT_ID}`).decision).toBe('allow');
      expect(
        decide(
          {
            Resource: '*',
            Condition: {
              StringEquals: { 'aws:PrincipalArn': '${aws:PrincipalArn}' },
              ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::${aws:PrincipalAccount}:user/*' },
            },
          },
          alice,
          'x',
        ).decision,
      ).toBe('allow');
    });

    it('substitutes a principal tag, and denies when the tag is missing', () => {
      // Prepare
      const pattern = secretArn('${aws:PrincipalTag/team}/*');

      // Assess
      expect(decide(pattern, alice, 'payments/key').decision).toBe('allow');
      expect(decide(pattern, alice, 'platform/key').decision).toBe('implicit-deny');
      expect(decide(pattern, { ...alice, tags: {} }, 'payments/key').decision).toBe('implicit-deny');
    });
  });

  describe('defaults', () => {
    const pattern = secretArn("${aws:PrincipalTag/keyspace, 'shared'}/*");

    it('uses the default when the key is missing', () => {
      expect(decide(pattern, alice, 'shared/key').decision).toBe('allow');
    });

    it('uses the value, not the default, when the key is present', () => {
      // Prepare
      const tagged = { ...alice, tags: { keyspace: 'payments' } };

      // Assess
      expect(decide(pattern, tagged, 'payments/key').decision).toBe('allow');
      expect(decide(pattern, tagged, 'shared/key').decision).toBe('implicit-deny');
    });
  });

  describe('escapes', () => {
    it('reads ${*}, ${?} and ${$} as literal characters', () => {
      // Prepare
      const pattern = secretArn('literal${*}${?}${$}');

      // Assess
      expect(decide(pattern, alice, 'literal*?$').decision).toBe('allow');
      expect(decide(pattern, alice, 'literalXY$').decision).toBe('implicit-deny');
    });

    it('keeps a substituted value literal: its characters are not wildcards', () => {
      // Prepare
      const starry = { ...alice, tags: { team: '*' } };

      // Assess
      expect(decide(secretArn('${aws:PrincipalTag/team}'), starry, 'anything').decision).toBe('implicit-deny');
      expect(decide(secretArn('${aws:PrincipalTag/team}'), starry, '*').decision).toBe('allow');
    });
  });

  describe('variables in condition values', () => {
    it('compares a StringLike pattern with a variable', () => {
      // Prepare
      const statement = { Resource: '*', Condition: { StringLike: { 'aws:ResourceTag/owner': '${aws:username}@*' } } };
      const resource = (owner: string): ResourceContext => ({ ...secretNamed('x'), tags: { owner } });

      // Assess
      expect(
        authorize(
          request(alice, 'secretsmanager:GetSecretValue', resource('alice@example.com')),
          policies({ identity: [identity('p', { Effect: 'Allow', Action: '*', ...statement })] }),
        ).decision,
      ).toBe('allow');
      expect(
        authorize(
          request(alice, 'secretsmanager:GetSecretValue', resource('bob@example.com')),
          policies({ identity: [identity('p', { Effect: 'Allow', Action: '*', ...statement })] }),
        ).decision,
      ).toBe('implicit-deny');
    });
  });

  describe('variables unknown offline', () => {
    it('allows conditionally when a Resource variable cannot be known, naming it', () => {
      // Act
      const decision = decide(secretArn('${aws:SourceIdentity}/*'), alice, 'someone/key');

      // Assess
      expect(decision).toMatchObject({ decision: 'allow', conditional: true });
      expect(decision.unknownConditions).toEqual([
        {
          policyId: 'home',
          policyKind: 'identity',
          statementIndex: 0,
          operator: 'Resource',
          key: 'aws:SourceIdentity',
          values: [secretArn('${aws:SourceIdentity}/*')],
        },
      ]);
    });

    it('denies when the rest of the pattern rules the resource out anyway', () => {
      expect(decide(secretArn('${aws:SourceIdentity}/*'), alice, 'no-slash').decision).toBe('implicit-deny');
    });

    it('allows conditionally when a condition value’s variable cannot be known', () => {
      expect(
        decide({ Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': '${aws:RequestTag/team}' } } }, alice, 'x'),
      ).toMatchObject({
        decision: 'allow',
        conditional: true,
      });
    });
  });
});
