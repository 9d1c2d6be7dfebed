import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import type { GatehouseStore, SessionRecord } from '@gatehouse/core';
import { makeEvent, makeSession, makeUser, T0 } from '@gatehouse/core/testing';
import { isUnavailableError } from '../lib/unavailable-error.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { RESTART_BACKOFF_MS } from './store-thread.ts';

let directory: string;
let files = 0;
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'gatehouse-store-thread-'));
});
after(() => rm(directory, { recursive: true, force: true }));

const newPath = () => join(directory, `db-${++files}.db`);
/** Records fixed to the bit, so two stores given the same calls hold the same rows. */
const session = (id: string): SessionRecord => makeSession('user-1', { id, secretHash: `hash-of-${id}` });

async function withUser(store: GatehouseStore): Promise<void> {
  assert.equal(await store.users.create(makeUser({ id: 'user-1', email: 'a@example.com' })), true);
}

/**
 * A store on a thread limited to 48 MB of heap, with a user and 120 audit events of 1 MB each:
 * `overflow` reads them all back, which builds far more than the thread may hold.
 */
async function openSmallThread(path: string) {
  const ended: Error[] = [];
  const store = await openSqliteStore({
    path,
    thread: { resourceLimits: { maxOldGenerationSizeMb: 48 }, onThreadEnded: (error) => ended.push(error) },
  });
  await withUser(store);
  const blob = 'x'.repeat(1 << 20);
  for (let index = 0; index < 120; index++)
    await store.audit.append(makeEvent({ at: T0 + index, data: { blob } }));
  return { store, ended, overflow: () => store.audit.query({ limit: 120 }) };
}

