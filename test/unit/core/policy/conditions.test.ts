// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables (${aws:username} …) are plain strings here.
import { describe, expect, it } from 'vitest';
import type { Decision, PrincipalContext, RequestContext } from '../../../../lambda/core/policy/evaluate.js';
import { authorize } from '../../../../lambda/core/policy/evaluate.js';
import { alice, deployer, identity, policies, request, signingKey } from './fixtures.js';

/** Alice (or another principal) asks for kms:Sign under one identity Allow carrying `condition`. */
function decide(condition: object, context?: RequestContext['context'], principal: PrincipalContext = alice): Decision {
  return authorize(
    request(principal, 'kms:Sign', signingKey, context),
    policies({
      identity: [
        identity('arn:aws:iam::111122223333:policy/conditional', {
          Sid: 'Cond',
          Effect: 'Allow',
          Action: 'kms:Sign',
          Resource: '*',
          Condition: condition,
        }),
      ],
    }),
  );
}

type Case = readonly [name: string, condition: object, context: RequestContext['context'] | undefined];

/** Each family of operators: a case that satisfies the condition and one that does not. */
const families: readonly (readonly [family: string, allowed: Case, denied: Case])[] = [
  [
    'StringEquals',
    ['equal value', { StringEquals: { 'aws:PrincipalTag/team': 'payments' } }, undefined],
    ['different value', { StringEquals: { 'aws:PrincipalTag/team': 'Payments' } }, undefined],
  ],
  [
    'StringNotEquals',
    ['different value', { StringNotEquals: { 'aws:PrincipalTag/team': 'platform' } }, undefined],
    ['equal value', { StringNotEquals: { 'aws:PrincipalTag/team': 'payments' } }, undefined],
  ],
  [
    'StringEqualsIgnoreCase',
    ['value differing in case', { StringEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'PAYMENTS' } }, undefined],
    ['different value', { StringEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'platform' } }, undefined],
  ],
  [
    'StringNotEqualsIgnoreCase',
    ['different value', { StringNotEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'platform' } }, undefined],
    ['value differing in case', { StringNotEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'PAYMENTS' } }, undefined],
  ],
  [
    'StringLike',
    ['wildcard match', { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/engineering/*' } }, undefined],
    ['wildcard mismatch', { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/ops/*' } }, undefined],
  ],
  [
    'StringNotLike',
    ['wildcard mismatch', { StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/ops/*' } }, undefined],
    ['wildcard match', { StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/engineering/?lice' } }, undefined],
  ],
  [
    'NumericLessThan',
    ['smaller', { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }, { 'aws:MultiFactorAuthAge': '60' }],
    ['equal', { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }, { 'aws:MultiFactorAuthAge': '3600' }],
  ],
  [
    'NumericLessThanEquals',
    ['equal', { NumericLessThanEquals: { 'aws:MultiFactorAuthAge': '3600' } }, { 'aws:MultiFactorAuthAge': '3600' }],
    ['greater', { NumericLessThanEquals: { 'aws:MultiFactorAuthAge': '3600' } }, { 'aws:MultiFactorAuthAge': '3601' }],
  ],
  [
    'NumericGreaterThan',
    ['greater', { NumericGreaterThan: { 'kms:GrantCount': '1.5' } }, { 'kms:GrantCount': '2' }],
    ['not a number', { NumericGreaterThan: { 'kms:GrantCount': '1' } }, { 'kms:GrantCount': 'many' }],
  ],
  [
    'NumericGreaterThanEquals',
    ['equal', { NumericGreaterThanEquals: { 'kms:GrantCount': '2' } }, { 'kms:GrantCount': '2.0' }],
    ['smaller', { NumericGreaterThanEquals: { 'kms:GrantCount': '2' } }, { 'kms:GrantCount': '1' }],
  ],
  [
    'NumericEquals',
    ['equal', { NumericEquals: { 'kms:GrantCount': ['1', '2'] } }, { 'kms:GrantCount': '2' }],
    ['different', { NumericEquals: { 'kms:GrantCount': ['1', '2'] } }, { 'kms:GrantCount': '3' }],
  ],
  [
    'NumericNotEquals',
    ['different', { NumericNotEquals: { 'kms:GrantCount': ['1', '2'] } }, { 'kms:GrantCount': '3' }],
    ['equal', { NumericNotEquals: { 'kms:GrantCount': ['1', '2'] } }, { 'kms:GrantCount': '1' }],
  ],
  [
    'DateLessThan',
    ['earlier (ISO against epoch)', { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } }, { 'aws:CurrentTime': '1704067200' }],
    ['later', { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } }, { 'aws:CurrentTime': '2024-01-01T00:00:00Z' }],
  ],
  [
    'DateLessThanEquals',
    ['same instant', { DateLessThanEquals: { 'aws:CurrentTime': '1704067200' } }, { 'aws:CurrentTime': '2024-01-01T00:00:00Z' }],
    ['later', { DateLessThanEquals: { 'aws:CurrentTime': '2024-01-01' } }, { 'aws:CurrentTime': '2024-01-02' }],
  ],
  [
    'DateGreaterThan',
    ['later', { DateGreaterThan: { 'aws:CurrentTime': '2024-01-01' } }, { 'aws:CurrentTime': '2024-06-01T12:00:00Z' }],
    ['unreadable request date', { DateGreaterThan: { 'aws:CurrentTime': '2024-01-01' } }, { 'aws:CurrentTime': 'yesterday' }],
  ],
  [
    'DateGreaterThanEquals',
    ['same instant', { DateGreaterThanEquals: { 'aws:CurrentTime': '2024-01-01' } }, { 'aws:CurrentTime': '2024-01-01T00:00:00Z' }],
    ['earlier', { DateGreaterThanEquals: { 'aws:CurrentTime': '2024-01-01' } }, { 'aws:CurrentTime': '2023-12-31T23:59:59Z' }],
  ],
  [
    'DateEquals',
    ['same instant', { DateEquals: { 'aws:EpochTime': '2024-01-01T00:00:00Z' } }, { 'aws:EpochTime': '1704067200' }],
    ['another instant', { DateEquals: { 'aws:EpochTime': '2024-01-01T00:00:00Z' } }, { 'aws:EpochTime': '1704067201' }],
  ],
  [
    'DateNotEquals',
    ['another instant', { DateNotEquals: { 'aws:EpochTime': '2024-01-01T00:00:00Z' } }, { 'aws:EpochTime': '1704067201' }],
    ['same instant', { DateNotEquals: { 'aws:EpochTime': '2024-01-01T00:00:00Z' } }, { 'aws:EpochTime': '1704067200' }],
  ],
  [
    'Bool',
    ['true in any case', { Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'TRUE' }],
    ['false', { Bool: { 'aws:SecureTransport': true } }, { 'aws:SecureTransport': 'false' }],
  ],
  [
    'BinaryEquals',
    ['same bytes', { BinaryEquals: { 'custom:blob': 'QmluYXJ5VmFsdWU=' } }, { 'custom:blob': 'QmluYXJ5VmFsdWU=' }],
    ['other bytes', { BinaryEquals: { 'custom:blob': 'QmluYXJ5VmFsdWU=' } }, { 'custom:blob': 'T3RoZXI=' }],
  ],
  [
    'IpAddress',
    ['address in range', { IpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '2001:db8::/32'] } }, { 'aws:SourceIp': '2001:db8::7' }],
    ['address outside', { IpAddress: { 'aws:SourceIp': ['192.0.2.0/24'] } }, { 'aws:SourceIp': '198.51.100.1' }],
  ],
  [
    'NotIpAddress',
    ['address outside', { NotIpAddress: { 'aws:SourceIp': '192.0.2.0/24' } }, { 'aws:SourceIp': '198.51.100.1' }],
    ['address in range', { NotIpAddress: { 'aws:SourceIp': '192.0.2.0/24' } }, { 'aws:SourceIp': '192.0.2.200' }],
  ],
  [
    'ArnEquals',
    ['same ARN', { ArnEquals: { 'aws:PrincipalArn': alice.arn } }, undefined],
    ['other ARN', { ArnEquals: { 'aws:PrincipalArn': deployer.arn } }, undefined],
  ],
  [
    'ArnLike',
    ['segment wildcards', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/*' } }, undefined],
    ['other resource type', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } }, undefined],
  ],
  [
    'ArnNotEquals',
    ['other ARN', { ArnNotEquals: { 'aws:PrincipalArn': deployer.arn } }, undefined],
    ['same ARN', { ArnNotEquals: { 'aws:PrincipalArn': alice.arn } }, undefined],
  ],
  [
    'ArnNotLike',
    ['other resource type', { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } }, undefined],
    ['matching', { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:user/*' } }, undefined],
  ],
  [
    'Null',
    ['"true" on a missing key', { Null: { 'aws:PrincipalTag/clearance': 'true' } }, undefined],
    ['"true" on a present key', { Null: { 'aws:PrincipalTag/team': 'true' } }, undefined],
  ],
  [
    'Null (false)',
    ['"false" on a present key', { Null: { 'aws:PrincipalTag/team': 'false' } }, undefined],
    ['"false" on a missing key', { Null: { 'aws:PrincipalTag/clearance': 'false' } }, undefined],
  ],
  [
    '…IfExists',
    ['missing key', { StringEqualsIfExists: { 'kms:EncryptionContext:app': 'billing' } }, { 'kms:EncryptionContext:app': [] }],
    [
      'present key, other value',
      { StringEqualsIfExists: { 'kms:EncryptionContext:app': 'billing' } },
      { 'kms:EncryptionContext:app': 'ads' },
    ],
  ],
  [
    'negated …IfExists',
    ['missing key', { StringNotEqualsIfExists: { 'kms:EncryptionContext:app': 'billing' } }, { 'kms:EncryptionContext:app': [] }],
    [
      'present key, listed value',
      { StringNotEqualsIfExists: { 'kms:EncryptionContext:app': 'billing' } },
      { 'kms:EncryptionContext:app': 'billing' },
    ],
  ],
  [
    'ForAnyValue:',
    ['one request value listed', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team', 'env'] } }, { 'aws:TagKeys': ['owner', 'env'] }],
    ['no request value listed', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team', 'env'] } }, { 'aws:TagKeys': ['owner'] }],
  ],
  [
    'ForAnyValue: on a missing key',
    ['present key', { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'team*' } }, { 'aws:TagKeys': ['team-a'] }],
    ['missing key is false', { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'team*' } }, { 'aws:TagKeys': [] }],
  ],
  [
    'ForAllValues:',
    ['every request value listed', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] } }, { 'aws:TagKeys': ['env'] }],
    [
      'one request value not listed',
      { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] } },
      { 'aws:TagKeys': ['env', 'owner'] },
    ],
  ],
  [
    'ForAllValues: on a missing or empty key',
    ['missing key is vacuously true', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } }, { 'aws:TagKeys': [] }],
    ['present key not listed', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } }, { 'aws:TagKeys': ['x'] }],
  ],
  [
    'ForAllValues: with a negated operator',
    ['no request value listed', { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['owner'] } }, { 'aws:TagKeys': ['team', 'env'] }],
    ['one request value listed', { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['owner'] } }, { 'aws:TagKeys': ['team', 'owner'] }],
  ],
  [
    'ForAnyValue: with a negated operator',
    ['one request value not listed', { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['owner'] } }, { 'aws:TagKeys': ['owner', 'team'] }],
    ['every request value listed', { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['owner'] } }, { 'aws:TagKeys': ['owner'] }],
  ],
  [
    'a negated operator on a multivalued key without a set prefix',
    ['no request value listed', { StringNotEquals: { 'aws:TagKeys': ['owner'] } }, { 'aws:TagKeys': ['team', 'env'] }],
    ['one request value listed', { StringNotEquals: { 'aws:TagKeys': ['owner'] } }, { 'aws:TagKeys': ['team', 'owner'] }],
  ],
  [
    'a missing key',
    ['negated operator is true', { StringNotEquals: { 'aws:PrincipalTag/clearance': 'none' } }, undefined],
    ['positive operator is false', { StringEquals: { 'aws:PrincipalTag/clearance': 'none' } }, undefined],
  ],
  [
    'several values of one key (OR)',
    ['one of them matches', { StringEquals: { 'aws:PrincipalTag/team': ['platform', 'payments'] } }, undefined],
    ['none matches', { StringEquals: { 'aws:PrincipalTag/team': ['platform', 'ads'] } }, undefined],
  ],
  [
    'several keys and operators (AND)',
    [
      'all hold',
      { StringEquals: { 'aws:PrincipalTag/team': 'payments', 'aws:ResourceTag/purpose': 'jwt' }, Bool: { 'aws:SecureTransport': 'true' } },
      { 'aws:SecureTransport': 'true' },
    ],
    [
      'one fails',
      { StringEquals: { 'aws:PrincipalTag/team': 'payments', 'aws:ResourceTag/purpose': 'jwt' }, Bool: { 'aws:SecureTransport': 'true' } },
      { 'aws:SecureTransport': 'false' },
    ],
  ],
];

describe('Function: authorize (conditions)', () => {
  describe.each(families)('%s', (_family, allowed, denied) => {
    it(`allows: ${allowed[0]}`, () => {
      // Act
      const decision = decide(allowed[1], allowed[2]);

      // Assess
      expect(decision.decision).toBe('allow');
      expect(decision.conditional).toBe(false);
    });

    it(`denies: ${denied[0]}`, () => {
      // Act
      const decision = decide(denied[1], denied[2]);

      // Assess
      expect(decision.decision).toBe('implicit-deny');
    });
  });

  describe('keys known offline', () => {
    it('knows aws:username for users and reads it as missing for roles', () => {
      // Prepare
      const condition = { StringEquals: { 'aws:username': 'alice' } };

      // Assess
      expect(decide(condition).decision).toBe('allow');
      expect(decide(condition, undefined, deployer).decision).toBe('implicit-deny');
      expect(decide({ Null: { 'aws:username': 'true' } }, undefined, deployer).decision).toBe('allow');
    });

    it('knows aws:userid, aws:PrincipalAccount, aws:PrincipalType, aws:ResourceAccount and kms:CallerAccount', () => {
      expect(
        decide({
          StringEquals: {
            'aws:userid': 'AIDAALICEEXAMPLE',
            'aws:PrincipalAccount': '111122223333',
            'aws:PrincipalType': 'User',
            'aws:ResourceAccount': '111122223333',
            'kms:CallerAccount': '111122223333',
          },
        }).decision,
      ).toBe('allow');
      expect(decide({ StringEquals: { 'aws:PrincipalType': 'AssumedRole' } }, undefined, deployer).decision).toBe('allow');
      expect(decide({ StringEquals: { 'aws:PrincipalAccount': '444455556666' } }).decision).toBe('implicit-deny');
    });

    it('treats a role’s aws:userid as unknown: its session name is chosen by the caller', () => {
      // Act
      const decision = decide({ StringLike: { 'aws:userid': 'AROADEPLOYEREXAMPLE:*' } }, undefined, deployer);

      // Assess
      expect(decision).toMatchObject({ decision: 'allow', conditional: true });
    });

    it('treats the principal tags of a role its caller may tag as unknown, either way a test would go', () => {
      // Prepare
      const tagged: PrincipalContext = { ...deployer, tags: { team: 'platform' }, sessionTags: true };

      // Act
      const passing = decide({ StringEquals: { 'aws:PrincipalTag/team': 'platform' } }, undefined, tagged);
      const failing = decide({ StringEquals: { 'aws:PrincipalTag/team': 'payments' } }, undefined, tagged);

      // Assess
      expect(passing).toMatchObject({ decision: 'allow', conditional: true });
      expect(failing).toMatchObject({ decision: 'allow', conditional: true });
      expect(failing.unknownConditions.map((u) => u.key)).toEqual(['aws:PrincipalTag/team']);
    });

    it('treats the tags of a resource its caller may tag as unknown, in an Allow and in a Deny', () => {
      // Prepare
      const retagged = { ...signingKey, tagsUnknown: true };
      const denyUnlessTeam = (resource: typeof signingKey): Decision =>
        authorize(
          request(alice, 'kms:Sign', resource),
          policies({
            identity: [
              identity('arn:aws:iam::111122223333:policy/sign', { Sid: 'Sign', Effect: 'Allow', Action: 'kms:Sign', Resource: '*' }),
              identity('arn:aws:iam::111122223333:policy/fence', {
                Sid: 'Fence',
                Effect: 'Deny',
                Action: 'kms:Sign',
                Resource: '*',
                Condition: { StringNotEquals: { 'aws:ResourceTag/team': 'payments' } },
              }),
            ],
          }),
        );

      // Act
      const allowAsTagged = authorize(
        request(alice, 'kms:Sign', retagged),
        policies({
          identity: [
            identity('arn:aws:iam::111122223333:policy/sign', {
              Sid: 'Sign',
              Effect: 'Allow',
              Action: 'kms:Sign',
              Resource: '*',
              Condition: { StringEquals: { 'aws:ResourceTag/team': 'identity' } },
            }),
          ],
        }),
      );
      const fenced = denyUnlessTeam({ ...signingKey, tags: { team: 'identity' } });
      const fencedRetagged = denyUnlessTeam({ ...signingKey, tags: { team: 'identity' }, tagsUnknown: true });

      // Assess
      expect(decide({ StringEquals: { 'aws:ResourceTag/team': 'identity' } }).decision).toBe('implicit-deny');
      expect(allowAsTagged).toMatchObject({ decision: 'allow', conditional: true });
      expect(allowAsTagged.unknownConditions.map((u) => u.key)).toEqual(['aws:ResourceTag/team']);
      expect(fenced.decision).toBe('explicit-deny');
      expect(fencedRetagged).toMatchObject({ decision: 'allow', conditional: true });
    });

    it('matches condition key names and tag keys case-insensitively', () => {
      expect(decide({ StringEquals: { 'AWS:PRINCIPALTAG/TEAM': 'payments', 'aws:resourcetag/Purpose': 'jwt' } }).decision).toBe('allow');
    });

    it('matches request.context keys case-insensitively, and they override built-in keys', () => {
      expect(decide({ StringEquals: { 'kms:KeySpec': 'ECC_NIST_P256' } }, { 'KMS:KEYSPEC': 'ECC_NIST_P256' }).decision).toBe('allow');
      expect(decide({ StringEquals: { 'aws:PrincipalTag/team': 'ops' } }, { 'aws:PrincipalTag/team': 'ops' }).decision).toBe('allow');
    });
  });

  describe('unknown keys', () => {
    it('allows conditionally when the only doubt is a key unknown offline, and names it', () => {
      // Act
      const decision = decide({ Bool: { 'aws:MultiFactorAuthPresent': 'true' }, StringEquals: { 'aws:PrincipalTag/team': 'payments' } });

      // Assess
      expect(decision.decision).toBe('allow');
      expect(decision.conditional).toBe(true);
      expect(decision.unknownConditions).toEqual([
        {
          policyId: 'arn:aws:iam::111122223333:policy/conditional',
          policyKind: 'identity',
          statementIndex: 0,
          sid: 'Cond',
          operator: 'Bool',
          key: 'aws:MultiFactorAuthPresent',
          values: ['true'],
        },
      ]);
    });

    it('denies when a known test fails, whatever the unknown ones would say', () => {
      // Act
      const decision = decide({ Bool: { 'aws:MultiFactorAuthPresent': 'true' }, StringEquals: { 'aws:PrincipalTag/team': 'ads' } });

      // Assess
      expect(decision).toMatchObject({ decision: 'implicit-deny', conditional: false, unknownConditions: [] });
    });

    it('allows conditionally when request values compare against a variable unknown offline', () => {
      // Prepare
      const context = { 'aws:TagKeys': ['team', 'env'] };

      // Assess
      expect(decide({ 'ForAllValues:StringEquals': { 'aws:TagKeys': '${aws:SourceIdentity}' } }, context)).toMatchObject({
        decision: 'allow',
        conditional: true,
      });
      expect(decide({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': '${aws:SourceIdentity}' } }, context)).toMatchObject({
        decision: 'allow',
        conditional: true,
      });
      expect(decide({ 'ForAllValues:StringLike': { 'aws:TagKeys': 'te${aws:SourceIdentity}' } }, context).decision).toBe('implicit-deny');
    });

    it('allows conditionally on a key unknown in a ForAllValues or Null test', () => {
      expect(decide({ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'team' } }).conditional).toBe(true);
      expect(decide({ Null: { 'aws:SourceVpce': 'false' } }).conditional).toBe(true);
    });
  });
});
