import { z } from 'zod';
import { DynamoDbLedger } from '../adapters/aws/dynamodb-ledger.js';
import { KmsDigestSigner } from '../adapters/aws/kms-digest-signer.js';
import { createDigest } from '../core/ledger/digest.js';
import { log, readEnvironment } from './environment.js';

const env = readEnvironment({ LEDGER_TABLE_NAME: z.string().min(1), DIGEST_KEY_ID: z.string().min(1) });
const clock = { now: () => new Date() };
const ledger = new DynamoDbLedger({ tableName: env.LEDGER_TABLE_NAME, clock });
const signer = new KmsDigestSigner({ keyId: env.DIGEST_KEY_ID });

/**
 * Every 15 minutes: seal the head of every case changed since the last digest with a signed
 * Merkle root, so deleting a case or rewriting a chain after the fact is detectable.
 */
export const handler = async (): Promise<{ digests: number; cases: number }> => {
  const digests = await createDigest({ store: ledger, signer, clock });
  const cases = digests.reduce((n, d) => n + d.leaves.length, 0);
  log('info', 'ledger digest written', { digests: digests.map((d) => d.seq), cases });
  return { digests: digests.length, cases };
};
