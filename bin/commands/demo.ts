import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Sandbox } from '../../lambda/adapters/sandbox/sandbox.js';
import { issueJwtWithKms } from '../../lambda/adapters/sandbox/token-issuer.js';
import type { ExecutionReport } from '../../lambda/core/execute/execute-plan.js';
import { verifyLedger } from '../../lambda/core/ledger/verify.js';
import { formatReachReport } from '../../lambda/core/reach/format.js';
import { parseJwksLocation } from '../../lambda/core/tokens/jwks-location.js';
import { createVerifier } from '../../lambda/verify/verifier.js';
import { type CommandIo, readSnapshotDir, writeLine } from './io.js';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');
const ISSUER = 'https://auth.example.com';
const AUDIENCE = 'customer-api';
const TOKEN_ALIAS = 'alias/auth-tokens';
const TOKEN_JWKS = 's3://sample-org-jwks/auth/jwks.json';
/** Verifiers may trust a cached registry this long; after it, revocations are guaranteed seen. */
const VERIFIER_STALENESS_MS = 30_000;

/** A token and the verdict of the relying service's verifier at each stage of the case. */
interface TokenUnderTest {
  readonly label: string;
  readonly token: string;
  readonly kid: string;
}

/**
 * `sever demo`: one termination, end to end, in the embedded sandbox seeded from
 * examples/sample-org. Tokens are signed through the sandbox's KMS with real keys and checked by
 * the same verifier library relying services use; every step lands in the dynalite ledger.
 */