describe('the SQLite store on its own thread', () => {
  it('keeps the event loop free while a write waits for the file lock', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path, thread: true });
    try {
      await withUser(store);
      // Another connection (as another process would) holds the write lock.
      const other = new DatabaseSync(path);
      other.exec('BEGIN IMMEDIATE');
      let ticks = 0;
      const ticking = setInterval(() => ticks++, 5);
      const created = store.sessions.create(session('s-1'));
      // On the event loop the insert would wait out busy_timeout here, and no timer would run.
      await new Promise((resolve) => setTimeout(resolve, 200));
      clearInterval(ticking);
      assert.ok(ticks >= 10, `the event loop ran ${ticks} timer ticks while the write waited`);
      other.exec('COMMIT');
      other.close();
      await created;
      assert.equal((await store.sessions.get('s-1'))?.userId, 'user-1');
    } finally {
      await store.close();
    }
  });

  it('answers each call with what the store on the event loop answers, in the order of the calls', async () => {
    const inline = await openSqliteStore({ path: newPath() });
    const threaded = await openSqliteStore({ path: newPath(), thread: true });
    try {
      const results = [];
      for (const store of [inline, threaded]) {
        await withUser(store);
        // Not awaited one by one: the thread must run them in the order they were made.
        const calls = [
          store.sessions.create(session('s-1')),
          store.sessions.create(session('s-2')),
          store.sessions.revoke('s-1'),
          store.sessions.listForUser('user-1', T0),
          store.users.create({ id: 'user-2', email: 'a@example.com' } as never).catch(() => 'refused'),
          store.users.getByEmail('a@example.com'),
        ];
        results.push(await Promise.all(calls));
      }
      assert.deepEqual(results[1], results[0]);
      assert.deepEqual(
        (results[1]![3] as SessionRecord[]).map(({ id }) => id),
        ['s-2'],
      );
    } finally {
      await inline.close();
      await threaded.close();
    }
  });

  it('rejects with the same error, name, message and code as on the event loop, and goes on serving', async () => {
    const errors = [];
    for (const thread of [false, true]) {
      const store = await openSqliteStore({ path: newPath(), thread });
      try {
        await withUser(store);
        // Text in an INTEGER column of a STRICT table: SQLite refuses the row.
        const bad = { ...session('s-1'), createdAt: 'yesterday' } as unknown as SessionRecord;
        errors.push(
          await store.sessions.create(bad).then(
            () => null,
            (error: unknown) => error,
          ),
        );
        assert.equal(await store.sessions.get('s-1'), null);
        await store.sessions.create(session('s-2'));
        assert.equal((await store.sessions.get('s-2'))?.id, 's-2');
      } finally {
        await store.close();
      }
    }
    const [inline, threaded] = errors as (Error & Record<'code' | 'errcode' | 'errstr', unknown>)[];
    assert.ok(inline instanceof Error && threaded instanceof Error);
    assert.equal(threaded.name, inline.name);
    assert.equal(threaded.message, inline.message);
    assert.equal(threaded.code, inline.code);
    assert.equal(threaded.errcode, inline.errcode);
    assert.equal(threaded.errstr, inline.errstr);
    assert.ok(threaded.code !== undefined && threaded.errcode !== undefined);
    // Neither is mistaken for a store that is down: a bad row stays a 500.
    assert.equal(isUnavailableError(threaded), false);
  });

  it('keeps the codes that tell a busy database (503) from a bug (500)', async () => {
    const path = newPath();
    const store = await openSqliteStore({ path, thread: true });
    const other = new DatabaseSync(path);
    try {
      await withUser(store);
      other.exec('PRAGMA busy_timeout = 0');
      other.exec('BEGIN IMMEDIATE');
      // The thread's connection waits out its busy_timeout (5 s), then SQLITE_BUSY.
      const error = await store.sessions.create(session('s-1')).then(
        () => null,
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof Error, 'the write fails while another connection holds the lock');
      assert.equal(isUnavailableError(error), true, `${(error as Error).message} is a temporary failure`);
    } finally {
      if (other.isTransaction) other.exec('ROLLBACK');
      other.close();
      await store.close();
    }
  });

  it('refuses an argument that cannot cross to the thread, and nothing is written', async () => {
    const store = await openSqliteStore({ path: newPath(), thread: true });
    try {
      await withUser(store);
      const record = { ...session('s-1'), userAgent: () => 'not data' } as unknown as SessionRecord;
      await assert.rejects(store.sessions.create(record), { name: 'DataCloneError' });
      assert.equal(await store.sessions.get('s-1'), null);
    } finally {
      await store.close();
    }
  });

  it('fails to open where the store on the event loop fails, with its error', async () => {
    const missing = join(directory, 'no-such-directory', 'gatehouse.db');
    const inline = await openSqliteStore({ path: missing }).then(
      () => null,
      (error: unknown) => error,
    );
    const threaded = await openSqliteStore({ path: missing, thread: true }).then(
      () => null,
      (error: unknown) => error,
    );
    assert.ok(inline instanceof Error && threaded instanceof Error);
    assert.equal(threaded.message, inline.message);
  });

  it('answers the calls made before close, then refuses new ones', async () => {
    const store = await openSqliteStore({ path: newPath(), thread: true });
    await withUser(store);
    const pending = store.users.getById('user-1');
    await store.close();
    assert.equal((await pending)?.email, 'a@example.com');
    await assert.rejects(store.users.getById('user-1'), /store is closed/);
  });

  it('replaces a thread that ran out of memory: its call fails, the next one is answered by a new thread', async () => {
    const { store, ended, overflow } = await openSmallThread(newPath());
    try {
      await assert.rejects(overflow(), (error: Error) => {
        assert.equal((error as { code?: string }).code, 'ERR_WORKER_OUT_OF_MEMORY');
        return true;
      });
      assert.equal(ended.length, 1, 'told once');
      // A new thread on the same file: what was committed is there, and writes go on.
      assert.equal((await store.users.getById('user-1'))?.email, 'a@example.com');
      await store.sessions.create(session('after'));
      assert.equal((await store.sessions.get('after'))?.id, 'after');
      assert.equal((await store.audit.query({ limit: 2 })).length, 2);
      assert.equal(ended.length, 1);
    } finally {
      await store.close();
    }
  });

  it('fails calls at once for a while when a new thread cannot start, then tries again', async () => {
    const path = newPath();
    const { store, overflow } = await openSmallThread(path);
    try {
      await assert.rejects(overflow());
      // The database (with its WAL) moves away and a directory takes its place: no thread can open it.
      const aside = (suffix: string) => renameSync(`${path}${suffix}`, `${path}.aside${suffix}`);
      const back = (suffix: string) => renameSync(`${path}.aside${suffix}`, `${path}${suffix}`);
      const suffixes = ['', '-wal', '-shm'].filter((suffix) => existsSync(`${path}${suffix}`));
      for (const suffix of suffixes) aside(suffix);
      mkdirSync(path);
      const first = await store.users.getById('user-1').then(
        () => null,
        (error: unknown) => error,
      );
      assert.ok(first instanceof Error, 'the restart failed');
      const started = Date.now();
      await assert.rejects(store.users.getById('user-1'), (error) => error === first);
      assert.ok(Date.now() - started < RESTART_BACKOFF_MS / 2, 'at once, with the same error');
      rmdirSync(path);
      for (const suffix of suffixes) back(suffix);
      await new Promise((resolve) => setTimeout(resolve, RESTART_BACKOFF_MS));
      assert.equal((await store.users.getById('user-1'))?.email, 'a@example.com', 'tried again, and served');
    } finally {
      await store.close();
    }
  });

  it('does not keep a process alive once its calls are answered (a CLI command that never closes it exits)', () => {
    const script = `
      import { openSqliteStore } from ${JSON.stringify(new URL('./sqlite-store.ts', import.meta.url).href)};
      const store = await openSqliteStore({ path: ${JSON.stringify(newPath())}, thread: true });
      console.log(JSON.stringify(await store.users.getById('nobody')));
    `;
    const file = join(directory, 'never-closes.mjs');
    writeFileSync(file, script);
    const run = spawnSync(process.execPath, [file], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    assert.equal(run.error, undefined, 'the process exited by itself');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'null');
  });
});
