export {
  createRedisStreamFeed,
  type RedisStreamFeed,
  type RedisStreamFeedOptions,
} from './redis-stream-feed.ts';
