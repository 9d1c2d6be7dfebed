/**
 * What the first requests after a revocation cost a verifier (issue 14, goal 4): a cached ES256
 * token whose session is revoked, presented again. Two SDK verifiers in this process follow one
 * in-process feed: "tombstone" (default cache: the event leaves the entry as revoked) and "full
 * path" (cache off, which is what every version before tombstones did for the first request after
 * an event dropped the entry: cache miss, ES256 signature and claims, revocation set). Per round,
 * TOKENS fresh tokens (one session each) are cached, their sessions revoked in one publish, and each
 * token presented twice to each verifier (first request after the event, then a replay); the
 * order of the two verifiers alternates by round. Not part of `npm run bench`
 * (docs/benchmarks.md, goal 4):
 *
 *   flock /tmp/gh-bench.lock npx node bench/revoked-first-request.ts [rounds] [tokens]
 */
import { generateKeyPairSync } from 'node:crypto';
import {
  createAccessTokenSigner,
  createInProcessFeed,
  type RevocationEvent,
  systemClock,
} from '@gatehouse/core';
import { createVerifier, type Verifier } from '@gatehouse/verify';

const ROUNDS = Number(process.argv[2] ?? 10);
const TOKENS = Number(process.argv[3] ?? 2000);
const issuer = 'https://auth.bench';
const audience = 'bench-api';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };
const signer = createAccessTokenSigner({
  issuer,
  audience,
  clock: systemClock,
  keys: { getSigningKey: () => ({ kid: 'k1', alg: 'ES256', privateKey }) },
});
const feed = createInProcessFeed({ clock: systemClock, heartbeatMs: 0 });
const options = { issuer, audience, algorithms: ['ES256'] as const, jwks: { keys: [jwk] }, feed };
const variants: Record<string, Verifier> = {
  tombstone: createVerifier(options),
  'full path': createVerifier({ ...options, cache: { maxEntries: 0 } }),
};
for (const verifier of Object.values(variants)) await verifier.start();

/**
 * Microseconds of this process's CPU (user + system, so time spent waiting for a core on a busy
 * machine is left out) per request, presenting each token once, all refused as revoked.
 */
async function present(verifier: Verifier, tokens: string[]): Promise<number> {
  const started = process.cpuUsage();
  for (const token of tokens) {
    const result = await verifier.verifyRequest({ headers: { authorization: `Bearer ${token}` } });
    if (result.ok || result.code !== 'ERR_TOKEN_REVOKED') throw new Error('not refused as revoked');
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / tokens.length;
}

const samples: Record<string, { first: number[]; replay: number[] }> = {
  tombstone: { first: [], replay: [] },
  'full path': { first: [], replay: [] },
};
for (let round = 0; round < ROUNDS; round++) {
  const tokens: string[] = [];
  const events: RevocationEvent[] = [];
  for (let i = 0; i < TOKENS; i++) {
    const sid = `r${round}s${i}`;
    tokens.push((await signer.sign({ sub: `u${i}`, sid, roles: ['reader'] })).token);
    events.push({ type: 'session', sid, sub: `u${i}`, until: Date.now() + 600_000 });
  }
  for (const verifier of Object.values(variants))
    for (const token of tokens) {
      const result = await verifier.verifyRequest({ headers: { authorization: `Bearer ${token}` } });
      if (!result.ok) throw new Error('not accepted before the event');
    }
  await feed.publish(events);
  feed.heartbeat();
  const names = Object.keys(variants);
  if (round % 2 === 1) names.reverse();
  for (const name of names) {
    samples[name]!.first.push(await present(variants[name]!, tokens));
    samples[name]!.replay.push(await present(variants[name]!, tokens));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`${ROUNDS} rounds x ${TOKENS} tokens, CPU µs per request (median of rounds; min-max)`);
for (const [name, { first, replay }] of Object.entries(samples)) {
  const range = (values: number[]) =>
    `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)})`;
  console.log(`${name.padEnd(10)} first after the event ${range(first)}   replay ${range(replay)}`);
}
const tombstone = variants.tombstone!.metrics();
console.log(
  `tombstone verifier: cacheRefusals ${tombstone.cacheRefusals}, tombstones ${tombstone.cacheTombstones}`,
);
for (const verifier of Object.values(variants)) await verifier.stop();
feed.close();
