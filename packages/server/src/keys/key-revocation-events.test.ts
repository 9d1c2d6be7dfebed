import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createAuth, createKeyring, type RevocationEvent } from '@gatehouse/core';
import { createFastHasher, createManualClock, createMemoryStore } from '@gatehouse/core/testing';
import { publishDroppedKeys, trackDroppedKeys } from './key-revocation-events.ts';

const TTL_MS = 600_000;

async function setUp() {
  const clock = createManualClock();
  const store = createMemoryStore();
  const kek = randomBytes(32);
  const published: RevocationEvent[] = [];
  let failPublish = false;
  const auth = createAuth({
    store,
    clock,
    hasher: createFastHasher(),
    revocations: {
      publish: async (events) => {
        if (failPublish) throw new Error('feed unreachable');
        published.push(...events);
      },
    },
  });
  const here = createKeyring({ store: store.keys, kek, clock, refreshIntervalMs: 1000 });
  const elsewhere = createKeyring({ store: store.keys, kek, clock, refreshIntervalMs: 1000 });
  const { kid: first } = await here.ensureActiveKey();
  const dropped = trackDroppedKeys(here, store.keys, { auth, clock }, TTL_MS);
  const keyEvent = (kid: string) => ({ type: 'key', kid, until: clock.now() + TTL_MS + 60_000 });
  return {
    clock,
    store,
    here,
    elsewhere,
    first,
    dropped,
    published,
    keyEvent,
    failPublishing: (fail: boolean) => {
      failPublish = fail;
    },
  };
}

describe('trackDroppedKeys', () => {
  it('announces a kid another instance revoked, once, and nothing when keys only rotate', async () => {
    const { clock, here, elsewhere, first, dropped, published, keyEvent } = await setUp();
    const maintained = publishDroppedKeys(here, dropped);
    await elsewhere.reload();
    await elsewhere.rotate();
    clock.advance(1001);
    await maintained.refreshIfStale();
    assert.deepEqual(published, [], 'a rotation keeps the old key published: nothing to revoke');

    await elsewhere.revoke(first);
    clock.advance(1001);
    await maintained.refreshIfStale();
    assert.deepEqual(published, [keyEvent(first)]);

    clock.advance(1001);
    await maintained.refreshIfStale();
    assert.equal(published.length, 1, 'announced once');
  });

  it('announces a kid dropped by a reload nobody watched (the one before a token is signed), at the next call', async () => {
    const { store, here, first, dropped, published, keyEvent } = await setUp();
    // The store lost the key (a Redis store restarted empty): the keyring drops it at its next load.
    assert.equal(await store.keys.remove(first), true);
    await here.ensureActiveKey();
    assert.deepEqual(published, [], 'nothing announced it yet');
    await dropped.announce();
    assert.deepEqual(published, [keyEvent(first)]);
  });

  it('tries a failed announcement again at the next call', async () => {
    const { elsewhere, here, first, dropped, published, keyEvent, failPublishing } = await setUp();
    await elsewhere.reload();
    await elsewhere.revoke(first);
    await here.reload();
    failPublishing(true);
    await assert.rejects(dropped.announce(), /feed unreachable/);
    failPublishing(false);
    await dropped.announce();
    assert.deepEqual(published, [keyEvent(first)]);
  });

  it('lostFromStore: every kid this server published that the store no longer holds, before and after a reload', async () => {
    const { store, here, first, dropped, keyEvent } = await setUp();
    assert.deepEqual(await dropped.lostFromStore(), [], 'the store holds every key');
    assert.equal(await store.keys.remove(first), true);
    assert.deepEqual(await dropped.lostFromStore(), [keyEvent(first)], 'before this server reloaded');
    await here.ensureActiveKey();
    assert.deepEqual(await dropped.lostFromStore(), [keyEvent(first)], 'and after, until announced');
    await dropped.announce();
    assert.deepEqual(await dropped.lostFromStore(), [], 'announced: on the feed and in its durable copy');
  });
});
