import { recordScore } from '../lib/scorecard.ts';
import { fileURLToPath } from 'node:url';
import { formatBytes, formatNumber, formatRatio, formatSpread } from '../lib/format.ts';
import { median, ratio, summarize } from '../lib/stats.ts';
import { emptyResult, type Scenario, type ScenarioContext, type ScenarioResult } from '../lib/types.ts';
import { startWorker } from '../lib/workers.ts';
import type { MemoryConfig, MemorySample } from '../workers/revocation-set-memory.ts';

const WORKER = fileURLToPath(new URL('../workers/revocation-set-memory.ts', import.meta.url));

/** One measurement in a fresh process (see the worker for why). */
async function measureOnce(config: MemoryConfig): Promise<MemorySample> {
  const worker = await startWorker<unknown>(WORKER, config, { execArgv: ['--expose-gc'] });
  try {
    return await worker.call<MemorySample>({}, 300_000);
  } finally {
    await worker.stop();
  }
}

/** Entries of the SDK's verification cache at its default size (cache.maxEntries). */
const CACHE_ENTRIES = 10_000;

async function addCacheSection(
  ctx: ScenarioContext,
  result: ScenarioResult,
  repetitions: number,
): Promise<void> {
  const samples: MemorySample[] = [];
  for (let rep = 0; rep < repetitions; rep++)
    samples.push(await measureOnce({ structure: 'verification-cache', entries: CACHE_ENTRIES }));
  const perEntry = summarize(samples.map((sample) => sample.bytes / CACHE_ENTRIES));
  ctx.progress(`verification cache: ${formatNumber(perEntry.median)} B/entry`);
  result.sections.push({
    title: 'Heap held by the SDK verification cache',
    description: `The SDK's verification cache full at its default size (${CACHE_ENTRIES.toLocaleString('en-US')} entries): each keyed by a whole ES256 access token (about 395 characters), with its frozen principal and the sid/sub/jti/kid index entries a revocation event looks up. Heap + ArrayBuffers after forced GC, each measurement in a fresh process; median of ${repetitions}.`,
    table: {
      columns: ['entries', 'heap', 'bytes/entry (min–max)'],
      align: ['right', 'right', 'right'],
      rows: [
        [
          CACHE_ENTRIES.toLocaleString('en-US'),
          formatBytes(median(samples.map((sample) => sample.bytes))),
          formatSpread(perEntry),
        ],
      ],
    },
  });
  result.headlines.push(
    `SDK verification cache: ${formatNumber(perEntry.median)} bytes per entry (${formatBytes(perEntry.median * CACHE_ENTRIES)} at the default ${CACHE_ENTRIES.toLocaleString('en-US')} entries); the token string itself is about 400 of them.`,
  );
  recordScore(result, {
    goal: 6,
    what: `SDK verification cache, bytes per entry stated (${CACHE_ENTRIES.toLocaleString('en-US')} ES256 tokens)`,
    value: `${formatNumber(perEntry.median)} B/entry`,
    target: 'stated',
    pass: Number.isFinite(perEntry.median),
    baselines: 'the token string alone: ~400 B',
  });
}

export const memoryScenario: Scenario = {
  name: 'memory',
  title: 'Memory of the revocation set',
  async run(ctx) {
    const result = emptyResult();
    const sizes = ctx.quick ? [10_000] : [100_000, 1_000_000];
    const repetitions = 3;
    const rows = [];
    for (const entries of sizes) {
      const sets: MemorySample[] = [];
      const maps: MemorySample[] = [];
      for (let rep = 0; rep < repetitions; rep++) {
        sets.push(await measureOnce({ structure: 'revocation-set', entries }));
        maps.push(await measureOnce({ structure: 'map', entries }));
      }
      const perEntry = summarize(sets.map((sample) => sample.bytes / entries));
      const row = {
        entries,
        perEntry,
        total: median(sets.map((sample) => sample.bytes)),
        mapPerEntry: median(maps.map((sample) => sample.bytes / entries)),
        apply: median(sets.map((sample) => sample.applyMicros ?? Number.NaN)),
        lookup: median(sets.map((sample) => sample.lookupMicros ?? Number.NaN)),
      };
      ctx.progress(
        `${formatNumber(entries)} entries: ${formatBytes(row.total)} (${formatNumber(perEntry.median)} B/entry)`,
      );
      rows.push(row);
    }
    result.sections.push({
      title: 'Heap held by live revocation entries',
      description: `Session revocations (distinct sid and sub each, 128-bit base64url ids), applied to core's createRevocationSet, the set the SDK verifier keeps. Heap plus ArrayBuffer delta (the set keeps session entries in typed arrays, off the JS heap) after forced GC, each measurement in a fresh process; median of ${repetitions} (min–max per entry).`,
      table: {
        columns: [
          'live entries',
          'heap',
          'bytes/entry (min–max)',
          'plain Map bytes/entry',
          '× plain Map',
          'apply µs/event',
          'isRevoked µs',
        ],
        align: ['right', 'right', 'right', 'right', 'right', 'right', 'right'],
        rows: rows.map((row) => [
          row.entries.toLocaleString('en-US'),
          formatBytes(row.total),
          formatSpread(row.perEntry),
          formatNumber(row.mapPerEntry),
          formatRatio(ratio(row.perEntry.median, row.mapPerEntry)),
          formatNumber(row.apply),
          formatNumber(row.lookup),
        ]),
      },
      chart: {
        title: 'Heap bytes per live revocation entry',
        unit: 'bytes/entry',
        better: 'lower',
        bars: rows.flatMap((row) => [
          {
            label: `plain Map<sid, until>, ${row.entries.toLocaleString('en-US')}`,
            value: row.mapPerEntry,
            baseline: true,
          },
          {
            label: `revocation set, ${row.entries.toLocaleString('en-US')}`,
            value: row.perEntry.median,
            low: row.perEntry.min,
            high: row.perEntry.max,
          },
        ]),
      },
    });
    await addCacheSection(ctx, result, repetitions);
    const largest = rows.at(-1);
    if (largest) {
      const mb = largest.perEntry.median; // bytes per entry = MB per million entries
      result.scorecard = [
        ...(result.scorecard ?? []),
        {
          goal: 6,
          what: `revocation set, MB per million live entries (measured at ${largest.entries.toLocaleString('en-US')}; heap + ArrayBuffers)`,
          value: `${formatNumber(mb)} MB (${formatNumber(mb / 1.048576)} MiB)`,
          target: '≤ 48 MB',
          pass: mb <= 48,
          baselines: `plain Map of the sids: ${formatNumber(largest.mapPerEntry)} MB per million`,
        },
      ];
      result.headlines.push(
        `Revocation set memory: ${formatBytes(largest.total)} for ${largest.entries.toLocaleString('en-US')} live entries (${formatNumber(largest.perEntry.median)} B each, ${formatRatio(ratio(largest.perEntry.median, largest.mapPerEntry))} a bare Map of the sids).`,
      );
    }
    result.notes.push(
      'Entries live for the access-token lifetime plus leeway (at most 15 min + 60 s), so the live count is revocations per that window, not all time: a million live entries means about a thousand revocations a second, sustained.',
      "The plain Map holds only the sid strings and a number: the floor. The revocation set also keeps each session's sub (for user-level checks) and its until.",
    );
    return result;
  },
};
