// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables (${aws:username} …) are plain strings here.
import { describe, expect, it } from 'vitest';
import type { PolicySet, RequestContext } from '../../../../lambda/core/policy/evaluate.js';
import { authorize } from '../../../../lambda/core/policy/evaluate.js';
import type { PolicySource } from '../../../../lambda/core/policy/types.js';
import {
  ACCOUNT_ID,
  accountRoot,
  adminRole,
  alice,
  allowAll,
  DEPLOYER_SESSION_ARN,
  deployer,
  doc,
  identity,
  policies,
  ROOT_ARN,
  request,
  secret,
  signingKey,
  source,
} from './fixtures.js';

const ADMIN = identity('arn:aws:iam::aws:policy/AdministratorAccess', allowAll);
const SIGNER = identity('arn:aws:iam::111122223333:policy/signer', {
  Sid: 'Sign',
  Effect: 'Allow',
  Action: 'kms:Sign',
  Resource: signingKey.arn,
});
const FULL_ACCESS = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
const RCP_FULL_ACCESS = doc({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' });
const sign = (principal = alice): RequestContext => request(principal, 'kms:Sign', signingKey);

const keyPolicy = (...statements: object[]): PolicySource => source('resource', signingKey.arn, statements);
const rootKeyStatement = { Sid: 'EnableIAM', Effect: 'Allow', Principal: { AWS: ROOT_ARN }, Action: 'kms:*', Resource: '*' };
const boundary = (statements: object | object[]): PolicySource =>
  source('permissions-boundary', 'arn:aws:iam::111122223333:policy/boundary', statements);

describe('Function: authorize', () => {
  describe('rule: explicit deny wins', () => {
    const denySign = { Sid: 'NoSign', Effect: 'Deny', Action: 'kms:Sign', Resource: '*' };

    it('allows when an identity policy allows and nothing denies', () => {
      expect(authorize(sign(), policies({ identity: [ADMIN] }))).toEqual({
        decision: 'allow',
        conditional: false,
        unknownConditions: [],
        allowedBy: [{ policyId: ADMIN.id, policyKind: 'identity', statementIndex: 0 }],
      });
    });

    it.each<[string, Partial<PolicySet>]>([
      ['an identity policy', { identity: [ADMIN, identity('deny', denySign)] }],
      ['the permissions boundary', { identity: [ADMIN], permissionsBoundary: boundary([allowAll, denySign]) }],
      ['an SCP', { identity: [ADMIN], scps: [[FULL_ACCESS, doc(denySign)]] }],
      ['an RCP', { identity: [ADMIN], resourceMode: 'resource-policy', rcps: [[RCP_FULL_ACCESS, doc({ ...denySign, Principal: '*' })]] }],
      [
        'the key policy',
        {
          identity: [ADMIN],
          resourceMode: 'kms-key',
          resource: keyPolicy(rootKeyStatement, { ...denySign, Principal: { AWS: alice.arn } }),
        },
      ],
    ])('denies explicitly when %s denies, even though others allow', (_where, partial) => {
      // Act
      const decision = authorize(sign(), policies(partial));

      // Assess
      expect(decision.decision).toBe('explicit-deny');
      expect(decision.deniedBy).toMatchObject({ sid: 'NoSign' });
      expect(decision.allowedBy).toEqual([]);
    });

    it('denies explicitly even when nothing allows', () => {
      expect(authorize(sign(), policies({ identity: [identity('deny', denySign)] })).decision).toBe('explicit-deny');
    });

    it('denies implicitly when no policy allows', () => {
      expect(authorize(sign(), policies({ identity: [identity('s3', { Effect: 'Allow', Action: 's3:*', Resource: '*' })] }))).toEqual({
        decision: 'implicit-deny',
        conditional: false,
        unknownConditions: [],
        allowedBy: [],
      });
    });
  });

  describe('rule: every SCP level must allow', () => {
    it('allows when every level allows, naming one statement per level', () => {
      // Prepare
      const ou = doc({ Sid: 'KmsOnly', Effect: 'Allow', Action: 'kms:*', Resource: '*' });

      // Act
      const decision = authorize(sign(), policies({ identity: [ADMIN], scps: [[FULL_ACCESS], [ou]] }));

      // Assess
      expect(decision.decision).toBe('allow');
      expect(decision.allowedBy).toEqual([
        { policyId: ADMIN.id, policyKind: 'identity', statementIndex: 0 },
        { policyId: 'scp[0][0]', policyKind: 'scp', statementIndex: 0 },
        { policyId: 'scp[1][0]', policyKind: 'scp', statementIndex: 0, sid: 'KmsOnly' },
      ]);
    });

    it('denies implicitly when one level allows nothing for the action', () => {
      // Prepare
      const ou = doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' });

      // Act
      const decision = authorize(sign(), policies({ identity: [ADMIN], scps: [[FULL_ACCESS], [ou]] }));

      // Assess
      expect(decision.decision).toBe('implicit-deny');
    });

    it('denies implicitly when a level has no policy at all', () => {
      expect(authorize(sign(), policies({ identity: [ADMIN], scps: [[FULL_ACCESS], []] })).decision).toBe('implicit-deny');
    });

    it('applies to the account root user too', () => {
      // Prepare
      const ou = doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' });

      // Assess
      expect(authorize(sign(accountRoot), policies({ scps: [[FULL_ACCESS], [ou]] })).decision).toBe('implicit-deny');
      expect(authorize(sign(accountRoot), policies({ scps: [[FULL_ACCESS]] })).decision).toBe('allow');
    });
  });

  describe('rule: every RCP level must allow, for the services RCPs cover', () => {
    const kmsOnly = doc({ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' });

    it('allows through the default RCPFullAWSAccess', () => {
      // Act
      const decision = authorize(sign(), policies({ identity: [SIGNER], resourceMode: 'resource-policy', rcps: [[RCP_FULL_ACCESS]] }));

      // Assess
      expect(decision.decision).toBe('allow');
      expect(decision.allowedBy).toContainEqual({ policyId: 'rcp[0][0]', policyKind: 'rcp', statementIndex: 0 });
    });

    it('denies implicitly when a level does not allow the action', () => {
      // Prepare
      const getSecret = request(alice, 'secretsmanager:GetSecretValue', secret);

      // Act
      const decision = authorize(
        getSecret,
        policies({ identity: [ADMIN], resourceMode: 'resource-policy', rcps: [[RCP_FULL_ACCESS], [kmsOnly]] }),
      );

      // Assess
      expect(decision.decision).toBe('implicit-deny');
    });

    it('does not apply to services RCPs do not cover', () => {
      // Prepare
      const getParameter = request(alice, 'ssm:GetParameter', {
        arn: `arn:aws:ssm:eu-west-1:${ACCOUNT_ID}:parameter/k`,
        accountId: ACCOUNT_ID,
        tags: {},
      });

      // Act
      const decision = authorize(getParameter, policies({ identity: [ADMIN], resourceMode: 'resource-policy', rcps: [[kmsOnly]] }));

      // Assess
      expect(decision.decision).toBe('allow');
    });
  });

  describe('rule: a permissions boundary must allow too', () => {
    it('allows when identity policy and boundary both allow, naming both', () => {
      // Prepare
      const pb = boundary({ Sid: 'KmsMax', Effect: 'Allow', Action: 'kms:*', Resource: '*' });

      // Act
      const decision = authorize(sign(), policies({ identity: [ADMIN], permissionsBoundary: pb }));

      // Assess
      expect(decision.decision).toBe('allow');
      expect(decision.allowedBy).toEqual([
        { policyId: ADMIN.id, policyKind: 'identity', statementIndex: 0 },
        { policyId: pb.id, policyKind: 'permissions-boundary', statementIndex: 0, sid: 'KmsMax' },
      ]);
    });

    it('denies implicitly when the boundary does not allow the action', () => {
      // Prepare
      const pb = boundary({ Effect: 'Allow', Action: 's3:*', Resource: '*' });

      // Act
      const decision = authorize(sign(), policies({ identity: [ADMIN], permissionsBoundary: pb }));

      // Assess
      expect(decision.decision).toBe('implicit-deny');
    });

    it('never grants by itself', () => {
      expect(authorize(sign(), policies({ permissionsBoundary: boundary(allowAll) })).decision).toBe('implicit-deny');
    });
  });

  describe('rule: a same-account resource policy naming a user or session bypasses implicit denies', () => {
    const s3Boundary = boundary({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
    const getSecret = (principal = alice): RequestContext => request(principal, 'secretsmanager:GetSecretValue', secret);
    const secretPolicy = (principal: string): PolicySource =>
      source('resource', secret.arn, {
        Sid: 'Named',
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
      });

    it('allows a user named by ARN despite no identity Allow and a boundary that does not allow', () => {
      // Act
      const decision = authorize(
        getSecret(),
        policies({ resourceMode: 'resource-policy', resource: secretPolicy(alice.arn), permissionsBoundary: s3Boundary }),
      );

      // Assess
      expect(decision.decision).toBe('allow');
      expect(decision.allowedBy).toEqual([{ policyId: secret.arn, policyKind: 'resource', statementIndex: 0, sid: 'Named' }]);
    });

    it('denies a role named by role ARN when its boundary does not allow', () => {
      // Act
      const decision = authorize(
        getSecret(deployer),
        policies({ resourceMode: 'resource-policy', resource: secretPolicy(deployer.arn), permissionsBoundary: s3Boundary }),
      );

      // Assess
      expect(decision.decision).toBe('implicit-deny');
    });

    it('allows a role named by role ARN without an identity Allow when its boundary allows', () => {
      // Prepare
      const pb = boundary({ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' });

      // Act
      const decision = authorize(
        getSecret(deployer),
        policies({ resourceMode: 'resource-policy', resource: secretPolicy(deployer.arn), permissionsBoundary: pb }),
      );

      // Assess
      expect(decision.decision).toBe('allow');
      expect(decision.allowedBy.map((r) => r.policyKind)).toEqual(['resource', 'permissions-boundary']);
    });

    it('allows a role session named by session ARN despite the boundary', () => {
      // Act
      const decision = authorize(
        getSecret(deployer),
        policies({ resourceMode: 'resource-policy', resource: secretPolicy(DEPLOYER_SESSION_ARN), permissionsBoundary: s3Boundary }),
      );

      // Assess
      expect(decision.decision).toBe('allow');
    });
  });

  describe('rule: the KMS key policy is the gate', () => {
    it('allows a principal the key policy names directly, without any identity policy', () => {
      // Prepare
      const kp = keyPolicy({
        Sid: 'Signer',
        Effect: 'Allow',
        Principal: { AWS: [alice.arn] },
        Action: ['kms:Sign', 'kms:Verify'],
        Resource: '*',
      });

      // Act
      const decision = authorize(sign(), policies({ resourceMode: 'kms-key', resource: kp }));

      // Assess
      expect(decision.decision).toBe('allow');
      expect(decision.allowedBy).toEqual([{ policyId: signingKey.arn, policyKind: 'resource', statementIndex: 0, sid: 'Signer' }]);
    });

    it('allows a principal through the account root only when an identity policy allows too', () => {
      // Act
      const decision = authorize(sign(), policies({ resourceMode: 'kms-key', resource: keyPolicy(rootKeyStatement), identity: [SIGNER] }));

      // Assess
      expect(decision.decision).toBe('allow');
      expect(decision.allowedBy).toEqual([
        { policyId: signingKey.arn, policyKind: 'resource', statementIndex: 0, sid: 'EnableIAM' },
        { policyId: SIGNER.id, policyKind: 'identity', statementIndex: 0, sid: 'Sign' },
      ]);
    });

    it('also delegates when the root is named by bare account id', () => {
      // Prepare
      const kp = keyPolicy({ ...rootKeyStatement, Principal: { AWS: ACCOUNT_ID } });

      // Assess
      expect(authorize(sign(), policies({ resourceMode: 'kms-key', resource: kp, identity: [SIGNER] })).decision).toBe('allow');
    });

    it('denies a principal trusted through the root when no identity policy allows', () => {
      expect(authorize(sign(), policies({ resourceMode: 'kms-key', resource: keyPolicy(rootKeyStatement) })).decision).toBe(
        'implicit-deny',
      );
    });

    it('denies root delegation when the boundary does not allow', () => {
      // Prepare
      const pb = boundary({ Effect: 'Allow', Action: 's3:*', Resource: '*' });

      // Act
      const decision = authorize(
        sign(),
        policies({ resourceMode: 'kms-key', resource: keyPolicy(rootKeyStatement), identity: [ADMIN], permissionsBoundary: pb }),
      );

      // Assess
      expect(decision.decision).toBe('implicit-deny');
    });

    it('denies even an administrator when the key policy neither names them nor trusts the root', () => {
      // Prepare
      const kp = keyPolicy({ Effect: 'Allow', Principal: { AWS: deployer.arn }, Action: 'kms:*', Resource: '*' });

      // Act
      const decision = authorize(sign(), policies({ resourceMode: 'kms-key', resource: kp, identity: [ADMIN] }));

      // Assess
      expect(decision.decision).toBe('implicit-deny');
    });

    it('denies when the key policy is missing', () => {
      expect(authorize(sign(), policies({ resourceMode: 'kms-key', identity: [ADMIN] })).decision).toBe('implicit-deny');
    });

    it('allows everyone the key policy grants with Principal "*"', () => {
      // Prepare
      const kp = keyPolicy({
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:Sign',
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT_ID } },
      });

      // Assess
      expect(authorize(sign(deployer), policies({ resourceMode: 'kms-key', resource: kp })).decision).toBe('allow');
    });

    it('allows the account root user only when the key policy names the account', () => {
      // Prepare
      const other = keyPolicy({ Effect: 'Allow', Principal: { AWS: deployer.arn }, Action: 'kms:*', Resource: '*' });

      // Assess
      expect(authorize(sign(accountRoot), policies({ resourceMode: 'kms-key', resource: keyPolicy(rootKeyStatement) })).decision).toBe(
        'allow',
      );
      expect(authorize(sign(accountRoot), policies({ resourceMode: 'kms-key', resource: other })).decision).toBe('implicit-deny');
    });
  });

  describe('rule: a secret resource policy adds to identity policies', () => {
    const getSecret = request(alice, 'secretsmanager:GetSecretValue', secret);
    const readSecrets = identity('read-secrets', { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' });
    const rootOnly = source('resource', secret.arn, {
      Effect: 'Allow',
      Principal: { AWS: ROOT_ARN },
      Action: 'secretsmanager:*',
      Resource: '*',
    });

    it('allows on an identity Allow alone', () => {
      expect(authorize(getSecret, policies({ resourceMode: 'resource-policy', identity: [readSecrets] })).decision).toBe('allow');
      expect(
        authorize(getSecret, policies({ resourceMode: 'resource-policy', identity: [readSecrets], resource: rootOnly })).decision,
      ).toBe('allow');
    });

    it('does not allow through a resource policy that names only the account root', () => {
      expect(authorize(getSecret, policies({ resourceMode: 'resource-policy', resource: rootOnly })).decision).toBe('implicit-deny');
    });
  });

  describe('rule: the trust policy gates sts:AssumeRole', () => {
    const assume = (principal = alice): RequestContext => request(principal, 'sts:AssumeRole', adminRole);
    const trust = (principal: object): PolicySource =>
      source('trust', adminRole.arn, { Sid: 'Trust', Effect: 'Allow', Principal: principal, Action: ['sts:AssumeRole', 'sts:TagSession'] });
    const assumeAdmin = identity('assume-admin', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: adminRole.arn });
    const assumeOther = identity('assume-other', {
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: `arn:aws:iam::${ACCOUNT_ID}:role/other`,
    });

    it('allows a principal the trust policy names, without an identity Allow', () => {
      expect(authorize(assume(), policies({ resourceMode: 'trust-policy', resource: trust({ AWS: alice.arn }) })).decision).toBe('allow');
    });

    it('allows through the account root when an identity policy allows sts:AssumeRole on the role', () => {
      // Act
      const decision = authorize(
        assume(),
        policies({ resourceMode: 'trust-policy', resource: trust({ AWS: ROOT_ARN }), identity: [assumeAdmin] }),
      );

      // Assess
      expect(decision.decision).toBe('allow');
      expect(decision.allowedBy.map((r) => r.policyKind)).toEqual(['trust', 'identity']);
    });

    it('denies through the account root when the identity policy allows another role only', () => {
      expect(
        authorize(assume(), policies({ resourceMode: 'trust-policy', resource: trust({ AWS: ROOT_ARN }), identity: [assumeOther] }))
          .decision,
      ).toBe('implicit-deny');
    });

    it('denies when the trust policy names someone else, whatever the identity policy says', () => {
      expect(
        authorize(assume(), policies({ resourceMode: 'trust-policy', resource: trust({ AWS: deployer.arn }), identity: [ADMIN] })).decision,
      ).toBe('implicit-deny');
    });

    it('never lets a service principal stand for an IAM principal', () => {
      expect(
        authorize(
          assume(),
          policies({ resourceMode: 'trust-policy', resource: trust({ Service: 'lambda.amazonaws.com' }), identity: [ADMIN] }),
        ).decision,
      ).toBe('implicit-deny');
    });

    it('denies the account root user, who cannot assume roles', () => {
      expect(authorize(assume(accountRoot), policies({ resourceMode: 'trust-policy', resource: trust({ AWS: ROOT_ARN }) })).decision).toBe(
        'implicit-deny',
      );
    });

    it('lets a role named in the trust policy assume it when its boundary allows, not otherwise', () => {
      // Prepare
      const allowingBoundary = boundary({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
      const narrowBoundary = boundary({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
      const set = (pb: PolicySource): PolicySet =>
        policies({ resourceMode: 'trust-policy', resource: trust({ AWS: deployer.arn }), permissionsBoundary: pb });

      // Assess
      expect(authorize(assume(deployer), set(allowingBoundary)).decision).toBe('allow');
      expect(authorize(assume(deployer), set(narrowBoundary)).decision).toBe('implicit-deny');
    });
  });

  describe('rule: resource mode none', () => {
    it('ignores a resource policy passed with mode none', () => {
      // Prepare
      const named = source('resource', secret.arn, { Effect: 'Allow', Principal: { AWS: alice.arn }, Action: '*', Resource: '*' });

      // Assess
      expect(authorize(sign(), policies({ resource: named })).decision).toBe('implicit-deny');
    });

    it('lets the root user do anything its SCPs allow', () => {
      expect(authorize(sign(accountRoot), policies({}))).toMatchObject({ decision: 'allow', allowedBy: [] });
    });
  });

  describe('rule: NotAction', () => {
    const allAllowedButIam = identity('not-iam', { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });

    it('allows actions an Allow NotAction does not list', () => {
      expect(authorize(sign(), policies({ identity: [allAllowedButIam] })).decision).toBe('allow');
    });

    it('does not allow actions an Allow NotAction lists', () => {
      expect(authorize(request(alice, 'iam:CreateAccessKey', adminRole), policies({ identity: [allAllowedButIam] })).decision).toBe(
        'implicit-deny',
      );
    });

    it('denies every action a Deny NotAction does not list, and only those', () => {
      // Prepare
      const onlyVerify = identity('only-verify', { Effect: 'Deny', NotAction: 'kms:Verify', Resource: '*' });

      // Assess
      expect(authorize(sign(), policies({ identity: [ADMIN, onlyVerify] })).decision).toBe('explicit-deny');
      expect(authorize(request(alice, 'kms:Verify', signingKey), policies({ identity: [ADMIN, onlyVerify] })).decision).toBe('allow');
    });
  });

  describe('rule: NotResource', () => {
    const allButSigningKey = identity('not-key', { Effect: 'Allow', Action: 'kms:*', NotResource: signingKey.arn });

    it('allows resources an Allow NotResource does not list', () => {
      expect(
        authorize(request(alice, 'kms:Sign', { ...signingKey, arn: `${signingKey.arn}0` }), policies({ identity: [allButSigningKey] }))
          .decision,
      ).toBe('allow');
    });

    it('does not allow resources an Allow NotResource lists', () => {
      expect(authorize(sign(), policies({ identity: [allButSigningKey] })).decision).toBe('implicit-deny');
    });

    it('denies resources a Deny NotResource does not list', () => {
      // Prepare
      const fence = identity('fence', { Effect: 'Deny', Action: '*', NotResource: 'arn:aws:kms:*:*:key/other' });

      // Assess
      expect(authorize(sign(), policies({ identity: [ADMIN, fence] })).decision).toBe('explicit-deny');
    });
  });

  describe('rule: ABAC on principal and resource tags', () => {
    const abac = identity('abac', {
      Effect: 'Allow',
      Action: 'kms:Sign',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
    });

    it('allows when the resource carries the principal’s team tag', () => {
      expect(authorize(sign(), policies({ identity: [abac] })).decision).toBe('allow');
    });

    it('denies when the tags differ', () => {
      expect(authorize(sign(deployer), policies({ identity: [abac] })).decision).toBe('implicit-deny');
    });

    it('denies when the resource has no such tag', () => {
      expect(authorize(request(alice, 'kms:Sign', { ...signingKey, tags: {} }), policies({ identity: [abac] })).decision).toBe(
        'implicit-deny',
      );
    });

    it('denies when the principal has no such tag', () => {
      expect(authorize(sign({ ...alice, tags: {} }), policies({ identity: [abac] })).decision).toBe('implicit-deny');
    });
  });

  describe('indexes reused across calls', () => {
    it('answers each action from the same PolicySet', () => {
      // Prepare
      const set = policies({ identity: [SIGNER] });

      // Assess
      expect(authorize(sign(), set).decision).toBe('allow');
      expect(authorize(request(alice, 'kms:Verify', signingKey), set).decision).toBe('implicit-deny');
      expect(authorize(sign(), set).decision).toBe('allow');
    });

    it('names the right policy when two sources share one document', () => {
      // Prepare
      const shared = SIGNER.document;
      const first: PolicySource = { id: 'first', kind: 'identity', document: shared };
      const second: PolicySource = { id: 'second', kind: 'identity', document: shared };

      // Act
      const a = authorize(sign(), policies({ identity: [first] }));
      const b = authorize(sign(), policies({ identity: [second] }));

      // Assess
      expect(a.allowedBy[0]?.policyId).toBe('first');
      expect(b.allowedBy[0]?.policyId).toBe('second');
    });

    it('matches each principal against the same key policy, alternating', () => {
      // Prepare
      const kp = keyPolicy({
        Effect: 'Allow',
        Principal: { AWS: [`arn:aws:sts::${ACCOUNT_ID}:assumed-role/deployer/s1`] },
        Action: 'kms:Sign',
        Resource: '*',
      });
      const set = policies({ resourceMode: 'kms-key', resource: kp });
      const impostor = { ...deployer, arn: `arn:aws:iam::${ACCOUNT_ID}:role/other/deployer2`, name: 'deployer2' };

      // Assess
      expect(authorize(sign(deployer), set).decision).toBe('allow');
      expect(authorize(sign(impostor), set).decision).toBe('implicit-deny');
      expect(authorize(sign(deployer), set).decision).toBe('allow');
      expect(authorize(sign(alice), set).decision).toBe('implicit-deny');
    });
  });

  describe('rule: conditions that cannot be known offline', () => {
    const mfaDeny = identity('require-mfa', {
      Sid: 'RequireMfa',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    });

    it('does not let a Deny with an unknown condition drop reach, but reports it', () => {
      // Act
      const decision = authorize(sign(), policies({ identity: [ADMIN, mfaDeny] }));

      // Assess
      expect(decision.decision).toBe('allow');
      expect(decision.conditional).toBe(true);
      expect(decision.unknownConditions).toEqual([
        {
          policyId: 'require-mfa',
          policyKind: 'identity',
          statementIndex: 0,
          sid: 'RequireMfa',
          operator: 'BoolIfExists',
          key: 'aws:MultiFactorAuthPresent',
          values: ['false'],
        },
      ]);
    });

    it('denies when the same Deny’s condition is known to hold', () => {
      // Act
      const decision = authorize(
        request(alice, 'kms:Sign', signingKey, { 'aws:MultiFactorAuthPresent': 'false' }),
        policies({ identity: [ADMIN, mfaDeny] }),
      );

      // Assess
      expect(decision.decision).toBe('explicit-deny');
    });

    it('allows conditionally through a key policy whose grant depends on kms:ViaService', () => {
      // Prepare
      const kp = keyPolicy({
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:Sign',
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com', 'kms:CallerAccount': ACCOUNT_ID } },
      });

      // Act
      const decision = authorize(sign(), policies({ resourceMode: 'kms-key', resource: kp }));

      // Assess
      expect(decision).toMatchObject({ decision: 'allow', conditional: true });
      expect(decision.unknownConditions.map((u) => u.key)).toEqual(['kms:ViaService']);
    });

    it('prefers an unconditional Allow over a conditional one', () => {
      // Prepare
      const conditional = identity('conditional', {
        Effect: 'Allow',
        Action: 'kms:Sign',
        Resource: '*',
        Condition: { Bool: { 'aws:ViaAWSService': 'true' } },
      });

      // Act
      const decision = authorize(sign(), policies({ identity: [conditional, SIGNER] }));

      // Assess
      expect(decision).toMatchObject({ decision: 'allow', conditional: false, unknownConditions: [] });
      expect(decision.allowedBy).toEqual([{ policyId: SIGNER.id, policyKind: 'identity', statementIndex: 0, sid: 'Sign' }]);
    });

    it('makes an allow conditional when an SCP Deny cannot be decided', () => {
      // Prepare
      const regionFence = doc({
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      });

      // Act
      const decision = authorize(sign(), policies({ identity: [ADMIN], scps: [[FULL_ACCESS, regionFence]] }));

      // Assess
      expect(decision).toMatchObject({ decision: 'allow', conditional: true });
      expect(decision.unknownConditions[0]).toMatchObject({ policyId: 'scp[0][1]', policyKind: 'scp', key: 'aws:RequestedRegion' });
    });
  });
});
