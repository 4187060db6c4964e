import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../../../../lambda/core/policy/parse.js';
import {
  clauseFingerprint,
  ProjectionCache,
  resourceHints,
  scanDocument,
  statementScope,
} from '../../../../lambda/core/reach/policy-scan.js';

const doc = (raw: unknown) => parsePolicyDocument(raw, 'test');

describe('Function: scanDocument', () => {
  it('finds the principal tags and identity conditions a policy reads', () => {
    // Prepare
    const document = doc({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'kms:Sign',
          Resource: '*',
          Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/Team}' } },
        },
        {
          Effect: 'Deny',
          Action: 'iam:*',
          Resource: '*',
          Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/breakglass' } },
        },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${aws:username}/*' },
      ],
    });

    // Act
    const scan = scanDocument(document);

    // Assess
    expect(scan.tagKeys).toEqual(['team']);
    expect(scan.clauses).toEqual([{ key: 'aws:principalarn', values: ['arn:aws:iam::*:role/breakglass'] }]);
    expect(scan.identityVariables).toBe(true);
    expect(scan.principalStatements).toEqual([true, true, true]);
  });
});

describe('Function: clauseFingerprint', () => {
  it('is equal for principals every operator treats alike, and differs otherwise', () => {
    // Prepare
    const clause = { key: 'aws:principalarn' as const, values: ['arn:aws:iam::*:role/breakglass', 'arn:aws:iam::1:role/ops-*'] };

    // Act
    const a = clauseFingerprint(clause, 'arn:aws:iam::1:role/dev-a');
    const b = clauseFingerprint(clause, 'arn:aws:iam::1:role/dev-b');
    const c = clauseFingerprint(clause, 'arn:aws:iam::1:role/ops-1');

    // Assess
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(clauseFingerprint(clause, undefined)).toBe('A');
    expect(clauseFingerprint(clause, null)).toBe('U');
  });
});

describe('Function: resourceHints', () => {
  it('lists the Resource of Allow and the NotResource of Deny statements that may cover the action, once each', () => {
    // Prepare
    const document = doc({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'lambda:*', Resource: ['arn:aws:lambda:*:1:function:prod-*', '*'] },
        { Effect: 'Allow', Action: 'lambda:UpdateFunctionCode', Resource: 'arn:aws:lambda:*:1:function:prod-*' },
        { Effect: 'Deny', NotAction: 'iam:*', NotResource: 'arn:aws:iam::1:user/*' },
        { Effect: 'Deny', Action: 'lambda:UpdateFunctionCode', Resource: 'arn:aws:lambda:*:1:function:legacy-*' },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' },
      ],
    });

    // Act
    const hints = resourceHints(document, 'lambda:UpdateFunctionCode');

    // Assess
    expect(hints).toEqual(['arn:aws:lambda:*:1:function:prod-*', 'arn:aws:iam::1:user/*']);
  });
});

describe('Function: statementScope', () => {
  it('tells account-wide statements from those naming principals, ignoring services and other accounts', () => {
    // Prepare
    const statements = doc({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
        {
          Effect: 'Allow',
          Principal: { AWS: ['arn:aws:iam::111122223333:role/a', 'arn:aws:sts::111122223333:assumed-role/b/s'] },
          Action: 'kms:Sign',
          Resource: '*',
        },
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::999999999999:root', Service: 'lambda.amazonaws.com' },
          Action: 'kms:Sign',
          Resource: '*',
        },
      ],
    }).statements;

    // Act
    const scopes = statements.map((s) => statementScope(s, '111122223333'));

    // Assess
    expect(scopes).toEqual([
      { generic: true, names: [] },
      { generic: false, names: ['arn:aws:iam::111122223333:role/a', 'assumed-role:b'] },
      { generic: false, names: [] },
    ]);
  });
});

describe('Class: ProjectionCache', () => {
  it('interns equal projections and maps statements back to their original index', () => {
    // Prepare
    const cache = new ProjectionCache();
    const root = { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' };
    const a = doc({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/x' }, Action: 'kms:Sign', Resource: '*' }, root],
    });
    const b = doc({ Version: '2012-10-17', Statement: [root] });
    const generic = (d: typeof a) => cache.project(d, (s) => statementScope(s, '111122223333').generic);

    // Act
    const pa = generic(a);
    const pb = generic(b);

    // Assess
    expect(pa.projection).toBe(pb.projection);
    expect(pa.indexMap).toEqual([1]);
    expect(pb.indexMap).toEqual([0]);
  });
});
