import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createAuth, createKeyring, type RevocationEvent } from '@gatehouse/core';
import { createFastHasher, createManualClock, createMemoryStore } from '@gatehouse/core/testing';
import { publishDroppedKeys } from './key-revocation-events.ts';

describe('publishDroppedKeys', () => {
  it('announces a kid another instance revoked, once, and nothing when keys only rotate', async () => {
    const clock = createManualClock();
    const store = createMemoryStore();
    const kek = randomBytes(32);
    const published: RevocationEvent[] = [];
    const auth = createAuth({
      store,
      clock,
      hasher: createFastHasher(),
      revocations: { publish: async (events) => void published.push(...events) },
    });
    const here = createKeyring({ store: store.keys, kek, clock, refreshIntervalMs: 1000 });
    const elsewhere = createKeyring({ store: store.keys, kek, clock, refreshIntervalMs: 1000 });
    const maintained = publishDroppedKeys(here, { auth, clock }, 600_000);

    const { kid: first } = await maintained.ensureActiveKey();
    await elsewhere.reload();
    await elsewhere.rotate();
    clock.advance(1001);
    await maintained.refreshIfStale();
    assert.deepEqual(published, [], 'a rotation keeps the old key published: nothing to revoke');

    await elsewhere.revoke(first);
    clock.advance(1001);
    await maintained.refreshIfStale();
    assert.deepEqual(published, [{ type: 'key', kid: first, until: clock.now() + 600_000 + 60_000 }]);

    clock.advance(1001);
    await maintained.refreshIfStale();
    assert.equal(published.length, 1, 'announced once');
  });
});
