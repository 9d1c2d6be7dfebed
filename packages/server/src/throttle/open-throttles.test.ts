import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testDatabaseUrl } from '../store/postgres/test-database.ts';
import { testRedisUrl } from '../store/redis/test-redis.ts';
import { openThrottles } from './open-throttles.ts';

describe('openThrottles', () => {
  it('counts in memory for the embedded server', async () => {
    const opened = await openThrottles({ redisUrl: null, databaseUrl: null });
    assert.equal(opened.backend, 'memory');
    assert.deepEqual(await opened.throttles.loginIp.consume('203.0.113.1'), { allowed: true });
    await opened.close();
  });

  it('counts in Redis when REDIS_URL is set, even with a database', async () => {
    const opened = await openThrottles({ redisUrl: testRedisUrl, databaseUrl: testDatabaseUrl });
    assert.equal(opened.backend, 'redis');
    await opened.close();
  });

  it('counts in PostgreSQL when only DATABASE_URL is set', async () => {
    const opened = await openThrottles({ redisUrl: null, databaseUrl: testDatabaseUrl });
    assert.equal(opened.backend, 'postgres');
    await opened.close();
    await opened.close();
  });
});
