import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { createBoundedRedis, redisTargetOf } from './bounded-redis.ts';

describe('createBoundedRedis', () => {
  it('one Redis: bounded, lazy, queues nothing while disconnected', async () => {
    const client = await createBoundedRedis({ url: 'redis://127.0.0.1:6379', cluster: false });
    assert.ok(client instanceof Redis);
    const { connectTimeout, commandTimeout, maxRetriesPerRequest, enableOfflineQueue, lazyConnect } =
      client.options;
    assert.deepEqual(
      { connectTimeout, commandTimeout, maxRetriesPerRequest, enableOfflineQueue, lazyConnect },
      {
        connectTimeout: 2000,
        commandTimeout: 2000,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        lazyConnect: true,
      },
    );
    client.disconnect();
  });

  it('a cluster: the URL names a seed node, whose user, password and TLS apply to every node', async () => {
    const client = await createBoundedRedis(
      { url: 'rediss://gate:p%40ss@[::1]:7001', cluster: true },
      { connectTimeout: 500, commandTimeout: 3000 },
    );
    assert.ok(client instanceof Cluster);
    assert.deepEqual((client as unknown as { startupNodes: unknown }).startupNodes, [
      { host: '::1', port: 7001 },
    ]);
    const seeded = await createBoundedRedis({
      url: 'redis://127.0.0.1:7001',
      cluster: true,
      clusterNodes: [{ host: 'node-2', port: 7002 }],
    });
    assert.deepEqual((seeded as unknown as { startupNodes: unknown }).startupNodes, [
      { host: '127.0.0.1', port: 7001 },
      { host: 'node-2', port: 7002 },
    ]);
    seeded.disconnect();
    const { username, password, tls, commandTimeout, connectTimeout } = client.options.redisOptions ?? {};
    assert.deepEqual(
      { username, password, tls, commandTimeout, connectTimeout },
      { username: 'gate', password: 'p@ss', tls: {}, commandTimeout: 3000, connectTimeout: 500 },
    );
    assert.equal(client.options.enableOfflineQueue, false);
    client.disconnect();
  });

  it('through Sentinels: the URL names the master, its password and database apply to it; asked again after a drop', async () => {
    const client = await createBoundedRedis({
      url: 'redis://:p%40ss@gatehouse-primary/2',
      cluster: false,
      sentinels: [{ host: '10.0.0.1', port: 26379 }],
    });
    assert.ok(client instanceof Redis);
    const { sentinels, name, password, db, enableOfflineQueue, commandTimeout } = client.options;
    assert.deepEqual(
      { sentinels, name, password, db, enableOfflineQueue, commandTimeout },
      {
        sentinels: [{ host: '10.0.0.1', port: 26379 }],
        name: 'gatehouse-primary',
        password: 'p@ss',
        db: 2,
        enableOfflineQueue: false,
        commandTimeout: 2000,
      },
    );
    client.disconnect();
  });

  it('redisTargetOf: none without REDIS_URL; one node unless the cluster setting is on, or Sentinels', () => {
    assert.equal(redisTargetOf({ redisUrl: null, redisCluster: true }), null);
    assert.deepEqual(redisTargetOf({ redisUrl: 'redis://m', redisSentinels: [{ host: 's', port: 1 }] }), {
      url: 'redis://m',
      cluster: false,
      sentinels: [{ host: 's', port: 1 }],
    });
    assert.deepEqual(redisTargetOf({ redisUrl: 'redis://a' }), { url: 'redis://a', cluster: false });
    assert.deepEqual(redisTargetOf({ redisUrl: 'redis://a', redisCluster: true }), {
      url: 'redis://a',
      cluster: true,
    });
    const clusterNodes = [{ host: 'b', port: 7001 }];
    assert.deepEqual(
      redisTargetOf({ redisUrl: 'redis://a', redisCluster: true, redisClusterNodes: clusterNodes }),
      {
        url: 'redis://a',
        cluster: true,
        clusterNodes,
      },
    );
  });
});
