import { describe, expect, it } from 'vitest';
import { computeReach } from '../../../../lambda/core/reach/compute-reach.js';
import { ReachError } from '../../../../lambda/core/reach/errors.js';
import type { ReachEntry, ReachReport } from '../../../../lambda/core/reach/types.js';
import type { AccountSnapshot, Tags } from '../../../../lambda/core/snapshot/model.js';
import {
  ACCOUNT,
  AccountBuilder,
  allow,
  closedKeyPolicy,
  deny,
  groupArn,
  keyArn,
  parameterArn,
  policy,
  policyArn,
  type RawPolicy,
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

const KEY = keyArn('signing');
const EMPLOYEE = 'E-1';

const entry = (report: ReachReport, arn: string, access: 'use' | 'control' = 'use'): ReachEntry | undefined =>
  report.reach.find((r) => r.resourceArn === arn && r.access === access);

/** alice (E-1) with the given inline statements; a default signing key. */
function aliceWith(b: AccountBuilder, ...statements: Record<string, unknown>[]): string {
  b.key('signing');
  return b.user('alice', {
    employee: EMPLOYEE,
    inline: [policy(...(statements.length > 0 ? statements : [allow('s3:ListAllMyBuckets')]))],
  });
}

/**
 * Roles `a` (E-1) and `b` (E-2) with one signing policy (their tags aside), and the signing key
 * under `keyPolicy` (tagged `tags.key`); plans a first, then b, on one snapshot: a decision wrongly
 * shared by the two would show in b's report.
 */
function planTwinSigners(keyPolicy: RawPolicy, tags: { a?: Tags; b?: Tags; key?: Tags } = {}): { a: ReachReport; b: ReachReport } {
  const b = new AccountBuilder();
  const signer = b.managed('signer', policy(allow('kms:Sign', KEY)));
  b.role('a', { employee: EMPLOYEE, trust: trustAccount(), managed: [signer], ...(tags.a !== undefined ? { tags: tags.a } : {}) });
  b.role('b', { employee: 'E-2', trust: trustAccount(), managed: [signer], ...(tags.b !== undefined ? { tags: tags.b } : {}) });
  b.key('signing', { policy: keyPolicy, ...(tags.key !== undefined ? { tags: tags.key } : {}) });
  const snapshot = b.build();
  return { a: computeReach(snapshot, EMPLOYEE), b: computeReach(snapshot, 'E-2') };
}

describe('Function: computeReach', () => {
  describe('direct access', () => {
    it('reports use of a signing key allowed by an identity policy, citing policy and statement', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('kms:Sign', KEY, { Sid: 'SignTokens' }));

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      const use = entry(report, KEY);
      expect(use).toMatchObject({ kind: 'kms-sign', access: 'use', conditional: false, actions: ['kms:Sign'], keyId: 'signing' });
      expect(use?.paths[0]).toEqual([
        expect.objectContaining({
          from: userArn('alice'),
          to: KEY,
          via: 'kms:Sign',
          policy: `${userArn('alice')}#inline:inline-0`,
          statement: 'SignTokens',
          effect: 'access',
        }),
      ]);
    });

    it('reports nothing when an explicit deny covers the key', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('kms:*'), deny('kms:Sign', KEY));

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('reports use granted by a key policy that names the user, without any identity policy', () => {
      // Prepare
      const b = new AccountBuilder();
      b.user('alice', { employee: EMPLOYEE });
      b.key('signing', { policy: closedKeyPolicy([userArn('alice')]) });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.paths[0]?.[0]).toMatchObject({ policy: KEY, statement: 'KeyUsers' });
    });

    it('ignores identity policies when the key policy does not delegate to the account', () => {
      // Prepare
      const b = new AccountBuilder();
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow('kms:Sign'))] });
      b.key('signing', { policy: closedKeyPolicy([roleArn('someone-else')]) });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('reports control through kms:PutKeyPolicy and kms:CreateGrant, separately from use', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow(['kms:PutKeyPolicy', 'kms:CreateGrant'], KEY));

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
      expect(entry(report, KEY, 'control')?.actions).toEqual(['kms:CreateGrant', 'kms:PutKeyPolicy']);
    });

    it('uses kms:GenerateMac for HMAC keys and kms:Sign does not count for them', () => {
      // Prepare
      const b = new AccountBuilder();
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow('kms:GenerateMac', keyArn('mac')))] });
      b.user('bob', { employee: 'E-2', inline: [policy(allow('kms:Sign', keyArn('mac')))] });
      b.key('mac', { usage: 'GENERATE_VERIFY_MAC' });
      const snapshot = b.build();

      // Act
      const alice = computeReach(snapshot, EMPLOYEE);
      const bob = computeReach(snapshot, 'E-2');

      // Assess
      expect(entry(alice, keyArn('mac'))?.kind).toBe('kms-mac');
      expect(entry(bob, keyArn('mac'))).toBeUndefined();
    });

    it('does not count encryption keys as signing material', () => {
      // Prepare
      const b = new AccountBuilder();
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow('kms:*'))] });
      b.key('data', { usage: 'ENCRYPT_DECRYPT' });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(report.reach).toEqual([]);
    });
  });

  describe('assume-role hops', () => {
    it('follows a role whose trust delegates to the account when the identity policy allows sts:AssumeRole', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('sts:AssumeRole', roleArn('signer')));
      b.role('signer', { trust: trustAccount(), inline: [policy(allow('kms:Sign', KEY))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.paths[0]?.map((s) => [s.via, s.to])).toEqual([
        ['sts:AssumeRole', roleArn('signer')],
        ['kms:Sign', KEY],
      ]);
    });

    it('does not follow a role trusting the account when no identity policy allows assuming it', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b);
      b.role('signer', { trust: trustAccount(), inline: [policy(allow('kms:Sign', KEY))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(report.reachablePrincipals.map((p) => p.arn)).toEqual([userArn('alice')]);
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('follows a role whose trust names the user, without an identity policy', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b);
      b.role('signer', { trust: trustPrincipals(userArn('alice')), inline: [policy(allow('kms:Sign', KEY))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.paths[0]?.[0]).toMatchObject({
        via: 'sts:AssumeRole',
        policy: `${roleArn('signer')}#trust`,
        statement: 0,
      });
    });

    it('does not follow a role whose trust names someone else, whatever the identity policy allows', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('sts:AssumeRole'));
      b.role('signer', { trust: trustPrincipals(userArn('bob')), inline: [policy(allow('kms:Sign', KEY))] });
      b.user('bob');

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('follows chains of three and more roles and reports the whole chain', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('sts:AssumeRole', roleArn('r1')));
      b.role('r1', { trust: trustAccount(), inline: [policy(allow('sts:AssumeRole', roleArn('r2')))] });
      b.role('r2', { trust: trustPrincipals(roleArn('r1')), inline: [policy(allow('sts:AssumeRole', roleArn('r3')))] });
      b.role('r3', { trust: trustAccount(), inline: [policy(allow('sts:AssumeRole', roleArn('r4')))] });
      b.role('r4', { trust: trustPrincipals(roleArn('r3')), inline: [policy(allow('kms:Sign', KEY))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      const path = entry(report, KEY)?.paths[0] ?? [];
      expect(path.map((s) => s.from)).toEqual([userArn('alice'), roleArn('r1'), roleArn('r2'), roleArn('r3'), roleArn('r4')]);
      expect(path.map((s) => s.to)).toEqual([roleArn('r1'), roleArn('r2'), roleArn('r3'), roleArn('r4'), KEY]);
      expect(report.reachablePrincipals.find((p) => p.arn === roleArn('r4'))?.path).toHaveLength(4);
    });

    it('terminates on cycles of roles trusting each other and still finds what lies beyond', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('sts:AssumeRole', roleArn('a')));
      b.role('a', { trust: trustAccount(), inline: [policy(allow('sts:AssumeRole', [roleArn('b'), roleArn('a')]))] });
      b.role('b', { trust: trustAccount(), inline: [policy(allow('sts:AssumeRole', [roleArn('a'), roleArn('c')]))] });
      b.role('c', {
        trust: trustPrincipals(roleArn('b')),
        inline: [policy(allow('sts:AssumeRole', roleArn('a')), allow('kms:Sign', KEY))],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(report.reachablePrincipals.map((p) => p.arn).sort()).toEqual(
        [roleArn('a'), roleArn('b'), roleArn('c'), userArn('alice')].sort(),
      );
      expect(entry(report, KEY)?.paths[0]?.map((s) => s.to)).toEqual([roleArn('a'), roleArn('b'), roleArn('c'), KEY]);
    });

    it('starts from roles tagged with the employee id as well as users', () => {
      // Prepare
      const b = new AccountBuilder();
      b.key('signing');
      b.role('alice-sso', { employee: EMPLOYEE, trust: trustService('sso.amazonaws.com'), inline: [policy(allow('kms:Sign', KEY))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(report.principals).toEqual([roleArn('alice-sso')]);
      expect(entry(report, KEY)).toBeDefined();
    });
  });

  describe('credential hops', () => {
    it('becomes another user by minting its access key', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('iam:CreateAccessKey', userArn('ci')));
      b.user('ci', { inline: [policy(allow('kms:Sign', KEY))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.paths[0]?.[0]).toMatchObject({ via: 'iam:CreateAccessKey', escalation: 'iam-002', to: userArn('ci') });
    });

    it("counts minting for a user whose two key slots are full: one of them may be the engineer's", () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('iam:CreateAccessKey', userArn('ci')));
      b.user('ci', { inline: [policy(allow('kms:Sign', KEY))] });
      b.userCredentials('ci', { accessKeys: 2 });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.paths[0]?.[0]).toMatchObject({ via: 'iam:CreateAccessKey', escalation: 'iam-002', to: userArn('ci') });
    });

    it('does not reset a password the user does not have', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('iam:UpdateLoginProfile', userArn('nopass')));
      b.user('nopass', { inline: [policy(allow('kms:Sign', KEY))] });
      b.userCredentials('nopass', { loginProfile: false });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('counts creating a password for a user that has one: the engineer may have created it', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('iam:CreateLoginProfile', userArn('haspass')));
      b.user('haspass', { inline: [policy(allow('kms:Sign', KEY))] });
      b.userCredentials('haspass', { loginProfile: true });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.paths[0]?.[0]).toMatchObject({ via: 'iam:CreateLoginProfile', to: userArn('haspass') });
    });
  });

  describe('privilege escalation', () => {
    it('treats a principal that can rewrite its own policies as allowed everything its key policies delegate', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('iam:PutUserPolicy', userArn('alice')));

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      const path = entry(report, KEY)?.paths[0] ?? [];
      expect(path.map((s) => s.effect)).toEqual(['escalate', 'access']);
      expect(path[1]).toMatchObject({ policy: 'sever:escalated-identity' });
      expect(report.reachablePrincipals[0]).toMatchObject({ arn: userArn('alice'), escalated: true });
    });

    it('leaves an admin-equivalent principal outside a key policy that trusts neither the account nor anyone it can become', () => {
      // Prepare
      const b = new AccountBuilder();
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow('*'))] });
      b.role('other', { trust: trustAccount() });
      b.key('signing', { policy: closedKeyPolicy(['arn:aws:iam::999999999999:role/outsider']) });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(report.reachablePrincipals.some((p) => p.arn === roleArn('other'))).toBe(true);
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('lets an admin-equivalent principal reach a closed key by becoming the principal it names', () => {
      // Prepare
      const b = new AccountBuilder();
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow('*'))] });
      b.role('keeper', { trust: trustService('ecs-tasks.amazonaws.com') });
      b.key('signing', { policy: closedKeyPolicy([roleArn('keeper')]) });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      const path = entry(report, KEY)?.paths[0] ?? [];
      expect(path.at(-2)).toMatchObject({ to: roleArn('keeper'), effect: 'become' });
      expect(path.at(-1)).toMatchObject({ from: roleArn('keeper'), policy: KEY, statement: 'KeyUsers' });
    });

    it('keeps an admin-equivalent principal out when SCPs forbid every way into the named principal', () => {
      // Prepare
      const b = new AccountBuilder();
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow('*'))] });
      b.role('keeper', { trust: trustService('ecs-tasks.amazonaws.com') });
      b.key('signing', { policy: closedKeyPolicy([roleArn('keeper')]) });
      b.serviceControlPolicies([policy(allow('*'), deny(['iam:*', 'sts:*'], roleArn('keeper')), deny('iam:PassRole'))]);

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('does not escalate service-linked roles', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow(['iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy'], '*'));
      b.role('AWSServiceRoleForThing', {
        serviceLinked: true,
        trust: trustService('thing.amazonaws.com'),
        inline: [policy(allow('kms:Sign', KEY))],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(report.reachablePrincipals.map((p) => p.arn)).toEqual([userArn('alice')]);
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('escalates a user added to a group whose policy the attacker can rewrite', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('iam:AddUserToGroup', groupArn('tooling')), allow('iam:PutGroupPolicy', groupArn('tooling')));
      b.group('tooling', { inline: [policy(allow('s3:ListAllMyBuckets'))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      const path = entry(report, KEY)?.paths[0] ?? [];
      expect(path.map((s) => s.effect)).toEqual(expect.arrayContaining(['join-group', 'escalate', 'access']));
    });

    it('applies an escalation of another principal to it once reached through a different principal', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('iam:PutRolePolicy', roleArn('target')), allow('sts:AssumeRole', roleArn('hop')));
      b.role('hop', { trust: trustAccount(), inline: [policy(allow('sts:AssumeRole', roleArn('target')))] });
      b.role('target', { trust: trustPrincipals(roleArn('hop')) });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      const path = entry(report, KEY)?.paths[0] ?? [];
      expect(path.map((s) => [s.from, s.effect, s.to])).toEqual([
        [userArn('alice'), 'escalate', roleArn('target')],
        [userArn('alice'), 'become', roleArn('hop')],
        [roleArn('hop'), 'become', roleArn('target')],
        [roleArn('target'), 'access', KEY],
      ]);
    });
  });

  describe('permissions boundaries', () => {
    it('blocks use the boundary does not allow', () => {
      // Prepare
      const b = new AccountBuilder();
      const boundary = b.managed('read-only', policy(allow('s3:Get*')));
      b.key('signing');
      b.user('alice', { employee: EMPLOYEE, boundary, inline: [policy(allow('kms:Sign', KEY))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('permits use the boundary allows too', () => {
      // Prepare
      const b = new AccountBuilder();
      const boundary = b.managed('signing-only', policy(allow('kms:Sign')));
      b.key('signing');
      b.user('alice', { employee: EMPLOYEE, boundary, inline: [policy(allow('kms:Sign', KEY))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeDefined();
    });

    it('keeps the boundary in force on an escalated principal that cannot remove it', () => {
      // Prepare
      const b = new AccountBuilder();
      const boundary = b.managed('put-policy-only', policy(allow('iam:PutUserPolicy')));
      b.key('signing');
      b.user('alice', { employee: EMPLOYEE, boundary, inline: [policy(allow('iam:PutUserPolicy', userArn('alice')))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(report.reachablePrincipals[0]).toMatchObject({ escalated: true, boundaryRemoved: false });
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('lets an escalated principal lift a boundary that does not forbid lifting it', () => {
      // Prepare
      const b = new AccountBuilder();
      const boundary = b.managed('iam-only', policy(allow('iam:*')));
      b.key('signing');
      b.user('alice', { employee: EMPLOYEE, boundary, inline: [policy(allow('iam:PutUserPolicy', userArn('alice')))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(report.reachablePrincipals[0]).toMatchObject({ escalated: true, boundaryRemoved: true });
      expect(entry(report, KEY)?.paths[0]?.map((s) => s.effect)).toEqual(['escalate', 'remove-boundary', 'access']);
    });
  });

  describe('organization policies', () => {
    it('blocks use an SCP denies', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('kms:Sign', KEY));
      b.serviceControlPolicies([policy(allow('*'))], [policy(deny('kms:Sign'))]);

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('blocks use when one SCP level does not allow it', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('kms:Sign', KEY));
      b.serviceControlPolicies([policy(allow('*'))], [policy(allow('s3:*'))]);

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('permits use every SCP level allows', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('kms:Sign', KEY));
      b.serviceControlPolicies([policy(allow('*'))], [policy(allow('kms:*'))]);

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeDefined();
    });

    it('blocks use an RCP denies on the key', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('kms:Sign', KEY));
      b.resourceControlPolicies([
        policy(allow('*')),
        { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 'kms:Sign', Resource: '*' }] },
      ]);

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('tells apart principals sharing policies when an SCP tests the principal ARN', () => {
      // Prepare
      const b = new AccountBuilder();
      b.key('signing');
      const signer = b.managed('signer', policy(allow('kms:Sign', KEY)));
      b.role('breakglass', { employee: EMPLOYEE, trust: trustAccount(), managed: [signer] });
      b.role('everyday', { employee: 'E-2', trust: trustAccount(), managed: [signer] });
      b.serviceControlPolicies([
        policy(
          allow('*'),
          deny('kms:Sign', '*', { Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/breakglass` } } }),
        ),
      ]);
      const snapshot = b.build();

      // Act
      const breakglass = computeReach(snapshot, EMPLOYEE);
      const everyday = computeReach(snapshot, 'E-2');

      // Assess
      expect(entry(breakglass, KEY)).toBeDefined();
      expect(entry(everyday, KEY)).toBeUndefined();
    });
  });

  describe('resource policies that name principals', () => {
    it('honours a key-policy deny naming one of two principals with identical policies', () => {
      // Prepare
      const keyPolicy = rootKeyPolicy({ Sid: 'NotB', Effect: 'Deny', Principal: { AWS: roleArn('b') }, Action: 'kms:*', Resource: '*' });

      // Act
      const reports = planTwinSigners(keyPolicy);

      // Assess
      expect(entry(reports.a, KEY)).toBeDefined();
      expect(entry(reports.b, KEY)).toBeUndefined();
    });

    it('tells apart principals sharing policies when the key policy tests the principal ARN', () => {
      // Prepare
      const keyPolicy = policy({
        Effect: 'Allow',
        Principal: { AWS: ROOT },
        Action: 'kms:*',
        Resource: '*',
        Condition: { ArnEquals: { 'aws:PrincipalArn': roleArn('a') } },
      });

      // Act
      const reports = planTwinSigners(keyPolicy);

      // Assess
      expect(entry(reports.a, KEY)).toBeDefined();
      expect(entry(reports.b, KEY)).toBeUndefined();
    });
  });

  describe('resource policies shared by several resources', () => {
    it('applies a statement only to the resources its Resource element names, though the policy text is the same', () => {
      // Prepare: one policy text on two secrets; its Deny covers the production one only.
      const b = new AccountBuilder();
      b.user('eng', { employee: EMPLOYEE, inline: [policy(allow('secretsmanager:GetSecretValue', '*'))] });
      const shared = policy({
        Sid: 'NoProductionSecrets',
        Effect: 'Deny',
        Principal: '*',
        Action: 'secretsmanager:GetSecretValue',
        Resource: secretArn('prod-*'),
      });
      const production = b.secret('prod-signing', { policy: shared });
      const development = b.secret('dev-signing', { policy: shared });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, production)).toBeUndefined();
      expect(entry(report, development)).toBeDefined();
    });
  });

  describe('principal tags a key policy compares', () => {
    const keyPolicyTesting = (operator: string, value: string) =>
      policy({
        Sid: 'TaggedSigners',
        Effect: 'Allow',
        Principal: { AWS: ROOT },
        Action: 'kms:Sign',
        Resource: '*',
        Condition: { [operator]: { 'aws:PrincipalTag/level': value } },
      });

    it.each([
      ['NumericLessThan', '3', '2', '5'],
      ['StringLike', 'l*', 'low', 'high'],
      ['StringNotEqualsIfExists', 'high', 'low', 'high'],
    ])('lets in only the principal whose tag passes %s %s, though both have the same policies', (operator, value, passes, fails) => {
      // Act: the principal that passes (a) is planned first.
      const reports = planTwinSigners(keyPolicyTesting(operator, value), { a: { level: passes }, b: { level: fails } });

      // Assess
      expect(entry(reports.a, KEY)).toBeDefined();
      expect(entry(reports.b, KEY)).toBeUndefined();
    });

    it.each([
      ['a resource tag', 'StringEquals', '${aws:ResourceTag/level}', 'high', false],
      ['an escaped wildcard', 'StringEquals', 'high${*}', 'high*', false],
      ['a key unknown offline', 'StringLike', 'hi${aws:SourceVpc}', 'high', true],
    ])(
      'lets in the principal whose tag passes a test against %s, its failing twin planned first',
      (_, operator, value, passes, conditional) => {
        // Act: the principal that fails (a) is planned first, so a decision wrongly shared would keep b out.
        const reports = planTwinSigners(keyPolicyTesting(operator, value), {
          a: { level: 'low' },
          b: { level: passes },
          key: { level: 'high' },
        });

        // Assess
        expect(entry(reports.a, KEY)).toBeUndefined();
        expect(entry(reports.b, KEY)?.conditional).toBe(conditional);
      },
    );
  });

  describe('aws:PrincipalType', () => {
    it("keeps a role with a user's policies from what those policies grant users only", () => {
      // Prepare: the user is planned first, so a decision wrongly shared by type would let the role in.
      const b = new AccountBuilder();
      const mint = b.managed(
        'mint-ci-keys',
        policy(allow('iam:CreateAccessKey', userArn('ci'), { Condition: { StringEquals: { 'aws:PrincipalType': 'User' } } })),
      );
      b.user('human', { employee: 'E-2', managed: [mint] });
      b.role('robot', { employee: EMPLOYEE, trust: trustAccount(), managed: [mint] });
      b.user('ci', { inline: [policy(allow('kms:Sign', KEY))] });
      b.key('signing');
      const snapshot = b.build();

      // Act
      const human = computeReach(snapshot, 'E-2');
      const robot = computeReach(snapshot, EMPLOYEE);

      // Assess
      expect(entry(human, KEY)?.paths[0]?.[0]).toMatchObject({ via: 'iam:CreateAccessKey', to: userArn('ci') });
      expect(entry(robot, KEY)).toBeUndefined();
    });
  });

  describe('NotPrincipal', () => {
    it('exempts only the principals a Deny with NotPrincipal lists, even among principals with identical policies', () => {
      // Prepare
      const keyPolicy = rootKeyPolicy({
        Sid: 'OnlyA',
        Effect: 'Deny',
        NotPrincipal: { AWS: [ROOT, roleArn('a'), `arn:aws:sts::${ACCOUNT}:assumed-role/a/session`] },
        Action: 'kms:*',
        Resource: '*',
      });

      // Act
      const reports = planTwinSigners(keyPolicy);

      // Assess
      expect(entry(reports.a, KEY)).toBeDefined();
      expect(entry(reports.b, KEY)).toBeUndefined();
    });
  });

  describe('ABAC', () => {
    const abac = allow('kms:Sign', '*', { Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } } });

    it('allows a key whose tag matches the principal tag', () => {
      // Prepare
      const b = new AccountBuilder();
      b.key('signing', { tags: { team: 'payments' } });
      b.user('alice', { employee: EMPLOYEE, tags: { team: 'payments' }, inline: [policy(abac)] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toMatchObject({ conditional: false });
    });

    it('refuses a key whose tag differs from the principal tag', () => {
      // Prepare
      const b = new AccountBuilder();
      b.key('signing', { tags: { team: 'payments' } });
      b.user('alice', { employee: EMPLOYEE, tags: { team: 'search' }, inline: [policy(abac)] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('keeps two principals with the same policies but different tags apart', () => {
      // Prepare
      const b = new AccountBuilder();
      b.key('signing', { tags: { team: 'payments' } });
      const shared = b.managed('abac', policy(abac));
      b.role('payments', { employee: EMPLOYEE, tags: { team: 'payments' }, trust: trustAccount(), managed: [shared] });
      b.role('search', { employee: 'E-2', tags: { team: 'search' }, trust: trustAccount(), managed: [shared] });
      const snapshot = b.build();

      // Act
      const payments = computeReach(snapshot, EMPLOYEE);
      const search = computeReach(snapshot, 'E-2');

      // Assess
      expect(entry(payments, KEY)).toBeDefined();
      expect(entry(search, KEY)).toBeUndefined();
    });
  });

  describe('session tags', () => {
    const abac = allow('kms:Sign', '*', { Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } } });
    const tagSessions = trustAccount({ Action: ['sts:AssumeRole', 'sts:TagSession'] });

    /** alice (E-1) may assume `search`, tagged team=search, whose ABAC policy signs with keys of its team. */
    function searchRole(trust: RawPolicy, extra: RawStatement[] = []): AccountSnapshot {
      const b = new AccountBuilder();
      b.key('signing', { tags: { team: 'payments' } });
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow(['sts:AssumeRole', 'sts:TagSession'], roleArn('search')))] });
      b.role('search', { tags: { team: 'search' }, trust, inline: [policy(abac, ...extra)] });
      return b.build();
    }

    it("reaches a key of another team through a role whose trust policy lets her choose the session's tags", () => {
      // Act
      const report = computeReach(searchRole(tagSessions), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toMatchObject({
        conditional: true,
        conditions: [expect.objectContaining({ key: 'aws:ResourceTag/team', values: ['${aws:PrincipalTag/team}'] })],
      });
    });

    it("lets a chosen tag avoid a Deny that tests the role's own tag", () => {
      // Prepare: the Deny holds for the role's own tags; a chosen tag may avoid it.
      const keepOut = deny('kms:Sign', '*', { Condition: { StringEquals: { 'aws:PrincipalTag/team': 'search' } } });

      // Act
      const tagged = computeReach(searchRole(tagSessions, [allow('kms:Sign'), keepOut]), EMPLOYEE);
      const untagged = computeReach(searchRole(trustAccount(), [allow('kms:Sign'), keepOut]), EMPLOYEE);

      // Assess
      expect(entry(tagged, KEY)?.conditional).toBe(true);
      expect(entry(untagged, KEY)).toBeUndefined();
    });

    const teamSigners = policy({
      Sid: 'TeamSigners',
      Effect: 'Allow',
      Principal: { AWS: ROOT },
      Action: 'kms:Sign',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalTag/team': 'payments' } },
    });

    it.each([
      ['an identity policy', policy(abac), rootKeyPolicy()],
      ['the key policy', policy(allow('kms:Sign')), teamSigners],
    ])('keeps apart twin roles, only one of which lets its caller tag sessions, when %s tests the tag', (_, signer, keyPolicy) => {
      // Prepare
      const twins = (): AccountSnapshot => {
        const b = new AccountBuilder();
        b.key('signing', { tags: { team: 'payments' }, policy: keyPolicy });
        const shared = b.managed('signer', signer);
        b.role('open', { employee: EMPLOYEE, tags: { team: 'search' }, trust: tagSessions, managed: [shared] });
        b.role('closed', { employee: 'E-2', tags: { team: 'search' }, trust: trustAccount(), managed: [shared] });
        return b.build();
      };
      const snapshot = twins();

      // Act: each planned alone, and both on one snapshot, the closed one first.
      const alone = { open: computeReach(twins(), EMPLOYEE), closed: computeReach(twins(), 'E-2') };
      const together = { closed: computeReach(snapshot, 'E-2'), open: computeReach(snapshot, EMPLOYEE) };

      // Assess
      expect(entry(together.open, KEY)?.conditional).toBe(true);
      expect(entry(together.closed, KEY)).toBeUndefined();
      expect(together).toEqual(alone);
    });

    it('reaches keys whose ARN a Resource element builds from the tag', () => {
      // Prepare
      const b = new AccountBuilder();
      const teamKey = b.key('payments-1');
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow(['sts:AssumeRole', 'sts:TagSession'], roleArn('search')))] });
      b.role('search', {
        tags: { team: 'search' },
        trust: tagSessions,
        inline: [policy(allow('kms:Sign', keyArn('${aws:PrincipalTag/team}-*')))],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, teamKey)?.conditional).toBe(true);
    });

    it("keeps to the role's own tags when its trust policy does not allow sts:TagSession", () => {
      // Act
      const report = computeReach(searchRole(trustAccount()), EMPLOYEE);

      // Assess
      expect(report.reachablePrincipals.map((p) => p.arn)).toContain(roleArn('search'));
      expect(entry(report, KEY)).toBeUndefined();
    });
  });

  describe('tags the engineer chooses', () => {
    /** A key policy that lets in principals of the account tagged team=payments. */
    const paymentsSigners = policy({
      Sid: 'PaymentsSigners',
      Effect: 'Allow',
      Principal: { AWS: ROOT },
      Action: 'kms:Sign',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalTag/team': 'payments' } },
    });

    /** alice (E-1) may assume `search` (tagged `tags`), which may sign; the key lets in team payments only. */
    function searchRoleWith(statements: RawStatement[], tags: Tags = { team: 'search' }): AccountSnapshot {
      const b = new AccountBuilder();
      b.key('signing', { policy: paymentsSigners });
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow('sts:AssumeRole', roleArn('search')), ...statements)] });
      b.role('search', { tags, trust: trustAccount(), inline: [policy(allow('kms:Sign'))] });
      return b.build();
    }

    it('reaches a key whose policy tests a tag she can set on a role she can become, with the step that sets it', () => {
      // Act
      const report = computeReach(searchRoleWith([allow('iam:TagRole', roleArn('search'))]), EMPLOYEE);

      // Assess
      const reached = entry(report, KEY);
      expect(reached).toMatchObject({
        conditional: true,
        conditions: [expect.objectContaining({ key: 'aws:PrincipalTag/team', values: ['payments'] })],
      });
      expect(reached?.paths[0]?.map((s) => [s.to, s.via, s.effect])).toEqual([
        [roleArn('search'), 'iam:TagRole', 'choose-tags'],
        [roleArn('search'), 'sts:AssumeRole', 'become'],
        [KEY, 'kms:Sign', 'access'],
      ]);
      expect(report.reachablePrincipals.find((p) => p.arn === roleArn('search'))).toMatchObject({ conditional: false, tagsChosen: true });
    });

    it('does not reach it when she can tag the role but not become it, or become it but not tag it', () => {
      // Prepare
      const tagOnly = new AccountBuilder();
      tagOnly.key('signing', { policy: paymentsSigners });
      tagOnly.user('alice', { employee: EMPLOYEE, inline: [policy(allow('iam:TagRole', roleArn('search')))] });
      tagOnly.role('search', { tags: { team: 'search' }, trust: trustAccount(), inline: [policy(allow('kms:Sign'))] });

      // Act
      const tagging = computeReach(tagOnly.build(), EMPLOYEE);
      const assuming = computeReach(searchRoleWith([]), EMPLOYEE);

      // Assess
      expect(entry(tagging, KEY)).toBeUndefined();
      expect(entry(assuming, KEY)).toBeUndefined();
      expect(assuming.reachablePrincipals.find((p) => p.arn === roleArn('search'))?.tagsChosen).toBe(false);
    });

    it('reaches a key whose policy names one role and tests its tags, among many alike roles she can tag', () => {
      // Prepare: five roles with the same policies and tags; the key policy names only the last.
      const b = new AccountBuilder();
      const named = roleArn('named');
      b.key('signing', {
        policy: policy({
          Sid: 'NamedPaymentsRole',
          Effect: 'Allow',
          Principal: { AWS: named },
          Action: 'kms:Sign',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalTag/team': 'payments' } },
        }),
      });
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow(['sts:AssumeRole', 'iam:TagRole'], roleArn('*')))] });
      for (const name of ['plain-0', 'plain-1', 'plain-2', 'plain-3', 'named']) {
        b.role(name, { tags: { team: 'search' }, trust: trustAccount(), inline: [policy(allow('s3:GetObject'))] });
      }

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.paths[0]?.map((s) => [s.to, s.effect])).toEqual([
        [named, 'choose-tags'],
        [named, 'become'],
        [KEY, 'access'],
      ]);
      expect(report.reachablePrincipals.filter((p) => p.tagsChosen).map((p) => p.arn)).toHaveLength(5);
    });

    it('reaches the key, conditionally, when she may tag the role only under a condition it cannot know', () => {
      // Prepare: she becomes the role first; tagging it needs MFA, so it comes only in the walk's second phase.
      const b = new AccountBuilder();
      b.key('signing', { policy: paymentsSigners });
      b.role('search', { tags: { team: 'search' }, trust: trustAccount(), inline: [policy(allow('kms:Sign'))] });
      b.role('tagger', {
        trust: trustAccount(),
        inline: [
          policy({
            Effect: 'Allow',
            Action: 'iam:TagRole',
            Resource: roleArn('search'),
            Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
          }),
        ],
      });
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow('sts:AssumeRole', [roleArn('search'), roleArn('tagger')]))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(
        entry(report, KEY)
          ?.conditions?.map((c) => c.key)
          .sort(),
      ).toEqual(['aws:MultiFactorAuthPresent', 'aws:PrincipalTag/team']);
      expect(report.reachablePrincipals.find((p) => p.arn === roleArn('search'))).toMatchObject({ conditional: false, tagsChosen: true });
    });

    it('keeps reach that the role has with its own tags unconditional', () => {
      // Act: the role is tagged team=payments already; she may also retag it.
      const report = computeReach(searchRoleWith([allow('iam:TagRole', roleArn('search'))], { team: 'payments' }), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.conditional).toBe(false);
      expect(entry(report, KEY)?.paths[0]?.map((s) => s.effect)).toEqual(['become', 'access']);
    });

    it('reaches keys whose ARN a Resource element builds from a tag she can set', () => {
      // Prepare: as tagged, the role signs with keys named search-*; retagged, with any team's.
      const b = new AccountBuilder();
      const teamKey = b.key('payments-1');
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow(['sts:AssumeRole', 'iam:TagRole'], roleArn('search')))] });
      b.role('search', {
        tags: { team: 'search' },
        trust: trustAccount(),
        inline: [policy(allow('kms:Sign', keyArn('${aws:PrincipalTag/team}-*')))],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, teamKey)?.conditional).toBe(true);
    });

    it('lets a tag she sets avoid an SCP Deny that tests the tag', () => {
      // Prepare: the SCP keeps team search away from signing; she may retag her own user.
      const build = (statements: RawStatement[]): AccountSnapshot => {
        const b = new AccountBuilder();
        b.key('signing');
        b.user('alice', { employee: EMPLOYEE, tags: { team: 'search' }, inline: [policy(allow('kms:Sign', KEY), ...statements)] });
        b.serviceControlPolicies([
          policy(allow('*'), deny('kms:Sign', '*', { Condition: { StringEquals: { 'aws:PrincipalTag/team': 'search' } } })),
        ]);
        return b.build();
      };

      // Act
      const retagging = computeReach(build([allow('iam:TagUser', userArn('alice'))]), EMPLOYEE);
      const fixed = computeReach(build([]), EMPLOYEE);

      // Assess
      expect(entry(retagging, KEY)?.conditional).toBe(true);
      expect(entry(retagging, KEY)?.paths[0]?.map((s) => s.via)).toEqual(['iam:TagUser', 'kms:Sign']);
      expect(entry(fixed, KEY)).toBeUndefined();
    });

    it.each([
      ['sts:GetFederationToken alone', [allow('sts:GetFederationToken')], false],
      ['sts:TagSession alone', [allow('sts:TagSession')], false],
      ['both', [allow(['sts:GetFederationToken', 'sts:TagSession'])], true],
    ])('federates her own user with session tags only when she holds both actions: %s', (_, statements, reached) => {
      // Prepare
      const b = new AccountBuilder();
      b.key('signing', { policy: paymentsSigners });
      b.user('alice', { employee: EMPLOYEE, tags: { team: 'search' }, inline: [policy(allow('kms:Sign'), ...statements)] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY) !== undefined).toBe(reached);
      expect(report.reachablePrincipals[0]?.tagsChosen).toBe(reached);
    });

    it('does not let a role federate itself: only an IAM user may call sts:GetFederationToken', () => {
      // Prepare
      const b = new AccountBuilder();
      b.key('signing', { policy: paymentsSigners });
      b.role('ops', {
        employee: EMPLOYEE,
        tags: { team: 'search' },
        trust: trustAccount(),
        inline: [policy(allow(['kms:Sign', 'sts:GetFederationToken', 'sts:TagSession']))],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('applies a tag set by one principal to every state of the target, escalated ones included', () => {
      // Prepare: alice may rewrite the role's policies (so act as it with a layer that allows
      // everything) and tag it; only the key policy's tag test stands in the way.
      const b = new AccountBuilder();
      b.key('signing', { policy: paymentsSigners });
      b.user('alice', {
        employee: EMPLOYEE,
        inline: [policy(allow(['sts:AssumeRole', 'iam:PutRolePolicy', 'iam:TagRole'], roleArn('search')))],
      });
      b.role('search', { tags: { team: 'search' }, trust: trustAccount(), inline: [policy(allow('s3:ListAllMyBuckets'))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.conditional).toBe(true);
      expect(entry(report, KEY)?.paths[0]?.map((s) => s.effect)).toEqual(['choose-tags', 'escalate', 'become', 'access']);
    });
  });

  describe('resource tags the engineer chooses', () => {
    /** A key policy that lets in principals of the account whose team tag matches the key's. */
    const sameTeamSigners = policy(
      { Sid: 'Admins', Effect: 'Allow', Principal: { AWS: ROOT }, Action: ['kms:TagResource', 'kms:DescribeKey'], Resource: '*' },
      {
        Sid: 'SameTeam',
        Effect: 'Allow',
        Principal: { AWS: ROOT },
        Action: 'kms:Sign',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
      },
    );

    /** alice (E-1, team search) may sign anything and holds the given statements; the key belongs to team payments. */
    function aliceAndPaymentsKey(statements: RawStatement[], keyPolicy: RawPolicy = sameTeamSigners, keyTags: Tags = { team: 'payments' }) {
      const b = new AccountBuilder();
      b.key('signing', { policy: keyPolicy, tags: keyTags });
      b.user('alice', { employee: EMPLOYEE, tags: { team: 'search' }, inline: [policy(allow('kms:Sign'), ...statements)] });
      return b;
    }

    it('reaches a key whose policy tests its tags when she can retag it, with the tagging step first', () => {
      // Act
      const report = computeReach(aliceAndPaymentsKey([allow('kms:TagResource', KEY)]).build(), EMPLOYEE);

      // Assess
      const reached = entry(report, KEY);
      expect(reached).toMatchObject({
        conditional: true,
        conditions: [expect.objectContaining({ key: 'aws:ResourceTag/team', policy: KEY, statement: 'SameTeam' })],
      });
      expect(reached?.paths[0]?.map((s) => [s.from, s.to, s.via, s.effect, s.escalation])).toEqual([
        [userArn('alice'), KEY, 'kms:TagResource', 'choose-resource-tags', 'sever-013'],
        [userArn('alice'), KEY, 'kms:Sign', 'access', undefined],
      ]);
      expect(reached?.paths[0]?.[0]).toMatchObject({ policy: `${userArn('alice')}#inline:inline-0`, statement: 1 });
    });

    it('does not reach it without the right to tag it, or when the key policy keeps tagging from IAM policies', () => {
      // Prepare
      const keyOnlyForOthers = policy(
        { Sid: 'Owners', Effect: 'Allow', Principal: { AWS: userArn('owner') }, Action: 'kms:*', Resource: '*' },
        sameTeamSigners.Statement[1] as RawStatement,
      );

      // Act
      const untagged = computeReach(aliceAndPaymentsKey([]).build(), EMPLOYEE);
      const closed = computeReach(aliceAndPaymentsKey([allow('kms:TagResource', KEY)], keyOnlyForOthers).build(), EMPLOYEE);

      // Assess
      expect(entry(untagged, KEY)).toBeUndefined();
      expect(entry(closed, KEY)).toBeUndefined();
    });

    it('stops a Deny that tests the tags from shutting her out, but not one that does not', () => {
      // Prepare: the key is marked protected, and an SCP denies signing protected keys.
      const fence = (condition: RawStatement) =>
        policy({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'kms:Sign', Resource: '*', ...condition });
      const build = (condition: RawStatement, tagging: RawStatement[]) => {
        const b = aliceAndPaymentsKey(tagging, rootKeyPolicy(), { protected: 'true' });
        b.serviceControlPolicies([fence(condition)]);
        return b.build();
      };
      const onTag = { Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } } };
      const onCaller = { Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } } };

      // Act
      const retagged = computeReach(build(onTag, [allow('kms:TagResource', KEY)]), EMPLOYEE);
      const fenced = computeReach(build(onTag, []), EMPLOYEE);
      const fencedAnyway = computeReach(build(onCaller, [allow('kms:TagResource', KEY)]), EMPLOYEE);

      // Assess
      expect(entry(retagged, KEY)).toMatchObject({
        conditional: true,
        conditions: [expect.objectContaining({ key: 'aws:ResourceTag/protected' })],
      });
      expect(entry(fenced, KEY)).toBeUndefined();
      expect(entry(fencedAnyway, KEY)).toBeUndefined();
    });

    it('does not reach it when an SCP denies tagging', () => {
      // Prepare
      const b = aliceAndPaymentsKey([allow('kms:TagResource', KEY)]);
      b.serviceControlPolicies([policy({ Effect: 'Allow', Action: '*', Resource: '*' }, deny('kms:TagResource'))]);

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
    });

    it('keeps reach it has without tagging unconditional', () => {
      // Act: the key is team search's own.
      const report = computeReach(
        aliceAndPaymentsKey([allow('kms:TagResource', KEY)], sameTeamSigners, { team: 'search' }).build(),
        EMPLOYEE,
      );

      // Assess
      expect(entry(report, KEY)).toMatchObject({ conditional: false });
      expect(entry(report, KEY)?.paths[0]?.map((s) => s.effect)).toEqual(['access']);
    });

    it('uses a tag right held by a role she becomes for a request she makes as herself', () => {
      // Prepare
      const b = aliceAndPaymentsKey([allow('sts:AssumeRole', roleArn('tagger'))]);
      b.role('tagger', { trust: trustAccount(), inline: [policy(allow('kms:TagResource'))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.paths[0]?.map((s) => [s.from, s.via])).toEqual([
        [userArn('alice'), 'sts:AssumeRole'],
        [roleArn('tagger'), 'kms:TagResource'],
        [userArn('alice'), 'kms:Sign'],
      ]);
    });

    it('reaches a secret and a parameter whose policies test their tags, through their services’ own tag keys', () => {
      // Prepare
      const b = new AccountBuilder();
      const secret = b.secret('jwt', { tags: { team: 'payments' } });
      const parameter = b.parameter('jwt', { tags: { team: 'payments' } });
      const readOwnTeam = (action: string, key: string) =>
        allow(action, '*', { Condition: { StringEquals: { [key]: '${aws:PrincipalTag/team}' } } });
      b.user('alice', {
        employee: EMPLOYEE,
        tags: { team: 'search' },
        inline: [
          policy(
            readOwnTeam('secretsmanager:GetSecretValue', 'secretsmanager:ResourceTag/team'),
            readOwnTeam('ssm:GetParameter', 'ssm:resourceTag/team'),
            allow(['secretsmanager:TagResource', 'ssm:AddTagsToResource']),
          ),
        ],
      });
      const withoutTagging = new AccountBuilder();
      withoutTagging.secret('jwt', { tags: { team: 'payments' } });
      withoutTagging.user('alice', {
        employee: EMPLOYEE,
        tags: { team: 'search' },
        inline: [policy(readOwnTeam('secretsmanager:GetSecretValue', 'secretsmanager:ResourceTag/team'))],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);
      const untagged = computeReach(withoutTagging.build(), EMPLOYEE);

      // Assess
      expect(entry(report, secret)?.paths[0]?.map((s) => [s.via, s.escalation])).toEqual([
        ['secretsmanager:TagResource', 'sever-014'],
        ['secretsmanager:GetSecretValue', undefined],
      ]);
      expect(entry(report, parameter)?.paths[0]?.map((s) => [s.via, s.escalation])).toEqual([
        ['ssm:AddTagsToResource', 'sever-015'],
        ['ssm:GetParameter', undefined],
      ]);
      expect(entry(untagged, secretArn('jwt'))).toBeUndefined();
    });

    it('finds the right to tag held by one of two roles alike but for the principal tag the key policy tests', () => {
      // Prepare: r1 and r2 share their policies; the key policy lets only principals tagged duty=tagger tag the key.
      const build = (order: readonly string[]) => {
        const b = new AccountBuilder();
        b.key('signing', {
          tags: { team: 'payments' },
          policy: policy(
            {
              Sid: 'SignSearch',
              Effect: 'Allow',
              Principal: { AWS: ROOT },
              Action: 'kms:Sign',
              Resource: '*',
              Condition: { StringEquals: { 'aws:ResourceTag/team': 'search' } },
            },
            {
              Sid: 'Taggers',
              Effect: 'Allow',
              Principal: { AWS: ROOT },
              Action: 'kms:TagResource',
              Resource: '*',
              Condition: { StringEquals: { 'aws:PrincipalTag/duty': 'tagger' } },
            },
          ),
        });
        const tagging = b.managed('tagging', policy(allow('kms:TagResource')));
        b.user('alice', { employee: EMPLOYEE, inline: [policy(allow('kms:Sign'), allow('sts:AssumeRole', roleArn('*')))] });
        for (const r of order) b.role(r, { trust: trustAccount(), managed: [tagging], tags: { duty: r === 'r2' ? 'tagger' : 'plain' } });
        return b.build();
      };

      // Act
      const reports = [build(['r1', 'r2']), build(['r2', 'r1'])].map((snapshot) => computeReach(snapshot, EMPLOYEE));

      // Assess
      for (const report of reports) {
        expect(entry(report, KEY)?.paths[0]?.map((s) => [s.from, s.via])).toEqual([
          [userArn('alice'), 'sts:AssumeRole'],
          [roleArn('r2'), 'kms:TagResource'],
          [userArn('alice'), 'kms:Sign'],
        ]);
      }
    });

    it('reaches a secret whose KMS key lets it be decrypted only under a tag she can set on the key', () => {
      // Prepare
      const build = (keyTeam: string) => {
        const b = new AccountBuilder();
        const cmk = b.key('cmk', {
          usage: 'ENCRYPT_DECRYPT',
          tags: { team: keyTeam },
          policy: policy(
            { Sid: 'Admins', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:TagResource', Resource: '*' },
            {
              Sid: 'DecryptSearch',
              Effect: 'Allow',
              Principal: { AWS: ROOT },
              Action: 'kms:Decrypt',
              Resource: '*',
              Condition: { StringEquals: { 'aws:ResourceTag/team': 'search' } },
            },
          ),
        });
        b.secret('jwt', { kmsKeyId: cmk });
        b.user('alice', {
          employee: EMPLOYEE,
          inline: [policy(allow(['secretsmanager:GetSecretValue', 'kms:Decrypt', 'kms:TagResource']))],
        });
        return b.build();
      };

      // Act
      const retagged = computeReach(build('payments'), EMPLOYEE);
      const asTagged = computeReach(build('search'), EMPLOYEE);

      // Assess
      expect(entry(retagged, secretArn('jwt'))).toMatchObject({ conditional: true });
      expect(entry(retagged, secretArn('jwt'))?.paths[0]?.map((s) => [s.to, s.via, s.escalation])).toEqual([
        [keyArn('cmk'), 'kms:TagResource', 'sever-013'],
        [secretArn('jwt'), 'secretsmanager:GetSecretValue+kms:Decrypt', undefined],
      ]);
      expect(entry(asTagged, secretArn('jwt'))).toMatchObject({ conditional: false });
    });

    it('reaches a secret whose read and whose key both test tags, when she can tag both', () => {
      // Prepare
      const open = { Condition: { StringEquals: { 'aws:ResourceTag/open': 'yes' } } };
      const build = (tagging: readonly string[]) => {
        const b = new AccountBuilder();
        const cmk = b.key('cmk', { usage: 'ENCRYPT_DECRYPT' });
        b.secret('jwt', { kmsKeyId: cmk });
        b.user('alice', {
          employee: EMPLOYEE,
          inline: [
            policy(
              allow('secretsmanager:GetSecretValue', '*', open),
              allow('kms:Decrypt', '*', open),
              ...(tagging.length > 0 ? [allow([...tagging])] : []),
            ),
          ],
        });
        return b.build();
      };

      // Act
      const both = computeReach(build(['secretsmanager:TagResource', 'kms:TagResource']), EMPLOYEE);
      const secretOnly = computeReach(build(['secretsmanager:TagResource']), EMPLOYEE);

      // Assess
      expect(entry(both, secretArn('jwt'))?.paths[0]?.map((s) => [s.to, s.via])).toEqual([
        [secretArn('jwt'), 'secretsmanager:TagResource'],
        [keyArn('cmk'), 'kms:TagResource'],
        [secretArn('jwt'), 'secretsmanager:GetSecretValue+kms:Decrypt'],
      ]);
      expect(entry(secretOnly, secretArn('jwt'))).toBeUndefined();
    });

    it('escalates a role whose policies she may edit only when it carries a tag she can set', () => {
      // Prepare: she may assume `app`, which cannot sign, and edit the policies of roles tagged team=ops.
      const build = (tagging: RawStatement[]) => {
        const b = new AccountBuilder();
        b.key('signing');
        b.user('alice', {
          employee: EMPLOYEE,
          inline: [
            policy(
              allow('sts:AssumeRole', roleArn('app')),
              allow('iam:PutRolePolicy', roleArn('*'), { Condition: { StringEquals: { 'aws:ResourceTag/team': 'ops' } } }),
              ...tagging,
            ),
          ],
        });
        b.role('app', { trust: trustAccount(), tags: { team: 'web' }, inline: [policy(allow('s3:GetObject'))] });
        return b.build();
      };

      // Act
      const report = computeReach(build([allow('iam:TagRole', roleArn('app'))]), EMPLOYEE);
      const untagged = computeReach(build([]), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.conditional).toBe(true);
      const steps = entry(report, KEY)?.paths[0]?.filter((s) => s.escalation !== 'sever-009');
      expect(steps?.map((s) => [s.via, s.effect])).toEqual([
        ['iam:TagRole', 'choose-resource-tags'],
        ['iam:PutRolePolicy', 'escalate'],
        ['sts:AssumeRole', 'become'],
        ['kms:Sign', 'access'],
      ]);
      expect(entry(untagged, KEY)).toBeUndefined();
    });

    it('assumes a role whose trust she rewrites once she tags it, when a Deny on assuming tests its tags', () => {
      // Prepare
      const build = (tagging: readonly string[]) => {
        const b = new AccountBuilder();
        b.key('signing');
        b.user('other');
        b.role('target', { trust: trustPrincipals(userArn('other')), inline: [policy(allow('kms:Sign', KEY))] });
        b.user('alice', {
          employee: EMPLOYEE,
          inline: [
            policy(
              allow(['iam:UpdateAssumeRolePolicy', ...tagging], roleArn('target')),
              deny('sts:AssumeRole', '*', { Condition: { StringNotEquals: { 'aws:ResourceTag/open': 'yes' } } }),
            ),
          ],
        });
        return b.build();
      };

      // Act
      const report = computeReach(build(['iam:TagRole']), EMPLOYEE);
      const untagged = computeReach(build([]), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.conditional).toBe(true);
      expect(entry(report, KEY)?.paths[0]?.map((s) => s.via)).toContain('iam:UpdateAssumeRolePolicy+sts:AssumeRole');
      expect(entry(untagged, KEY)).toBeUndefined();
    });

    it('asks a state reached through tags for its own rights to tag, though it shares its outputs with one asked before', () => {
      // Prepare: r1 and r2 share their policies; the key policy lets only r2 tag the key; r1 reaches r2 only by tagging it.
      const b = new AccountBuilder();
      b.key('signing', {
        policy: policy(
          { Sid: 'Iam', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:Sign', Resource: '*' },
          {
            Sid: 'Tag',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 'kms:TagResource',
            Resource: '*',
            Condition: { ArnEquals: { 'aws:PrincipalArn': roleArn('r2') } },
          },
        ),
      });
      const open = { Condition: { StringEquals: { 'aws:ResourceTag/open': 'yes' } } };
      const shared = b.managed(
        'shared',
        policy(
          allow('sts:AssumeRole', '*', open),
          allow('iam:TagRole', roleArn('r2')),
          allow('kms:TagResource'),
          allow('kms:Sign', '*', open),
        ),
      );
      b.role('r1', { trust: trustAccount(), employee: EMPLOYEE, managed: [shared] });
      b.role('r2', { trust: trustAccount(), managed: [shared] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      const steps = entry(report, KEY)?.paths[0]?.filter((s) => s.escalation !== 'sever-009');
      expect(steps?.map((s) => [s.from, s.via])).toEqual([
        [roleArn('r1'), 'iam:TagRole'],
        [roleArn('r1'), 'sts:AssumeRole'],
        [roleArn('r2'), 'kms:TagResource'],
        [roleArn('r1'), 'kms:Sign'],
      ]);
    });

    it('counts the tags of a customer managed policy as unknown: the snapshot does not hold them', () => {
      // Prepare: she may write a new version of policies tagged team=ops; her own policy is one.
      const b = new AccountBuilder();
      b.key('signing');
      const mine = b.managed('mine', policy(allow('s3:GetObject')));
      b.user('alice', {
        employee: EMPLOYEE,
        managed: [mine],
        inline: [
          policy(allow('iam:CreatePolicyVersion', policyArn('*'), { Condition: { StringEquals: { 'aws:ResourceTag/team': 'ops' } } })),
        ],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toMatchObject({
        conditional: true,
        conditions: [expect.objectContaining({ key: 'aws:ResourceTag/team', values: ['ops'] })],
      });
    });

    it('reaches a role she can pass to Lambda once she tags it, when passing tests its tags', () => {
      // Prepare
      const b = new AccountBuilder();
      b.key('signing');
      b.user('alice', {
        employee: EMPLOYEE,
        inline: [
          policy(
            allow('iam:PassRole', roleArn('*'), { Condition: { StringEquals: { 'aws:ResourceTag/team': 'search' } } }),
            allow(['lambda:CreateFunction', 'lambda:InvokeFunction']),
            allow('iam:TagRole', roleArn('payments-fn')),
          ),
        ],
      });
      b.role('payments-fn', {
        trust: trustService('lambda.amazonaws.com'),
        tags: { team: 'payments' },
        inline: [policy(allow('kms:Sign'))],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(report.reachablePrincipals.find((p) => p.arn === roleArn('payments-fn'))).toMatchObject({ conditional: true });
      // Tagging the role also chooses its principal tags (sever-009): the witness may show that step too.
      const steps = entry(report, KEY)?.paths[0]?.filter((s) => s.escalation !== 'sever-009');
      expect(steps?.map((s) => [s.to, s.escalation])).toEqual([
        [roleArn('payments-fn'), 'sever-016'],
        [roleArn('payments-fn'), 'lambda-001'],
        [KEY, undefined],
      ]);
    });
  });

  describe('conditional reach', () => {
    it('reports reach behind an undecidable condition as conditional, with the condition', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('kms:Sign', KEY, { Sid: 'OfficeOnly', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }));

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      const use = entry(report, KEY);
      expect(use?.conditional).toBe(true);
      expect(use?.conditions).toEqual([
        expect.objectContaining({ key: 'aws:SourceIp', operator: 'IpAddress', values: ['10.0.0.0/8'], statement: 'OfficeOnly' }),
      ]);
    });

    it('marks a hop behind an undecidable trust condition and everything beyond it conditional', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('sts:AssumeRole', roleArn('vendor')));
      b.role('vendor', {
        trust: trustAccount({ Condition: { StringEquals: { 'sts:ExternalId': 'abc' } } }),
        inline: [policy(allow('kms:Sign', KEY))],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(report.reachablePrincipals.find((p) => p.arn === roleArn('vendor'))?.conditional).toBe(true);
      expect(entry(report, KEY)).toMatchObject({ conditional: true, conditions: [expect.objectContaining({ key: 'sts:ExternalId' })] });
    });

    it('prefers an unconditional path when one exists', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('sts:AssumeRole', [roleArn('vendor'), roleArn('plain')]));
      b.role('vendor', {
        trust: trustAccount({ Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }),
        inline: [policy(allow('kms:Sign', KEY))],
      });
      b.role('plain', { trust: trustAccount(), inline: [policy(allow('sts:AssumeRole', roleArn('vendor2')))] });
      b.role('vendor2', { trust: trustAccount(), inline: [policy(allow('kms:Sign', KEY))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      const use = entry(report, KEY);
      expect(use?.conditional).toBe(false);
      expect(use?.paths[0]?.map((s) => s.to)).toEqual([roleArn('plain'), roleArn('vendor2'), KEY]);
      expect(use?.paths.length).toBeGreaterThan(1);
    });

    it('reports workloads the snapshot cannot see as assumptions, and drops them when told to', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('lambda:UpdateFunctionCode'));
      b.role('fn', { trust: trustService('lambda.amazonaws.com'), inline: [policy(allow('kms:Sign', KEY))] });
      const snapshot = b.build();

      // Act
      const assumed = computeReach(snapshot, EMPLOYEE);
      const strict = computeReach(snapshot, EMPLOYEE, { assumeExistingWorkloads: false });

      // Assess
      expect(entry(assumed, KEY)?.conditions).toEqual([expect.objectContaining({ policy: 'sever:assumption', statement: 'lambda-003' })]);
      expect(entry(strict, KEY)).toBeUndefined();
    });

    it('reports a service trust under an undecidable condition as conditional, and aws:SourceAccount of this account as satisfied', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow(['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction']));
      b.role('fn', {
        trust: trustService('lambda.amazonaws.com', { Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }),
        inline: [policy(allow('kms:Sign', KEY))],
      });
      b.key('other');
      b.role('fn2', {
        trust: trustService('lambda.amazonaws.com', { Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:lambda:*:*:function:prod-*' } } }),
        inline: [policy(allow('kms:Sign', keyArn('other')))],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.conditional).toBe(false);
      expect(entry(report, keyArn('other'))?.conditions).toEqual([expect.objectContaining({ key: 'aws:SourceArn' })]);
    });
  });

  describe('pass-role hops', () => {
    it('follows iam:PassRole only to services the condition allows', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(
        b,
        allow('iam:PassRole', '*', { Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } }),
        allow(['lambda:CreateFunction', 'lambda:InvokeFunction', 'ecs:RegisterTaskDefinition', 'ecs:CreateCluster', 'ecs:RunTask']),
      );
      b.role('fn', { trust: trustService('lambda.amazonaws.com'), inline: [policy(allow('kms:Sign', KEY))] });
      b.key('task-key');
      b.role('task', { trust: trustService('ecs-tasks.amazonaws.com'), inline: [policy(allow('kms:Sign', keyArn('task-key')))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
      expect(entry(report, keyArn('task-key'))?.paths[0]?.[0]).toMatchObject({ escalation: 'ecs-002', to: roleArn('task') });
    });

    it('does not pass roles the service is not trusted by', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow(['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction']));
      b.role('not-lambda', { trust: trustAccount(), inline: [policy(allow('kms:Sign', KEY))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)).toBeUndefined();
    });
  });

  describe('workloads behind a boundary or an SCP', () => {
    const PROD_FUNCTIONS = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:prod-*`;

    /**
     * alice (E-1) may replace the code of prod-* functions and rewrite her own policies; a Lambda
     * function could run as `exec`, which may sign. A boundary or an SCP lets Lambda through for
     * prod-* functions only, so the state in which she has rewritten her policies (allowing
     * everything) must still find those names.
     */
    function limitedToProdFunctions(limit: 'boundary' | 'scp'): AccountSnapshot {
      const b = new AccountBuilder();
      const statements = [allow('lambda:UpdateFunctionCode', PROD_FUNCTIONS), allow('iam:PutUserPolicy', userArn('alice'))];
      const boundary = limit === 'boundary' ? b.managed('prod-functions-only', policy(...statements)) : undefined;
      b.user('alice', { employee: EMPLOYEE, inline: [policy(...statements)], ...(boundary !== undefined ? { boundary } : {}) });
      b.role('exec', { trust: trustService('lambda.amazonaws.com'), inline: [policy(allow('kms:Sign', KEY))] });
      b.key('signing');
      if (limit === 'scp') {
        // No sts:AssumeRole either, so rewriting exec's trust policy is no way round.
        b.serviceControlPolicies([
          policy(allow('*'), { Effect: 'Deny', Action: 'lambda:*', NotResource: PROD_FUNCTIONS }, deny('sts:AssumeRole')),
        ]);
      }
      return b.build();
    }

    it.each(['boundary', 'scp'] as const)('reaches the role a function runs as, though she can also rewrite her policies (%s)', (limit) => {
      // Act
      const report = computeReach(limitedToProdFunctions(limit), EMPLOYEE);

      // Assess
      const exec = report.reachablePrincipals.find((p) => p.arn === roleArn('exec'));
      expect(exec?.path.some((step) => step.via.includes('lambda:'))).toBe(true);
      expect(entry(report, KEY)).toBeDefined();
    });
  });

  describe('KMS grants', () => {
    it('counts a grant of the use operation to the employee, whatever the policies say', () => {
      // Prepare
      const b = new AccountBuilder();
      b.user('alice', { employee: EMPLOYEE });
      b.key('signing', {
        policy: closedKeyPolicy(['arn:aws:iam::999999999999:root']),
        grants: [{ grantId: 'g-123', granteePrincipal: userArn('alice'), operations: ['Sign', 'Verify'] }],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      const use = entry(report, KEY);
      expect(use?.grants).toEqual(['g-123']);
      expect(use?.paths[0]?.[0]).toMatchObject({ via: 'kms-grant', grantId: 'g-123', statement: 'g-123', policy: `${KEY}#grant:g-123` });
    });

    it('counts a grant to a role the employee can become', () => {
      // Prepare
      const b = new AccountBuilder();
      b.user('alice', { employee: EMPLOYEE });
      b.role('signer', { trust: trustPrincipals(userArn('alice')) });
      b.key('signing', {
        policy: closedKeyPolicy(['arn:aws:iam::999999999999:root']),
        grants: [{ grantId: 'g-9', granteePrincipal: roleArn('signer'), operations: ['Sign'] }],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, KEY)?.paths[0]?.map((s) => s.via)).toEqual(['sts:AssumeRole', 'kms-grant']);
    });

    it('ignores a grant without the use operation', () => {
      // Prepare
      const b = new AccountBuilder();
      b.user('alice', { employee: EMPLOYEE });
      b.key('signing', {
        policy: closedKeyPolicy(['arn:aws:iam::999999999999:root']),
        grants: [{ grantId: 'g-1', granteePrincipal: userArn('alice'), operations: ['Verify', 'GetPublicKey'] }],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(report.reach).toEqual([]);
    });
  });

  describe('secrets and parameters', () => {
    it('requires kms:Decrypt on the customer key protecting a signing secret', () => {
      // Prepare
      const b = new AccountBuilder();
      b.key('cmk', { usage: 'ENCRYPT_DECRYPT', aliases: ['alias/secrets'] });
      b.secret('jwt', { kmsKeyId: 'alias/secrets' });
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow('secretsmanager:GetSecretValue'))] });
      b.user('bob', { employee: 'E-2', inline: [policy(allow(['secretsmanager:GetSecretValue', 'kms:Decrypt']))] });
      const snapshot = b.build();

      // Act
      const alice = computeReach(snapshot, EMPLOYEE);
      const bob = computeReach(snapshot, 'E-2');

      // Assess
      expect(entry(alice, secretArn('jwt'))).toBeUndefined();
      expect(entry(bob, secretArn('jwt'))).toMatchObject({ kind: 'secret', name: 'jwt', actions: ['secretsmanager:GetSecretValue'] });
      expect(entry(bob, secretArn('jwt'))?.paths[0]?.at(-1)?.via).toBe('secretsmanager:GetSecretValue+kms:Decrypt');
    });

    it('passes the Secrets Manager request context to kms:Decrypt conditions', () => {
      // Prepare
      const b = new AccountBuilder();
      b.key('cmk', { usage: 'ENCRYPT_DECRYPT' });
      b.secret('jwt', { kmsKeyId: 'cmk' });
      b.user('alice', {
        employee: EMPLOYEE,
        inline: [
          policy(
            allow('secretsmanager:GetSecretValue'),
            allow('kms:Decrypt', keyArn('cmk'), {
              Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
            }),
          ),
        ],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, secretArn('jwt'))?.conditional).toBe(false);
    });

    it('needs no kms:Decrypt for a secret under the AWS-managed key, and reports a missing customer key as an assumption', () => {
      // Prepare
      const b = new AccountBuilder();
      b.secret('default');
      b.secret('elsewhere', { kmsKeyId: 'arn:aws:kms:eu-west-1:999999999999:key/x' });
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow('secretsmanager:GetSecretValue'))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, secretArn('default'))?.conditional).toBe(false);
      expect(entry(report, secretArn('elsewhere'))).toMatchObject({
        conditional: true,
        conditions: [expect.objectContaining({ policy: 'sever:assumption' })],
      });
      expect(report.warnings.some((w) => w.includes('999999999999:key/x'))).toBe(true);
    });

    it('counts a secret resource policy naming the user, and control through PutSecretValue', () => {
      // Prepare
      const b = new AccountBuilder();
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow('secretsmanager:PutSecretValue', secretArn('jwt')))] });
      b.secret('jwt', {
        policy: policy({
          Sid: 'Reader',
          Effect: 'Allow',
          Principal: { AWS: userArn('alice') },
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
        }),
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, secretArn('jwt'))?.paths[0]?.[0]).toMatchObject({ policy: secretArn('jwt'), statement: 'Reader' });
      expect(entry(report, secretArn('jwt'), 'control')?.actions).toEqual(['secretsmanager:PutSecretValue']);
    });

    it('ignores secrets and parameters not tagged as signing keys', () => {
      // Prepare
      const b = new AccountBuilder();
      b.secret('db-password', { signing: false });
      b.parameter('feature-flag', { signing: false, type: 'String' });
      b.user('alice', { employee: EMPLOYEE, inline: [policy(allow('*'))] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(report.reach).toEqual([]);
    });

    it('reports use of a signing parameter through any read action and control through ssm:PutParameter', () => {
      // Prepare
      const b = new AccountBuilder();
      b.key('cmk', { usage: 'ENCRYPT_DECRYPT' });
      b.parameter('signing/hmac', { keyId: keyArn('cmk') });
      b.user('alice', {
        employee: EMPLOYEE,
        inline: [
          policy(
            allow('ssm:GetParameterHistory', parameterArn('signing/hmac')),
            allow('kms:Decrypt', keyArn('cmk')),
            allow('ssm:PutParameter'),
          ),
        ],
      });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(entry(report, parameterArn('signing/hmac'))).toMatchObject({ kind: 'ssm-parameter', actions: ['ssm:GetParameterHistory'] });
      expect(entry(report, parameterArn('signing/hmac'), 'control')).toBeDefined();
    });
  });

  describe('employees', () => {
    it('returns an empty report with a warning for an employee without principals', () => {
      // Prepare
      const b = new AccountBuilder();
      aliceWith(b, allow('kms:Sign'));

      // Act
      const report = computeReach(b.build(), 'E-404');

      // Assess
      expect(report).toMatchObject({ employeeId: 'E-404', principals: [], reach: [], reachablePrincipals: [] });
      expect(report.warnings[0]).toContain('employee-id=E-404');
    });

    it('refuses an empty employee id with ERR_REACH_EMPLOYEE_ID', () => {
      // Prepare
      const snapshot = new AccountBuilder().build();

      // Act
      const attempt = (): ReachReport => computeReach(snapshot, '  ');

      // Assess
      expect(attempt).toThrow(ReachError);
      expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_REACH_EMPLOYEE_ID' }));
    });

    it('warns about managed policies the snapshot lacks', () => {
      // Prepare
      const b = new AccountBuilder();
      b.user('alice', { employee: EMPLOYEE, managed: ['arn:aws:iam::aws:policy/Missing'] });

      // Act
      const report = computeReach(b.build(), EMPLOYEE);

      // Assess
      expect(report.warnings.some((w) => w.includes('arn:aws:iam::aws:policy/Missing'))).toBe(true);
    });
  });
});
