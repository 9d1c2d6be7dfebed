import { SESSION_COOKIE } from '@gatehouse/verify';
import { attempt } from '../lib/cases.ts';
import { describeError, formatNumber, formatRatio, formatSpread } from '../lib/format.ts';
import { startSdkVerifier } from '../lib/sdk-fixture.ts';
import { createSessionFixture, validateSessionWith } from '../lib/session-fixture.ts';
import { createSigningFixture } from '../lib/signing-fixture.ts';
import { invertSummary, ratio } from '../lib/stats.ts';
import { openBenchStore, STORE_KINDS, STORE_LABELS, type StoreKind } from '../lib/stores.ts';
import { type Measurement, measureInterleaved, type TimedCase } from '../lib/timing.ts';
import { emptyResult, type Scenario, type ScenarioContext, type ScenarioResult } from '../lib/types.ts';

interface Row {
  name: string;
  measurement: Measurement;
  baseline?: boolean;
}

interface SessionCase extends TimedCase {
  baseline?: boolean;
}

type Closers = (() => Promise<void>)[];

function expecting(what: string, operation: () => Promise<unknown>): () => Promise<void> {
  return async () => {
    const outcome = await operation();
    if (outcome === null || (typeof outcome === 'object' && 'ok' in outcome && outcome.ok === false)) {
      throw new Error(`${what}: refused the benchmark session`);
    }
  };
}

async function storeCases(ctx: ScenarioContext, kind: StoreKind, closers: Closers): Promise<SessionCase[]> {
  const bench = await openBenchStore(kind, ctx);
  closers.push(bench.close);
  const fixture = await createSessionFixture(bench.store);
  const label = STORE_LABELS[kind];
  const lookup = () => bench.store.sessions.get(fixture.sessionId);
  const validate = () => fixture.auth.validateSessionToken(fixture.sessionToken);
  return [
    {
      name: `${label}: one session read (sessions.get)`,
      operation: lookup,
      isAsync: true,
      check: expecting(`${label} lookup`, lookup),
    },
    {
      name: `${label}: full validation, the session with its user (validateSessionToken)`,
      operation: validate,
      isAsync: true,
      check: expecting(`${label} validation`, validate),
    },
  ];
}

/** The SDK answering a session cookie it validated before: what the revocation feed makes safe. */
async function sdkCacheCase(ctx: ScenarioContext, closers: Closers): Promise<SessionCase> {
  const bench = await openBenchStore('sqlite', ctx);
  closers.push(bench.close);
  const signing = await createSigningFixture('ES256');
  const fixture = await createSessionFixture(bench.store);
  const cached = await startSdkVerifier('ES256', signing.jwks, {
    validateSession: validateSessionWith(fixture.auth),
  });
  closers.push(cached.close);
  // A fresh Cookie header string every request, parsed by the SDK: the way requests arrive.
  const header = Buffer.from(`${SESSION_COOKIE}=${fixture.sessionToken}`, 'latin1');
  const operation = () => cached.verifier.verifyRequest({ headers: { cookie: header.toString('latin1') } });
  const accepts = expecting('SDK session cache', operation);
  return {
    name: 'SDK session cache hit (feed-kept, local; fresh Cookie header each request, parsed)',
    operation,
    isAsync: true,
    baseline: true,
    async check() {
      // Twice: the first request validates through the store and fills the cache.
      await accepts();
      await accepts();
      const metrics = cached.verifier.metrics();
      if (Object.keys(metrics.rejected).length > 0 || metrics.cacheHits === 0) {
        throw new Error(
          `SDK session cache: ${metrics.cacheHits} hits, refusals ${JSON.stringify(metrics.rejected)}`,
        );
      }
    },
  };
}

