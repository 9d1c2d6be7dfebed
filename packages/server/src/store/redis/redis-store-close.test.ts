import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openRedisStore } from './redis-store.ts';
import { queryRedis, startTestRedisServer } from './test-redis-server.ts';

describe('openRedisStore: close', { timeout: 30_000 }, () => {
  it('while Redis is down and the client reconnects: resolves, and nothing keeps reconnecting', async (t) => {
    const redis = await startTestRedisServer();
    t.after(() => redis.stop());
    const store = await openRedisStore({ url: redis.url });
    await redis.kill();
    // The client notices, and starts reconnecting.
    await assert.rejects(store.ping());
    await store.close();
    // Before, QUIT threw "Stream isn't writeable…" here, and the client kept reconnecting for ever,
    // holding the process open. Started again, Redis sees no connection from it.
    await redis.restart();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const clients = String(await queryRedis(redis.port, ['CLIENT', 'LIST']));
    assert.equal(clients.trim().split('\n').length, 1, `only this check's connection: ${clients}`);
  });
});
