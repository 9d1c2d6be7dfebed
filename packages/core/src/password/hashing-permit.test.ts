import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admitHashing } from './hashing-permit.ts';
import { limitHasher } from './hashing-limiter.ts';
import type { PasswordHasher } from './password-hasher.ts';
import { socketPair } from '../testing/socket-pair.ts';

const never: PasswordHasher = {
  hash: () => new Promise(() => {}),
  verify: () => new Promise(() => {}),
  needsRehash: () => false,
};

describe('admitHashing and the event loop', () => {
  it('lets I/O that arrives when a place frees up run before the operation that waited for it goes on', async () => {
    const log: string[] = [];
    const pair = await socketPair();
    pair.server.on('data', (sentAt: string) => log.push(`other I/O (sent at ${sentAt})`));
    // One hash at once, two places started (one hashing, one next), one waiting.
    const hasher = limitHasher(never, { concurrency: 1, queue: 2 });
    try {
      const first = await admitHashing(hasher, 'login', ['ip:a']);
      const second = await admitHashing(hasher, 'login', ['ip:b']);
      const third = admitHashing(hasher, 'login', ['ip:c']).then((permit) => {
        log.push('third goes on');
        return permit;
      });
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(log.length, 0, 'the third waits for a place');
      // The first operation ends (its hash answered: an I/O callback) while bytes are on their way.
      first.release();
      log.push('first released');
      pair.client.write('first released');
      (await third).release();
      second.release();
      assert.deepEqual(log, ['first released', 'other I/O (sent at first released)', 'third goes on']);
    } finally {
      pair.close();
    }
  });

  it('goes on at once with a place that was free', async () => {
    const hasher = limitHasher(never, { concurrency: 1, queue: 0 });
    let admitted = false;
    const admitting = admitHashing(hasher, 'login', ['ip:a']).then((permit) => {
      admitted = true;
      return permit;
    });
    // Two microtask hops (the async function's return, then this then): no event-loop turn.
    await Promise.resolve();
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(admitted, true);
    (await admitting).release();
  });
});
