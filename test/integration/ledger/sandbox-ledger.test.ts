import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../../lambda/adapters/aws/dynamodb-ledger.js';
import { startDynalite } from '../../../lambda/adapters/sandbox/dynalite.js';
import {
  LOCAL_DIGEST_KEY_FILE,
  LocalDigestSigner,
  loadLocalDigestSigner,
  openLocalDigestSigner,
} from '../../../lambda/adapters/sandbox/local-digest-signer.js';
import { entryInput } from './fixtures.js';

describe('Class: LocalDigestSigner', () => {
  const message = new TextEncoder().encode('{"seq":1}');

  it('makes DER ECDSA P-256 signatures that standard tools verify with the public key', async () => {
    // Prepare
    const signer = LocalDigestSigner.generate();

    // Act
    const signature = await signer.sign(message);

    // Assess
    expect(signature.algorithm).toBe('ECDSA_SHA_256');
    expect(signature.keyId).toMatch(/^sandbox:[0-9a-f]{64}$/);
    expect(verify('sha256', message, createPublicKey(signer.publicKeyPem()), Buffer.from(signature.signature, 'base64'))).toBe(true);
    expect(await signer.verify(message, signature)).toBe(true);
  });

  it('rejects another message, another key, and garbage', async () => {
    // Prepare
    const signer = LocalDigestSigner.generate();
    const signature = await signer.sign(message);

    // Act
    const results = await Promise.all([
      signer.verify(new TextEncoder().encode('{"seq":2}'), signature),
      LocalDigestSigner.generate().verify(message, signature),
      signer.verify(message, { ...signature, signature: 'bm90IGEgc2lnbmF0dXJl' }),
    ]);

    // Assess
    expect(results).toEqual([false, false, false]);
  });
});

describe('Function: openLocalDigestSigner', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sever-digest-key-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates an owner-only key once and loads the same key afterwards', async () => {
    // Act
    const absent = await loadLocalDigestSigner(dir);
    const created = await openLocalDigestSigner(dir);
    const reopened = await openLocalDigestSigner(dir);
    const loaded = await loadLocalDigestSigner(dir);

    // Assess
    expect(absent).toBeUndefined();
    expect(reopened.keyId).toBe(created.keyId);
    expect(loaded?.keyId).toBe(created.keyId);
    expect((await stat(join(dir, LOCAL_DIGEST_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, LOCAL_DIGEST_KEY_FILE), 'utf8')).toContain('BEGIN PRIVATE KEY');
  });
});

describe('Function: startDynalite', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sever-dynalite-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the ledger on disk across restarts', async () => {
    // Prepare
    const first = await startDynalite({ dir });
    const written = await new DynamoDbLedger({ tableName: first.tableName, client: first.client }).append(
      entryInput({ caseId: 'persisted' }),
    );
    await first.close();

    // Act
    const second = await startDynalite({ dir });
    const read = await new DynamoDbLedger({ tableName: second.tableName, client: second.client }).readCase('persisted');
    await second.close();

    // Assess
    expect(second.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(read).toEqual([written]);
  });

  it('refuses a store directory another ledger has open', async () => {
    // Prepare
    const first = await startDynalite({ dir });

    // Act
    const act = startDynalite({ dir });

    // Assess
    try {
      await expect(act).rejects.toMatchObject({ code: 'ERR_LEDGER_UNAVAILABLE' });
    } finally {
      await first.close();
    }
  });
});
