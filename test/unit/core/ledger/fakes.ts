import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DigestStore } from '../../../../lambda/core/ledger/digest.js';
import { LedgerError } from '../../../../lambda/core/ledger/errors.js';
import type { Digest, DigestSignature, DigestSigner, LedgerEntry } from '../../../../lambda/core/ledger/types.js';

/** A signer over an HMAC: enough to tell a signature made with this key from any other. */
export class FakeSigner implements DigestSigner {
  constructor(
    readonly keyId = 'fake-key',
    private readonly secret = 'secret',
  ) {}

  async sign(message: Uint8Array): Promise<DigestSignature> {
    return { keyId: this.keyId, signature: createHmac('sha256', this.secret).update(message).digest('base64'), algorithm: 'ECDSA_SHA_256' };
  }

  async verify(message: Uint8Array, signature: DigestSignature): Promise<boolean> {
    const expected = createHmac('sha256', this.secret).update(message).digest();
    const actual = Buffer.from(signature.signature, 'base64');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}

/** Cases and digests in memory, with a switch to make the next digest writes lose a race. */
export class MemoryDigestStore implements DigestStore {
  readonly cases = new Map<string, LedgerEntry[]>();
  readonly digests: Digest[] = [];
  /** How many upcoming appendDigest calls fail as if another run took the seq. */
  racesToLose = 0;
  /** Runs when a race is lost, to play the winning run. */
  onRaceLost: (() => void) | undefined;

  add(entry: LedgerEntry): void {
    const list = this.cases.get(entry.caseId) ?? [];
    list.push(entry);
    this.cases.set(entry.caseId, list);
  }

  async latestDigest(): Promise<Digest | undefined> {
    return this.digests.at(-1);
  }

  async digestsSince(since: string): Promise<Digest[]> {
    return this.digests.filter((d) => d.at >= since);
  }

  async casesChangedSince(since: string | undefined): Promise<string[]> {
    return [...this.cases].filter(([, entries]) => since === undefined || entries.some((e) => e.at >= since)).map(([id]) => id);
  }

  async head(caseId: string): Promise<LedgerEntry | undefined> {
    return this.cases.get(caseId)?.at(-1);
  }

  async appendDigest(digest: Digest): Promise<void> {
    if (this.racesToLose > 0) {
      this.racesToLose -= 1;
      this.onRaceLost?.();
      throw new LedgerError('ERR_LEDGER_SEQ_TAKEN', `digest ${digest.seq} taken`);
    }
    if (this.digests.some((d) => d.seq === digest.seq)) throw new LedgerError('ERR_LEDGER_SEQ_TAKEN', `digest ${digest.seq} taken`);
    this.digests.push(digest);
  }
}
