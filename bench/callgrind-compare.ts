/**
 * Cost per request from callgrind runs of a profiling driver, and two such costs compared
 * function by function (not part of `npm run bench`). Each side is a pair of runs with the same
 * warm-up that differ by <units> measured requests (e.g. 2000 and 12000: units 10000), so the
 * start-up and the warm-up cancel out:
 *
 *   node bench/callgrind-compare.ts [--top 40] [--by Ir] [--exclude REGEX] <units> <label>=<short.out>,<long.out> …
 *
 * The files are callgrind's per-thread output (the main thread's is `<name>-01` with
 * `--separate-threads=yes`). It prints each side's cost per request for every recorded event, each
 * later side ÷ the first, and, for exactly two sides, the functions whose self cost differs most
 * (sorted by --by, Ir unless told). --exclude sets aside the functions whose names match (their cost
 * leaves the totals too): garbage collection, say, whose rate valgrind changes. JIT code is named from node's perf map
 * (`/tmp/perf-<pid>.map`, written under `--perf-basic-prof`; `SERVER_FLAGS=--perf-basic-prof` for
 * bench/adapter-request-profile.ts), and one function's code from different tiers is one row.
 * Cache and branch events come from `--cache-sim=yes --branch-sim=yes` (simulated caches: give
 * the host's sizes, e.g. `--I1=32768,8,64 --D1=32768,8,64 --LL=1048576,8,64` with L2 as the
 * last level; callgrind models two levels). docs/benchmarks.md, "Goal 1: the guards in
 * simulated caches", shows it at work. JIT rows are approximate: code that was freed and whose
 * address was reused by other code is one function to callgrind, so such a row can go negative.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type CallgrindProfile,
  excluding,
  nameJitCode,
  type PerUnitCost,
  parseCallgrind,
  parsePerfMap,
  perUnit,
} from './lib/callgrind.ts';

const { values, positionals } = parseArgs({
  options: {
    top: { type: 'string', default: '40' },
    by: { type: 'string', default: 'Ir' },
    exclude: { type: 'string' },
  },
  allowPositionals: true,
});
const [unitsText, ...sideTexts] = positionals;
const units = Number(unitsText);
if (!(units > 0) || sideTexts.length === 0) {
  process.stderr.write(
    'usage: callgrind-compare.ts [--top N] [--by EVENT] [--exclude REGEX] <units> <label>=<short.out>,<long.out> …\n',
  );
  process.exit(2);
}

function load(path: string): CallgrindProfile {
  const profile = parseCallgrind(readFileSync(path, 'utf8'));
  const mapPath = `/tmp/perf-${profile.pid}.map`;
  return profile.pid !== undefined && existsSync(mapPath)
    ? nameJitCode(profile, parsePerfMap(readFileSync(mapPath, 'utf8')))
    : profile;
}

const sides = sideTexts.map((text) => {
  const [label, files] = text.includes('=') ? (text.split('=', 2) as [string, string]) : [text, text];
  const [short, long] = files.split(',');
  if (!short || !long) throw new Error(`${text}: expected <label>=<short.out>,<long.out>`);
  const cost = perUnit(load(short), load(long), units);
  return { label, cost: values.exclude === undefined ? cost : excluding(cost, new RegExp(values.exclude)) };
});

const first = sides[0]!.cost;
const width = Math.max(...sides.map((side) => side.label.length), 8);
const cell = (value: string) => value.padStart(10);
const round = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1));
const line = (label: string, cells: string[]) => `${label.padEnd(width)} ${cells.map(cell).join(' ')}`;

const without = values.exclude === undefined ? '' : `, without functions matching /${values.exclude}/`;
console.log(`per request (÷ ${units}), self cost summed over every function of the thread${without}`);
console.log(line('', first.events));
for (const { label, cost } of sides) console.log(line(label, cost.totals.map(round)));
for (const { label, cost } of sides.slice(1)) {
  const ratios = cost.totals.map((value, index) =>
    first.totals[index] ? (value / first.totals[index]!).toFixed(3) : '–',
  );
  console.log(line(`${label} ÷ ${sides[0]!.label}`, ratios));
}

if (sides.length === 2) printFunctions(first, sides[1]!.cost);

function printFunctions(a: PerUnitCost, b: PerUnitCost): void {
  const by = a.events.indexOf(values.by);
  if (by === -1) throw new Error(`--by ${values.by}: not one of ${a.events.join(' ')}`);
  const rows = [...new Set([...a.self.keys(), ...b.self.keys()])].map((name) => {
    const before = a.self.get(name) ?? a.events.map(() => 0);
    const after = b.self.get(name) ?? a.events.map(() => 0);
    return {
      name,
      before: before[by]!,
      after: after[by]!,
      delta: after.map((value, index) => value - before[index]!),
    };
  });
  rows.sort((x, y) => Math.abs(y.delta[by]!) - Math.abs(x.delta[by]!));
  console.log(`\nfunctions by |Δ ${values.by}| (${sides[1]!.label} − ${sides[0]!.label}, per request)`);
  console.log(`${a.events.map(cell).join(' ')} ${cell(`${values.by} before`)} ${cell('after')}  function`);
  for (const row of rows.slice(0, Number(values.top))) {
    const cells = [...row.delta.map(round), round(row.before), round(row.after)].map(cell).join(' ');
    console.log(`${cells}  ${row.name.slice(0, 120)}`);
  }
}
