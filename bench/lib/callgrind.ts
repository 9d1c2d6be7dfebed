/**
 * Reading callgrind's output files (the format of valgrind's callgrind tool, "callgrind format"
 * version 1): the events recorded, the totals, and each function's self cost, so that two runs of
 * a profiling driver (bench/adapter-request-profile.ts, bench/first-sight-profile.ts) can be turned
 * into a cost per request and two such costs compared function by function. With
 * `--cache-sim=yes --branch-sim=yes` the events include simulated cache misses and branch
 * mispredictions beside the instructions, the nearest this VM has to hardware counters.
 */

/** One thread's profile: the event names in column order, the totals, and self cost by function. */
export interface CallgrindProfile {
  pid: number | undefined;
  events: string[];
  totals: number[];
  /** Self cost (not including callees) of each function, by name; columns as `events`. */
  self: Map<string, number[]>;
}

/** A function callgrind could not name (JIT code): its start address, as callgrind writes it. */
const UNNAMED = /^0x([0-9a-f]+)$/i;

/**
 * Parses one callgrind output file. Name compression (`fn=(12) name`, later `fn=(12)`) is
 * resolved; the cost line after a `calls=` line is the call's inclusive cost and is not added to
 * the caller's self cost. Throws on a file that is not in callgrind format.
 */
export function parseCallgrind(text: string): CallgrindProfile {
  const lines = text.split('\n');
  if (!/^(# callgrind format|version: 1)/.test(lines[0] ?? ''))
    throw new Error('not a callgrind output file');
  let pid: number | undefined;
  let events: string[] = [];
  let totals: number[] | undefined;
  let positions = 1;
  const names = new Map<string, string>();
  const self = new Map<string, number[]>();
  let current: number[] | undefined;
  let skipNext = false;
  for (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    const first = line.charCodeAt(0);
    // A cost line: positions (numbers, or +n, -n, * relative to the last), then the events' costs.
    if ((first >= 48 && first <= 57) || first === 43 || first === 45 || first === 42) {
      if (skipNext) {
        skipNext = false;
        continue;
      }
      if (!current) continue;
      const fields = line.split(' ');
      for (let index = positions; index < fields.length; index++) {
        const value = Number(fields[index]);
        if (Number.isFinite(value)) current[index - positions] = (current[index - positions] ?? 0) + value;
      }
      continue;
    }
    const colon = line.indexOf(':');
    const equals = line.indexOf('=');
    if (equals !== -1 && (colon === -1 || equals < colon)) {
      const key = line.slice(0, equals);
      const value = line.slice(equals + 1);
      if (key === 'fn') current = costOf(self, resolveName(names, value), events.length);
      else if (key === 'cfn') resolveName(names, value);
      else if (key === 'calls') skipNext = true;
      continue;
    }
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (key === 'pid') pid = Number(value);
    else if (key === 'events') events = value.split(/\s+/);
    else if (key === 'positions') positions = value.split(/\s+/).length;
    else if (key === 'summary' || key === 'totals') totals = value.split(/\s+/).map(Number);
  }
  if (events.length === 0) throw new Error('callgrind output without an events line');
  return { pid, events, totals: padded(totals ?? sumOf(self, events.length), events.length), self };
}

/** `(id) name` defines a compressed name, `(id)` uses one, a bare name is itself. */
function resolveName(names: Map<string, string>, value: string): string {
  const match = /^\((\d+)\)(?: (.*))?$/.exec(value);
  if (!match) return value;
  const [, id, name] = match as unknown as [string, string, string | undefined];
  if (name !== undefined) {
    names.set(id, name);
    return name;
  }
  return names.get(id) ?? `(${id})`;
}

function costOf(self: Map<string, number[]>, name: string, width: number): number[] {
  let cost = self.get(name);
  if (!cost) {
    cost = new Array<number>(width).fill(0);
    self.set(name, cost);
  }
  return cost;
}

function padded(values: number[], width: number): number[] {
  return Array.from({ length: width }, (_, index) => values[index] ?? 0);
}

function sumOf(self: Map<string, number[]>, width: number): number[] {
  const sum = new Array<number>(width).fill(0);
  for (const cost of self.values())
    for (let index = 0; index < width; index++) sum[index]! += cost[index] ?? 0;
  return sum;
}

/** One entry of node's `--perf-basic-prof` map (/tmp/perf-<pid>.map): code at [start, start + size). */
export interface PerfMapEntry {
  start: number;
  size: number;
  name: string;
}

/** Parses a perf map (`<start hex> <size hex> <name>` per line), sorted by start. */
export function parsePerfMap(text: string): PerfMapEntry[] {
  const entries: PerfMapEntry[] = [];
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/i.exec(line);
    if (match)
      entries.push({
        start: Number.parseInt(match[1]!, 16),
        size: Number.parseInt(match[2]!, 16),
        name: match[3]!,
      });
  }
  return entries.sort((a, b) => a.start - b.start);
}

/**
 * The name of JIT code for a comparison across runs: node's perf-map name (`JS:*'verify file:…:12:3`)
 * without its tier marks (`~` interpreted, `^` Sparkplug, `+` Maglev, `*` TurboFan, `'` a
 * function with a source position), so that one function's code compiled by different tiers in
 * two runs, at different addresses, is one row.
 */
export function jitName(name: string): string {
  return `JIT ${name.replace(/^JS:/, '').replace(/^[~^+*]?'?/, '')}`;
}

/**
 * The profile with unnamed functions (JIT code, callgrind's `0x…`) named from a perf map and
 * merged by that name; addresses outside every entry are merged as `JIT (unknown)`.
 */
export function nameJitCode(profile: CallgrindProfile, map: PerfMapEntry[]): CallgrindProfile {
  const self = new Map<string, number[]>();
  for (const [name, cost] of profile.self) {
    const match = UNNAMED.exec(name);
    const key = match ? jitName(entryAt(map, Number.parseInt(match[1]!, 16))?.name ?? '(unknown)') : name;
    const merged = costOf(self, key, profile.events.length);
    for (let index = 0; index < merged.length; index++) merged[index]! += cost[index] ?? 0;
  }
  return { ...profile, self };
}

function entryAt(map: PerfMapEntry[], address: number): PerfMapEntry | undefined {
  let low = 0;
  let high = map.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const entry = map[middle]!;
    if (address < entry.start) high = middle - 1;
    else if (address >= entry.start + entry.size) low = middle + 1;
    else return entry;
  }
  return undefined;
}

