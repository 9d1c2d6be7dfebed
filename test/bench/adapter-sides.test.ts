/**
 * bench/lib/adapter-sides.ts: how the adapters scenario pairs the processes of its sides (goal 1 is
 * judged over every pairing, not on one pair's draw).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { processesOfRound } from '../../bench/lib/adapter-sides.ts';

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
