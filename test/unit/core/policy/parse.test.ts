import { describe, expect, it } from 'vitest';
import { PolicyParseError } from '../../../../lambda/core/policy/errors.js';
import { parsePolicyDocument } from '../../../../lambda/core/policy/parse.js';

const WHERE = 'authorization-details.json: UserDetailList[3].UserPolicyList[0].PolicyDocument';

/** Parses and returns the PolicyParseError, failing the test if parsing succeeds. */
function parseError(raw: unknown): PolicyParseError {
  try {
    parsePolicyDocument(raw, WHERE);
  } catch (error) {
    if (error instanceof PolicyParseError) return error;
    throw error;
  }
  throw new Error('expected a PolicyParseError');
}

const statement = (extra: object): object => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'kms:Sign', Resource: '*', ...extra }],
});

describe('Function: parsePolicyDocument', () => {
  it('normalises single values to arrays', () => {
    // Prepare
    const raw = {
      Version: '2012-10-17',
      Id: 'key-policy',
      Statement: {
        Sid: 'Sign',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:role/signer' },
        Action: 'kms:Sign',
        Resource: '*',
        Condition: { StringEquals: { 'kms:SigningAlgorithm': 'RSASSA_PSS_SHA_256' } },
      },
    };

    // Act
    const parsed = parsePolicyDocument(raw, WHERE);

    // Assess
    expect(parsed).toEqual({
      version: '2012-10-17',
      id: 'key-policy',
      statements: [
        {
          sid: 'Sign',
          effect: 'Allow',
          principal: { AWS: ['arn:aws:iam::111122223333:role/signer'] },
          action: ['kms:Sign'],
          resource: ['*'],
          condition: { StringEquals: { 'kms:SigningAlgorithm': ['RSASSA_PSS_SHA_256'] } },
        },
      ],
    });
  });

  it('parses JSON text', () => {
    // Act
    const parsed = parsePolicyDocument('{"Statement":[{"Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::b"}]}', WHERE);

    // Assess
    expect(parsed.version).toBeUndefined();
    expect(parsed.statements[0]).toEqual({ effect: 'Deny', notAction: ['iam:*'], notResource: ['arn:aws:s3:::b'] });
  });

  it('parses URL-encoded JSON as IAM returns it', () => {
    // Prepare
    const text = encodeURIComponent(JSON.stringify(statement({})));

    // Act
    const parsed = parsePolicyDocument(text, WHERE);

    // Assess
    expect(parsed.statements[0]?.action).toEqual(['kms:Sign']);
  });

  it('converts numeric and boolean condition values to strings', () => {
    // Act
    const parsed = parsePolicyDocument(
      statement({ Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': [3600, '7200'] }, Bool: { 'aws:SecureTransport': true } } }),
      WHERE,
    );

    // Assess
    expect(parsed.statements[0]?.condition).toEqual({
      NumericLessThan: { 'aws:MultiFactorAuthAge': ['3600', '7200'] },
      Bool: { 'aws:SecureTransport': ['true'] },
    });
  });

  it('accepts the principal "*" and every principal type', () => {
    // Act
    const parsed = parsePolicyDocument(
      {
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' },
          {
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com', Federated: ['cognito-identity.amazonaws.com'] },
            Action: 'sts:AssumeRole',
          },
        ],
      },
      WHERE,
    );

    // Assess
    expect(parsed.statements[0]?.principal).toBe('*');
    expect(parsed.statements[1]?.principal).toEqual({ Service: ['lambda.amazonaws.com'], Federated: ['cognito-identity.amazonaws.com'] });
  });

  it('accepts every operator form: set prefixes, IfExists, any letter case', () => {
    // Act
    const parsed = parsePolicyDocument(
      statement({
        Condition: {
          'ForAllValues:StringLike': { 'aws:TagKeys': ['team', 'env'] },
          'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': 'Team' },
          StringNotEqualsIfExists: { 'aws:PrincipalTag/team': 'x' },
          ipaddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] },
          DateGreaterThan: { 'aws:CurrentTime': '2024-01-01T00:00:00Z' },
          Null: { 'aws:TokenIssueTime': 'false' },
        },
      }),
      WHERE,
    );

    // Assess
    expect(Object.keys(parsed.statements[0]?.condition ?? {})).toHaveLength(6);
  });

  describe('errors', () => {
    const cases: readonly (readonly [string, unknown, string])[] = [
      ['invalid JSON text', '{"Statement": [', ''],
      ['text that is neither JSON nor URL-encoded JSON', '%E0%A4%A', ''],
      ['an array instead of an object', [], ''],
      ['an unknown document element', { Statement: [], Extra: 1 }, 'Extra'],
      ['an unsupported version', { Version: '2020-01-01', Statement: [] }, 'Version'],
      ['a missing Statement', { Version: '2012-10-17' }, 'Statement'],
      ['a statement that is not an object', { Statement: ['x'] }, 'Statement[0]'],
      ['a missing Effect', { Statement: [{ Action: 'kms:Sign', Resource: '*' }] }, 'Statement[0].Effect'],
      ['a misspelt Effect', { Statement: [{ Effect: 'allow', Action: 'kms:Sign', Resource: '*' }] }, 'Statement[0].Effect'],
      ['both Action and NotAction', statement({ NotAction: 'iam:*' }), 'Statement[0].NotAction'],
      ['neither Action nor NotAction', { Statement: { Effect: 'Allow', Resource: '*' } }, 'Statement.Action'],
      ['an action without a service prefix', statement({ Action: ['kms:Sign', 'Sign'] }), 'Statement[0].Action[1]'],
      ['a non-string action', statement({ Action: ['kms:Sign', 7] }), 'Statement[0].Action[1]'],
      ['an empty action list', statement({ Action: [] }), 'Statement[0].Action'],
      ['both Resource and NotResource', statement({ NotResource: '*' }), 'Statement[0].NotResource'],
      ['a numeric resource', statement({ Resource: 42 }), 'Statement[0].Resource'],
      ['both Principal and NotPrincipal', statement({ Principal: '*', NotPrincipal: '*' }), 'Statement[0].NotPrincipal'],
      ['an unknown principal type', statement({ Principal: { IAM: 'x' } }), 'Statement[0].Principal.IAM'],
      ['a principal string other than "*"', statement({ Principal: 'arn:aws:iam::111122223333:root' }), 'Statement[0].Principal'],
      ['an unknown statement element', statement({ Sids: 'x' }), 'Statement[0].Sids'],
      ['a non-string Sid', statement({ Sid: 3 }), 'Statement[0].Sid'],
      [
        'an unknown condition operator',
        statement({ Condition: { StringEqual: { 'aws:username': 'a' } } }),
        'Statement[0].Condition.StringEqual',
      ],
      ['IfExists on Null', statement({ Condition: { NullIfExists: { 'aws:username': 'true' } } }), 'Statement[0].Condition.NullIfExists'],
      [
        'a set prefix on Null',
        statement({ Condition: { 'ForAnyValue:Null': { 'aws:TagKeys': 'true' } } }),
        'Statement[0].Condition["ForAnyValue:Null"]',
      ],
      [
        'a condition operator that is not an object',
        statement({ Condition: { StringEquals: 'x' } }),
        'Statement[0].Condition.StringEquals',
      ],
      [
        'an object condition value',
        statement({ Condition: { StringEquals: { 'aws:username': { a: 1 } } } }),
        'Statement[0].Condition.StringEquals["aws:username"]',
      ],
      [
        'a null condition value in a list',
        statement({ Condition: { StringEquals: { 'aws:username': ['a', null] } } }),
        'Statement[0].Condition.StringEquals["aws:username"][1]',
      ],
      [
        'a non-numeric value for a Numeric operator',
        statement({ Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': 'soon' } } }),
        'Statement[0].Condition.NumericLessThan["aws:MultiFactorAuthAge"]',
      ],
      [
        'a non-date value for a Date operator',
        statement({ Condition: { DateLessThan: { 'aws:CurrentTime': 'tomorrow' } } }),
        'Statement[0].Condition.DateLessThan["aws:CurrentTime"]',
      ],
      [
        'a non-CIDR value for IpAddress',
        statement({ Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '10.0.0.0/33'] } } }),
        'Statement[0].Condition.IpAddress["aws:SourceIp"][1]',
      ],
      [
        'a non-boolean value for Bool',
        statement({ Condition: { Bool: { 'aws:SecureTransport': 'yes' } } }),
        'Statement[0].Condition.Bool["aws:SecureTransport"]',
      ],
      [
        'a non-boolean value for Null',
        statement({ Condition: { Null: { 'aws:SecureTransport': 'maybe' } } }),
        'Statement[0].Condition.Null["aws:SecureTransport"]',
      ],
    ];

    it.each(cases)('rejects %s, naming the path', (_name, raw, path) => {
      // Act
      const error = parseError(raw);

      // Assess
      expect(error.code).toBe('ERR_POLICY_PARSE');
      expect(error.where).toBe(WHERE);
      expect(error.path).toBe(path);
      expect(error.message).toContain(WHERE);
    });
  });
});