/** Cost of one unit of work: (longer run − shorter run) ÷ units, in total and per function. */
export interface PerUnitCost {
  events: string[];
  totals: number[];
  self: Map<string, number[]>;
}

/**
 * `(more − base) ÷ units`: what one request costs when `more` ran `units` requests beyond `base`,
 * with the same warm-up. A function in only one of the two runs counts as zero in the other.
 */
export function perUnit(base: CallgrindProfile, more: CallgrindProfile, units: number): PerUnitCost {
  if (base.events.join(' ') !== more.events.join(' '))
    throw new Error('the two profiles record different events');
  if (!(units > 0)) throw new Error('units must be positive');
  const width = base.events.length;
  const difference = (a: number[] | undefined, b: number[] | undefined) =>
    Array.from({ length: width }, (_, index) => ((b?.[index] ?? 0) - (a?.[index] ?? 0)) / units);
  const self = new Map<string, number[]>();
  for (const name of new Set([...base.self.keys(), ...more.self.keys()]))
    self.set(name, difference(base.self.get(name), more.self.get(name)));
  return { events: base.events, totals: difference(base.totals, more.totals), self };
}

/**
 * The cost without the functions whose names match `pattern`: their self cost leaves the totals
 * too. For setting aside work that the measurement itself changes, such as garbage collection
 * under valgrind (V8 sizes its young generation by timing, so a slowed process scavenges at
 * another rate than it would natively).
 */
export function excluding(cost: PerUnitCost, pattern: RegExp): PerUnitCost {
  const totals = [...cost.totals];
  const self = new Map<string, number[]>();
  for (const [name, values] of cost.self) {
    if (!pattern.test(name)) self.set(name, values);
    else for (let index = 0; index < totals.length; index++) totals[index]! -= values[index] ?? 0;
  }
  return { events: cost.events, totals, self };
}
