import { describe, expect, it } from 'vitest';
import {
  ipInRange,
  parseConditionOperator,
  parseDate,
  parseIpAddress,
  parseIpRange,
  parseNumber,
} from '../../../../lambda/core/policy/operators.js';

describe('Function: parseConditionOperator', () => {
  it('reads the set prefix, the base operator and IfExists', () => {
    expect(parseConditionOperator('ForAllValues:StringNotLikeIfExists')).toEqual({
      base: 'StringNotLike',
      family: 'string-like',
      comparison: 'eq',
      negated: true,
      set: 'all',
      ifExists: true,
    });
  });

  it('matches operator names case-insensitively', () => {
    expect(parseConditionOperator('numericlessthanequals')).toMatchObject({ base: 'NumericLessThanEquals', comparison: 'lte' });
  });

  it.each(['StringEqual', 'IfExists', 'ForSomeValues:StringEquals', 'NullIfExists', 'ForAllValues:Null', ''])('rejects %j', (text) => {
    expect(parseConditionOperator(text)).toBeUndefined();
  });
});

describe('Function: parseNumber', () => {
  it('reads finite numbers and rejects the rest', () => {
    expect(parseNumber('3600')).toBe(3600);
    expect(parseNumber('-1.5')).toBe(-1.5);
    expect(parseNumber('')).toBeUndefined();
    expect(parseNumber('ten')).toBeUndefined();
    expect(parseNumber('Infinity')).toBeUndefined();
  });
});

describe('Function: parseDate', () => {
  it('reads ISO 8601 and epoch seconds to the same instant', () => {
    expect(parseDate('2024-01-01T00:00:00Z')).toBe(parseDate('1704067200'));
    expect(parseDate('2024-01-01')).toBe(Date.UTC(2024, 0, 1));
  });

  it('rejects text that is not a date', () => {
    expect(parseDate('next tuesday')).toBeUndefined();
  });
});

/** Parses both sides, failing the test when either is unreadable. */
function contains(range: string, address: string): boolean {
  const r = parseIpRange(range);
  const a = parseIpAddress(address);
  if (r === undefined || a === undefined) throw new Error(`unreadable test input ${range} / ${address}`);
  return ipInRange(a, r);
}

describe('Function: parseIpAddress / parseIpRange / ipInRange', () => {
  it.each([
    ['10.1.2.3', '10.0.0.0/8'],
    ['192.0.2.1', '192.0.2.1'],
    ['192.0.2.1', '0.0.0.0/0'],
    ['2001:db8::1', '2001:db8::/32'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1/128'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.0/120'],
  ])('%s is in %s', (address, range) => {
    expect(contains(range, address)).toBe(true);
  });

  it.each([
    ['11.0.0.1', '10.0.0.0/8'],
    ['192.0.2.2', '192.0.2.1'],
    ['2001:db9::1', '2001:db8::/32'],
    // Families never mix.
    ['10.0.0.1', '::/0'],
  ])('%s is not in %s', (address, range) => {
    expect(contains(range, address)).toBe(false);
  });

  it.each(['10.0.0', '256.0.0.1', '01.2.3.4x', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', ''])('rejects the address %j', (text) => {
    expect(parseIpAddress(text)).toBeUndefined();
  });

  it.each(['10.0.0.0/33', '10.0.0.0/', '2001:db8::/129', '10.0.0.0/x'])('rejects the range %j', (text) => {
    expect(parseIpRange(text)).toBeUndefined();
  });
});
