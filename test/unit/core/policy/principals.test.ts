import { describe, expect, it } from 'vitest';
import type { PrincipalContext } from '../../../../lambda/core/policy/evaluate.js';
import { authorize } from '../../../../lambda/core/policy/evaluate.js';
import {
  ACCOUNT,
  compilePrincipals,
  DIRECT,
  exemptFromNotPrincipalDeny,
  matchNotPrincipalAllow,
  matchPrincipal,
  NONE,
  ROLE,
} from '../../../../lambda/core/policy/principals.js';
import type { PolicySource } from '../../../../lambda/core/policy/types.js';
import {
  ACCOUNT_ID,
  accountRoot,
  alice,
  DEPLOYER_SESSION_ARN,
  deployer,
  OTHER_ACCOUNT_ID,
  policies,
  ROOT_ARN,
  request,
  secret,
  source,
} from './fixtures.js';

describe('Function: matchPrincipal', () => {
  it.each<[string, Parameters<typeof compilePrincipals>[0], PrincipalContext, number]>([
    ['"*" names a user directly', '*', alice, DIRECT],
    ['{"AWS": "*"} names a role by role', { AWS: ['*'] }, deployer, ROLE],
    ['a user ARN', { AWS: [alice.arn] }, alice, DIRECT],
    ['a role ARN', { AWS: [deployer.arn] }, deployer, ROLE],
    ['a session ARN of the role', { AWS: [DEPLOYER_SESSION_ARN] }, deployer, DIRECT],
    ['the account root ARN', { AWS: [ROOT_ARN] }, alice, ACCOUNT],
    ['the bare account id', { AWS: [ACCOUNT_ID] }, deployer, ACCOUNT],
    ['the account root for the root user', { AWS: [ROOT_ARN] }, accountRoot, DIRECT],
  ])('%s', (_name, block, principal, expected) => {
    expect(matchPrincipal(compilePrincipals(block), principal)).toBe(expected);
  });

  it.each<[string, Parameters<typeof compilePrincipals>[0], PrincipalContext]>([
    ['another user', { AWS: [`arn:aws:iam::${ACCOUNT_ID}:user/bob`] }, alice],
    ['another account', { AWS: [`arn:aws:iam::${OTHER_ACCOUNT_ID}:root`, OTHER_ACCOUNT_ID] }, alice],
    ['another partition', { AWS: [`arn:aws-cn:iam::${ACCOUNT_ID}:root`] }, alice],
    ['a session of another role', { AWS: [`arn:aws:sts::${ACCOUNT_ID}:assumed-role/admin/s`] }, deployer],
    ['a session ARN for a user', { AWS: [DEPLOYER_SESSION_ARN] }, alice],
    ['a service principal', { Service: ['kms.amazonaws.com'] }, alice],
    ['a federated principal', { Federated: ['cognito-identity.amazonaws.com'] }, deployer],
    ['a canonical user', { CanonicalUser: ['79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be'] }, alice],
    ['a user ARN written with a wildcard (wildcards are not allowed in principals)', { AWS: [`arn:aws:iam::${ACCOUNT_ID}:user/*`] }, alice],
  ])('does not match %s', (_name, block, principal) => {
    expect(matchPrincipal(compilePrincipals(block), principal)).toBe(NONE);
  });
});

