import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { OverloadedError } from '../errors.ts';
import { FairPlaces } from './fair-places.ts';
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

  it('a flooding key cannot hold every place: a newcomer displaces its newest waiting operation and starts next', async () => {
    const rejected: HashPurpose[] = [];
    const hasher = limitHasher(createGatedHasher().hasher, {
      concurrency: 1,
      queue: 4,
      retryAfterSeconds: 2,
      onRejected: (purpose) => rejected.push(purpose),
    });
    const flood = ['ip:203.0.113.9', 'account:victim@example.com'];
    const started: string[] = [];
    // The flood takes all 5 places: 2 started (one hashing, one reading), 3 waiting their turn.
    const floodPermits = Array.from({ length: 5 }, (_, i) => {
      const permit = hasher.admit!('login', flood);
      void (permit.ready ?? Promise.resolve()).then(
        () => started.push(`flood ${i}`),
        () => started.push(`flood ${i} displaced`),
      );
      return permit;
    });
    await tick();
    assert.deepEqual(started, ['flood 0', 'flood 1']);
    // Another flood login is refused at once: its key already holds the most.
    assert.throws(() => hasher.admit!('login', flood), OverloadedError);
    assert.deepEqual(rejected, ['login']);
    // A user from elsewhere, for another account, takes the place of the flood's newest waiting one.
    const user = hasher.admit!('login', ['ip:198.51.100.7', 'account:user@example.com']);
    let userStarted = false;
    void user.ready?.then(() => {
      userStarted = true;
    });
    await tick();
    assert.deepEqual(started, ['flood 0', 'flood 1', 'flood 4 displaced']);
    assert.deepEqual(rejected, ['login', 'login'], 'the displaced operation is counted as refused');
    await assert.rejects(floodPermits[4]!.ready!, (error: unknown) => {
      assert.ok(error instanceof OverloadedError);
      assert.equal(error.retryAfterSeconds, 2);
      return true;
    });
    // The next turn is the user's, ahead of the flood's older waiting operations.
    floodPermits[0]!.release();
    await tick();
    assert.equal(userStarted, true);
    assert.deepEqual(started, ['flood 0', 'flood 1', 'flood 4 displaced']);
    user.release();
    await tick();
    assert.deepEqual(started, ['flood 0', 'flood 1', 'flood 4 displaced', 'flood 2']);
    floodPermits[4]!.release(); // a displaced permit has nothing left to give back
    for (const permit of floodPermits) permit.release();
    await tick();
    // Everything given back: all 5 places are free again, to anyone.
    const again = Array.from({ length: 5 }, () => hasher.admit!('login', flood));
    assert.throws(() => hasher.admit!('login', flood), OverloadedError);
    for (const permit of again) permit.release();
  });

  it('a targeted account cannot hold every place either, from however many addresses', async () => {
    const hasher = limitHasher(createGatedHasher().hasher, { concurrency: 1, queue: 2 });
    const permits = ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((ip) =>
      hasher.admit!('login', [`ip:${ip}`, 'account:victim@example.com']),
    );
    // The same account from a fresh address: still the key holding the most, refused.
    assert.throws(
      () => hasher.admit!('login', ['ip:192.0.2.4', 'account:victim@example.com']),
      OverloadedError,
    );
    const other = hasher.admit!('login', ['ip:192.0.2.5', 'account:someone@example.com']);
    await assert.rejects(permits[2]!.ready!, OverloadedError);
    permits[0]!.release();
    await other.ready;
    for (const permit of [...permits, other]) permit.release();
  });

  it('does not displace for a newcomer whose keys already hold about as much (no churn between equals)', async () => {
    const hasher = limitHasher(createGatedHasher().hasher, { concurrency: 1, queue: 2 });
    const a = [hasher.admit!('login', ['ip:a']), hasher.admit!('login', ['ip:a'])];
    const b = hasher.admit!('login', ['ip:b']);
    // a holds 2, b holds 1: a newcomer from b (would hold 2) is refused, not swapped with a.
    assert.throws(() => hasher.admit!('login', ['ip:b']), OverloadedError);
    // A newcomer holding nothing displaces a's newest... which is started; nothing of a's waits.
    assert.throws(() => hasher.admit!('login', ['ip:c']), OverloadedError);
    for (const permit of [...a, b]) permit.release();
  });

  it('a key given twice holds one place: the refusal at capacity counts it once', () => {
    // Two places, one started at once. Full: another key's operation runs, the twice-keyed one waits.
    const places = new FairPlaces(2, 1, 1);
    places.admit('login', ['x']);
    const twice = places.admit('login', ['a', 'a']);
    assert.equal(twice.state, 'waiting');
    // 'a' holds one place, not two: a newcomer holding none may not displace it (that takes two more).
    assert.throws(() => places.admit('login', ['b']), OverloadedError);
    assert.equal(twice.state, 'waiting');
    assert.deepEqual(twice.keys, ['a']);
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
