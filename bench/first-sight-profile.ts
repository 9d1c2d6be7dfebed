/**
 * A driver for instruction counts (and GC share) of one verification path called the way the
 * verify scenario calls it (bench/scenarios/verify.ts: 256 distinct tokens, a 64-entry cache, a
 * fresh `Authorization` string per call), without the timing harness:
 *
 *   node bench/first-sight-profile.ts <sdk|core|raw> <ES256|EdDSA|RS256> <warmup> <measured> [fixture.json]
 *
 * Under callgrind (immune to load) run it twice, with <measured> 0 and N, and divide the
 * difference of the totals by N: the instructions of one call, GC included. Prefer
 * `--separate-threads=yes` and the main thread's count over node's `--single-threaded`: with no
 * helper threads V8's incremental marking does not finish, which inflates the GC share. With a fixture file
 * (written on first use) every run verifies the same signatures under the same key, so the
 * crypto's count is the same in both runs and in every variant of the code compared; the
 * verifiers' clock is set back to 60 s after the tokens were signed.
 *
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null node_modules/node/bin/node \
 *     --conditions=gatehouse-source --single-threaded bench/first-sight-profile.ts sdk ES256 3000 4000 /tmp/es256.json
 *
 * Without valgrind it prints µs per call and the share of the measured time spent in GC pauses.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { createAccessTokenVerifier, type SigningAlgorithm } from '@gatehouse/core';
import type { JWK } from 'jose';
import { rawVerify } from './lib/raw-verify.ts';
import { startSdkVerifier } from './lib/sdk-fixture.ts';
import { AUDIENCE, createSigningFixture, ISSUER, splitJws } from './lib/signing-fixture.ts';

const [mode = 'sdk', algText = 'ES256', warmupText = '3000', measuredText = '2000', fixturePath] =
  process.argv.slice(2);
const alg = algText as SigningAlgorithm;
const warmup = Number(warmupText);
const measured = Number(measuredText);
const CLAIMS = { sub: 'user-1', sid: 'session-1', roles: ['admin'] };
const TOKENS = 256;
const YIELD_EVERY = Number(process.env.YIELD_EVERY ?? 1000);

interface SavedFixture {
  alg: SigningAlgorithm;
  signedAt: number;
  jwks: { keys: JWK[] };
  tokens: string[];
}

async function signFixture(): Promise<SavedFixture> {
  const fixture = await createSigningFixture(alg);
  const signed = await Promise.all(Array.from({ length: TOKENS }, () => fixture.signer.sign(CLAIMS)));
  return { alg, signedAt: Date.now(), jwks: fixture.jwks, tokens: signed.map(({ token }) => token) };
}

let saved: SavedFixture;
if (fixturePath !== undefined && existsSync(fixturePath)) {
  saved = JSON.parse(readFileSync(fixturePath, 'utf8')) as SavedFixture;
  if (saved.alg !== alg) throw new Error(`${fixturePath} holds ${saved.alg} tokens`);
} else {
  saved = await signFixture();
  if (fixturePath !== undefined) writeFileSync(fixturePath, JSON.stringify(saved));
}
const shift = Date.now() - (saved.signedAt + 60_000);
const clock = { now: () => Date.now() - shift };
const jwk = saved.jwks.keys[0]!;
const key: KeyObject = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
const headers = saved.tokens.map((token) => Buffer.from(`Bearer ${token}`, 'latin1'));
let next = 0;
let operation: () => unknown;
let close = async () => {};
if (mode === 'sdk') {
  const sdk = await startSdkVerifier(alg, saved.jwks, {
    cache: { maxEntries: Number(process.env.CACHE_ENTRIES ?? 64) },
    clock,
    // Under valgrind a call takes milliseconds: the feed's heartbeat must not be needed to stay fresh.
    maxStalenessMs: 3_600_000,
  });
  close = sdk.close;
  operation = () =>
    sdk.verifier.verifyRequest({
      headers: { authorization: headers[next++ % TOKENS]!.toString('latin1') },
    });
} else if (mode === 'core') {
  const core = createAccessTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: [alg],
    clock,
    getKey: (kid) => (kid === jwk.kid ? key : undefined),
  });
  operation = () => core.verify(headers[next++ % TOKENS]!.toString('latin1').slice(7));
} else {
  const split = saved.tokens.map((token) => splitJws(token));
  operation = () => {
    const { input, signature } = split[next++ % TOKENS]!;
    return rawVerify(alg, key, input, signature);
  };
}

async function loop(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const outcome = (await operation()) as { ok?: boolean } | boolean;
    if (outcome === false || (typeof outcome === 'object' && outcome.ok === false))
      throw new Error(`refused: ${JSON.stringify(outcome)}`);
    // Timers run now and then, as between the scenario's runs.
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

await loop(warmup);
let gcMs = 0;
let gcCount = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    gcCount++;
  }
});
observer.observe({ entryTypes: ['gc'] });
const start = performance.now();
await loop(measured);
const elapsed = performance.now() - start;
await new Promise((resolve) => setTimeout(resolve, 10));
observer.disconnect();
await close();
if (measured > 0)
  process.stdout.write(
    `${mode} ${alg}: ${((elapsed * 1000) / measured).toFixed(2)} µs/op; ${gcCount} GC pauses, ${gcMs.toFixed(1)} ms of ${elapsed.toFixed(0)} ms (${((100 * gcMs) / elapsed).toFixed(2)}%)\n`,
  );
