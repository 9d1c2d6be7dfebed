import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyEveryCore, SCHED_IDLE, STAT_NICE, STAT_POLICY, threadStatField } from '@gatehouse/core/testing';
import { loadConfig } from './config.ts';
import { readSample } from './metrics/read-sample.ts';
import { type RunningServer, startServer } from './server.ts';
import { ORIGIN, PASSWORD } from './testing/index.ts';

/** One stat field of each thread of this process, by thread id. */
function threadFields(field: number): Map<number, number> {
  const values = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      values.set(Number(tid), threadStatField(Number(tid), field));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return values;
}
const threadNices = () => threadFields(STAT_NICE);
const lowPriorityThreads = () => [...threadNices().values()].filter((nice) => nice === 19).length;
/** Threads of this process at SCHED_IDLE. */
const idleThreads = () =>
  [...threadFields(STAT_POLICY).values()].filter((policy) => policy === SCHED_IDLE).length;
/** util-linux chrt, with which the core's hasher moves its threads to SCHED_IDLE. */
const hasChrt = ['/usr/bin/chrt', '/bin/chrt'].some((path) => existsSync(path));

async function post(server: RunningServer, path: string, payload: unknown): Promise<number> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify(payload),
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * The server's composition root hashes on the core's threaded hasher: its worker thread runs at
 * nice 19 (so a login flood yields the CPU to the event loop), the event loop's thread keeps its
 * priority, and closing the server ends the thread.
 */
describe('the server hashes passwords on a low-priority worker thread', {
  skip: process.platform !== 'linux',
}, () => {
  let dataDir: string;
  let server: RunningServer | undefined;
  let before19 = 0;
  let beforeIdle = 0;
  let mainNice = 0;

  before(async () => {
    before19 = lowPriorityThreads();
    beforeIdle = idleThreads();
    mainNice = threadNices().get(process.pid)!;
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-hash-threads-'));
    const config = loadConfig({ GATEHOUSE_MAILER: 'outbox' }, [
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--password-hash-concurrency',
      '1',
    ]);
    server = await startServer(config, { logger: false, print: () => {} });
  });
  after(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts its hashing thread with the server, before any request needs it', async () => {
    const deadline = Date.now() + 5_000;
    while (lowPriorityThreads() < before19 + 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(lowPriorityThreads(), before19 + 1);
  });

  it('registers and logs in through one nice-19 thread, the event loop untouched; close ends it', async () => {
    assert.ok(server);
    const email = 'threads@example.com';
    assert.equal(await post(server, '/auth/register', { email, password: PASSWORD }), 202);
    assert.equal(await post(server, '/auth/login', { email, password: PASSWORD }), 200);
    assert.equal(await post(server, '/auth/login', { email, password: 'not the right passphrase' }), 401);
    assert.equal(lowPriorityThreads(), before19 + 1, 'one hashing thread at nice 19');
    if (hasChrt) assert.equal(idleThreads(), beforeIdle + 1, 'and at SCHED_IDLE');
    assert.equal(threadNices().get(process.pid), mainNice, 'the event loop keeps its priority');
    await server.close();
    server = undefined;
    assert.equal(lowPriorityThreads(), before19, 'closing the server ends the hashing thread');
  });
});

async function rescuedCount(server: RunningServer): Promise<number> {
  const response = await server.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  const value = readSample(response.body, 'gatehouse_password_hash_rescued_total');
  assert.ok(value !== undefined, 'the rescue counter is exported from the start');
  return value;
}

/**
 * On a host whose every core is busy with other work, the SCHED_IDLE hashing thread gets almost
 * no CPU (a login took up to 18 s on a 2-vCPU VM with one busy process per core at nice 0). The
 * server's hasher starts such a hash again on a rescue thread at nice 10, so the login is answered,
 * the same answers as ever, and counted. The busy cores are real processes, four per core at nice
 * 19 (a SCHED_IDLE thread gets about 5 % of a core beside them, a test beside this one nearly all
 * of its own); the rescue waits 100 ms here, 500 by default.
 */
describe('a login on a host with no idle CPU is answered by a rescue thread', {
  skip: process.platform !== 'linux',
}, () => {
  let dataDir: string;
  let server: RunningServer;
  const email = 'starved@example.com';

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-hash-rescue-'));
    const config = loadConfig({ GATEHOUSE_MAILER: 'outbox' }, [
      ...['--data-dir', dataDir, '--port', '0'],
      ...['--password-hash-concurrency', '1', '--password-hash-rescue-ms', '100'],
    ]);
    server = await startServer(config, { logger: false, print: () => {} });
    assert.equal(await post(server, '/auth/register', { email, password: PASSWORD }), 202);
  });
  after(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('logs in (200, and 401 for a wrong password) while every core is busy, and counts the rescues', async () => {
    // Not necessarily 0: the registration's hash may have been rescued already, on a machine
    // busy with the tests running beside this one.
    const before = await rescuedCount(server);
    const busy = await busyEveryCore();
    try {
      assert.equal(await post(server, '/auth/login', { email, password: PASSWORD }), 200);
      assert.ok((await rescuedCount(server)) > before, 'the hash was rescued');
      assert.equal(await post(server, '/auth/login', { email, password: 'not the right passphrase' }), 401);
    } finally {
      await busy.stop();
    }
    assert.equal(await post(server, '/auth/login', { email, password: PASSWORD }), 200);
  });
});
