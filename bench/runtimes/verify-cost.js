// Verification cost inside one runtime (Node, Deno, Bun): run by bench/scenarios/runtimes.ts with
// the built SDK's entry points in GATEHOUSE_BENCH_INDEX / GATEHOUSE_BENCH_TESTING (file URLs) and
// the iteration count in GATEHOUSE_BENCH_N. Prints one JSON line. Plain JavaScript, so every runtime
// runs the same file.
const env = (name) => globalThis.Deno?.env.get(name) ?? globalThis.process?.env[name];
const { createVerifier } = await import(env('GATEHOUSE_BENCH_INDEX'));
const { createMemoryFeed, createTestIssuer } = await import(env('GATEHOUSE_BENCH_TESTING'));
const n = Number(env('GATEHOUSE_BENCH_N') ?? 1000);
const nodeCrypto = env('GATEHOUSE_BENCH_RAW') === 'node' ? await import('node:crypto') : undefined;

const issuer = await createTestIssuer();
const feed = createMemoryFeed({ heartbeatMs: 1000 });
const verifier = createVerifier({ ...issuer.verifierOptions, feed, cache: { maxEntries: n * 2 + 10 } });
await verifier.start();
const tokens = [];
for (let i = 0; i < n + 50; i++) tokens.push(await issuer.sign({ sub: `user-${i}`, sid: `session-${i}` }));

const decode = (text) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
const parts = tokens.map((token) => {
  const [header, payload, signature] = token.split('.');
  return { input: new TextEncoder().encode(`${header}.${payload}`), signature: decode(signature) };
});

// The runtime's own signature check, the floor under any verifier: node:crypto where the SDK uses it
// (synchronously), WebCrypto elsewhere.
let raw;
if (nodeCrypto) {
  const key = nodeCrypto.createPublicKey({ key: issuer.jwks.keys[0], format: 'jwk' });
  raw = async (part) =>
    nodeCrypto.verify('sha256', part.input, { key, dsaEncoding: 'ieee-p1363' }, part.signature);
} else {
  const key = await crypto.subtle.importKey(
    'jwk',
    issuer.jwks.keys[0],
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  raw = (part) => crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, part.signature, part.input);
}

async function time(count, body) {
  const started = performance.now();
  for (let i = 0; i < count; i++) await body(i);
  return ((performance.now() - started) * 1000) / count;
}

// Warm-up (JIT), on tokens not measured afterwards.
for (let i = 0; i < 50; i++) {
  await raw(parts[n + i]);
  await verifier.verifyToken(tokens[n + i]);
}
const rawMicros = await time(n, async (i) => {
  if (!(await raw(parts[i]))) throw new Error('raw check failed');
});
const firstSightMicros = await time(n, async (i) => {
  if (!(await verifier.verifyToken(tokens[i])).ok) throw new Error('first sight refused');
});
const cachedMicros = await time(n * 5, async (i) => {
  if (!(await verifier.verifyToken(tokens[i % n])).ok) throw new Error('cached refused');
});
await verifier.stop();
feed.close();
console.log(JSON.stringify({ rawMicros, firstSightMicros, cachedMicros, n }));
globalThis.Deno?.exit(0);
globalThis.process?.exit?.(0);
