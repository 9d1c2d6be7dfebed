/**
 * bench/lib/adapter-sides.ts: how the adapters scenario pairs the processes of its sides (goal 1 is
 * judged over every pairing, not on one pair's draw).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuWindow, processesOfRound } from '../../bench/lib/adapter-sides.ts';

describe('bench: the adapters scenario pairs its processes', () => {
  it('with one process a side, every round pairs the two it has', () => {
    for (let round = 0; round < 5; round++)
      assert.deepEqual(processesOfRound(round, 1), { open: 0, compared: 0 });
  });

  it('with two a side, four rounds pair first with first, second with second, then crossed', () => {
    const pairs = [0, 1, 2, 3].map((round) => processesOfRound(round, 2));
    assert.deepEqual(pairs, [
      { open: 0, compared: 0 },
      { open: 1, compared: 1 },
      { open: 0, compared: 1 },
      { open: 1, compared: 0 },
    ]);
  });

  it('goes over every pairing once in processes² rounds, then again in the same order', () => {
    for (const processes of [2, 3, 4]) {
      const rounds = processes * processes;
      const seen = new Set<string>();
      for (let round = 0; round < rounds; round++) {
        const { open, compared } = processesOfRound(round, processes);
        assert.ok(open >= 0 && open < processes && compared >= 0 && compared < processes);
        seen.add(`${open}-${compared}`);
        assert.deepEqual(processesOfRound(round + rounds, processes), { open, compared });
      }
      assert.equal(seen.size, rounds, `${processes} a side`);
    }
  });
});

describe('bench: a pair window reads how busy its processes were', () => {
  it('a process that spins used about the whole window, one that sleeps almost none of it', {
    skip: process.platform !== 'linux' && 'reads /proc',
  }, async () => {
    const spinning = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    const sleeping = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      await sleep(300);
      const edges = cpuWindow([spinning.pid!, sleeping.pid!], 0.5, 0);
      edges.window.onOpen?.();
      await sleep(500);
      edges.window.onClose?.();
      const [spun, slept] = edges.used().map((micros) => micros! / edges.windowMicros());
      assert.ok(edges.windowMicros() >= 499_000, 'the window is as long as it was open');
      // On a shared machine the spinning process may wait for a CPU now and then.
      assert.ok(spun! > 0.5 && spun! < 1.05, `the spinning process used ${spun} of the window`);
      assert.ok(slept! < 0.05, `the sleeping process used ${slept} of the window`);
    } finally {
      spinning.kill();
      sleeping.kill();
    }
  });
});
