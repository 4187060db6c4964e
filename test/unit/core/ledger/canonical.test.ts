import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalJson } from '../../../../lambda/core/ledger/canonical.js';
import { LedgerError } from '../../../../lambda/core/ledger/errors.js';

describe('Function: canonicalJson', () => {
  it('sorts members by UTF-16 code units, as RFC 8785 §3.2.3 shows', () => {
    // Prepare: the RFC's own example, keys in arbitrary order.
    const value = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };

    // Act
    const encoded = canonicalJson(value);

    // Assess: member values in encoded order (JSON.parse would re-order integer-like keys).
    const encodedOrder = [...encoded.matchAll(/"(?:[^"\\]|\\.)*":"([^"]*)"/g)].map((m) => m[1]);
    expect(encodedOrder).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
  });

  it('writes numbers in ECMAScript shortest form, as RFC 8785 §3.2.2.3 shows', () => {
    // Act
    const encoded = canonicalJson([Number('333333333.33333329'), 1e-7, 4.5, 2e-3, 0.000000000000000000000000001, -0, 9007199254740991]);

    // Assess
    expect(encoded).toBe('[333333333.3333333,1e-7,4.5,0.002,1e-27,0,9007199254740991]');
  });

  it('escapes strings minimally and emits no whitespace', () => {
    // Act
    const encoded = canonicalJson({ b: 'line\nbreak\t"q" \\ \u0001 é 😀', a: [true, false, null, {}] });

    // Assess
    expect(encoded).toBe('{"a":[true,false,null,{}],"b":"line\\nbreak\\t\\"q\\" \\\\ \\u0001 é 😀"}');
  });

  it('sorts nested objects and omits undefined members', () => {
    // Act
    const encoded = canonicalJson({ z: { y: 1, x: undefined, w: [{ b: 2, a: 1 }] } });

    // Assess
    expect(encoded).toBe('{"z":{"w":[{"a":1,"b":2}],"y":1}}');
  });

  it('encodes to UTF-8 bytes', () => {
    // Act
    const bytes = canonicalBytes({ k: 'é' });

    // Assess
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from('{"k":"é"}', 'utf8').toString('hex'));
  });

  it.each([
    ['a non-finite number', { n: Number.NaN }, '$.n'],
    ['an unsafe integer', { n: 2 ** 60 }, '$.n'],
    ['a lone surrogate', { s: 'x\ud800y' }, '$.s'],
    ['a lone surrogate in a key', { '\udc00': 1 }, '$.\udc00'],
    ['undefined in an array', { list: [1, undefined] }, '$.list[1]'],
    ['a Date', { when: new Date(0) }, '$.when'],
    ['a Map', { m: new Map() }, '$.m'],
    ['a bigint', { b: 1n }, '$.b'],
    ['a function', { f: () => 1 }, '$.f'],
  ])('refuses %s, naming its path', (_name, value, path) => {
    // Act
    const act = () => canonicalJson(value);

    // Assess
    expect(act).toThrow(LedgerError);
    expect(act).toThrow(path);
    try {
      act();
    } catch (error) {
      expect((error as LedgerError).code).toBe('ERR_LEDGER_INVALID_INPUT');
    }
  });
});
