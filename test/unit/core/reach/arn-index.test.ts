import { describe, expect, it } from 'vitest';
import { ArnIndex, arnLikeMatches, globMatches, probeArn, widenVariables } from '../../../../lambda/core/reach/arn-index.js';

const arns = [
  'arn:aws:iam::1:role/team-a-dev',
  'arn:aws:iam::1:role/team-a-prod',
  'arn:aws:iam::1:role/team-b-dev',
  'arn:aws:iam::1:user/alice',
  'arn:aws:iam::1:role/team-a-dev',
];

describe('Class: ArnIndex', () => {
  describe('Method: match', () => {
    it('finds exact ARNs, duplicates included', () => {
      // Prepare
      const index = new ArnIndex(arns);

      // Act
      const hits = index.match('arn:aws:iam::1:role/team-a-dev');

      // Assess
      expect(hits).toEqual([0, 4]);
    });

    it('finds prefix patterns and general wildcards', () => {
      // Prepare
      const index = new ArnIndex(arns);

      // Act
      const prefix = index.match('arn:aws:iam::1:role/team-a-*');
      const middle = index.match('arn:aws:iam::1:role/team-?-dev');
      const none = index.match('arn:aws:iam::2:*');

      // Assess
      expect(prefix).toEqual([0, 1, 4]);
      expect(middle).toEqual([0, 2, 4]);
      expect(none).toEqual([]);
    });

    it('covers everything a variable could stand for', () => {
      // Prepare
      const index = new ArnIndex(arns);

      // Act
      const hits = index.match('arn:aws:iam::1:user/${aws:username}');

      // Assess
      expect(hits).toEqual([3]);
      expect(index.match('*')).toEqual([0, 1, 2, 3, 4]);
    });
  });
});

describe('Function: globMatches', () => {
  it('matches IAM wildcards, case-sensitively unless asked not to', () => {
    // Act
    const results = [
      globMatches('a*c', 'abbbc'),
      globMatches('a?c', 'abc'),
      globMatches('a?c', 'abbc'),
      globMatches('ABC', 'abc'),
      globMatches('ABC', 'abc', true),
    ];

    // Assess
    expect(results).toEqual([true, true, false, false, true]);
  });
});

describe('Function: arnLikeMatches', () => {
  it('keeps wildcards in the first five segments from crossing colons', () => {
    // Act
    const results = [
      arnLikeMatches('arn:aws:iam::*:role/x', 'arn:aws:iam::1:role/x'),
      arnLikeMatches('arn:aws:*:x:1:role/a', 'arn:aws:iam:y:x:1:role/a'),
      arnLikeMatches('arn:aws:iam::1:role/*', 'arn:aws:iam::1:role/a:b'),
    ];

    // Assess
    expect(results).toEqual([true, false, true]);
    expect(globMatches('arn:aws:*:x:1:role/a', 'arn:aws:iam:y:x:1:role/a')).toBe(true);
  });

  it('reads regex characters literally, `?` as one character within a segment, and short patterns as plain wildcards', () => {
    // Act
    const results = [
      arnLikeMatches('arn:aws:s3:::bucket.logs/*', 'arn:aws:s3:::bucketXlogs/a'),
      arnLikeMatches('arn:aws:s3:::bucket.logs/*', 'arn:aws:s3:::bucket.logs/a'),
      arnLikeMatches('arn:aws:ia?::1:role/x', 'arn:aws:iam::1:role/x'),
      arnLikeMatches('arn:aws:iam:?:1:role/x', 'arn:aws:iam:::1:role/x'),
      arnLikeMatches('arn:aws:*', 'arn:aws:iam::1:role/x'),
      arnLikeMatches('arn:aws:iam::1:role/x', 'arn:aws:iam::1'),
    ];

    // Assess
    expect(results).toEqual([false, true, true, false, true, false]);
  });
});

describe('Function: probeArn', () => {
  const FUNCTION = 'arn:aws:lambda:eu-west-1:1:function:*';

  it("gives an ARN of the shape the pattern matches, taking the shape's account where the pattern leaves it open", () => {
    // Act
    const named = probeArn('arn:aws:lambda:eu-west-1:1:function:prod-*', FUNCTION);
    const anyAccount = probeArn('arn:aws:lambda:*:*:function:prod-${aws:username}', FUNCTION);
    const otherRegion = probeArn('arn:aws:lambda:us-east-1:1:function:p?', FUNCTION);

    // Assess
    expect(named).toBe('arn:aws:lambda:eu-west-1:1:function:prod-sever-probe');
    expect(anyAccount).toBe('arn:aws:lambda:eu-west-1:1:function:prod-sever-probe');
    expect(otherRegion).toBe('arn:aws:lambda:us-east-1:1:function:px');
  });

  it('gives nothing for a pattern no ARN of the shape matches', () => {
    // Act
    const role = probeArn('arn:aws:iam::1:role/*', FUNCTION);
    const otherAccount = probeArn('arn:aws:lambda:eu-west-1:2:function:*', FUNCTION);
    const layer = probeArn('arn:aws:lambda:eu-west-1:1:layer:*', FUNCTION);

    // Assess
    expect([role, otherAccount, layer]).toEqual([undefined, undefined, undefined]);
  });
});

describe('Function: widenVariables', () => {
  it('turns policy variables into wildcards', () => {
    // Act
    const widened = widenVariables('arn:aws:s3:::home/${aws:username}/${aws:PrincipalTag/team}');

    // Assess
    expect(widened).toBe('arn:aws:s3:::home/*/*');
  });
});
