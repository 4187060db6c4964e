import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { entryPreimage, GENESIS_HASH, hashEntry, sealEntry } from '../../../../lambda/core/ledger/chain.js';
import type { LedgerEntryInput } from '../../../../lambda/core/ledger/types.js';

const input: LedgerEntryInput = {
  caseId: 'c-1',
  employeeId: 'E1',
  type: 'action-succeeded',
  resourceArn: 'arn:aws:kms:eu-west-1:111122223333:key/k',
  actor: { function: 'revoke', requestId: 'r-1' },
  data: { b: 2, a: [1, 'x'] },
};

describe('Function: sealEntry', () => {
  it('hashes the documented canonical preimage: sorted keys, no whitespace, prevHash included, hash excluded', () => {
    // Prepare: the preimage as docs/ledger-format.md spells it.
    const preimage =
      '{"actor":{"function":"revoke","requestId":"r-1"},"at":"2025-03-01T09:00:00.000Z","caseId":"c-1","data":{"a":[1,"x"],"b":2},' +
      `"employeeId":"E1","prevHash":"${GENESIS_HASH}","resourceArn":"arn:aws:kms:eu-west-1:111122223333:key/k","seq":1,"type":"action-succeeded"}`;

    // Act
    const entry = sealEntry(input, { seq: 1, at: '2025-03-01T09:00:00.000Z', prevHash: GENESIS_HASH });

    // Assess
    expect(entry.hash).toBe(createHash('sha256').update(preimage, 'utf8').digest('hex'));
    expect(entry.prevHash).toBe('0'.repeat(64));
  });

  it('leaves resourceArn out of the preimage when the entry has none', () => {
    // Prepare
    const { resourceArn: _omitted, ...withoutArn } = input;

    // Act
    const entry = sealEntry(withoutArn, { seq: 2, at: '2025-03-01T09:00:00.000Z', prevHash: 'a'.repeat(64) });

    // Assess
    expect('resourceArn' in entry).toBe(false);
    expect(Object.keys(entryPreimage(entry))).not.toContain('resourceArn');
    expect(hashEntry(entry)).toBe(entry.hash);
  });

  it('changes the hash when any hashed field changes', () => {
    // Prepare
    const position = { seq: 3, at: '2025-03-01T09:00:00.000Z', prevHash: 'b'.repeat(64) };
    const base = sealEntry(input, position).hash;

    // Act
    const variants = [
      sealEntry({ ...input, caseId: 'c-2' }, position),
      sealEntry({ ...input, employeeId: 'E2' }, position),
      sealEntry({ ...input, type: 'action-failed' }, position),
      sealEntry({ ...input, resourceArn: 'arn:other' }, position),
      sealEntry({ ...input, actor: { function: 'revoke', requestId: 'r-2' } }, position),
      sealEntry({ ...input, data: { b: 3, a: [1, 'x'] } }, position),
      sealEntry(input, { ...position, seq: 4 }),
      sealEntry(input, { ...position, at: '2025-03-01T09:00:00.001Z' }),
      sealEntry(input, { ...position, prevHash: 'c'.repeat(64) }),
    ].map((e) => e.hash);

    // Assess
    expect(new Set([base, ...variants]).size).toBe(10);
  });

  it('returns a normalised copy of data, so later mutation cannot drift from the hash', () => {
    // Prepare
    const data: Record<string, unknown> = { list: [1], skip: undefined };

    // Act
    const entry = sealEntry({ ...input, data }, { seq: 1, at: '2025-03-01T09:00:00.000Z', prevHash: GENESIS_HASH });
    (data.list as number[]).push(2);

    // Assess
    expect(entry.data).toEqual({ list: [1] });
    expect('skip' in entry.data).toBe(false);
    expect(hashEntry(entry)).toBe(entry.hash);
  });

  it('refuses data that is not canonical JSON', () => {
    // Act
    const act = () => sealEntry({ ...input, data: { n: Number.POSITIVE_INFINITY } }, { seq: 1, at: 'x', prevHash: GENESIS_HASH });

    // Assess
    expect(act).toThrow(expect.objectContaining({ code: 'ERR_LEDGER_INVALID_INPUT' }));
  });
});
