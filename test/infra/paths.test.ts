import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InfraError } from '../../lib/errors.js';
import { assertLocalEsbuild, handlerEntry } from '../../lib/paths.js';

describe('Function: handlerEntry', () => {
  let dir: string | undefined;

  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('returns the absolute path of an existing entry', () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'sever-entries-'));
    writeFileSync(join(dir, 'digest.ts'), 'export const handler = async () => undefined;\n');

    // Act
    const entry = handlerEntry('digest', dir);

    // Assess
    expect(entry).toBe(join(dir, 'digest.ts'));
  });

  it('fails with ERR_ENTRY_MISSING naming the path when the entry does not exist', () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'sever-entries-'));

    // Act
    let caught: unknown;
    try {
      handlerEntry('audit-api', dir);
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(InfraError);
    expect((caught as InfraError).code).toBe('ERR_ENTRY_MISSING');
    expect((caught as InfraError).message).toContain(join(dir, 'audit-api.ts'));
  });
});

describe('Function: assertLocalEsbuild', () => {
  it("finds the project's esbuild, so bundling never switches to Docker", () => {
    // Act
    const act = () => assertLocalEsbuild();

    // Assess
    expect(act).not.toThrow();
  });
});
