/**
 * `@gatehouse/verify/redis`: follow the auth server's revocation feed straight from its Redis
 * Streams, for services that reach that Redis. ioredis is an optional peer dependency: install it
 * only if you import this entry.
 *
 * @example
 * import { Redis } from 'ioredis';
 * import { createVerifier } from '@gatehouse/verify';
 * import { createRedisStreamFeed } from '@gatehouse/verify/redis';
 *
 * const feed = createRedisStreamFeed({ client: new Redis(process.env.REDIS_URL), clock: { now: Date.now } });
 * const verifier = createVerifier({ issuer, audience, algorithms: ['ES256'], jwksUrl, feed });
 */
export {
  createRedisStreamFeed,
  type RedisStreamFeed,
  type RedisStreamFeedOptions,
} from '../../server/src/feed/redis-stream-feed.ts';
