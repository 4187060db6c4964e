import { LedgerError } from './errors.js';

/**
 * Canonical JSON in the manner of RFC 8785 (JCS): object members sorted by the UTF-16 code
 * units of their names, no insignificant whitespace, numbers in ECMAScript shortest
 * round-trip form, strings escaped as `JSON.stringify` escapes them.
 *
 * Differences from JCS, all stricter: a value the ledger could not store and read back
 * unchanged is refused rather than encoded. That means non-finite numbers, integers outside
 * ±(2^53 − 1) (DynamoDB and JSON readers disagree about them), strings with lone surrogates
 * (UTF-8 cannot carry them, so a stored copy would read back different), `undefined` inside
 * arrays, and anything that is not a plain object, array, string, number, boolean or null.
 * Object members whose value is `undefined` are omitted, as `JSON.stringify` omits them.
 *
 * @throws {LedgerError} `ERR_LEDGER_INVALID_INPUT`, naming the JSON path of the offending value.
 * @example
 * ```ts
 * canonicalJson({ b: [1, 'x'], a: null }); // '{"a":null,"b":[1,"x"]}'
 * ```
 */
export const canonicalJson = (value: unknown): string => encode(value, '$');

/** The UTF-8 bytes of {@link canonicalJson}: what hashes and signatures are computed over. */
export const canonicalBytes = (value: unknown): Uint8Array => new TextEncoder().encode(canonicalJson(value));

const LONE_SURROGATE = /\p{Surrogate}/u;

const invalid = (path: string, why: string): LedgerError =>
  new LedgerError('ERR_LEDGER_INVALID_INPUT', `Cannot encode ${path} canonically: ${why}.`);

const encodeString = (value: string, path: string): string => {
  if (LONE_SURROGATE.test(value)) throw invalid(path, 'the string contains a lone UTF-16 surrogate');
  return JSON.stringify(value);
};

const encode = (value: unknown, path: string): string => {
  switch (typeof value) {
    case 'string':
      return encodeString(value, path);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw invalid(path, `${value} is not a finite number`);
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw invalid(path, `${value} is an integer outside ±(2^53 − 1); store it as a string`);
      }
      // ECMAScript Number-to-String is exactly the JCS number form (and prints -0 as 0).
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        return `[${value
          .map((item, index) => {
            const itemPath = `${path}[${index}]`;
            if (item === undefined) throw invalid(itemPath, 'undefined is not JSON');
            return encode(item, itemPath);
          })
          .join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw invalid(path, `a ${(value as object).constructor?.name ?? 'non-plain'} object is not JSON`);
      }
      const record = value as Record<string, unknown>;
      const members: string[] = [];
      // Default sort compares UTF-16 code units, which is what JCS prescribes.
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined) continue;
        const memberPath = `${path}.${key}`;
        members.push(`${encodeString(key, memberPath)}:${encode(member, memberPath)}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      throw invalid(path, `a ${typeof value} is not JSON`);
  }
};
