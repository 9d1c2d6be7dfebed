import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durabilityWarnings, readRedisDurability } from './redis-durability.ts';
import { startTestRedisServer, waitForReplicaLink } from './test-redis-server.ts';

describe('readRedisDurability', { timeout: 30_000 }, () => {
  it('reads the persistence and the replicas of a real Redis, and says unknown where it cannot', async (t) => {
    const primary = await startTestRedisServer();
    t.after(() => primary.stop());
    assert.deepEqual(await readRedisDurability({ url: primary.url, cluster: false }), {
      persistence: 'none',
      replicas: 0,
    });
    const replica = await startTestRedisServer({ replicaOf: primary.port });
    t.after(() => replica.stop());
    await waitForReplicaLink(replica.port);
    assert.deepEqual(await readRedisDurability({ url: primary.url, cluster: false }), {
      persistence: 'none',
      replicas: 1,
    });

    await primary.kill();
    assert.deepEqual(await readRedisDurability({ url: primary.url, cluster: false }), {
      persistence: 'unknown',
      replicas: null,
    });
  });
});

describe('durabilityWarnings', () => {
  const base = { persistence: 'aof' as const, replicas: 0 };

  it('warns of no persistence, of replicas not waited for, and of a wait no replica count can meet', () => {
    assert.deepEqual(durabilityWarnings(base, 0), []);
    assert.match(durabilityWarnings({ ...base, persistence: 'none' }, 0).join(), /neither AOF nor RDB/);
    const unconfirmed = durabilityWarnings({ ...base, replicas: 2 }, 0);
    assert.equal(unconfirmed.length, 1);
    assert.match(
      unconfirmed[0]!,
      /2 replica\(s\), and GATEHOUSE_REDIS_WAIT_REPLICAS is 0: .*failover can undo a sign-out/,
    );
    assert.deepEqual(durabilityWarnings({ ...base, replicas: 2 }, 1), [], 'waited for');
    assert.deepEqual(durabilityWarnings({ ...base, replicas: 2 }, 2), []);
    const tooFew = durabilityWarnings({ ...base, replicas: 1 }, 2);
    assert.equal(tooFew.length, 1);
    assert.match(tooFew[0]!, /is 2 but Redis has 1 replica\(s\) connected: every revocation .* answers 503/);
  });

  it('says nothing of replicas it could not count', () => {
    assert.deepEqual(durabilityWarnings({ persistence: 'unknown', replicas: null }, 0), []);
    assert.deepEqual(durabilityWarnings({ persistence: 'unknown', replicas: null }, 3), []);
  });
});
