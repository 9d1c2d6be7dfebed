import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../../../../../test/e2e/support/wait-for.ts';
import { type DurabilityReading, watchRedisDurability } from './durability-watch.ts';
import { startTestRedisServer, waitForReplicaLink } from './test-redis-server.ts';

describe('watchRedisDurability', { timeout: 30_000 }, () => {
  it('follows the replicas of a real Redis as they come and go, and keeps the last reading while Redis is away', async (t) => {
    const primary = await startTestRedisServer();
    t.after(() => primary.stop());
    const changes: Array<[number | null, number | null]> = [];
    const watch = await watchRedisDurability({ url: primary.url, cluster: false }, 1, {
      intervalMs: 50,
      onChange: (now, before) => changes.push([before.detail.replicas, now.detail.replicas]),
    });
    t.after(() => watch.stop());
    const replicas = (count: number) => async () =>
      watch.current.detail.replicas === count ? true : undefined;
    assert.equal(watch.current.detail.replicas, 0);
    assert.match(watch.current.warnings.join(), /is 1 but Redis has 0 replica\(s\) connected/);

    const replica = await startTestRedisServer({ replicaOf: primary.port });
    t.after(() => replica.stop());
    await waitForReplicaLink(replica.port);
    await waitFor('the watch to count the replica', replicas(1), { intervalMs: 20 });
    assert.doesNotMatch(watch.current.warnings.join(), /replica/, 'waited for, and there');

    await replica.kill();
    await waitFor('the watch to see the replica gone', replicas(0), { intervalMs: 20 });
    const warned: DurabilityReading = watch.current;
    assert.match(warned.warnings.join(), /every revocation .* answers 503/);
    assert.deepEqual(changes, [
      [0, 1],
      [1, 0],
    ]);

    await primary.kill();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(watch.current, warned, 'an unreachable Redis changes nothing it said');
    assert.equal(changes.length, 2);
  });
});