describe('Function: exemptFromNotPrincipalDeny', () => {
  it('exempts a user only when its ARN and its account are listed', () => {
    expect(exemptFromNotPrincipalDeny(compilePrincipals({ AWS: [alice.arn, ROOT_ARN] }), alice, false)).toBe(true);
    expect(exemptFromNotPrincipalDeny(compilePrincipals({ AWS: [alice.arn] }), alice, false)).toBe(false);
  });

  it('exempts a role only when session, role and account are listed', () => {
    expect(exemptFromNotPrincipalDeny(compilePrincipals({ AWS: [DEPLOYER_SESSION_ARN, deployer.arn, ROOT_ARN] }), deployer, false)).toBe(
      true,
    );
    expect(exemptFromNotPrincipalDeny(compilePrincipals({ AWS: [deployer.arn, ROOT_ARN] }), deployer, false)).toBe(false);
  });

  it('never exempts a principal with a permissions boundary', () => {
    expect(exemptFromNotPrincipalDeny(compilePrincipals({ AWS: [alice.arn, ROOT_ARN] }), alice, true)).toBe(false);
  });

  it('exempts the root user when its account is listed', () => {
    expect(exemptFromNotPrincipalDeny(compilePrincipals({ AWS: [ACCOUNT_ID] }), accountRoot, false)).toBe(true);
  });
});

describe('Function: matchNotPrincipalAllow', () => {
  it('grants everyone not listed, a role as by role ARN', () => {
    expect(matchNotPrincipalAllow(compilePrincipals({ AWS: [alice.arn] }), deployer)).toBe(ROLE);
    expect(matchNotPrincipalAllow(compilePrincipals({ AWS: [alice.arn] }), alice)).toBe(NONE);
  });
});

describe('Function: authorize (Principal / NotPrincipal)', () => {
  const getSecret = (principal: PrincipalContext) => request(principal, 'secretsmanager:GetSecretValue', secret);
  const readAll = { Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' };
  const guarded = (exempt: readonly string[]): PolicySource =>
    source('resource', secret.arn, [
      readAll,
      { Sid: 'OnlyAlice', Effect: 'Deny', NotPrincipal: { AWS: exempt }, Action: 'secretsmanager:*', Resource: '*' },
    ]);

  it('does not deny the principal a Deny NotPrincipal exempts', () => {
    expect(
      authorize(getSecret(alice), policies({ resourceMode: 'resource-policy', resource: guarded([alice.arn, ROOT_ARN]) })).decision,
    ).toBe('allow');
  });

  it('denies every principal a Deny NotPrincipal does not exempt', () => {
    // Act
    const decision = authorize(
      getSecret(deployer),
      policies({ resourceMode: 'resource-policy', resource: guarded([alice.arn, ROOT_ARN]) }),
    );

    // Assess
    expect(decision.decision).toBe('explicit-deny');
    expect(decision.deniedBy).toEqual({ policyId: secret.arn, policyKind: 'resource', statementIndex: 1, sid: 'OnlyAlice' });
  });

  it('denies the listed user too when its account is not listed', () => {
    expect(authorize(getSecret(alice), policies({ resourceMode: 'resource-policy', resource: guarded([alice.arn]) })).decision).toBe(
      'explicit-deny',
    );
  });

  it('denies a listed user that has a permissions boundary', () => {
    // Prepare
    const pb = source('permissions-boundary', 'pb', { Effect: 'Allow', Action: '*', Resource: '*' });

    // Act
    const decision = authorize(
      getSecret(alice),
      policies({ resourceMode: 'resource-policy', resource: guarded([alice.arn, ROOT_ARN]), permissionsBoundary: pb }),
    );

    // Assess
    expect(decision.decision).toBe('explicit-deny');
  });

  it('applies a Deny naming the account root to every principal of the account', () => {
    // Prepare
    const denyAccount = source('resource', secret.arn, [
      readAll,
      { Effect: 'Deny', Principal: { AWS: ROOT_ARN }, Action: '*', Resource: '*' },
    ]);

    // Assess
    expect(authorize(getSecret(alice), policies({ resourceMode: 'resource-policy', resource: denyAccount })).decision).toBe(
      'explicit-deny',
    );
  });

  it('ignores a resource-policy statement without Principal, which IAM would reject', () => {
    // Prepare
    const invalid = source('resource', secret.arn, { Effect: 'Allow', Action: '*', Resource: '*' });

    // Assess
    expect(authorize(getSecret(alice), policies({ resourceMode: 'resource-policy', resource: invalid })).decision).toBe('implicit-deny');
  });
});
