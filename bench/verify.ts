/**
 * Cost of Sever's revocation check on top of plain jose.
 *
 *   tsx bench/verify.ts [--json] [--cpu] [--rounds N] [--batch N]
 *
 * For ES256 and RS256 it signs one set of tokens, then verifies the same tokens with
 * `jose.jwtVerify` over a local JWKS and with Sever's verifier (same JWKS, revocation registry
 * cached, a few thousand revocations that do not match). Each round times one batch per side back
 * to back, alternating which goes first, so drift (JIT, GC, other processes) falls on both alike.
 * The middle half of the rounds (ranked by their Sever/jose ratio) gives both rates and the ratio
 * (Sever time / jose time). `--json` prints the figures of the algorithm with the worse ratio.
 *
 * Time is wall-clock by default. `--cpu` measures the process's CPU time instead (all threads,
 * so WebCrypto work on the libuv pool counts): on a machine shared with other work, waiting for
 * a core then does not count, and the ratio reflects the work each side does.
 */
import { createPublicKey } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createLocalJWKSet, exportSPKI, generateKeyPair, type JSONWebKeySet, jwtVerify, SignJWT } from 'jose';
import { InMemoryRevocationRegistry } from '../lambda/adapters/sandbox/tokens.js';
import { publicJwkFromSpki } from '../lambda/core/tokens/jwk.js';
import { createVerifier } from '../lambda/verify/index.js';

const ISSUER = 'https://issuer.bench.example';
const AUDIENCE = 'bench-api';
const TOKENS = 64;
const REVOKED_KIDS = 200;
const REVOKED_SUBJECTS = 2_000;

interface AlgorithmResult {
  readonly algorithm: 'ES256' | 'RS256';
  readonly joseOpsPerSec: number;
  readonly severOpsPerSec: number;
  readonly ratio: number;
}

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    cpu: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '101' },
    batch: { type: 'string', default: '50' },
  },
});
const rounds = Number(values.rounds);
const batch = Number(values.batch);
if (!Number.isInteger(rounds) || rounds < 4 || !Number.isInteger(batch) || batch < 1) {
  throw new Error('--rounds must be an integer ≥ 4 and --batch an integer ≥ 1');
}

async function benchAlgorithm(algorithm: 'ES256' | 'RS256'): Promise<AlgorithmResult> {
  const { publicKey, privateKey } = await generateKeyPair(algorithm, { extractable: true });
  const der = createPublicKey(await exportSPKI(publicKey)).export({ format: 'der', type: 'spki' });
  const jwk = await publicJwkFromSpki(new Uint8Array(der), algorithm);
  // A realistic JWKS: the signing key plus a rotated-in neighbour.
  const neighbour = await generateKeyPair(algorithm, { extractable: true });
  const neighbourDer = createPublicKey(await exportSPKI(neighbour.publicKey)).export({ format: 'der', type: 'spki' });
  const jwks: JSONWebKeySet = { keys: [jwk, await publicJwkFromSpki(new Uint8Array(neighbourDer), algorithm)] };

  const now = Math.floor(Date.now() / 1000);
  const tokens = await Promise.all(
    Array.from({ length: TOKENS }, (_, index) =>
      new SignJWT({ scope: 'read' })
        .setProtectedHeader({ alg: algorithm, kid: jwk.kid })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(`user-${index}`)
        .setIssuedAt(now)
        .setExpirationTime(now + 3_600)
        .sign(privateKey),
    ),
  );

  const registry = new InMemoryRevocationRegistry();
  for (let index = 0; index < REVOKED_KIDS; index += 1) {
    await registry.revokeKid(`revoked-kid-${index}`, { revokedAt: new Date(), caseId: 'bench', keyArn: 'arn:aws:kms:bench' });
  }
  for (let index = 0; index < REVOKED_SUBJECTS; index += 1) {
    await registry.revokeSubject(`departed-${index}`, { notBefore: new Date(), caseId: 'bench' });
  }

  const joseKeySet = createLocalJWKSet(jwks);
  const joseOptions = { issuer: ISSUER, audience: AUDIENCE, algorithms: [algorithm] };
  const verifier = createVerifier({ jwks, registry, issuer: ISSUER, audience: AUDIENCE, algorithms: [algorithm] });
  await verifier.ready();

  const runJose = async (count: number) => {
    for (let index = 0; index < count; index += 1) await jwtVerify(tokens[index % TOKENS], joseKeySet, joseOptions);
  };
  const runSever = async (count: number) => {
    for (let index = 0; index < count; index += 1) await verifier.verify(tokens[index % TOKENS]);
  };
  const timed = async (run: (count: number) => Promise<void>): Promise<number> => {
    if (values.cpu) {
      const start = process.cpuUsage();
      await run(batch);
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1000;
    }
    const start = performance.now();
    await run(batch);
    return performance.now() - start;
  };

  // Warm-up: JIT, key import caches. Not measured.
  await runJose(batch);
  await runSever(batch);

  // Paired rounds: each round times one jose batch and one Sever batch back to back (order
  // alternating), so both see the same machine conditions. Rounds are ranked by their
  // Sever/jose ratio and only the middle half is kept, which drops rounds where a burst of
  // contention from other processes hit one side; rates and ratio come from the same kept rounds.
  const pairs: { jose: number; sever: number }[] = [];
  for (let round = 0; round < rounds; round += 1) {
    if (round % 2 === 0) {
      const jose = await timed(runJose);
      pairs.push({ jose, sever: await timed(runSever) });
    } else {
      const sever = await timed(runSever);
      pairs.push({ jose: await timed(runJose), sever });
    }
  }
  const ranked = [...pairs].sort((a, b) => a.sever / a.jose - b.sever / b.jose);
  const kept = ranked.slice(Math.floor(rounds / 4), rounds - Math.floor(rounds / 4));
  const joseMs = kept.reduce((sum, pair) => sum + pair.jose, 0);
  const severMs = kept.reduce((sum, pair) => sum + pair.sever, 0);
  const ops = kept.length * batch;
  return {
    algorithm,
    joseOpsPerSec: Math.round((ops / joseMs) * 1000),
    severOpsPerSec: Math.round((ops / severMs) * 1000),
    ratio: Number((severMs / joseMs).toFixed(3)),
  };
}

const results = [await benchAlgorithm('ES256'), await benchAlgorithm('RS256')];
const worst = results.reduce((a, b) => (b.ratio > a.ratio ? b : a));

if (values.json) {
  process.stdout.write(
    `${JSON.stringify({ joseOpsPerSec: worst.joseOpsPerSec, severOpsPerSec: worst.severOpsPerSec, ratio: worst.ratio })}\n`,
  );
} else {
  process.stdout.write(
    `Token verification, ${rounds} paired rounds × ${batch} verifications per side (middle half kept, ${values.cpu ? 'CPU' : 'wall-clock'} time)\n`,
  );
  process.stdout.write(`Node ${process.version}, ${REVOKED_KIDS} revoked kids + ${REVOKED_SUBJECTS} revoked subjects cached\n\n`);
  process.stdout.write('alg     jose ops/s   sever ops/s   ratio (sever time / jose time)\n');
  for (const result of results) {
    process.stdout.write(
      `${result.algorithm.padEnd(7)} ${String(result.joseOpsPerSec).padStart(10)}   ${String(result.severOpsPerSec).padStart(11)}   ${result.ratio.toFixed(3)}\n`,
    );
  }
  process.stdout.write(`\nworse ratio: ${worst.ratio.toFixed(3)} (${worst.algorithm}); target ≤ 1.100\n`);
}
