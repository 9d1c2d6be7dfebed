/**
 * The verifier outside Node's fast path: ES256 verification cost per runtime (first sight and
 * cached, as a ratio to that runtime's own raw signature check), and what pull mode (short-lived
 * runtimes: no held connection) costs per request, set against the articles' "under 5 ms at the
 * edge". Needs the built SDK (`npm run build`, run here) and the runtimes from the registry.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createInProcessFeed } from '@gatehouse/core';
import { createManualClock } from '@gatehouse/core/testing';
import { createPullFeedSource, createVerifier } from '@gatehouse/verify';
import { createMemoryFeed, createTestIssuer } from '@gatehouse/verify/testing';
import { nodeRelease, repoRoot, runtimes, userEnv } from '../../test/packages/support.ts';
import { formatNumber, formatRatio } from '../lib/format.ts';
import { median, ratio } from '../lib/stats.ts';
import { emptyResult, type Scenario } from '../lib/types.ts';

const run = promisify(execFile);
const PROBE = join(repoRoot, 'bench/runtimes/verify-cost.js');
const dist = (build: 'node' | 'web', entry: string) =>
  pathToFileURL(join(repoRoot, `packages/verify/dist/${build}/${entry}.js`)).href;

interface Cost {
  rawMicros: number;
  firstSightMicros: number;
  cachedMicros: number;
}

async function probe(command: string, args: string[], build: 'node' | 'web', n: number): Promise<Cost> {
  const { stdout } = await run(command, [...args, PROBE], {
    cwd: repoRoot,
    timeout: 180_000,
    env: userEnv({
      GATEHOUSE_BENCH_INDEX: dist(build, 'index'),
      GATEHOUSE_BENCH_TESTING: dist(build, 'testing'),
      GATEHOUSE_BENCH_N: String(n),
      GATEHOUSE_BENCH_RAW: build === 'node' ? 'node' : 'webcrypto',
      DENO_NO_UPDATE_CHECK: '1',
      NO_COLOR: '1',
    }),
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Cost;
}

/** Median per-request cost of pull mode on loopback against a feed served over HTTP. */
async function pullCosts(n: number) {
  const issuer = await createTestIssuer();
  const feed = createInProcessFeed({ clock: { now: () => Date.now() }, heartbeatMs: 0 });
  let pulls = 0;
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    response.setHeader('content-type', 'application/json');
    if (url.pathname === '/.well-known/jwks.json') return response.end(JSON.stringify(issuer.jwks));
    pulls++;
    const snapshot = await feed.snapshot();
    const since = url.searchParams.get('since');
    response.end(
      JSON.stringify(since === snapshot.cursor ? { events: [], cursor: snapshot.cursor } : snapshot),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const clock = createManualClock(Date.now());
    const options = { ...issuer.verifierOptions, clock, maxStalenessMs: 5000 };
    const token = await issuer.sign({ sub: 'user-1', iat: Math.floor(clock.now() / 1000) });
    const coldStarts: number[] = [];
    let pulling = createVerifier({ ...options, feed: createPullFeedSource({ baseUrl: base }) });
    for (let i = 0; i < 10; i++) {
      pulling = createVerifier({
        ...options,
        jwks: undefined,
        jwksUrl: `${base}/.well-known/jwks.json`,
        feed: createPullFeedSource({ baseUrl: base }),
      });
      const started = performance.now();
      await pulling.start();
      coldStarts.push(performance.now() - started);
    }
    const memoryFeed = createMemoryFeed({ heartbeatMs: 1000, clock });
    const following = createVerifier({ ...options, feed: memoryFeed });
    await following.start();
    const perRequest = async (verifier: typeof following, count: number) => {
      await verifier.verifyToken(token);
      const started = performance.now();
      for (let i = 0; i < count; i++) await verifier.verifyToken(token);
      return ((performance.now() - started) * 1000) / count;
    };
    const fresh = await perRequest(pulling, n * 5);
    const followed = await perRequest(following, n * 5);
    const staleRequests: number[] = [];
    for (let i = 0; i < 50; i++) {
      clock.advance(5001);
      const started = performance.now();
      await pulling.verifyToken(token);
      staleRequests.push(performance.now() - started);
    }
    await following.stop();
    memoryFeed.close();
    return { fresh, followed, staleMs: median(staleRequests), coldStartMs: median(coldStarts), pulls };
  } finally {
    server.close();
  }
}

