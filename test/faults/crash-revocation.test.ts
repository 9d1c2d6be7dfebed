/**
 * A logout that answered is durable on the embedded SQLite store, with the default
 * `GATEHOUSE_SQLITE_SYNC=normal` and with `full`: the server is killed with SIGKILL right after
 * the 204 (no shutdown, no checkpoint), restarted on the same data directory, and the session is
 * still revoked there: its revocation is in the feed's snapshot, its access token is refused and
 * its refresh token is dead, while a session nobody logged out still works. (NORMAL can lose
 * commits only to an OS crash or power loss, which a test cannot stage: docs/stores.md.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { claimsOf } from '@gatehouse/server/testing/client';
import { uniqueEmail } from '../e2e/support/gatehouse-stack.ts';
import type { NodeProcess } from '../e2e/support/node-process.ts';
import { registerAndLogin, spawnFaultServer, timedRequest } from './support.ts';

const serve = (dataDir: string, sync: string) => spawnFaultServer(dataDir, { GATEHOUSE_SQLITE_SYNC: sync });

async function login(url: string) {
  const body = await registerAndLogin(url, uniqueEmail('crash-logout'));
  return { ...body, sessionId: (claimsOf(body.accessToken) as { sid: string }).sid };
}

const snapshotIds = async (url: string) => {
  const snapshot = await timedRequest(url, 'GET', '/revocations');
  assert.equal(snapshot.status, 200);
  return JSON.stringify(snapshot.body);
};

for (const sync of ['normal', 'full']) {
  describe(`faults: kill -9 right after a logout answered (GATEHOUSE_SQLITE_SYNC=${sync})`, {
    timeout: 60_000,
  }, () => {
    let dataDir: string | undefined;
    let server: NodeProcess | undefined;
    after(async () => {
      await server?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('the session stays revoked after the restart; the other session lives', async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-crash-logout-'));
      const first = await serve(dataDir, sync);
      server = first.process;
      const [revoked, kept] = [await login(first.url), await login(first.url)];
      assert.ok(!(await snapshotIds(first.url)).includes(revoked.sessionId), 'not revoked before the logout');

      const logout = await timedRequest(first.url, 'POST', '/auth/logout', {
        headers: { authorization: `Bearer ${revoked.accessToken}` },
      });
      assert.equal(logout.status, 204);
      await first.process.stop('SIGKILL');
      server = undefined;

      const second = await serve(dataDir, sync);
      server = second.process;
      assert.ok((await snapshotIds(second.url)).includes(revoked.sessionId), 'the revocation is in the feed');
      const me = (token: string) =>
        timedRequest(second.url, 'GET', '/auth/me', { headers: { authorization: `Bearer ${token}` } });
      assert.equal((await me(revoked.accessToken)).status, 401, 'the revoked access token is refused');
      const refresh = await timedRequest(second.url, 'POST', '/auth/refresh', {
        body: { refreshToken: revoked.refreshToken },
      });
      assert.equal(refresh.status, 400, 'the revoked refresh token is dead');
      assert.equal((refresh.body as { error: string }).error, 'invalid_grant');
      assert.equal((await me(kept.accessToken)).status, 200, 'the other session lives');
    });
  });
}
