/**
 * The SDK verifier's cache hit against a verifier that verifies nothing (the adapters scenario's
 * `unverified` side, `verifiesNothing()`), in one process, both called as the adapters call them
 * (`readNodeHeaders` of a fresh header string, then the synchronous entry), with work between two
 * calls that leaves the caches cold the way a request's other work might:
 *
 *   node --conditions=gatehouse-source bench/cache-hit-pressure.ts [none|stream|pages|code] [amount]
 *
 * - `stream` writes `amount` bytes (default 65536) of a 64 MiB buffer in sequence, a line at a
 *   time: the data caches;
 * - `pages` writes one line in each of `amount` (default 256) random pages of it: the TLBs;
 * - `code` calls `amount` (default 200) of 4,096 distinct small functions: the instruction side.
 *
 * Prints ns per call of each (the pressure's own time included, the same on both sides) and their
 * difference, the median over 30 alternating rounds. The rounds are short and the process yields
 * between them, so the feed's heartbeat keeps the verifier fresh: a harness that blocks its event
 * loop for longer than `maxStalenessMs` times the stale path instead, and any call that is not
 * accepted stops the run. The other three guards of the scenario (EdDSA, RS256, the session
 * cookie) are created and warmed first, so the shared code is compiled for all four as in the apps.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readNodeHeaders } from '../packages/verify/src/lib/read-node-headers.ts';
import { verifierNow } from '../packages/verify/src/lib/verify-now.ts';
import { median } from './lib/stats.ts';
import { verifiesNothing } from './workers/adapters/frameworks.ts';
import { createScenarioGuards } from './workers/adapters/guards.ts';

type Pressure = 'none' | 'stream' | 'pages' | 'code';
const DEFAULT_AMOUNT: Record<Pressure, number> = { none: 0, stream: 65_536, pages: 256, code: 200 };
const ROUNDS = 30;
const CALLS = 20_000;

const pressure = (process.argv[2] ?? 'stream') as Pressure;
if (!(pressure in DEFAULT_AMOUNT)) {
  process.stderr.write('usage: node bench/cache-hit-pressure.ts [none|stream|pages|code] [amount]\n');
  process.exit(2);
}
const amount = Number(process.argv[3] ?? DEFAULT_AMOUNT[pressure]);

const buffer = new Uint8Array(64 << 20);
const pageCount = buffer.length >> 12;
const randomPages = Uint32Array.from({ length: 1 << 16 }, () => Math.floor(Math.random() * pageCount));
const functions = Array.from(
  { length: 4096 },
  (_, at) =>
    new Function(
      'x',
      `let y = x ^ ${at}; for (let i = 0; i < 3; i++) { y = (y * ${(at % 97) + 3} + ${at}) | 0; if (y & ${1 << (at % 13)}) y ^= ${at * 7}; else y += ${at % 31}; } return y;`,
    ) as (x: number) => number,
);
let cursor = 0;
let sink = 0;

function applyPressure(): void {
  if (pressure === 'stream') {
    for (let at = 0; at < amount; at += 64) buffer[(cursor + at) & (buffer.length - 1)]!++;
    cursor = (cursor + amount) & (buffer.length - 1);
  } else if (pressure === 'pages') {
    for (let at = 0; at < amount; at++)
      buffer[(randomPages[(cursor + at) & 0xffff]! << 12) + ((at * 64) & 4095)]!++;
    cursor = (cursor + amount) & 0xffff;
  } else if (pressure === 'code') {
    for (let at = 0; at < amount; at++) sink += functions[(cursor + at) & 4095]!(at);
    cursor = (cursor + amount) & 4095;
  }
}

const guards = await createScenarioGuards();
const es256 = guards[0]!;
const [, header] = es256.header;
const headerBytes = Buffer.from(header, 'latin1');

/** What an adapter hands the verifier for a request with this one credential header, as node:http gives it. */
function requestInput(name: string, value: string) {
  const rawName = name === 'cookie' ? 'Cookie' : 'Authorization';
  return readNodeHeaders(
    { host: 'x', [name]: value },
    { headers: {}, rawHeaders: ['Host', 'x', rawName, value] },
    undefined,
  );
}

/** ns per call of `verify`, each call on a header string of its own, as a request brings one. */
function timeCalls(verify: ReturnType<typeof verifierNow>, calls: number): number {
  const started = process.hrtime.bigint();
  for (let call = 0; call < calls; call++) {
    const value = headerBytes.toString('latin1');
    applyPressure();
    const verdict = verify(requestInput('authorization', value));
    if (verdict instanceof Promise || !verdict.ok) throw new Error('a call was not accepted at once');
  }
  return Number(process.hrtime.bigint() - started) / calls;
}

try {
  // Every guard's code path warmed, each guard's credential remembered (its first call a first sight).
  for (let round = 0; round < 20; round++) {
    for (const {
      verifier,
      header: [name, value],
    } of guards) {
      const verify = verifierNow(verifier);
      const bytes = Buffer.from(value, 'latin1');
      for (let call = 0; call < 2000; call++) {
        const verdict = await verify(requestInput(name, bytes.toString('latin1')));
        if (!verdict.ok) throw new Error(`warm-up: ${name} refused (${verdict.code})`);
      }
    }
    await sleep(5);
  }
  const sides = { sdk: verifierNow(es256.verifier), nothing: verifierNow(verifiesNothing()) };
  const times = { sdk: [] as number[], nothing: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? (['sdk', 'nothing'] as const) : (['nothing', 'sdk'] as const)) {
      times[side].push(timeCalls(sides[side], CALLS));
      await sleep(10);
    }
  }
  const [sdk, nothing] = [median(times.sdk), median(times.nothing)];
  process.stdout.write(
    `${pressure} ${amount}: SDK cache hit ${sdk.toFixed(0)} ns, verifies nothing ${nothing.toFixed(0)} ns per call; the hit's own share ${(sdk - nothing).toFixed(0)} ns (median of ${ROUNDS} rounds of ${CALLS}${pressure === 'code' ? `; checksum ${sink & 0xff}` : ''})\n`,
  );
} finally {
  for (const guard of guards) await guard.close();
}
