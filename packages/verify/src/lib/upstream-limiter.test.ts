import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUpstreamLimiter } from './upstream-limiter.ts';

/** A call the test settles by hand, recording when it started. */
function controlled(started: string[], key: string) {
  let settle!: { resolve: (value: string) => void; reject: (error: Error) => void };
  const answer = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  return {
    call: () => {
      started.push(key);
      return answer;
    },
    ...settle,
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('upstream limiter', () => {
  it('joins a call for the same key in flight: one call, one answer for both', async () => {
    const limiter = createUpstreamLimiter({ maxConcurrent: 4, maxQueued: 0 });
    const started: string[] = [];
    const a = controlled(started, 'a');
    const first = limiter.run('a', a.call);
    const second = limiter.run('a', () => Promise.reject(new Error('never called')));
    await turn();
    assert.deepEqual(started, ['a']);
    assert.deepEqual([first?.joined, second?.joined], [false, true]);
    a.resolve('principal');
    assert.deepEqual(await Promise.all([first!.answer, second!.answer]), ['principal', 'principal']);
    // Settled: the next call for the key is a call of its own.
    const b = controlled(started, 'a again');
    const third = limiter.run('a', b.call);
    await turn();
    assert.equal(third?.joined, false);
    assert.deepEqual(started, ['a', 'a again']);
    b.resolve('x');
    await third!.answer;
  });

  it('runs at most maxConcurrent, queues maxQueued in order, and refuses the rest until a place frees', async () => {
    const limiter = createUpstreamLimiter({ maxConcurrent: 2, maxQueued: 1 });
    const started: string[] = [];
    const calls = ['k1', 'k2', 'k3'].map((key) => controlled(started, key));
    const runs = calls.map((call, index) => limiter.run(`k${index + 1}`, call.call));
    await turn();
    assert.deepEqual(started, ['k1', 'k2'], 'the third waits');
    assert.equal(
      limiter.run('k4', () => Promise.resolve('no')),
      null,
      'the queue is full: refused, not called',
    );
    assert.equal(limiter.run('k1', () => Promise.resolve('no'))?.joined, true, 'a key in flight still joins');

    calls[0]!.reject(new Error('upstream down'));
    await assert.rejects(runs[0]!.answer, /upstream down/);
    await turn();
    assert.deepEqual(started, ['k1', 'k2', 'k3'], 'a failed call gives its place to the first waiting');
    const fifth = controlled(started, 'k5');
    const queued = limiter.run('k5', fifth.call);
    assert.ok(queued, 'one place in the queue again');
    assert.equal(
      limiter.run('k6', () => Promise.resolve('no')),
      null,
    );

    calls[1]!.resolve('two');
    calls[2]!.resolve('three');
    fifth.resolve('five');
    assert.deepEqual(await Promise.all([runs[1]!.answer, runs[2]!.answer, queued!.answer]), [
      'two',
      'three',
      'five',
    ]);
  });

  it('settles a call that throws at once like one that rejects, and frees its place', async () => {
    const limiter = createUpstreamLimiter({ maxConcurrent: 1, maxQueued: 0 });
    const thrown = limiter.run('x', () => {
      throw new Error('thrown');
    });
    await assert.rejects(thrown!.answer, /thrown/);
    const next = limiter.run('y', () => Promise.resolve('ok'));
    assert.equal(await next?.answer, 'ok');
  });
});
