/**
 * Another process holds the embedded database's write lock (a second server on the same file, a
 * `gatehouse` CLI command in the middle of a write): a logout must wait for it (SQLite's
 * busy_timeout). With the store on its thread (`GATEHOUSE_SQLITE_THREAD=on`; `auto` under
 * `full`) the rest of the server keeps answering meanwhile; with the store on the event loop
 * (`off`) the whole server waits with that one request.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { uniqueEmail } from '../e2e/support/gatehouse-stack.ts';
import type { NodeProcess } from '../e2e/support/node-process.ts';
import { registerAndLogin, spawnFaultServer, timedRequest } from './support.ts';

/** How long the other connection holds the lock: well inside busy_timeout (5 s). */
const HOLD_MS = 1500;

for (const [setting, serverKeepsAnswering] of [
  ['on', true],
  ['off', false],
] as const) {
  describe(`faults: another connection holds the SQLite write lock (GATEHOUSE_SQLITE_THREAD=${setting})`, {
    timeout: 60_000,
  }, () => {
    let dataDir: string | undefined;
    let server: NodeProcess | undefined;
    after(async () => {
      await server?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it(
      serverKeepsAnswering
        ? 'the logout waits for the lock; the server answers other requests meanwhile'
        : 'the logout waits for the lock, and so does every other request (the event loop is held)',
      async () => {
        dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-lock-wait-'));
        const started = await spawnFaultServer(dataDir, { GATEHOUSE_SQLITE_THREAD: setting });
        server = started.process;
        const { accessToken } = await registerAndLogin(started.url, uniqueEmail('lock-wait'));

        const other = new DatabaseSync(join(dataDir, 'gatehouse.db'));
        other.exec('BEGIN IMMEDIATE');
        const logout = timedRequest(started.url, 'POST', '/auth/logout', {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        // Let the logout reach its write, then ask for something that needs no store.
        await new Promise((resolve) => setTimeout(resolve, 200));
        let healthAnsweredAt = Number.NaN;
        const health = timedRequest(started.url, 'GET', '/healthz').then((answer) => {
          healthAnsweredAt = performance.now();
          return answer;
        });
        await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
        const releasedAt = performance.now();
        other.exec('COMMIT');
        other.close();

        assert.equal((await health).status, 200);
        assert.equal((await logout).status, 204, 'the logout completes once the lock is free');
        assert.equal(
          healthAnsweredAt < releasedAt,
          serverKeepsAnswering,
          `/healthz answered ${(healthAnsweredAt - releasedAt).toFixed(0)} ms after the lock was released`,
        );
        // The logout's write is in: its token is refused.
        const me = await timedRequest(started.url, 'GET', '/auth/me', {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        assert.equal(me.status, 401);
      },
    );
  });
}
