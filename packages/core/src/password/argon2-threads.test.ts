import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { SCHED_IDLE, SCHED_OTHER, STAT_NICE, STAT_POLICY, threadStatField } from '../testing/thread-stat.ts';
import { createThreadedArgon2Hasher } from './argon2-threads.ts';
import { createArgon2Hasher } from './password-hasher.ts';

const params = { memoryKiB: 256, passes: 1, parallelism: 1 };
const onLinux = process.platform === 'linux';

const niceOfThread = (tid: number | 'self') => threadStatField(tid, STAT_NICE);
const policyOfThread = (tid: number | 'self') => threadStatField(tid, STAT_POLICY);
/** util-linux chrt, where the worker looks for it. */
const hasChrt = ['/usr/bin/chrt', '/bin/chrt'].some((path) => existsSync(path));

describe('createThreadedArgon2Hasher', () => {
  const threaded = createThreadedArgon2Hasher(params, { threads: 2 });
  const pooled = createArgon2Hasher(params);
  after(() => threaded.close());

  it('makes the same PHC strings as the libuv-pool hasher: each verifies the other', async () => {
    const fromThreads = await threaded.hash('correct horse battery staple');
    assert.match(fromThreads, /^\$argon2id\$v=19\$m=256,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.equal(await pooled.verify(fromThreads, 'correct horse battery staple'), true);
    assert.equal(await pooled.verify(fromThreads, 'correct horse battery stapl'), false);
    const fromPool = await pooled.hash('another password here');
    assert.equal(await threaded.verify(fromPool, 'another password here'), true);
    assert.equal(await threaded.verify(fromPool, 'another password her'), false);
    assert.equal(threaded.needsRehash(fromPool), false);
  });

  it('verifies a hash made with other parameters than its own, and refuses malformed ones', async () => {
    const stronger = await createArgon2Hasher({ memoryKiB: 512, passes: 2, parallelism: 1 }).hash('pw one');
    assert.equal(await threaded.verify(stronger, 'pw one'), true);
    assert.equal(await threaded.verify(stronger, 'pw two'), false);
    for (const stored of ['', 'plain', '$2b$10$abcdefghijklmnopqrstuv']) {
      assert.equal(await threaded.verify(stored, 'pw one'), false);
    }
  });

  it('hands a thread only the 16 bytes of a salt, not the Buffer pool a PHC salt is decoded into', async () => {
    const stored = await pooled.hash('correct horse battery staple');
    const posted: unknown[] = [];
    const postMessage = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, value: unknown, ...rest: never[]) {
      posted.push(value);
      return postMessage.call(this, value, ...rest);
    };
    try {
      assert.equal(await threaded.verify(stored, 'correct horse battery staple'), true);
    } finally {
      Worker.prototype.postMessage = postMessage;
    }
    const salts = posted.map((message) => (message as { salt: Uint8Array }).salt);
    assert.equal(salts.length, 1);
    assert.equal(salts[0]!.byteLength, 16);
    // postMessage copies a view's whole ArrayBuffer (Buffer's pool: 64 KiB in Node 24).
    assert.equal(salts[0]!.buffer.byteLength, 16);
  });

  it('queues more hashes than threads and finishes them all', async () => {
    const passwords = Array.from({ length: 7 }, (_, i) => `password number ${i}`);
    const hashes = await Promise.all(passwords.map((p) => threaded.hash(p)));
    const checks = await Promise.all(hashes.map((h, i) => pooled.verify(h, passwords[i]!)));
    assert.deepEqual(
      checks,
      passwords.map(() => true),
    );
    assert.equal(new Set(hashes).size, passwords.length);
  });

  it('runs its threads at nice 19 on Linux, and leaves the event loop thread alone', {
    skip: !onLinux,
  }, async () => {
    const before = niceOfThread('self');
    // A rescue thread (nice 10, SCHED_OTHER) is there too when an earlier test's hash was starved
    // for 500 ms on a loaded machine (seen in a full run with both cores busy).
    const threads = (await threaded.threads()).filter((thread) => thread.role === 'primary');
    assert.equal(threads.length, 2);
    for (const thread of threads) {
      assert.ok(thread.tid && thread.tid !== process.pid, 'a thread of its own');
      assert.equal(thread.nice, 19);
      assert.equal(niceOfThread(thread.tid), 19);
    }
    assert.equal(niceOfThread('self'), before);
  });

  it('moves its threads to SCHED_IDLE where util-linux chrt is installed, not the event loop', {
    skip: !onLinux || !hasChrt,
  }, async () => {
    const primaries = (await threaded.threads()).filter((thread) => thread.role === 'primary');
    assert.equal(primaries.length, 2);
    for (const thread of primaries) {
      assert.equal(thread.policy, 'idle');
      assert.equal(policyOfThread(thread.tid!), SCHED_IDLE);
    }
    assert.equal(policyOfThread('self'), SCHED_OTHER);
  });

  it('keeps SCHED_OTHER with schedIdle: false (nice 19 still set)', { skip: !onLinux }, async () => {
    const niceOnly = createThreadedArgon2Hasher(params, { threads: 1, schedIdle: false });
    try {
      const [thread] = await niceOnly.threads();
      assert.equal(thread!.policy, 'other');
      assert.equal(policyOfThread(thread!.tid!), SCHED_OTHER);
      assert.equal(niceOfThread(thread!.tid!), 19);
    } finally {
      await niceOnly.close();
    }
  });

  it('leaves the priority as it is with nice: 0', { skip: !onLinux }, async () => {
    const plain = createThreadedArgon2Hasher(params, { threads: 1, nice: 0 });
    try {
      const [thread] = await plain.threads();
      assert.equal(niceOfThread(thread!.tid!), niceOfThread('self'));
      assert.equal(policyOfThread(thread!.tid!), SCHED_OTHER, 'no SCHED_IDLE unless nice is 19');
    } finally {
      await plain.close();
    }
  });

  it('close rejects what waits, and a later hash starts new threads', async () => {
    const hasher = createThreadedArgon2Hasher(params, { threads: 1 });
    const pending = Promise.allSettled([hasher.hash('one password'), hasher.hash('two password')]);
    await hasher.close();
    const settled = await pending;
    assert.ok(settled.some((s) => s.status === 'rejected'));
    assert.equal(await pooled.verify(await hasher.hash('three password'), 'three password'), true);
    await hasher.close();
  });

  it('never holds the process open: started, idle, after a hash, or closed', async () => {
    const module = new URL('./argon2-threads.ts', import.meta.url).href;
    for (const step of [
      'await hasher.threads();',
      'await hasher.hash("a password");',
      'await hasher.threads(); await hasher.close();',
    ]) {
      const code = `const { createThreadedArgon2Hasher } = await import(${JSON.stringify(module)});
        const hasher = createThreadedArgon2Hasher({ memoryKiB: 256, passes: 1, parallelism: 1 });
        ${step} console.log('done');`;
      const started = Date.now();
      const output = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          ['--input-type=module', '-e', code],
          { timeout: 10_000 },
          (error, stdout) => (error ? reject(new Error(`${step}: ${error.message}`)) : resolve(stdout)),
        );
      });
      assert.equal(output.trim(), 'done', step);
      assert.ok(Date.now() - started < 10_000, step);
    }
  });

  it('refuses a pool size below 1 and nice values out of range', () => {
    assert.throws(() => createThreadedArgon2Hasher(params, { threads: 0 }), TypeError);
    assert.throws(() => createThreadedArgon2Hasher(params, { nice: 20 }), TypeError);
    assert.throws(() => createThreadedArgon2Hasher(params, { nice: -1 }), TypeError);
  });
});
