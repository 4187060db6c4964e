import { describe, expect, it } from 'vitest';
import {
  BLANKET_REVOCATION_POLICY_NAME,
  blanketSessionDeny,
  QUARANTINE_POLICY,
  QUARANTINE_POLICY_NAME,
  targetedSessionDeny,
} from '../../../../lambda/core/plan/session-policies.js';
import type { PrincipalContext } from '../../../../lambda/core/policy/context.js';
import { authorize, type Decision } from '../../../../lambda/core/policy/evaluate.js';
import { parsePolicyDocument } from '../../../../lambda/core/policy/parse.js';

const CUT_OFF = '2026-11-29T09:00:05.000Z';
const BEFORE = '2026-11-29T08:59:00Z';
const AFTER = '2026-11-29T09:01:00Z';

const role: PrincipalContext = {
  arn: 'arn:aws:iam::111122223333:role/auth-deployer',
  accountId: '111122223333',
  type: 'role',
  id: 'AROAEXAMPLEAUTHDEPL1',
  name: 'auth-deployer',
  tags: {},
};

/** What IAM decides for a session of the role that has AdministratorAccess plus `policy` inline. */
function decide(policy: string, session: { name: string; issuedAt: string; sourceIdentity?: string }): Decision['decision'] {
  const deny = parsePolicyDocument(policy, 'inline');
  const allowAll = parsePolicyDocument(
    {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    },
    'admin',
  );
  return authorize(
    {
      principal: role,
      action: 'kms:Sign',
      resource: {
        arn: 'arn:aws:kms:eu-west-1:111122223333:key/k',
        accountId: '111122223333',
        tags: {},
      },
      context: {
        'aws:userid': `${role.id}:${session.name}`,
        'aws:TokenIssueTime': session.issuedAt,
        'aws:SourceIdentity': session.sourceIdentity === undefined ? [] : session.sourceIdentity,
      },
    },
    {
      identity: [
        { id: 'admin', kind: 'identity', document: allowAll },
        { id: 'revoke', kind: 'identity', document: deny },
      ],
      resourceMode: 'none',
      scps: [],
      rcps: [],
    },
  ).decision;
}

describe('Function: targetedSessionDeny', () => {
  it('is a valid IAM policy of two Deny statements', () => {
    // Act
    const policy = targetedSessionDeny(['E1042', 'mallory@example.com'], CUT_OFF);

    // Assess
    const parsed = parsePolicyDocument(policy, 'targeted');
    expect(parsed.statements.map((s) => [s.sid, s.effect])).toEqual([
      ['SeverDenySessionsByName', 'Deny'],
      ['SeverDenySessionsBySourceIdentity', 'Deny'],
    ]);
  });

  it('matches session names by aws:userid and source identities exactly, sorted and once each', () => {
    // Act
    const policy = JSON.parse(targetedSessionDeny(['mallory', 'E1042', 'mallory', 'mallory@example.com'], CUT_OFF));

    // Assess
    expect(policy.Statement[0].Condition).toEqual({
      StringLike: {
        'aws:userid': ['*:E1042', '*:mallory', '*:mallory@example.com'],
      },
      DateLessThan: { 'aws:TokenIssueTime': CUT_OFF },
    });
    expect(policy.Statement[1].Condition).toEqual({
      StringEquals: {
        'aws:SourceIdentity': ['E1042', 'mallory', 'mallory@example.com'],
      },
      DateLessThan: { 'aws:TokenIssueTime': CUT_OFF },
    });
  });

  it('denies the engineer’s session issued before the cut-off', () => {
    // Prepare
    const policy = targetedSessionDeny(['E1042', 'mallory@example.com', 'mallory'], CUT_OFF);

    // Act
    const decision = decide(policy, {
      name: 'mallory@example.com',
      issuedAt: BEFORE,
    });

    // Assess
    expect(decision).toBe('explicit-deny');
  });

  it('denies a session under another name that carries the engineer’s source identity', () => {
    // Prepare
    const policy = targetedSessionDeny(['E1042', 'mallory'], CUT_OFF);

    // Act
    const decision = decide(policy, {
      name: 'innocent-looking',
      issuedAt: BEFORE,
      sourceIdentity: 'E1042',
    });

    // Assess
    expect(decision).toBe('explicit-deny');
  });

  it('leaves other people’s sessions alone', () => {
    // Prepare
    const policy = targetedSessionDeny(['E1042', 'mallory'], CUT_OFF);

    // Act
    const decision = decide(policy, { name: 'alice', issuedAt: BEFORE });

    // Assess
    expect(decision).toBe('allow');
  });

  it('does not deny a session issued after the cut-off', () => {
    // Prepare
    const policy = targetedSessionDeny(['mallory'], CUT_OFF);

    // Act
    const decision = decide(policy, { name: 'mallory', issuedAt: AFTER });

    // Assess
    expect(decision).toBe('allow');
  });
});

describe('Function: blanketSessionDeny', () => {
  it('denies every session issued before the cut-off, whoever holds it', () => {
    // Prepare
    const policy = blanketSessionDeny(CUT_OFF);

    // Act
    const decisions = ['alice', 'ci', 'mallory'].map((name) => decide(policy, { name, issuedAt: BEFORE }));

    // Assess
    expect(decisions).toEqual(['explicit-deny', 'explicit-deny', 'explicit-deny']);
  });

  it('lets sessions issued after the cut-off through', () => {
    // Prepare
    const policy = blanketSessionDeny(CUT_OFF);

    // Act
    const decision = decide(policy, { name: 'alice', issuedAt: AFTER });

    // Assess
    expect(decision).toBe('allow');
  });

  it('is named as the AWS console names "Revoke active sessions"', () => {
    // Assess
    expect(BLANKET_REVOCATION_POLICY_NAME).toBe('AWSRevokeOlderSessions');
  });
});

describe('Constant: QUARANTINE_POLICY', () => {
  it('denies every action on every resource', () => {
    // Act
    const parsed = parsePolicyDocument(QUARANTINE_POLICY, QUARANTINE_POLICY_NAME);

    // Assess
    expect(parsed.statements).toEqual([
      {
        sid: 'SeverQuarantine',
        effect: 'Deny',
        action: ['*'],
        resource: ['*'],
      },
    ]);
  });
});
