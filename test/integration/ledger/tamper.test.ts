import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../../lambda/adapters/aws/dynamodb-ledger.js';
import type { RunningDynalite } from '../../../lambda/adapters/sandbox/dynalite.js';
import { startDynalite } from '../../../lambda/adapters/sandbox/dynalite.js';
import { LocalDigestSigner } from '../../../lambda/adapters/sandbox/local-digest-signer.js';
import { GENESIS_HASH, sealEntry } from '../../../lambda/core/ledger/chain.js';
import { createDigest, digestMessage } from '../../../lambda/core/ledger/digest.js';
import type { LedgerFinding } from '../../../lambda/core/ledger/types.js';
import type { VerificationReport } from '../../../lambda/core/ledger/verify.js';
import { verifyLedger } from '../../../lambda/core/ledger/verify.js';
import { entryInput, ManualClock } from './fixtures.js';

type Item = Record<string, AttributeValue>;

/**
 * Every test builds a small ledger (three cases, five entries each, one signed digest) in
 * its own in-memory dynalite, tampers with it through the raw DynamoDB client the way
 * someone with table write access could, and runs the verifier.
 */
describe('Function: verifyLedger (tampering through raw DynamoDB writes)', () => {
  let dynamo: RunningDynalite;
  let ledger: DynamoDbLedger;
  let signer: LocalDigestSigner;
  const clock = new ManualClock('2025-03-01T09:00:00.000Z');

  const key = (pk: string, sk: number): Item => ({ pk: { S: pk }, sk: { N: String(sk) } });
  const getItem = async (pk: string, sk: number): Promise<Item> => {
    const { Item: item } = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: key(pk, sk) }));
    if (item === undefined) throw new Error(`no item ${pk}/${sk}`);
    return item;
  };
  const putItem = (item: Item) => dynamo.client.send(new PutItemCommand({ TableName: dynamo.tableName, Item: item }));
  const deleteItem = (pk: string, sk: number) =>
    dynamo.client.send(new DeleteItemCommand({ TableName: dynamo.tableName, Key: key(pk, sk) }));
  const verify = async (): Promise<VerificationReport> => verifyLedger(await ledger.readAudit(), { verifier: signer });
  const errors = (report: VerificationReport): Pick<LedgerFinding, 'code' | 'caseId' | 'seq' | 'digestSeq'>[] =>
    report.findings
      .filter((f) => f.severity === 'error')
      .map(({ code, caseId, seq, digestSeq }) => ({
        code,
        ...(caseId === undefined ? {} : { caseId }),
        ...(seq === undefined ? {} : { seq }),
        ...(digestSeq === undefined ? {} : { digestSeq }),
      }));

  beforeEach(async () => {
    dynamo = await startDynalite();
    ledger = new DynamoDbLedger({ tableName: dynamo.tableName, client: dynamo.client, clock });
    signer = LocalDigestSigner.generate();
    for (const caseId of ['alpha', 'bravo', 'charlie']) {
      for (let i = 0; i < 5; i += 1) {
        await ledger.append(entryInput({ caseId, data: { step: i, note: `${caseId}-${i}` } }));
        clock.advance(100);
      }
    }
    await createDigest({ store: ledger, signer, clock });
    clock.advance(1000);
  });

  afterEach(async () => {
    await dynamo.close();
  });

  it('finds nothing wrong with an untouched ledger', async () => {
    // Act
    const report = await verify();

    // Assess
    expect(report.ok).toBe(true);
    expect(report.findings).toEqual([]);
    expect(report).toMatchObject({ casesChecked: 3, entriesChecked: 15, digestsChecked: 1, lastDigest: { seq: 1 } });
  });

  it('reports ERR_ENTRY_ALTERED when a field of an entry is edited', async () => {
    // Prepare
    await dynamo.client.send(
      new UpdateItemCommand({
        TableName: dynamo.tableName,
        Key: key('CASE#bravo', 3),
        UpdateExpression: 'SET #data.#note = :note',
        ExpressionAttributeNames: { '#data': 'data', '#note': 'note' },
        ExpressionAttributeValues: { ':note': { S: 'nothing happened here' } },
      }),
    );

    // Act
    const report = await verify();

    // Assess
    expect(report.ok).toBe(false);
    expect(errors(report)).toEqual([{ code: 'ERR_ENTRY_ALTERED', caseId: 'bravo', seq: 3 }]);
  });

  it('reports ERR_ENTRY_ALTERED on the edited entry when its hash was recomputed too', async () => {
    // Prepare
    const [, second] = await ledger.readCase('alpha');
    if (second === undefined) throw new Error('fixture has no seq 2');
    const forged = sealEntry({ ...second, data: { step: 1, note: 'rewritten' } }, second);
    const original = await getItem('CASE#alpha', 2);
    await putItem({ ...original, data: { M: { step: { N: '1' }, note: { S: 'rewritten' } } }, hash: { S: forged.hash } });

    // Act
    const report = await verify();

    // Assess
    expect(errors(report)).toEqual([{ code: 'ERR_ENTRY_ALTERED', caseId: 'alpha', seq: 2 }]);
  });

  it('reports ERR_ENTRY_MISSING when an entry is deleted', async () => {
    // Prepare
    await deleteItem('CASE#charlie', 2);

    // Act
    const report = await verify();

    // Assess
    expect(errors(report)).toEqual([{ code: 'ERR_ENTRY_MISSING', caseId: 'charlie', seq: 2 }]);
  });

  it('reports ERR_ENTRY_REORDERED when two entries swap places', async () => {
    // Prepare
    const third = await getItem('CASE#alpha', 3);
    const fourth = await getItem('CASE#alpha', 4);
    await putItem({ ...fourth, sk: { N: '3' } });
    await putItem({ ...third, sk: { N: '4' } });

    // Act
    const report = await verify();

    // Assess
    expect(report.ok).toBe(false);
    expect(errors(report).map((f) => f.code)).toEqual(['ERR_ENTRY_REORDERED']);
    expect(errors(report)[0]?.caseId).toBe('alpha');
  });

  it('reports ERR_CASE_MISSING when a digested case is deleted outright', async () => {
    // Prepare
    for (let sk = 1; sk <= 5; sk += 1) await deleteItem('CASE#bravo', sk);

    // Act
    const report = await verify();

    // Assess
    expect(errors(report)).toEqual([{ code: 'ERR_CASE_MISSING', caseId: 'bravo', digestSeq: 1 }]);
  });

  it('reports ERR_CASE_REWRITTEN when a digested case is truncated', async () => {
    // Prepare
    await deleteItem('CASE#charlie', 5);

    // Act
    const report = await verify();

    // Assess
    expect(errors(report)).toEqual([{ code: 'ERR_CASE_REWRITTEN', caseId: 'charlie', seq: 5, digestSeq: 1 }]);
  });

  it('reports ERR_CASE_REWRITTEN when a case is rewritten with every hash recomputed', async () => {
    // Prepare: a consistent chain with different content, over the same keys.
    const original = await ledger.readCase('alpha');
    let prevHash = GENESIS_HASH;
    for (const entry of original) {
      const forged = sealEntry({ ...entry, data: { step: entry.seq, note: 'cleaned up' } }, { seq: entry.seq, at: entry.at, prevHash });
      prevHash = forged.hash;
      const item = await getItem('CASE#alpha', entry.seq);
      await putItem({
        ...item,
        data: { M: { step: { N: String(entry.seq) }, note: { S: 'cleaned up' } } },
        prevHash: { S: forged.prevHash },
        hash: { S: forged.hash },
      });
    }

    // Act
    const report = await verify();

    // Assess
    expect(errors(report)).toEqual([{ code: 'ERR_CASE_REWRITTEN', caseId: 'alpha', seq: 5, digestSeq: 1 }]);
  });

  it('reports ERR_DIGEST_FORGED when a digest is changed without its key', async () => {
    // Prepare: commit bravo to an earlier head, keeping the signature.
    const digest = await getItem('DIGEST', 1);
    const leaves = digest.leaves?.L ?? [];
    const edited = leaves.map((leaf) => (leaf.M?.caseId?.S === 'bravo' ? { M: { ...leaf.M, headSeq: { N: '4' } } } : leaf));
    await putItem({ ...digest, leaves: { L: edited } });

    // Act
    const report = await verify();

    // Assess
    expect(errors(report)).toEqual([{ code: 'ERR_DIGEST_FORGED', digestSeq: 1 }]);
  });

  it('reports ERR_DIGEST_FORGED when a digest is re-signed with another key', async () => {
    // Prepare
    const [digest] = await ledger.readDigests();
    if (digest === undefined) throw new Error('fixture has no digest');
    const impostor = LocalDigestSigner.generate();
    const signature = await impostor.sign(digestMessage(digest));
    const item = await getItem('DIGEST', 1);
    await putItem({ ...item, keyId: { S: signature.keyId }, signature: { S: signature.signature } });

    // Act
    const report = await verify();

    // Assess
    expect(errors(report)).toEqual([{ code: 'ERR_DIGEST_FORGED', digestSeq: 1 }]);
  });

  it('reports ERR_DIGEST_CHAIN_BROKEN when a digest between others is deleted', async () => {
    // Prepare
    for (const caseId of ['alpha', 'bravo']) {
      await ledger.append(entryInput({ caseId }));
      clock.advance(1000);
      await createDigest({ store: ledger, signer, clock });
    }
    await deleteItem('DIGEST', 2);

    // Act
    const report = await verify();

    // Assess
    expect(errors(report)).toEqual([{ code: 'ERR_DIGEST_CHAIN_BROKEN', digestSeq: 3 }]);
  });

  it('reports ERR_ENTRY_ALTERED when an item no longer has the shape of an entry', async () => {
    // Prepare
    await dynamo.client.send(
      new UpdateItemCommand({
        TableName: dynamo.tableName,
        Key: key('CASE#alpha', 1),
        UpdateExpression: 'REMOVE #hash',
        ExpressionAttributeNames: { '#hash': 'hash' },
      }),
    );

    // Act
    const report = await verify();

    // Assess
    expect(errors(report)).toEqual([{ code: 'ERR_ENTRY_ALTERED', caseId: 'alpha', seq: 1 }]);
  });

  it('warns ERR_UNDIGESTED, without failing, about entries after the last digest', async () => {
    // Prepare
    await ledger.append(entryInput({ caseId: 'charlie' }));
    await ledger.append(entryInput({ caseId: 'delta' }));

    // Act
    const report = await verify();

    // Assess
    expect(report.ok).toBe(true);
    expect(report.findings.map(({ code, severity, caseId, seq }) => ({ code, severity, caseId, seq }))).toEqual(
      expect.arrayContaining([
        { code: 'ERR_UNDIGESTED', severity: 'warning', caseId: 'charlie', seq: 6 },
        { code: 'ERR_UNDIGESTED', severity: 'warning', caseId: 'delta', seq: 1 },
      ]),
    );
    expect(report.findings).toHaveLength(2);
  });
});