function addSection(result: ScenarioResult, rows: Row[]): void {
  const cache = rows.find((row) => row.baseline)?.measurement.microsPerOp.median;
  result.sections.push({
    title: 'Validating a session cookie, one request at a time',
    description:
      'Latency of one validation awaited before the next (no concurrency), so the figure is the round trip a request pays.',
    table: {
      columns: ['case', 'ops/s (min–max)', 'µs/op (min–max)', '× cache hit (time)'],
      align: ['left', 'right', 'right', 'right'],
      rows: rows.map(({ name, measurement }) => [
        name,
        formatSpread(invertSummary(measurement.microsPerOp)),
        formatSpread(measurement.microsPerOp),
        formatRatio(ratio(measurement.microsPerOp.median, cache)),
      ]),
    },
    chart: {
      title: 'Time to validate one session cookie',
      unit: 'µs/op',
      better: 'lower',
      logScale: true,
      bars: rows.map(({ name, measurement, baseline }) => ({
        label: name.replace(/ \(.*\)$/, ''),
        value: measurement.microsPerOp.median,
        low: measurement.microsPerOp.min,
        high: measurement.microsPerOp.max,
        baseline: baseline ?? false,
      })),
    },
  });
  const full = rows.filter((row) => row.name.includes('full validation'));
  if (cache !== undefined && full.length > 0) {
    const parts = full.map(
      (row) =>
        `${row.name.split(':')[0]} ${formatNumber(row.measurement.microsPerOp.median)} µs (${formatRatio(ratio(row.measurement.microsPerOp.median, cache))})`,
    );
    result.headlines.push(
      `Session validation per request: ${parts.join(', ')}, against ${formatNumber(cache)} µs for the feed-kept SDK cache.`,
    );
  }
  const redisLookup = rows.find((row) => row.name.startsWith('Redis: one session read'));
  if (redisLookup) {
    const micros = redisLookup.measurement.microsPerOp.median;
    result.headlines.push(
      `One Redis session lookup on loopback: ${formatNumber(micros)} µs (${formatNumber(micros / 1000)} ms), ${formatRatio(ratio(micros, cache))} the cache hit.`,
    );
  }
}

export const sessionScenario: Scenario = {
  name: 'session',
  title: 'Session validation',
  async run(ctx) {
    const result = emptyResult();
    const closers: Closers = [];
    const cases: SessionCase[] = [];
    try {
      const cache = await attempt(result, 'SDK session cache', () => sdkCacheCase(ctx, closers));
      if (cache) cases.push(cache);
      for (const kind of STORE_KINDS) {
        cases.push(
          ...((await attempt(result, STORE_LABELS[kind], () => storeCases(ctx, kind, closers))) ?? []),
        );
      }
      const options = ctx.quick ? { runs: 5, runMs: 40 } : { runs: 11, runMs: 300 };
      const outcomes = await measureInterleaved(cases, options);
      const rows: Row[] = [];
      for (const [index, outcome] of outcomes.entries()) {
        const { name, baseline } = cases[index]!;
        if (!outcome.ok) {
          result.failures.push({ case: name, reason: describeError(outcome.error) });
          continue;
        }
        ctx.progress(`${name}: ${formatNumber(outcome.measurement.microsPerOp.median)} µs/op`);
        rows.push({ name, measurement: outcome.measurement, baseline: baseline ?? false });
      }
      addSection(result, rows);
    } finally {
      for (const close of closers.reverse()) await close().catch(() => {});
    }
    result.notes.push(
      '"One session read" is a single sessions.get round trip. "Full validation" is what the server does per request: parse the cookie, read the session (one round trip), compare the secret hash in constant time, check expiry, read the user (a second round trip) and check it is active; the touch that slides the idle deadline is written at most once a minute per session, so it is not in these rows.',
      'The SDK cache row is a repeat request for a cookie the verifier validated before; the revocation feed (in-process here) is what lets it skip the store. Each call hands it a Cookie header made into a new string (as node:http does per request), which it parses; the store rows get the cookie value as the server has it after parsing. Its validateSession hook is backed by SQLite, which a cache hit never reaches.',
      'The runs of all cases are interleaved, so background load falls on every row alike. Databases run on this machine (loopback); a network hop adds its round trip to every store row and nothing to the cache row.',
    );
    return result;
  },
};
