import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ESCALATION_CATALOG, escalationPath } from '../../../../lambda/core/reach/escalation-catalog.js';

const REFERENCE = join(import.meta.dirname, '../../../../../shared/reference/pathfinding-paths');

const unquote = (text: string): string => text.trim().replace(/^["']|["']$/g, '');

/** The id and required permissions of one reference YAML file (a line scan: the files are flat and regular). */
function readReference(text: string): { id: string; required: string[] } {
  const lines = text.split('\n');
  const id = unquote(lines.find((l) => l.startsWith('id:'))?.slice(3) ?? '');
  const required: string[] = [];
  const start = lines.indexOf('permissions:');
  let inRequired = false;
  for (const line of start < 0 ? [] : lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    if (/^ {2}\w+:/.test(line)) inRequired = /^ {2}required:/.test(line);
    const m = /^\s*- permission:\s*(.+)$/.exec(line);
    if (inRequired && m !== null) required.push(unquote(m[1] as string));
  }
  return { id, required };
}

/** Every reference file's text. */
function referenceFiles(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(REFERENCE, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of readdirSync(join(REFERENCE, dir.name))) {
      if (file.endsWith('.yaml')) out.push(readFileSync(join(REFERENCE, dir.name, file), 'utf8'));
    }
  }
  return out;
}

describe('Escalation catalogue', () => {
  it('has unique ids', () => {
    // Prepare
    const ids = ESCALATION_CATALOG.map((p) => p.id);

    // Act
    const unique = new Set(ids);

    // Assess
    expect(unique.size).toBe(ids.length);
  });

  it('covers the 65 published techniques and marks Sever additions as unpublished', () => {
    // Prepare
    const published = ESCALATION_CATALOG.filter((p) => p.published);

    // Act
    const own = ESCALATION_CATALOG.filter((p) => !p.published);

    // Assess
    expect(published).toHaveLength(65);
    expect(own.every((p) => p.id.startsWith('sever-'))).toBe(true);
  });

  it('gives every technique permissions, a description and an outcome', () => {
    // Prepare
    const incomplete = ESCALATION_CATALOG.filter((p) => p.permissions.length === 0 || p.summary.length < 20 || p.becomes === '');

    // Act
    const workloadsWithoutArn = ESCALATION_CATALOG.flatMap((p) =>
      p.permissions.filter((perm) => perm.on === 'workload' && perm.arn === undefined),
    );

    // Assess
    expect(incomplete).toEqual([]);
    expect(workloadsWithoutArn).toEqual([]);
  });

  it('requires iam:PassRole exactly for techniques that pass a role', () => {
    // Prepare
    const workloads = ESCALATION_CATALOG.filter((p) => p.outcome.kind === 'workload-role');

    // Act
    const mismatched = workloads.filter(
      (p) => p.outcome.kind === 'workload-role' && p.outcome.passRole !== p.permissions.some((perm) => perm.action === 'iam:PassRole'),
    );

    // Assess
    expect(workloads.length).toBeGreaterThan(40);
    expect(mismatched).toEqual([]);
  });

  it('composes composite techniques only from techniques it has', () => {
    // Prepare
    const composites = ESCALATION_CATALOG.filter((p) => p.outcome.kind === 'composite');

    // Act
    const dangling = composites.flatMap((p) =>
      p.outcome.kind === 'composite' ? p.outcome.steps.filter((s) => escalationPath(s) === undefined) : [],
    );

    // Assess
    expect(composites).toHaveLength(8);
    expect(dangling).toEqual([]);
  });

  describe('Function: escalationPath', () => {
    it('finds a technique by id', () => {
      // Act
      const path = escalationPath('lambda-001');

      // Assess
      expect(path?.permissions.map((p) => p.action)).toEqual(['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction']);
    });

    it('returns undefined for an unknown id', () => {
      // Act
      const path = escalationPath('nope-001');

      // Assess
      expect(path).toBeUndefined();
    });
  });
});

describe('Escalation catalogue against the public reference data', () => {
  const present = existsSync(REFERENCE);

  it(
    present
      ? 'lists exactly the ids of the reference YAML files'
      : 'skips the comparison: ../shared/reference/pathfinding-paths is not present in this checkout',
    () => {
      if (!present) {
        // The project's own fixtures stand alone; the reference data is optional.
        expect(present).toBe(false);
        return;
      }
      // Prepare
      const ids = referenceFiles().map((text) => readReference(text).id);

      // Act
      const ours = ESCALATION_CATALOG.filter((p) => p.published)
        .map((p) => p.id)
        .sort();

      // Assess
      expect(ours).toEqual(ids.sort());
    },
  );

  it(
    present
      ? 'requires at least the reference permissions of each technique, discovery-only ones aside'
      : 'skips the permission comparison: reference data absent',
    () => {
      if (!present) {
        expect(present).toBe(false);
        return;
      }
      // Prepare
      const discoveryOnly = new Set(['ec2:DescribeInstances']);
      const problems: string[] = [];

      // Act
      for (const text of referenceFiles()) {
        const { id, required } = readReference(text);
        const perms = required.filter((p) => !discoveryOnly.has(p));
        const ours = escalationPath(id)?.permissions.map((p) => p.action) ?? [];
        for (const p of perms) if (!ours.includes(p)) problems.push(`${id}: missing ${p}`);
        for (const p of ours) if (!perms.includes(p)) problems.push(`${id}: extra ${p}`);
      }

      // Assess
      expect(problems).toEqual([]);
    },
  );
});