export async function runDemo(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ledger: { type: 'string' } } });
  const out = (line = '') => writeLine(io.stdout, line);
  const section = (title: string) => {
    out();
    out(`── ${title} ${'─'.repeat(Math.max(0, 74 - title.length))}`);
  };
  const event = JSON.parse(await readFile(join(EXAMPLES, 'events', 'mallory-terminated.json'), 'utf8'));
  const malformed = JSON.parse(await readFile(join(EXAMPLES, 'events', 'malformed.json'), 'utf8'));
  const sandbox = await Sandbox.start({
    // The sandbox clock is simulated: it starts a second after HR sent the event.
    start: new Date(Date.parse(event.time) + 1000),
    files: await readSnapshotDir(join(EXAMPLES, 'sample-org')),
    ...(values.ledger ? { ledgerDir: values.ledger } : {}),
    actorName: 'sever-demo',
  });
  try {
    const jwksLocation = parseJwksLocation(TOKEN_JWKS);
    const verifier = createVerifier({
      jwks: sandbox.jwks.source(jwksLocation),
      registry: sandbox.registry,
      issuer: ISSUER,
      audience: AUDIENCE,
      maxStalenessMs: VERIFIER_STALENESS_MS,
      clock: sandbox.clock,
    });
    let caseId = 'not-yet-opened';
    const issue = async (label: string, subject: string): Promise<TokenUnderTest> => {
      const kid = await sandbox.kidOf(TOKEN_ALIAS);
      const iat = Math.floor(sandbox.clock.now().getTime() / 1000);
      const token = issueJwtWithKms(sandbox.account, {
        keyIdOrAlias: TOKEN_ALIAS,
        alg: 'ES256',
        kid,
        claims: { iss: ISSUER, aud: AUDIENCE, sub: subject, iat: iat - 1, exp: iat + 86_400 },
      });
      return { label, token, kid };
    };
    /**
     * Checks tokens through the verifier. `mustFail` tokens are recorded in the case's ledger as
     * evidence of when they stopped verifying; the others (before the case, a new-key token, an
     * old-key token inside its grace window) are expected to pass and are only printed.
     */
    const check = async (tokens: readonly TokenUnderTest[], stage: string, mustFail: readonly TokenUnderTest[] = []) => {
      for (const t of tokens) {
        const verdict = await verifier.verify(t.token).then(
          () => ({ outcome: 'accepted' as const }),
          (error: { code?: string }) => ({ outcome: 'rejected' as const, code: error.code ?? 'ERR_UNKNOWN' }),
        );
        out(
          `  ${verdict.outcome === 'accepted' ? 'ACCEPTED' : 'REJECTED'}  ${t.label} (kid ${t.kid.slice(0, 12)}…)${verdict.outcome === 'rejected' ? `  ${verdict.code}` : ''}`,
        );
        if (!mustFail.includes(t)) continue;
        await sandbox.ledger.append({
          caseId,
          employeeId: event.detail.employeeId,
          type: 'token-check',
          actor: sandbox.actor,
          data: {
            stage,
            label: t.label,
            kid: t.kid,
            outcome: verdict.outcome,
            ...(verdict.outcome === 'rejected' ? { code: verdict.code } : {}),
          },
        });
      }
    };

    out('Sever demo: one termination, end to end, in the embedded sandbox (no AWS account is used).');
    out(
      `Account ${sandbox.account.snapshot().account.accountId} from examples/sample-org; KMS keys are real node:crypto keys; the ledger is a dynalite DynamoDB${values.ledger ? ` on disk in ${values.ledger}` : ' in memory'}.`,
    );

    section('Before: tokens in circulation');
    const customerToken = await issue('customer token signed before the termination', 'customer-8841');
    const engineerToken = await issue("the engineer's own session token", event.detail.employeeId);
    const oldKeyId = sandbox.account.aliasTarget(TOKEN_ALIAS) as string;
    out(`  The token service signs ES256 JWTs through ${TOKEN_ALIAS} (key ${oldKeyId}); verifiers read ${TOKEN_JWKS}.`);

    await check([customerToken, engineerToken], 'before-termination');

    section('HR event received');
    out(
      `  ${event.source} · ${event['detail-type']} · ${event.detail.employeeId} <${event.detail.email}> · ${event.detail.terminationType} · effective ${event.detail.effectiveAt}`,
    );
    const outcome = await sandbox.handle(event);
    if (outcome.kind === 'rejected') throw new Error(`the sample event was rejected: ${outcome.message}`);
    caseId = outcome.caseId;
    const reach = outcome.reach;

    section('Who the engineer is, what they could reach, and why');
    if (reach) out(indent(formatReachReport(reach)));

    section('What Sever did');
    printSteps(out, outcome.execution);
    for (const skipped of outcome.plan.skipped) out(`  skipped     ${skipped.target}: ${skipped.reason}`);
    out(
      `  Stage timings (ms): ${Object.entries(outcome.timings)
        .map(([k, v]) => `${k} ${v}`)
        .join(' · ')}`,
    );

    sandbox.clock.advanceBy(VERIFIER_STALENESS_MS);
    section(`Proof, ${VERIFIER_STALENESS_MS / 1000} s later (verifiers' cache bound), grace window still open`);
    const freshToken = await issue('token signed after the rotation (alias now names the new key)', 'customer-8841');
    await check([customerToken, engineerToken, freshToken], 'after-containment', [engineerToken]);

    section("Grace window ends: EventBridge Scheduler's part, played by the sandbox clock");
    for (const run of await sandbox.runDeferredSteps()) {
      out(`  ${run.at}  case ${run.caseId}: ${run.report.status}`);
      printSteps(out, run.report, true);
    }
    try {
      sandbox.account.sign(oldKeyId, Buffer.from('forged token'), 'ECDSA_SHA_256');
      out('  The old key still signs: this must not happen.');
    } catch (error) {
      out(`  kms:Sign with the old key now fails: ${(error as Error).message}`);
    }

    section('Proof, after the grace window');
    await check([customerToken, engineerToken, freshToken], 'after-grace', [customerToken, engineerToken]);

    section('A malformed HR event');
    const rejected = await sandbox.handle(malformed);
    if (rejected.kind === 'rejected') {
      out(`  Rejected and recorded as case ${rejected.caseId}:`);
      for (const issue of rejected.issues) out(`    ${issue.path}: ${issue.message}`);
    }

    section(`Ledger entries for case ${outcome.caseId}`);
    const digests = await sandbox.seal();
    const entries = await sandbox.ledger.readCase(outcome.caseId);
    for (const entry of entries) {
      const action = typeof entry.data.actionType === 'string' ? ` ${entry.data.actionType}` : '';
      const target = typeof entry.data.target === 'string' ? ` ${entry.data.target}` : '';
      out(`  #${String(entry.seq).padStart(3)} ${entry.at} ${entry.type}${action}${target}  ${entry.hash.slice(0, 12)}…`);
    }
    const verification = await verifyLedger(await sandbox.ledger.readAudit(), { verifier: sandbox.digestSigner });
    out(
      `  ${digests.length} signed digest(s) written; verification: ${verification.ok ? 'OK' : 'FAILED'} (${verification.entriesChecked} entries in ${verification.casesChecked} cases, ${verification.digestsChecked} digests)`,
    );
    if (values.ledger) out(`  Audit it yourself: npm run sever -- ledger verify --local ${values.ledger}`);
    return verification.ok && outcome.execution.status !== 'failed' ? 0 : 1;
  } finally {
    await sandbox.close();
  }
}

function printSteps(out: (line?: string) => void, report: ExecutionReport, onlyNew = false): void {
  for (const step of report.steps) {
    if (onlyNew && step.outcome === 'already-done') continue;
    out(`  ${step.outcome.padEnd(11)} ${step.type.padEnd(26)} ${step.target}${step.error ? `  ${step.error}` : ''}`);
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
