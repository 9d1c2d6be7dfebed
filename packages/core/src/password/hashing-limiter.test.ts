import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { OverloadedError } from '../errors.ts';
import { defaultHashConcurrency, limitHasher, withHashPermit } from './hashing-limiter.ts';
import type { HashPurpose, PasswordHasher } from './password-hasher.ts';

/** A hasher whose every call waits until the test finishes it: the test decides when hashing ends. */
function createGatedHasher() {
  const pending: { password: string; finish: (fail?: boolean) => void }[] = [];
  let running = 0;
  let maxRunning = 0;
  let calls = 0;
  const run = (password: string) =>
    new Promise<string>((resolve, reject) => {
      calls++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      pending.push({
        password,
        finish: (fail) => {
          running--;
          if (fail) reject(new Error('hash failed'));
          else resolve(`hash:${password}`);
        },
      });
    });
  const hasher: PasswordHasher = {
    hash: run,
    verify: async (encoded, password) => encoded === (await run(password)),
    needsRehash: () => false,
  };
  return {
    hasher,
    pending,
    stats: () => ({ running, maxRunning, calls }),
    /** Finishes the oldest running hash and lets its continuations run. */
    async finishOne(fail = false) {
      const next = pending.shift();
      assert.ok(next, 'nothing is hashing');
      next.finish(fail);
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

// A broken limiter tends to leave a hash waiting forever: fail fast instead of hanging.
describe('limitHasher', { timeout: 10_000 }, () => {
  it('runs at most `concurrency` hashes at once, the rest in arrival order', async () => {
    const gated = createGatedHasher();
    const hasher = limitHasher(gated.hasher, { concurrency: 2, queue: 10 });
    const order: string[] = [];
    const all = ['a', 'b', 'c', 'd', 'e'].map((password) =>
      hasher.hash(password).then((value) => order.push(value)),
    );
    await tick();
    assert.equal(gated.stats().running, 2);
    while (gated.pending.length > 0) await gated.finishOne();
    await Promise.all(all);
    assert.equal(gated.stats().maxRunning, 2);
    assert.deepEqual(order, ['hash:a', 'hash:b', 'hash:c', 'hash:d', 'hash:e']);
  });

  it('refuses past concurrency + queue at once, without hashing, and reports the refusal', async () => {
    const gated = createGatedHasher();
    const rejected: HashPurpose[] = [];
    const hasher = limitHasher(gated.hasher, {
      concurrency: 1,
      queue: 2,
      retryAfterSeconds: 3,
      onRejected: (purpose) => rejected.push(purpose),
    });
    const admitted = [hasher.hash('a'), hasher.hash('b'), hasher.hash('c')];
    await tick();
    await assert.rejects(hasher.verify('x', 'd'), (error: unknown) => {
      assert.ok(error instanceof OverloadedError);
      assert.equal(error.code, 'ERR_OVERLOADED');
      assert.equal(error.retryAfterSeconds, 3);
      return true;
    });
    assert.throws(() => hasher.admit?.('login'), OverloadedError);
    assert.deepEqual(rejected, ['other', 'login']);
    assert.equal(gated.stats().calls, 1, 'only the running hash reached the hasher');
    while (gated.pending.length > 0) await gated.finishOne();
    await Promise.all(admitted);
    assert.equal(gated.stats().calls, 3);
    // Room again once they are done.
    const again = hasher.hash('e');
    await tick();
    await gated.finishOne();
    assert.equal(await again, 'hash:e');
  });

  it('an admitted operation holds its place across several hashes until released, and is never refused', async () => {
    const gated = createGatedHasher();
    const hasher = limitHasher(gated.hasher, { concurrency: 1, queue: 0 });
    const permit = hasher.admit!('login');
    assert.throws(() => hasher.admit!('register'), OverloadedError);
    const first = permit.hasher.hash('one');
    const second = permit.hasher.verify('hash:two', 'two');
    await tick();
    assert.equal(gated.stats().running, 1, 'its hashes still take turns on the one slot');
    await gated.finishOne();
    await gated.finishOne();
    assert.equal(await first, 'hash:one');
    assert.equal(await second, true);
    assert.throws(() => hasher.admit!('register'), OverloadedError, 'still held between hashes');
    permit.release();
    permit.release(); // idempotent: a second release frees nothing more
    const next = hasher.admit!('register');
    assert.throws(() => hasher.admit!('register'), OverloadedError);
    next.release();
  });

  it('a failed hash frees its slot and its place', async () => {
    const gated = createGatedHasher();
    const hasher = limitHasher(gated.hasher, { concurrency: 1, queue: 0 });
    const failing = assert.rejects(hasher.hash('a'), /hash failed/);
    await tick();
    await gated.finishOne(true);
    await failing;
    const next = hasher.hash('b');
    await tick();
    await gated.finishOne();
    assert.equal(await next, 'hash:b');
  });

  it('withHashPermit releases after the work, also when it throws; an unbounded hasher runs as is', async () => {
    const gated = createGatedHasher();
    const hasher = limitHasher(gated.hasher, { concurrency: 1, queue: 0 });
    await assert.rejects(
      withHashPermit(hasher, 'login', async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    const permit = hasher.admit!('login');
    permit.release();
    let used: PasswordHasher | undefined;
    await withHashPermit(gated.hasher, 'login', async (inner) => {
      used = inner;
    });
    assert.equal(used, gated.hasher);
  });

  it('defaults to cores − 1 (at least 1) and refuses nonsense limits', () => {
    assert.equal(defaultHashConcurrency(), Math.max(1, availableParallelism() - 1));
    const gated = createGatedHasher();
    for (const limits of [
      { concurrency: 0 },
      { concurrency: 1.5 },
      { queue: -1 },
      { retryAfterSeconds: 0 },
    ]) {
      assert.throws(() => limitHasher(gated.hasher, limits), TypeError, JSON.stringify(limits));
    }
  });
});
