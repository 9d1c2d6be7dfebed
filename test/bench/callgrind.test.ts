/**
 * bench/lib/callgrind.ts: self costs from callgrind's format (name compression, call costs kept
 * out of the caller's self cost), JIT code named from a perf map, and cost per unit of two runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  excluding,
  jitName,
  nameJitCode,
  parseCallgrind,
  parsePerfMap,
  perUnit,
} from '../../bench/lib/callgrind.ts';

/** Two functions; `main` calls `leaf` (inclusive cost 70 Ir after `calls=`), then JIT code at 0x1010. */
function profile(mainIr: number, jitIr: number, summary = true): string {
  return [
    '# callgrind format',
    'version: 1',
    'pid: 4242',
    'positions: line',
    'events: Ir I1mr',
    summary ? `summary: ${mainIr + 70 + jitIr} 3` : '',
    '',
    'ob=(1) /usr/bin/node',
    'fl=(1) main.c',
    `fn=(1) main`,
    `10 ${mainIr - 5} 2`,
    '+2 5',
    'cfn=(2) leaf',
    'calls=1 +30',
    '* 70 1',
    '',
    'fn=(2)',
    '42 70 1',
    '',
    'ob=(2) ???',
    'fl=(2) ???',
    'fn=(3) 0x0000000000001010',
    `0 ${jitIr}`,
  ].join('\n');
}

describe('parseCallgrind', () => {
  it('sums self cost per function, resolves compressed names, and leaves call costs to the callee', () => {
    const parsed = parseCallgrind(profile(100, 30));
    assert.equal(parsed.pid, 4242);
    assert.deepEqual(parsed.events, ['Ir', 'I1mr']);
    assert.deepEqual(parsed.self.get('main'), [100, 2]);
    assert.deepEqual(parsed.self.get('leaf'), [70, 1]);
    assert.deepEqual(parsed.self.get('0x0000000000001010'), [30, 0]);
    assert.deepEqual(parsed.totals, [200, 3]);
  });

  it('sums the functions when the file has no summary or totals line', () => {
    assert.deepEqual(parseCallgrind(profile(100, 30, false)).totals, [200, 3]);
  });

  it('refuses what is not callgrind output', () => {
    assert.throws(() => parseCallgrind('events: Ir\n'), /not a callgrind output file/);
    assert.throws(() => parseCallgrind('# callgrind format\nversion: 1\n'), /without an events line/);
  });
});

describe('JIT names', () => {
  const map = parsePerfMap(
    ['2000 100 JS:*verify file:///a.ts:3:1', "1000 20 JS:+'judge file:///a.ts:9:1", 'junk line'].join('\n'),
  );

  it('reads a perf map sorted by address, skipping lines it cannot read', () => {
    assert.deepEqual(
      map.map((entry) => entry.start),
      [0x1000, 0x2000],
    );
  });

  it('names code by the entry that holds its address, merging tiers, and unknown code as such', () => {
    const parsed = parseCallgrind(profile(100, 30));
    parsed.self.set('0x0000000000002050', [5, 1]);
    parsed.self.set('0x0000000000001020', [7, 0]); // one past the judge entry's end
    const named = nameJitCode(parsed, map);
    assert.deepEqual(named.self.get('JIT judge file:///a.ts:9:1'), [30, 0]);
    assert.deepEqual(named.self.get('JIT verify file:///a.ts:3:1'), [5, 1]);
    assert.deepEqual(named.self.get('JIT (unknown)'), [7, 0]);
    assert.deepEqual(named.self.get('main'), [100, 2]);
  });

  it('gives one name to every tier of a function', () => {
    const names = ['JS:~f a.ts:1:1', 'JS:^f a.ts:1:1', "JS:+'f a.ts:1:1", "JS:*'f a.ts:1:1", 'JS:f a.ts:1:1'];
    assert.deepEqual(new Set(names.map(jitName)), new Set(['JIT f a.ts:1:1']));
  });
});

describe('perUnit', () => {
  it('divides the difference of two runs by the units between them, per function and in total', () => {
    const cost = perUnit(parseCallgrind(profile(100, 30)), parseCallgrind(profile(1100, 530)), 10);
    assert.deepEqual(cost.totals, [150, 0]);
    assert.deepEqual(cost.self.get('main'), [100, 0]);
    assert.deepEqual(cost.self.get('leaf'), [0, 0]);
    assert.deepEqual(cost.self.get('0x0000000000001010'), [50, 0]);
  });

  it('counts a function found in one run only as zero in the other', () => {
    const base = parseCallgrind(profile(100, 30));
    const more = parseCallgrind(profile(100, 30));
    more.self.set('new', [20, 4]);
    assert.deepEqual(perUnit(base, more, 2).self.get('new'), [10, 2]);
  });

  it('refuses profiles of different events, and no units', () => {
    const base = parseCallgrind(profile(100, 30));
    const other = parseCallgrind(profile(100, 30).replace('events: Ir I1mr', 'events: Ir Dr'));
    assert.throws(() => perUnit(base, other, 1), /different events/);
    assert.throws(() => perUnit(base, base, 0), /units must be positive/);
  });
});

describe('excluding', () => {
  it('drops the matching functions, and their cost from the totals', () => {
    const cost = perUnit(parseCallgrind(profile(100, 30)), parseCallgrind(profile(1100, 530)), 10);
    const kept = excluding(cost, /^0x/);
    assert.deepEqual(kept.totals, [100, 0]);
    assert.equal(kept.self.has('0x0000000000001010'), false);
    assert.deepEqual(kept.self.get('main'), [100, 0]);
    assert.deepEqual(cost.totals, [150, 0], 'the cost it was given is left as it was');
  });
});

describe('bench/callgrind-compare.ts', () => {
  const cli = join(import.meta.dirname, '../../bench/callgrind-compare.ts');
  const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

  it('prints each side per request, the later side ÷ the first, and the functions that differ most', () => {
    const dir = mkdtempSync(join(tmpdir(), 'callgrind-compare-'));
    try {
      const files = [profile(100, 30), profile(1100, 530), profile(100, 30), profile(1300, 530)].map(
        (text, index) => {
          // No perf map for this pid: JIT code keeps callgrind's address as its name.
          const path = join(dir, `cg.${index}`);
          writeFileSync(path, text.replace('pid: 4242', 'pid: 999999999'));
          return path;
        },
      );
      const { status, stdout } = run([
        '--top',
        '1',
        '10',
        `a=${files[0]},${files[1]}`,
        `b=${files[2]},${files[3]}`,
      ]);
      assert.equal(status, 0);
      assert.match(stdout, /^a +150 +0\.0$/m);
      assert.match(stdout, /^b +170 +0\.0$/m);
      assert.match(stdout, /^b ÷ a +1\.133 +–$/m);
      // main grew by 20 per request on side b; only the top row is printed.
      assert.match(stdout, /^ +20\.0 +0\.0 +100 +120 +main$/m);
      assert.doesNotMatch(stdout, /leaf/);
      // Without main, side b costs what side a does.
      const without = run([
        '--exclude',
        '^main$',
        '10',
        `a=${files[0]},${files[1]}`,
        `b=${files[2]},${files[3]}`,
      ]);
      assert.equal(without.status, 0);
      assert.match(without.stdout, /without functions matching \/\^main\$\//);
      assert.match(without.stdout, /^b ÷ a +1\.000 +–$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a call without units or sides with its usage and exit code 2', () => {
    const { status, stderr } = run(['10']);
    assert.equal(status, 2);
    assert.match(stderr, /^usage: callgrind-compare\.ts/);
  });
});
