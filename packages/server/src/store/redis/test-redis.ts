import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisClient } from './scripts.ts';

/** The Redis server the tests use: a real one, never a mock. */
export const testRedisUrl = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** A key prefix of its own for one test, so test files running in parallel never share keys. */
export function createTestKeyPrefix(): string {
  return `gh-test-${randomBytes(8).toString('hex')}:`;
}

/** Deletes every key under `prefix`, on every master when `client` is a cluster. */
export async function deleteKeysWithPrefix(client: RedisClient, prefix: string): Promise<void> {
  const nodes: Redis[] = 'nodes' in client ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      // One key per command: in a cluster the keys of one batch live in different slots.
      await Promise.all(found.map((key) => node.unlink(key)));
    } while (cursor !== '0');
  }
}
