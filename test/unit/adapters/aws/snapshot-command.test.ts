import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { IAMClient } from '@aws-sdk/client-iam';
import { GetKeyPolicyCommand, KMSClient, KMSServiceException, ListKeysCommand } from '@aws-sdk/client-kms';
import { AWSOrganizationsNotInUseException, DescribeOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSnapshot } from '../../../../bin/commands/snapshot.js';
import { SNAPSHOT_FILES } from '../../../../lambda/core/snapshot/parse.js';
import { FIXTURE_ACCOUNT, FIXTURE_REGION, primeFixtureAccount, type SnapshotMocks } from './snapshot-fixture.js';

// Class-level mocks: the command builds its own clients.
const mocks: SnapshotMocks = {
  sts: mockClient(STSClient),
  iam: mockClient(IAMClient),
  kms: mockClient(KMSClient),
  secretsManager: mockClient(SecretsManagerClient),
  ssm: mockClient(SSMClient),
  organizations: mockClient(OrganizationsClient),
};

function capture() {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  return {
    io: { stdout: sink((t) => (stdout += t)), stderr: sink((t) => (stderr += t)) },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

describe('Function: runSnapshot', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sever-snapshot-'));
    primeFixtureAccount(mocks);
  });

  afterEach(async () => {
    for (const mock of Object.values(mocks)) mock.reset();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every snapshot file as 2-space JSON and prints a summary and the warnings', async () => {
    // Prepare
    const out = join(dir, 'snap');
    const { io, stdout, stderr } = capture();

    // Act
    const code = await runSnapshot(['--out', out, '--region', FIXTURE_REGION, '--max-attempts', '4'], io);

    // Assess
    expect(code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(Object.values(SNAPSHOT_FILES).sort());
    for (const name of Object.values(SNAPSHOT_FILES)) {
      const text = await readFile(join(out, name), 'utf8');
      expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    }
    expect(JSON.parse(await readFile(join(out, 'account.json'), 'utf8'))).toEqual({
      AccountId: FIXTURE_ACCOUNT,
      Partition: 'aws',
      Region: FIXTURE_REGION,
    });
    expect(stdout()).toContain(`Snapshot of account ${FIXTURE_ACCOUNT} (aws, ${FIXTURE_REGION}) written to ${out}`);
    expect(stdout()).toContain('2 users, 1 groups, 2 roles, 2 managed policies');
    expect(stdout()).toContain('4 keys (3 customer-managed)');
    expect(stdout()).toContain('3 SCP level(s), 3 RCP level(s)');
    expect(stderr()).toMatch(/^warning: KMS key .* is pending deletion/m);
  });

  it('removes an organization.json left by an earlier snapshot when this one has none, and nothing else', async () => {
    // Prepare
    mocks.organizations
      .on(DescribeOrganizationCommand)
      .rejects(new AWSOrganizationsNotInUseException({ message: 'not in use', $metadata: {} }));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'organization.json'), '{"ServiceControlPolicies":[]}');
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    const { io, stderr } = capture();

    // Act
    const code = await runSnapshot(['--out', dir, '--region', FIXTURE_REGION], io);

    // Assess
    expect(code).toBe(0);
    const files = await readdir(dir);
    expect(files).not.toContain('organization.json');
    expect(files).toContain('notes.txt');
    expect(stderr()).toContain('warning: The account is not in an AWS Organization');
    expect(stderr()).toContain('warning: removed organization.json');
  });

  it('exits 1 naming the call and the code when AWS denies a listing, writing nothing', async () => {
    // Prepare
    const out = join(dir, 'snap');
    mocks.kms
      .on(ListKeysCommand)
      .rejects(new KMSServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized', $metadata: {} }));
    const { io, stderr } = capture();

    // Act
    const code = await runSnapshot(['--out', out, '--region', FIXTURE_REGION], io);

    // Assess
    expect(code).toBe(1);
    expect(stderr()).toContain('kms:ListKeys');
    expect(stderr()).toContain('[ERR_AWS_ACCESS_DENIED]');
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 1 when the collected snapshot does not parse, keeping the files for inspection', async () => {
    // Prepare
    mocks.kms.on(GetKeyPolicyCommand).resolves({ Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}' });
    const { io, stdout, stderr } = capture();

    // Act
    const code = await runSnapshot(['--out', dir, '--region', FIXTURE_REGION], io);

    // Assess
    expect(code).toBe(1);
    expect(stderr()).toMatch(/kms-keys\.json at Keys\[0\]\.Policy.*\[ERR_SNAPSHOT_POLICY\]/);
    expect(stdout()).toBe('');
    expect(await readdir(dir)).toContain('kms-keys.json');
  });

  it.each([
    [[], '--out DIR is required'],
    [['--out', 'x', '--max-attempts', '0'], '--max-attempts must be a positive integer'],
    [['--out', 'x', '--concurrency', 'many'], '--concurrency must be a positive integer'],
    [['--out', 'x', '--bogus'], "Unknown option '--bogus'"],
  ])('exits 2 on bad arguments %j', async (argv, message) => {
    // Prepare
    const { io, stderr } = capture();

    // Act
    const code = await runSnapshot(argv, io);

    // Assess
    expect(code).toBe(2);
    expect(stderr()).toContain(message);
    expect(mocks.sts).not.toHaveReceivedAnyCommand();
  });

  it('prints the usage on --help', async () => {
    // Prepare
    const { io, stdout } = capture();

    // Act
    const code = await runSnapshot(['--help'], io);

    // Assess
    expect(code).toBe(0);
    expect(stdout()).toContain('Usage: sever snapshot --out DIR');
  });
});
