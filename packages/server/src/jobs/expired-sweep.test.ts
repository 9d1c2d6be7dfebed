import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuth } from '@gatehouse/core';
import { createFastHasher, createManualClock, createMemoryStore } from '@gatehouse/core/testing';
import { startExpiredSweep } from './expired-sweep.ts';

describe('startExpiredSweep', () => {
  it('deletes idle-expired sessions and keeps live ones', async () => {
    const clock = createManualClock();
    const store = createMemoryStore();
    const auth = createAuth({ store, clock, hasher: createFastHasher() });
    await auth.register({ email: 'a@example.com', password: 'a long enough passphrase' });
    const old = await auth.login({ email: 'a@example.com', password: 'a long enough passphrase' });
    clock.advance(31 * 60_000);
    const fresh = await auth.login({ email: 'a@example.com', password: 'a long enough passphrase' });
    const sweep = startExpiredSweep({ store, clock, onError: (error) => assert.fail(String(error)) });
    try {
      assert.deepEqual(await sweep.runOnce(), { sessions: 1, resetTokens: 0, revocations: 0 });
      assert.equal(await store.sessions.get(old.session.id), null);
      assert.ok(await store.sessions.get(fresh.session.id));
    } finally {
      sweep.stop();
    }
  });
});
