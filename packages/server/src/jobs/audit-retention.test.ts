import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AuditEvent, createAuditLog, systemRandom } from '@gatehouse/core';
import { createManualClock, createMemoryStore } from '@gatehouse/core/testing';
import { startAuditRetention } from './audit-retention.ts';

const DAY_MS = 24 * 60 * 60_000;

function event(id: string, at: number): AuditEvent {
  return {
    id,
    type: 'login.success',
    at,
    actorId: null,
    subjectId: null,
    sessionId: null,
    ip: null,
    userAgent: null,
    data: {},
  };
}

function setup(
  retentionDays = 90,
  onError: (error: unknown) => void = (error) => assert.fail(String(error)),
) {
  const clock = createManualClock();
  const store = createMemoryStore();
  const log = createAuditLog(store.audit, clock, systemRandom);
  const retention = startAuditRetention({ audit: store.audit, log, retentionDays, clock, onError });
  return { clock, store, retention };
}

describe('startAuditRetention', () => {
  it('deletes exactly the events older than the retention period, and records that it did', async () => {
    const { clock, store, retention } = setup(90);
    try {
      const now = clock.now();
      await store.audit.append(event('old', now - 90 * DAY_MS - 1));
      await store.audit.append(event('edge', now - 90 * DAY_MS));
      await store.audit.append(event('new', now - DAY_MS));
      assert.equal(await retention.runOnce(), 1);
      const left = await store.audit.query({ limit: 10 });
      assert.deepEqual(
        left.filter((each) => each.type !== 'audit.pruned').map((each) => each.id),
        ['new', 'edge'],
      );
      const [pruned] = await store.audit.query({ type: 'audit.pruned', limit: 10 });
      assert.deepEqual(pruned?.data, {
        deleted: 1,
        before: new Date(now - 90 * DAY_MS).toISOString(),
        retentionDays: 90,
      });

      // Time passes: what was inside the window falls out of it.
      clock.advance(DAY_MS);
      assert.equal(await retention.runOnce(), 1);
      assert.equal(await retention.runOnce(), 0, 'nothing left to delete: no new audit.pruned event');
      assert.equal((await store.audit.query({ type: 'audit.pruned', limit: 10 })).length, 2);
    } finally {
      retention.stop();
    }
  });

  it('runs on its timer and reports a failed run without stopping', async () => {
    const clock = createManualClock();
    const errors: unknown[] = [];
    let calls = 0;
    const retention = startAuditRetention({
      audit: {
        deleteBefore: async () => {
          calls++;
          throw new Error('database down');
        },
      },
      log: { record: async () => {} },
      retentionDays: 1,
      clock,
      onError: (error) => errors.push(error),
      everyMs: 10,
    });
    // Polled rather than a fixed sleep, so a loaded machine only makes it slower, not flaky.
    for (let waited = 0; calls < 3 && waited < 5000; waited += 10) await sleep(10);
    retention.stop();
    await sleep(5); // the last run's rejection reaches onError a tick later
    assert.ok(calls >= 3, `${calls} runs`);
    assert.equal(errors.length, calls, 'every failed run reported');
    const stoppedAt = calls;
    await sleep(30);
    assert.equal(calls, stoppedAt, 'no run after stop()');
  });

  it('refuses a retention below one day', () => {
    for (const retentionDays of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => setup(retentionDays), TypeError);
    }
  });
});
