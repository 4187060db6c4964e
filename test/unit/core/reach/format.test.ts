import { describe, expect, it } from 'vitest';
import { describeCondition, describeStep, formatInventory, formatReachReport, shortArn } from '../../../../lambda/core/reach/format.js';
import type { InventoryEntry, ReachReport } from '../../../../lambda/core/reach/types.js';

const report: ReachReport = {
  employeeId: 'E-1042',
  accountId: '111122223333',
  principals: ['arn:aws:iam::111122223333:user/alice'],
  reachablePrincipals: [
    {
      arn: 'arn:aws:iam::111122223333:user/alice',
      type: 'user',
      path: [],
      conditional: false,
      escalated: false,
      boundaryRemoved: false,
      tagsChosen: false,
    },
    {
      arn: 'arn:aws:iam::111122223333:role/deploy',
      type: 'role',
      path: [
        {
          from: 'arn:aws:iam::111122223333:user/alice',
          to: 'arn:aws:iam::111122223333:role/deploy',
          via: 'sts:AssumeRole',
          policy: 'arn:aws:iam::111122223333:policy/AssumeDeploy',
          statement: 'AssumeDeploy',
          effect: 'become',
          escalation: 'sts-001',
        },
      ],
      conditional: true,
      escalated: false,
      boundaryRemoved: false,
      tagsChosen: false,
    },
  ],
  reach: [
    {
      resourceArn: 'arn:aws:kms:eu-west-1:111122223333:key/abcd',
      kind: 'kms-sign',
      access: 'use',
      conditional: true,
      conditions: [
        {
          policy: 'arn:aws:iam::111122223333:role/deploy#trust',
          statement: 0,
          operator: 'Bool',
          key: 'aws:MultiFactorAuthPresent',
          values: ['true'],
        },
      ],
      actions: ['kms:Sign'],
      keyId: 'abcd',
      aliases: ['alias/jwt'],
      paths: [
        [
          {
            from: 'arn:aws:iam::111122223333:user/alice',
            to: 'arn:aws:iam::111122223333:role/deploy',
            via: 'sts:AssumeRole',
            policy: 'arn:aws:iam::111122223333:policy/AssumeDeploy',
            statement: 'AssumeDeploy',
            effect: 'become',
            escalation: 'sts-001',
          },
          {
            from: 'arn:aws:iam::111122223333:role/deploy',
            to: 'arn:aws:kms:eu-west-1:111122223333:key/abcd',
            via: 'kms:Sign',
            policy: 'arn:aws:iam::111122223333:role/deploy#inline:sign',
            statement: 2,
            effect: 'access',
          },
        ],
      ],
    },
  ],
  warnings: ['managed policy arn:aws:iam::aws:policy/Missing (attached to …) is not in the snapshot'],
};

describe('Function: formatReachReport', () => {
  it('says who the employee is, whom they can act as, what they reach and why', () => {
    // Act
    const text = formatReachReport(report);

    // Assess
    expect(text).toContain('Reach of employee E-1042 in account 111122223333');
    expect(text).toContain('arn:aws:iam::111122223333:user/alice');
    expect(text).toMatch(/role\/deploy\s+1 step\s+\[conditional\]/);
    expect(text).toContain('USE     kms-sign      arn:aws:kms:eu-west-1:111122223333:key/abcd (alias/jwt)  [CONDITIONAL]');
    expect(text).toContain(
      '1. user/alice becomes role/deploy via sts:AssumeRole [sts-001] — allowed by policy/AssumeDeploy "AssumeDeploy"',
    );
    expect(text).toContain('2. role/deploy calls kms:Sign on key/abcd — allowed by role/deploy#inline:sign statement #2');
    expect(text).toContain('if: Bool aws:MultiFactorAuthPresent ["true"] in role/deploy#trust statement #0');
    expect(text).toContain('Warnings:');
  });

  it('caps the list of principals and says how many more there are', () => {
    // Act
    const text = formatReachReport(report, { maxPrincipals: 0 });

    // Assess
    expect(text).not.toMatch(/role\/deploy\s+1 step/);
    expect(text).toContain('… 1 more (--json lists them all, each with its path)');
  });

  it('says so when nothing is reachable', () => {
    // Act
    const text = formatReachReport({ ...report, reach: [], warnings: [] });

    // Assess
    expect(text).toContain('Signing material: none reachable.');
    expect(text).not.toContain('Warnings:');
  });
});

describe('Function: describeStep', () => {
  it('describes each kind of step', () => {
    // Prepare
    const base = { from: 'arn:aws:iam::1:user/a', to: 'arn:aws:iam::1:role/b', via: 'x', policy: 'p', statement: 0 } as const;

    // Act
    const lines = (['escalate', 'remove-boundary', 'join-group'] as const).map((effect) => describeStep({ ...base, effect }));
    const grant = describeStep({ ...base, to: 'arn:aws:kms:r:1:key/k', via: 'kms-grant', effect: 'access', grantId: 'g-1' });

    // Assess
    expect(lines).toEqual([
      'user/a rewrites role/b to allow everything via x — allowed by p statement #0',
      'user/a lifts the permissions boundary of role/b via x — allowed by p statement #0',
      'user/a adds its user to group role/b via x — allowed by p statement #0',
    ]);
    expect(grant).toBe('user/a uses grant g-1 on key/k — allowed by p statement #0');
  });
});

describe('Function: describeCondition', () => {
  it('renders assumptions as such', () => {
    // Act
    const text = describeCondition({
      policy: 'sever:assumption',
      statement: 'lambda-003',
      operator: 'Assumes',
      key: 'sever:Precondition',
      values: ['a function runs as the role'],
    });

    // Assess
    expect(text).toBe('assumes a function runs as the role (lambda-003)');
  });
});

describe('Function: formatInventory', () => {
  it('prints one row per principal under a header', () => {
    // Prepare
    const entries: InventoryEntry[] = [
      {
        principalArn: 'arn:aws:iam::1:user/alice',
        principalType: 'user',
        employeeId: 'E-1',
        signingKeys: 12,
        unconditionalSigningKeys: 10,
        use: 11,
        control: 4,
        byKind: { 'kms-sign': 8, 'kms-mac': 2, secret: 1, 'ssm-parameter': 1 },
        reachablePrincipals: 5,
        escalatesToAdmin: true,
      },
    ];

    // Act
    const lines = formatInventory(entries).split('\n');

    // Assess
    expect(lines[0]).toBe('Standing blast radius: 1 human principal, 1 reach signing material');
    expect(lines[2]).toBe('    12      10    11     4        5  yes   E-1           user/alice');
  });
});

describe('Function: shortArn', () => {
  it('keeps the resource part of an ARN and leaves anything else alone', () => {
    // Act
    const values = [shortArn('arn:aws:secretsmanager:r:1:secret:jwt-Ab'), shortArn('not-an-arn')];

    // Assess
    expect(values).toEqual(['secret:jwt-Ab', 'not-an-arn']);
  });
});
