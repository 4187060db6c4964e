import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestLeafBytes, digestRoot, merkleRoot } from '../../../../lambda/core/ledger/merkle.js';

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** The leaves of the Certificate Transparency reference tests (RFC 6962 implementations). */
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((hex) =>
  Uint8Array.from(Buffer.from(hex, 'hex')),
);

describe('Function: merkleRoot', () => {
  it('hashes the empty tree to SHA-256 of nothing', () => {
    // Act
    const root = merkleRoot([]);

    // Assess
    expect(root).toBe(sha256().toString('hex'));
  });

  it('prefixes leaves with 0x00 and nodes with 0x01, splitting at the largest power of two', () => {
    // Prepare
    const [a, b, c] = ['a', 'b', 'c'].map((s) => new TextEncoder().encode(s)) as [Uint8Array, Uint8Array, Uint8Array];
    const leaf = (d: Uint8Array) => sha256(Uint8Array.of(0), d);
    const node = (l: Buffer, r: Buffer) => sha256(Uint8Array.of(1), l, r);

    // Act
    const roots = [merkleRoot([a]), merkleRoot([a, b]), merkleRoot([a, b, c])];

    // Assess
    expect(roots).toEqual([
      leaf(a).toString('hex'),
      node(leaf(a), leaf(b)).toString('hex'),
      node(node(leaf(a), leaf(b)), leaf(c)).toString('hex'),
    ]);
  });

  it('matches the Certificate Transparency reference roots for trees of 1 to 8 leaves', () => {
    // Act
    const roots = CT_LEAVES.map((_, i) => merkleRoot(CT_LEAVES.slice(0, i + 1)));

    // Assess
    expect(roots).toEqual([
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ]);
  });
});

describe('Function: digestRoot', () => {
  it('commits to every field of every leaf', () => {
    // Prepare
    const leaves = [
      { caseId: 'a', headSeq: 3, headHash: 'f'.repeat(64) },
      { caseId: 'b', headSeq: 1, headHash: 'e'.repeat(64) },
    ];

    // Act
    const root = digestRoot(leaves);
    const variants = [
      digestRoot([{ ...leaves[0]!, caseId: 'c' }, leaves[1]!]),
      digestRoot([{ ...leaves[0]!, headSeq: 4 }, leaves[1]!]),
      digestRoot([leaves[0]!, { ...leaves[1]!, headHash: 'd'.repeat(64) }]),
      digestRoot([leaves[1]!, leaves[0]!]),
    ];

    // Assess
    expect(Buffer.from(digestLeafBytes(leaves[0]!)).toString()).toBe(`{"caseId":"a","headHash":"${'f'.repeat(64)}","headSeq":3}`);
    expect(new Set([root, ...variants]).size).toBe(5);
  });
});