export const runtimesScenario: Scenario = {
  name: 'runtimes',
  title: 'The verifier on every runtime, and pull mode',
  async run(ctx) {
    const result = emptyResult();
    const n = ctx.quick ? 300 : 3000;
    ctx.progress('building the SDK (npm run build -w packages/verify)');
    await run('npm', ['run', 'build', '-w', 'packages/verify'], { cwd: repoRoot, timeout: 180_000 });
    const cases: { label: string; command: () => Promise<[string, string[]]>; build: 'node' | 'web' }[] = [
      {
        label: 'Node 24, node:crypto build (default on Node)',
        command: async () => [process.execPath, []],
        build: 'node',
      },
      { label: 'Node 24, WebCrypto build', command: async () => [process.execPath, []], build: 'web' },
      {
        label: 'Node 22, node:crypto build',
        command: async () => [await nodeRelease(22), []],
        build: 'node',
      },
      {
        label: 'Deno 2.9 (WebCrypto build)',
        command: async () => [join(await runtimes(), 'deno'), ['run', '--allow-read', '--allow-env']],
        build: 'web',
      },
      {
        label: 'Bun 1.4 (WebCrypto build)',
        command: async () => [join(await runtimes(), 'bun'), ['run']],
        build: 'web',
      },
    ];
    const rows: string[][] = [];
    const bars = [];
    for (const { label, command, build } of cases) {
      try {
        const [binary, args] = await command();
        const cost = await probe(binary, args, build, n);
        ctx.progress(
          `${label}: first sight ${formatNumber(cost.firstSightMicros)} µs, cached ${formatNumber(cost.cachedMicros)} µs`,
        );
        rows.push([
          label,
          formatNumber(cost.rawMicros),
          formatNumber(cost.firstSightMicros),
          formatRatio(ratio(cost.firstSightMicros, cost.rawMicros)),
          formatNumber(cost.cachedMicros),
          formatRatio(ratio(cost.cachedMicros, cost.rawMicros)),
        ]);
        bars.push({ label, value: cost.firstSightMicros });
      } catch (error) {
        result.failures.push({ case: label, reason: String((error as Error).message).split('\n')[0]! });
      }
    }
    result.sections.push({
      title: 'ES256 verification per runtime (µs per verifyToken, one process each)',
      description: `${n} distinct tokens verified once each (first sight: full verification, then cached), then ${n * 5} repeats from the cache; the raw figure is that runtime's own signature check of the same tokens (node:crypto on the node build, crypto.subtle elsewhere). Ratios are to the raw check measured in the same process. workerd is not timed: timers inside a Worker stand still while its code runs (a Spectre mitigation), so a Worker cannot time itself; test/packages runs the verify-and-revoke scenario in workerd instead.`,
      table: {
        columns: ['runtime', 'raw verify µs', 'first sight µs', '× raw', 'cached µs', '× raw'],
        align: ['left', 'right', 'right', 'right', 'right', 'right'],
        rows,
      },
      chart: { title: 'First sight, ES256', unit: 'µs/op', better: 'lower', bars },
    });

    const pull = await pullCosts(n);
    result.sections.push({
      title: 'Pull mode (createPullFeedSource), maxStalenessMs 5000, on loopback',
      description:
        'A fresh view costs a clock comparison on top of the cached path; a request that finds the view stale waits for one pull (concurrent ones share it); a cold start fetches the JWKS and the snapshot. At the edge, add the round trip to the auth server to the last two.',
      table: {
        columns: ['case', 'cost', 'vs "under 5 ms at the edge"'],
        align: ['left', 'right', 'left'],
        rows: [
          [
            'cached request, pull mode, fresh view',
            `${formatNumber(pull.fresh)} µs (${formatRatio(ratio(pull.fresh, pull.followed))} the followed feed's ${formatNumber(pull.followed)} µs)`,
            'well under',
          ],
          [
            'request that finds the view stale (one pull + verify)',
            `${formatNumber(pull.staleMs)} ms`,
            'one auth-server round trip: under 5 ms only if the auth server is that close',
          ],
          [
            'cold start (JWKS + snapshot, then ready)',
            `${formatNumber(pull.coldStartMs)} ms`,
            'once per isolate',
          ],
          [
            'amortised at 100 req/s per isolate',
            `${formatNumber((pull.staleMs * 1000) / (100 * 5))} µs/request`,
            'one pull per 5 s spread over 500 requests',
          ],
        ],
      },
    });
    result.headlines.push(
      `pull mode: a fresh cached request costs ${formatNumber(pull.fresh)} µs; one request per maxStalenessMs waits for a pull (${formatNumber(pull.staleMs)} ms on loopback)`,
    );
    result.notes.push(
      'The CPU is shared with other work (parallel sessions, tests) while this runs: read the ratios, not the absolute figures.',
      'Every runtime runs the same probe file (bench/runtimes/verify-cost.js) against the built package (dist/node or dist/web).',
    );
    return result;
  },
};
