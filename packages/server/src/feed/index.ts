export {
  createRedisStreamFeed,
  type RedisStreamFeed,
  type RedisStreamFeedOptions,
} from './redis-stream-feed.ts';
export { openRevocationFeed, type RevocationFeed } from './open-revocation-feed.ts';
