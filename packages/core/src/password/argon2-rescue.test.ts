import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { busyEveryCore } from '../testing/busy-cores.ts';
import { createThreadedArgon2Hasher } from './argon2-threads.ts';
import { createArgon2Hasher, defaultArgon2Params } from './password-hasher.ts';

const PASSWORD = 'correct horse battery staple';
const cheap = { memoryKiB: 256, passes: 1, parallelism: 1 };
const onLinux = process.platform === 'linux';

/** Field 41 of /proc/self/task/<tid>/stat: the scheduling policy (0 SCHED_OTHER, 5 SCHED_IDLE). */
function policyOfThread(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]);
}

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
        assert.equal(policyOfThread(rescue.tid), 0, 'SCHED_OTHER');
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

  it('leaves a long hash on a free core alone: slow is not starved', async () => {
    let rescued = 0;
    // About 100 ms of CPU each, checked every 20 ms: a rule on the time alone would rescue all three.
    const long = { memoryKiB: 64 * 1024, passes: 3, parallelism: 1 };
    const hasher = createThreadedArgon2Hasher(long, {
      threads: 1,
      rescueAfterMs: 20,
      onRescue: () => rescued++,
    });
    try {
      await hasher.threads();
      const started = performance.now();
      for (let i = 0; i < 3; i++) await hasher.hash(`${PASSWORD} ${i}`);
      assert.ok(performance.now() - started > 3 * 20, 'each hash outlasted the rescue delay');
      // A test running beside this one may take both cores for a moment (a real starvation, rightly
      // rescued): not for all three hashes.
      assert.ok(rescued < 3, `${rescued} of 3 long hashes rescued`);
    } finally {
      await hasher.close();
    }
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
