import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { RotateRefreshInput, RotateRefreshResult } from '@gatehouse/core';
import type { RotateInWorkerData } from './rotate-in-worker.ts';
import { openSqliteStore } from './sqlite-store.ts';

const WORKERS = 6;
const T0 = Date.UTC(2026, 0, 1);
const randomToken = () => randomBytes(32).toString('base64url');

function makeRotation(presentedHash: string, now: number): RotateRefreshInput {
  return {
    presentedHash,
    successor: { hash: randomToken(), createdAt: now },
    successorCipher: `sealed:${randomToken()}`,
    now,
    graceMs: 10_000,
    idleTtlMs: 30 * 60_000,
    revocationUntil: now + 10 * 60_000,
  };
}

let directory: string;
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'gatehouse-sqlite-race-'));
});
after(() => rm(directory, { recursive: true, force: true }));

// One thread's synchronous driver cannot interleave two rotations; connections in other threads
// (or processes) sharing the file can, and BEGIN IMMEDIATE is what keeps them apart.
it('rotation is atomic across connections sharing the file', async () => {
  const path = join(directory, 'gatehouse.db');
  const store = await openSqliteStore({ path });
  const userId = randomToken();
  const sessionId = randomToken();
  const presentedHash = randomToken();
  await store.users.create({
    id: userId,
    email: 'race@example.com',
    passwordHash: 'unused',
    roles: [],
    status: 'active',
    createdAt: T0,
    updatedAt: T0,
    passwordChangedAt: T0,
  });
  await store.sessions.create({
    id: sessionId,
    userId,
    secretHash: randomToken(),
    strategy: 'hybrid',
    createdAt: T0,
    lastSeenAt: T0,
    idleExpiresAt: T0 + 30 * 60_000,
    absoluteExpiresAt: T0 + 12 * 3_600_000,
    userAgent: null,
    ip: null,
  });
  await store.refreshTokens.issue({ hash: presentedHash, sessionId, createdAt: T0 });

  const startLine = new Int32Array(new SharedArrayBuffer(4));
  const inputs = Array.from({ length: WORKERS }, () => makeRotation(presentedHash, T0 + 60_000));
  // Half the connections ask for FULL, half take the default (NORMAL): the pragma is per connection.
  const syncs = inputs.map((_, index) => (index % 2 === 1 ? ('full' as const) : undefined));
  const workers = inputs.map((input, index) => {
    const workerData: RotateInWorkerData = { path, sync: syncs[index], input, startLine };
    return new Worker(new URL('./rotate-in-worker.ts', import.meta.url), { workerData });
  });
  await Promise.all(workers.map((worker) => once(worker, 'message')));
  const finished = workers.map(
    async (worker) =>
      (await once(worker, 'message'))[0] as { result: RotateRefreshResult; synchronous: number[] },
  );
  Atomics.store(startLine, 0, 1);
  Atomics.notify(startLine, 0);
  const reports = await Promise.all(finished);
  const results = reports.map((report) => report.result);
  reports.forEach((report, index) => {
    // Opening (migrations) and the rotation: each a transaction on the worker's own connection.
    assert.ok(report.synchronous.length >= 2, `worker ${index}: ${report.synchronous}`);
    const expected = syncs[index] === 'full' ? 2 : 1;
    for (const value of report.synchronous)
      assert.equal(value, expected, `worker ${index} (${syncs[index]})`);
  });

  const winners = inputs.filter((_, index) => results[index]!.outcome === 'rotated');
  assert.equal(winners.length, 1);
  const replays = results.filter((result) => result.outcome === 'replayed');
  assert.equal(replays.length, WORKERS - 1);
  for (const replay of replays) assert.equal(replay.successorCipher, winners[0]!.successorCipher);
  const next = await store.refreshTokens.rotate(makeRotation(winners[0]!.successor.hash, T0 + 120_000));
  assert.equal(next.outcome, 'rotated');
  await store.close();
});
