import { describe, expect, it } from 'vitest';
import { withoutPrincipals } from '../../../../lambda/core/plan/key-policy.js';

const MALLORY = 'arn:aws:iam::111122223333:user/mallory';
const DEPLOYER = 'arn:aws:iam::111122223333:role/auth-deployer';
const ROOT = 'arn:aws:iam::111122223333:root';

const policyText = (...statements: object[]): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-policy',
    Statement: statements,
  });
const statementsOf = (text: string): Record<string, unknown>[] => (JSON.parse(text) as { Statement: Record<string, unknown>[] }).Statement;

describe('Function: withoutPrincipals', () => {
  it('removes the engineer from a list of principals and keeps the others', () => {
    // Prepare
    const text = policyText({
      Sid: 'Use',
      Effect: 'Allow',
      Principal: { AWS: [MALLORY, DEPLOYER] },
      Action: 'kms:Sign',
      Resource: '*',
    });

    // Act
    const result = withoutPrincipals(text, [MALLORY]);

    // Assess
    expect(statementsOf(result)).toEqual([
      {
        Sid: 'Use',
        Effect: 'Allow',
        Principal: { AWS: DEPLOYER },
        Action: 'kms:Sign',
        Resource: '*',
      },
    ]);
  });

  it('keeps a list when more than one principal remains', () => {
    // Prepare
    const other = 'arn:aws:iam::111122223333:role/other';
    const text = policyText({
      Effect: 'Allow',
      Principal: { AWS: [DEPLOYER, MALLORY, other] },
      Action: 'kms:*',
      Resource: '*',
    });

    // Act
    const result = withoutPrincipals(text, [MALLORY]);

    // Assess
    expect(statementsOf(result)[0]?.Principal).toEqual({
      AWS: [DEPLOYER, other],
    });
  });

  it('drops a statement that only named the engineer', () => {
    // Prepare
    const text = policyText(
      {
        Sid: 'Root',
        Effect: 'Allow',
        Principal: { AWS: ROOT },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'MalloryOnly',
        Effect: 'Allow',
        Principal: { AWS: MALLORY },
        Action: 'kms:Sign',
        Resource: '*',
      },
      {
        Sid: 'MalloryList',
        Effect: 'Allow',
        Principal: { AWS: [MALLORY] },
        Action: 'kms:Verify',
        Resource: '*',
      },
    );

    // Act
    const result = withoutPrincipals(text, [MALLORY]);

    // Assess
    expect(statementsOf(result).map((s) => s.Sid)).toEqual(['Root']);
  });

  it('removes every one of several principals (the engineer’s users and roles)', () => {
    // Prepare
    const text = policyText({
      Effect: 'Allow',
      Principal: { AWS: [MALLORY, DEPLOYER, ROOT] },
      Action: 'kms:*',
      Resource: '*',
    });

    // Act
    const result = withoutPrincipals(text, [MALLORY, DEPLOYER]);

    // Assess
    expect(statementsOf(result)[0]?.Principal).toEqual({ AWS: ROOT });
  });

  it('keeps conditions, sids, actions and other principal types of a statement it edits', () => {
    // Prepare
    const condition = {
      StringEquals: { 'kms:ViaService': 'lambda.eu-west-1.amazonaws.com' },
    };
    const text = policyText({
      Sid: 'Mixed',
      Effect: 'Allow',
      Principal: { AWS: [MALLORY], Service: 'lambda.amazonaws.com' },
      Action: ['kms:Sign', 'kms:GetPublicKey'],
      Resource: '*',
      Condition: condition,
    });

    // Act
    const result = withoutPrincipals(text, [MALLORY]);

    // Assess
    expect(statementsOf(result)).toEqual([
      {
        Sid: 'Mixed',
        Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: ['kms:Sign', 'kms:GetPublicKey'],
        Resource: '*',
        Condition: condition,
      },
    ]);
  });

  it('leaves statements with Principal "*", service principals or no principal untouched', () => {
    // Prepare
    const statements = [
      {
        Sid: 'Star',
        Effect: 'Allow',
        Principal: '*',
        Action: 'kms:Verify',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalArn': MALLORY } },
      },
      {
        Sid: 'Service',
        Effect: 'Allow',
        Principal: { Service: 'logs.amazonaws.com' },
        Action: 'kms:Encrypt',
        Resource: '*',
      },
      { Sid: 'NoPrincipal', Effect: 'Deny', Action: 'kms:*', Resource: '*' },
    ];

    // Act
    const result = withoutPrincipals(policyText(...statements), [MALLORY]);

    // Assess
    expect(statementsOf(result)).toEqual(statements);
  });

  it('keeps the document’s other elements and accepts a single statement object', () => {
    // Prepare
    const text = JSON.stringify({
      Version: '2012-10-17',
      Id: 'single',
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: [ROOT, MALLORY] },
        Action: 'kms:*',
        Resource: '*',
      },
    });

    // Act
    const result = JSON.parse(withoutPrincipals(text, [MALLORY]));

    // Assess
    expect(result).toEqual({
      Version: '2012-10-17',
      Id: 'single',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: ROOT },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
  });

  it('changes nothing when the engineer is not named', () => {
    // Prepare
    const text = policyText({
      Sid: 'Root',
      Effect: 'Allow',
      Principal: { AWS: ROOT },
      Action: 'kms:*',
      Resource: '*',
    });

    // Act
    const result = withoutPrincipals(text, [MALLORY]);

    // Assess
    expect(JSON.parse(result)).toEqual(JSON.parse(text));
  });
});
