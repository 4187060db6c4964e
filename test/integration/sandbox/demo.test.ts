import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../../bin/commands/demo.js';

async function runCapturingOutput(argv: string[]): Promise<{ code: number; stdout: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await runDemo(argv, { stdout, stderr });
  return { code, stdout: Buffer.concat(chunks).toString('utf8') };
}

/** The lines printed under one section heading of the demo. */
function section(output: string, titleStart: string): string {
  const start = output.indexOf(`── ${titleStart}`);
  expect(start, `section "${titleStart}" is printed`).toBeGreaterThanOrEqual(0);
  const end = output.indexOf('\n── ', start + 1);
  return output.slice(start, end < 0 ? undefined : end);
}

describe('Command: sever demo', () => {
  it('shows the old key stop verifying while a token from the new key passes, and a verified ledger', async () => {
    // Act
    const { code, stdout } = await runCapturingOutput([]);

    // Assess
    expect(code).toBe(0);
    const before = section(stdout, 'Before');
    expect(before).not.toContain('REJECTED');
    const grace = section(stdout, 'Proof, 30 s later');
    expect(grace).toMatch(/REJECTED {2}the engineer's own session token .*ERR_SUBJECT_REVOKED/);
    expect(grace).toMatch(/ACCEPTED {2}customer token signed before the termination/);
    const after = section(stdout, 'Proof, after the grace window');
    expect(after).toMatch(/REJECTED {2}customer token signed before the termination .*ERR_(KEY_REVOKED|UNKNOWN_KID)/);
    expect(after).toMatch(/ACCEPTED {2}token signed after the rotation/);
    expect(section(stdout, 'Grace window ends')).toContain('kms:Sign with the old key now fails');
    expect(section(stdout, 'A malformed HR event')).toContain('detail.email');
    expect(section(stdout, 'Ledger entries')).toMatch(/verification: OK/);
  });
});
