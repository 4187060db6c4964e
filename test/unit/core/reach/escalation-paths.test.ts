import { describe, expect, it } from 'vitest';
import { computeReach } from '../../../../lambda/core/reach/compute-reach.js';
import { ESCALATION_CATALOG } from '../../../../lambda/core/reach/escalation-catalog.js';
import type { ReachEntry } from '../../../../lambda/core/reach/types.js';
import { ATTACKER, PATH_FIXTURES, SIGNING_KEY } from '../../../fixtures/reach/escalation-fixtures.js';

describe('Escalation catalogue fixtures', () => {
  it('has a fixture for every technique in the catalogue', () => {
    // Prepare
    const ids = ESCALATION_CATALOG.map((p) => p.id);

    // Act
    const missing = ids.filter((id) => !PATH_FIXTURES.has(id));

    // Assess
    expect(missing).toEqual([]);
  });

  for (const path of ESCALATION_CATALOG) {
    const fixture = PATH_FIXTURES.get(path.id);
    if (fixture === undefined) continue;
    const target = fixture.target ?? SIGNING_KEY;
    const signing = (entries: readonly ReachEntry[]): ReachEntry | undefined =>
      entries.find((e) => e.resourceArn === target && e.access === 'use');

    describe(`Path: ${path.id} (${path.title})`, () => {
      it('gives reach to the signing material with a witness naming a policy and statement per hop', () => {
        // Prepare
        const snapshot = fixture.build();

        // Act
        const report = computeReach(snapshot, ATTACKER);

        // Assess
        const entry = signing(report.reach);
        expect(entry).toBeDefined();
        expect(entry?.conditional).toBe(fixture.conditional);
        const witness = entry?.paths[0] ?? [];
        expect(witness.length).toBeGreaterThan(0);
        for (const step of witness) {
          expect(step.policy).not.toBe('');
          expect(['string', 'number']).toContain(typeof step.statement);
        }
        expect(witness.at(-1)?.effect).toBe('access');
        if (fixture.conditional) expect(entry?.conditions?.length ?? 0).toBeGreaterThan(0);
      });

      it('names a technique whose permissions the attacker holds', () => {
        // Prepare
        const snapshot = fixture.build();
        const held = new Set(fixture.permissions);

        // Act
        const report = computeReach(snapshot, ATTACKER);

        // Assess
        const techniques = (signing(report.reach)?.paths[0] ?? []).map((s) => s.escalation).filter((t) => t !== undefined);
        expect(techniques.length).toBeGreaterThan(0);
        for (const id of techniques) {
          const used = ESCALATION_CATALOG.find((p) => p.id === id);
          expect(used?.permissions.every((p) => held.has(p.action))).toBe(true);
        }
      });

      for (const permission of fixture.permissions) {
        const expected = fixture.missing[permission] ?? 'none';
        it(`without ${permission}: ${expected === 'none' ? 'no reach' : 'only conditional reach'}`, () => {
          // Prepare
          const snapshot = fixture.build(permission);

          // Act
          const report = computeReach(snapshot, ATTACKER);

          // Assess
          const entry = signing(report.reach);
          if (expected === 'none') expect(entry).toBeUndefined();
          else expect(entry?.conditional).toBe(true);
        });
      }
    });
  }
});
