import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { busyEveryCore } from '../testing/busy-cores.ts';
import { SCHED_OTHER, STAT_POLICY, threadStatField } from '../testing/thread-stat.ts';
import { schedTimes, starvedBetween } from './argon2-pool.ts';
import { createThreadedArgon2Hasher } from './argon2-threads.ts';
import { createArgon2Hasher, defaultArgon2Params } from './password-hasher.ts';

const PASSWORD = 'correct horse battery staple';
const cheap = { memoryKiB: 256, passes: 1, parallelism: 1 };
const onLinux = process.platform === 'linux';

/**
 * A hashing thread at SCHED_IDLE gets almost no CPU while every core is busy with other work. The
 * busy cores here are real processes, four per core at nice 19 (`busyEveryCore`): against them a
 * SCHED_IDLE thread gets about 5 % of a core (weight 3 against 4 × 15), so the default
 * parameters' hash (tens of ms of CPU) takes half a second or more, while a test running beside
 * this one at nice 0 keeps nearly all of its CPU.
 */
describe('a starved hash is rescued by a thread at nice 10', { skip: !onLinux }, () => {
  it('answers a hash its primary thread cannot finish, from a rescue thread; the late result is dropped', async () => {
    const rescues: number[] = [];
    const hasher = createThreadedArgon2Hasher(defaultArgon2Params, {
      threads: 1,
      rescueAfterMs: 100,
      onRescue: () => rescues.push(Date.now()),
    });
    const pooled = createArgon2Hasher();
    try {
      const [primary] = await hasher.threads();
      assert.equal(primary!.role, 'primary');
      let encoded: string;
      const busy = await busyEveryCore();
      try {
        encoded = await hasher.hash(PASSWORD);
        assert.ok(rescues.length >= 1, 'the starved hash was started on a rescue thread');
        // The primary thread is still on that hash: what comes next goes to the rescue thread.
        assert.equal(await hasher.verify(encoded, PASSWORD), true);
        assert.equal(await hasher.verify(encoded, `${PASSWORD}!`), false);
        const rescue = (await hasher.threads()).find((thread) => thread.role === 'rescue');
        assert.ok(rescue?.tid, 'a rescue thread runs');
        assert.equal(rescue.nice, 10);
        assert.equal(rescue.policy, 'other');
        assert.equal(threadStatField(rescue.tid, STAT_POLICY), SCHED_OTHER);
      } finally {
        await busy.stop();
      }
      // Once the cores are free, the primary thread's late results answer nothing: each hash after
      // them is its own password's, and verifies as it should.
      const passwords = Array.from({ length: 4 }, (_, i) => `password number ${i}`);
      const hashes = await Promise.all(passwords.map((password) => hasher.hash(password)));
      for (const [i, hash] of hashes.entries()) {
        assert.equal(await pooled.verify(hash, passwords[i]!), true);
        assert.equal(await pooled.verify(hash, PASSWORD), false);
      }
      assert.equal(await pooled.verify(encoded, PASSWORD), true);
      assert.equal(new Set(hashes).size, passwords.length);
    } finally {
      await hasher.close();
    }
  });

  it('rescues nothing on idle cores: hashes stay on their primary threads', async () => {
    let rescued = 0;
    // 2 s, not 500 ms: the tests running beside this one may keep both cores busy for a moment.
    const hasher = createThreadedArgon2Hasher(cheap, {
      threads: 1,
      rescueAfterMs: 2000,
      onRescue: () => rescued++,
    });
    try {
      const encoded = await hasher.hash(PASSWORD);
      for (let i = 0; i < 4; i++) assert.equal(await hasher.verify(encoded, PASSWORD), true);
      assert.equal(rescued, 0);
      assert.deepEqual(
        (await hasher.threads()).map((thread) => thread.role),
        ['primary'],
      );
    } finally {
      await hasher.close();
    }
  });

  it('leaves a long hash on a free core alone: slow is not starved', async (t) => {
    const long = { memoryKiB: 64 * 1024, passes: 3, parallelism: 1 };
    // This machine's time for one such hash, at normal priority (busy cores slow it, not starve it).
    const probe = createThreadedArgon2Hasher(long, { threads: 1, nice: 0 });
    let fastest = Number.POSITIVE_INFINITY;
    try {
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        await probe.hash(PASSWORD);
        fastest = Math.min(fastest, performance.now() - started);
      }
    } finally {
      await probe.close();
    }
    // Checked about two and a half times per hash: a rule on the time alone would rescue each.
    const rescueAfterMs = Math.max(20, Math.round(fastest / 2.5));
    let rescued = 0;
    const hasher = createThreadedArgon2Hasher(long, { threads: 1, rescueAfterMs, onRescue: () => rescued++ });
    try {
      const tid = (await hasher.threads())[0]!.tid!;
      // The tests beside this one may keep both cores busy (a real starvation, rightly rescued). A
      // hash can only be rescued if its thread waited for a CPU longer than it ran over one check's
      // window: more than half of rescueAfterMs in all. A hash that waited less, and ran past two
      // checks, was on a free core when it was checked, and must not have been rescued.
      for (let round = 1; round <= 20; round++) {
        // A primary thread still on a hash a rescue thread answered hands the next one over at
        // once: each round starts with it idle (its run time no longer growing).
        let idle = false;
        for (const deadline = Date.now() + 10_000; !idle && Date.now() < deadline; ) {
          const at = schedTimes(tid)!.run;
          await new Promise((resolve) => setTimeout(resolve, 20));
          idle = schedTimes(tid)!.run === at;
        }
        if (!idle) continue;
        const before = schedTimes(tid)!;
        const rescuedBefore = rescued;
        const started = performance.now();
        await hasher.hash(`${PASSWORD} ${round}`);
        const tookMs = performance.now() - started;
        const waitedMs = (schedTimes(tid)!.wait - before.wait) / 1e6;
        if (waitedMs >= rescueAfterMs / 2 || tookMs < 2 * rescueAfterMs) continue;
        assert.equal(rescued - rescuedBefore, 0, `rescued, though its thread waited only ${waitedMs} ms`);
        t.diagnostic(
          `round ${round}: ${tookMs.toFixed(0)} ms, checked every ${rescueAfterMs} ms, waited ${waitedMs.toFixed(1)} ms`,
        );
        return;
      }
      t.skip('no core was free for any of 20 hashes');
    } finally {
      await hasher.close();
    }
  });

  it('judges starvation by a thread’s own times: it waited for a CPU longer than it ran', () => {
    const since = { run: 1_000_000, wait: 500_000 };
    assert.equal(starvedBetween(since, { run: 11_000_000, wait: 40_500_000 }), true);
    assert.equal(starvedBetween(since, { run: 45_000_000, wait: 5_500_000 }), false);
    assert.equal(
      starvedBetween(since, { run: 21_000_000, wait: 20_500_000 }),
      false,
      'half a core is not starved',
    );
  });

  // About 10 ms of CPU: starved at SCHED_IDLE, about 200 ms, ten times the control's 20 ms.
  const small = { memoryKiB: 8192, passes: 2, parallelism: 1 };
  for (const [name, options, rescues] of [
    ['rescueAfterMs: 20 (the control)', { rescueAfterMs: 20 }, true],
    ['rescueAfterMs: 0', { rescueAfterMs: 0 }, false],
    ['threads already at nice 10', { nice: 10, rescueAfterMs: 20 }, false],
  ] as const) {
    it(`${rescues ? 'rescues' : 'rescues nothing'} with ${name}, on busy cores`, async () => {
      let rescued = 0;
      const hasher = createThreadedArgon2Hasher(small, { threads: 1, onRescue: () => rescued++, ...options });
      try {
        await hasher.threads();
        const busy = await busyEveryCore();
        try {
          const encoded = await hasher.hash(PASSWORD);
          assert.equal(await createArgon2Hasher(small).verify(encoded, PASSWORD), true);
        } finally {
          await busy.stop();
        }
        assert.equal(rescued > 0, rescues);
        const roles = new Set((await hasher.threads()).map((thread) => thread.role));
        assert.equal(roles.has('rescue'), rescues);
      } finally {
        await hasher.close();
      }
    });
  }

  it('close rejects a hash being rescued', async () => {
    let closing: Promise<void> | undefined;
    const hasher = createThreadedArgon2Hasher(defaultArgon2Params, {
      threads: 1,
      rescueAfterMs: 50,
      // Closed the moment the rescue thread takes the hash over: both threads are on it.
      onRescue: () => {
        closing ??= hasher.close();
      },
    });
    await hasher.threads();
    const busy = await busyEveryCore();
    try {
      const outcome = await hasher.hash(PASSWORD).then(
        () => 'resolved',
        (error: Error) => error.message,
      );
      assert.ok(closing, 'the hash was rescued');
      assert.equal(outcome, 'argon2 threads closed');
    } finally {
      // A thread inside argon2 ends when its hash does: free the cores first.
      await busy.stop();
      await closing;
    }
  });
});

describe('rescue options', () => {
  it('refuses a negative or non-finite rescueAfterMs and a rescueNice out of range', () => {
    for (const options of [
      { rescueAfterMs: -1 },
      { rescueAfterMs: Number.NaN },
      { rescueAfterMs: Number.POSITIVE_INFINITY },
      { rescueNice: 20 },
      { rescueNice: -1 },
      { rescueNice: 1.5 },
    ]) {
      assert.throws(() => createThreadedArgon2Hasher(cheap, options), TypeError, JSON.stringify(options));
    }
  });
});
