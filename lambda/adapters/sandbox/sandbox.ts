import { randomUUID } from 'node:crypto';
import { type CaseOutcome, handleTermination, resumeCase } from '../../core/case/handle-termination.js';
import type { ExecutionReport } from '../../core/execute/execute-plan.js';
import type { CasePorts } from '../../core/execute/ports.js';
import { createDigest } from '../../core/ledger/digest.js';
import type { Actor, Digest } from '../../core/ledger/types.js';
import { DEFAULT_PLAN_CONFIG, type PlanConfig } from '../../core/plan/build-plan.js';
import { computeReach } from '../../core/reach/compute-reach.js';
import type { ReachReport } from '../../core/reach/types.js';
import type { AccountSnapshot } from '../../core/snapshot/model.js';
import { parseSnapshot, type SnapshotFiles } from '../../core/snapshot/parse.js';
import { publicJwkFromSpki } from '../../core/tokens/jwk.js';
import { jwksLocationFromTags } from '../../core/tokens/jwks-location.js';
import { DynamoDbLedger } from '../aws/dynamodb-ledger.js';
import { SandboxAccount } from './account.js';
import { ManualClock } from './clock.js';
import { type RunningDynalite, startDynalite } from './dynalite.js';
import { LocalDigestSigner, openLocalDigestSigner } from './local-digest-signer.js';
import { SandboxScheduler } from './scheduler.js';
import { SandboxStoredKeys } from './stored-keys.js';
import { InMemoryJwksPublisher, InMemoryRevocationRegistry } from './tokens.js';

export interface SandboxOptions {
  /** The snapshot directory's files: the account the sandbox becomes. */
  readonly files: SnapshotFiles;
  /** Keep the ledger (and its digest key) on disk here; in memory when absent. */
  readonly ledgerDir?: string;
  /** Where the sandbox clock starts. @default now */
  readonly start?: Date;
  readonly config?: Partial<PlanConfig>;
  /** Recorded as the actor of every ledger entry. @default 'sever-sandbox' */
  readonly actorName?: string;
}

/**
 * The embedded sandbox: an AWS account in this process (IAM, KMS with real keys, Secrets
 * Manager, Parameter Store, a JWKS store, the revocation registry, a scheduler) plus the ledger
 * in a real DynamoDB-protocol server. The same core code that runs in the Lambda runs here;
 * only the adapters differ.
 *
 * @example
 * const sandbox = await Sandbox.start({ files });
 * const outcome = await sandbox.handle(event);
 * await sandbox.runDeferredSteps();
 * await sandbox.close();
 */
export class Sandbox {
  readonly ports: CasePorts;
  readonly #dynalite: RunningDynalite;
  readonly #signer: LocalDigestSigner;

  private constructor(
    readonly account: SandboxAccount,
    readonly storedKeys: SandboxStoredKeys,
    readonly scheduler: SandboxScheduler,
    readonly jwks: InMemoryJwksPublisher,
    readonly registry: InMemoryRevocationRegistry,
    readonly ledger: DynamoDbLedger,
    readonly clock: ManualClock,
    readonly config: PlanConfig,
    readonly actor: Actor,
    dynalite: RunningDynalite,
    signer: LocalDigestSigner,
  ) {
    this.#dynalite = dynalite;
    this.#signer = signer;
    this.ports = {
      credentials: account,
      sessions: account,
      keys: account,
      storedKeys,
      jwks,
      registry,
      scheduler,
      ledger,
      clock,
    };
  }

  /** The JWK thumbprint of the key an alias (or key id) names now: what a token's `kid` carries. */
  async kidOf(keyIdOrAlias: string): Promise<string> {
    const keyId = this.account.aliasTarget(keyIdOrAlias) ?? keyIdOrAlias;
    const key = await this.account.getPublicKey(keyId);
    return (await publicJwkFromSpki(key.publicKey)).kid;
  }

  static async start(options: SandboxOptions): Promise<Sandbox> {
    const snapshot = parseSnapshot(options.files);
    const clock = new ManualClock(options.start ?? new Date());
    const account = new SandboxAccount(snapshot, () => clock.now());
    const count = (api: string) => account.recordCall(api);
    const dynalite = await startDynalite(options.ledgerDir ? { dir: options.ledgerDir } : {});
    const signer = options.ledgerDir ? await openLocalDigestSigner(options.ledgerDir) : LocalDigestSigner.generate();
    const jwks = new InMemoryJwksPublisher();
    await publishExistingKeys(account, snapshot, jwks);
    return new Sandbox(
      account,
      new SandboxStoredKeys(snapshot, count),
      new SandboxScheduler(count),
      jwks,
      new InMemoryRevocationRegistry(),
      new DynamoDbLedger({ tableName: dynalite.tableName, client: dynalite.client, clock }),
      clock,
      { ...DEFAULT_PLAN_CONFIG, ...options.config },
      { function: options.actorName ?? 'sever-sandbox', requestId: randomUUID() },
      dynalite,
      signer,
    );
  }

  /** Processes one HR event exactly as the revoke Lambda would, against the account as it is now. */
  handle(event: unknown): Promise<CaseOutcome<ReachReport>> {
    return handleTermination(event, {
      ports: this.ports,
      loadSnapshot: async () => this.account.snapshot(),
      analyseReach: computeReach,
      config: this.config,
      actor: this.actor,
      retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => {}, random: () => 0 },
    });
  }

  /**
   * Moves the clock to each pending due time in turn and runs the cases whose steps fell due,
   * as EventBridge Scheduler would, until nothing is pending. Returns each run's report.
   */
  async runDeferredSteps(): Promise<{ caseId: string; at: string; report: ExecutionReport }[]> {
    const runs: { caseId: string; at: string; report: ExecutionReport }[] = [];
    for (let due = this.scheduler.nextDue(); due; due = this.scheduler.nextDue()) {
      this.clock.advanceTo(due);
      for (const caseId of this.scheduler.takeDue(this.clock.now()).keys()) {
        const report = await resumeCase(caseId, { ports: this.ports, actor: this.actor });
        runs.push({ caseId, at: this.clock.now().toISOString(), report });
      }
    }
    return runs;
  }

  /** Seals every case changed since the last digest with a signed digest. */
  seal(): Promise<Digest[]> {
    return createDigest({ store: this.ledger, signer: this.#signer, clock: this.clock });
  }

  get digestSigner(): LocalDigestSigner {
    return this.#signer;
  }

  async close(): Promise<void> {
    await this.#dynalite.close();
  }
}

/** A deployed account's verifiers already trust its signing keys: seed each key's JWKS with it. */
async function publishExistingKeys(account: SandboxAccount, snapshot: AccountSnapshot, jwks: InMemoryJwksPublisher): Promise<void> {
  for (const key of snapshot.kmsKeys) {
    const location = jwksLocationFromTags(key.tags);
    if (key.keyUsage !== 'SIGN_VERIFY' || key.keyState !== 'Enabled' || !location) continue;
    if (!location.ok) throw location.error;
    const material = await account.getPublicKey(key.keyId);
    await jwks.publish(location.location, await publicJwkFromSpki(material.publicKey));
  }
}
