import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../../bin/commands/simulate.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples');
const SAMPLE_ORG = join(EXAMPLES, 'sample-org');
const readEvent = async (name: string) => JSON.parse(await readFile(join(EXAMPLES, 'events', name), 'utf8'));
const AUTH_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1a2b3c4d-0000-4000-8000-000000000001';
const PAYMENTS_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1a2b3c4d-0000-4000-8000-000000000003';

describe('Function: simulate', () => {
  it('runs a termination through reach, plan, execute and ledger, and every deferred step', async () => {
    // Prepare
    const event = await readEvent('mallory-terminated.json');

    // Act
    const result = await simulate({ snapshotDir: SAMPLE_ORG, events: [event] });

    // Assess
    expect(result.cases).toHaveLength(1);
    const [mallory] = result.cases;
    expect(mallory?.employeeId).toBe('E1042');
    expect(mallory?.status).toBe('completed');
    expect(mallory?.actions.every((a) => a.outcome === 'succeeded')).toBe(true);
    const auth = result.keys.find((k) => k.keyArn === AUTH_KEY);
    expect(auth).toMatchObject({ rotations: 1, state: 'PendingDeletion' });
    expect(auth?.replacedBy).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\//);
    // A key whose policy shuts IAM out is out of reach: it must be left alone.
    expect(result.keys.find((k) => k.keyArn === PAYMENTS_KEY)).toMatchObject({ rotations: 0, replacedBy: null, state: 'Enabled' });
    expect(result.apiCalls['kms:CreateKey']).toBe(4);
    // The engineer's active key, and the unlisted key minted for ci-bot during their tenure.
    expect(result.apiCalls['iam:UpdateAccessKey']).toBe(2);
    expect(result.cases[0]?.actions.find((a) => a.target === 'AKIAEXAMPLECIBOT0002')).toMatchObject({
      type: 'deactivate-access-key',
      outcome: 'succeeded',
    });
    expect(result.cases[0]?.actions.some((a) => a.target === 'AKIAEXAMPLECIBOT0001')).toBe(false);
    expect(result.ledger.verified).toBe(true);
    expect(result.ledger.entries).toBeGreaterThan(mallory?.actions.length ?? 0);
  });

  it('never rotates a key twice when the same event arrives twice', async () => {
    // Prepare
    const event = await readEvent('mallory-terminated.json');

    // Act
    const result = await simulate({ snapshotDir: SAMPLE_ORG, events: [event, event] });

    // Assess
    expect(result.cases).toHaveLength(1);
    expect(result.apiCalls['kms:CreateKey']).toBe(4);
    expect(result.keys.filter((k) => k.rotations > 1)).toEqual([]);
    expect(result.ledger.verified).toBe(true);
  });

  it('records a malformed event as rejected, naming the bad fields, and still processes the rest', async () => {
    // Prepare
    const good = await readEvent('mallory-terminated.json');
    const bad = await readEvent('malformed.json');

    // Act
    const result = await simulate({ snapshotDir: SAMPLE_ORG, events: [bad, good] });

    // Assess
    const rejected = result.cases.find((c) => c.status === 'rejected');
    expect(rejected?.error).toContain('detail.email');
    expect(rejected?.error).toContain('detail.terminationType');
    expect(result.cases.find((c) => c.employeeId === 'E1042')?.status).toBe('completed');
    expect(result.ledger.verified).toBe(true);
  });

  it('under a hostile termination disables keys at once and revokes every older session of the roles', async () => {
    // Prepare
    const batch = await readEvent('layoff-batch.json');

    // Act
    const result = await simulate({ snapshotDir: SAMPLE_ORG, events: batch });

    // Assess
    const alice = result.cases.find((c) => c.employeeId === 'E2001');
    expect(alice?.status).toBe('completed');
    // alice signs with the payments key directly (the key policy names her): it is rotated.
    expect(result.keys.find((k) => k.keyArn === PAYMENTS_KEY)).toMatchObject({ rotations: 1, state: 'PendingDeletion' });
    expect(alice?.actions.filter((a) => a.type === 'disable-key').every((a) => a.outcome === 'succeeded')).toBe(true);
  });
});
