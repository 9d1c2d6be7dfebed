import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type FeedMessage, type RevocationEvent, systemClock } from '@gatehouse/core';
import { startTestRedisServer, type TestRedisServer } from '../store/redis/test-redis-server.ts';
import { openRevocationFeed, type RevocationFeed } from './open-revocation-feed.ts';

const ROUNDS = 8;
const FOLLOWERS = 20;

const sessionEvent = (): RevocationEvent & { type: 'session' } => ({
  type: 'session',
  sid: `sid-${randomBytes(6).toString('hex')}`,
  sub: 'user',
  until: Date.now() + 600_000,
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('never happened');
    await sleep(1);
  }
}

/**
 * Issue 14, goal 5: whoever publishes (a revoke call) goes on to answer before the feed's
 * followers are handed its event, and every follower then has every event, once, in order.
 */
async function answersBeforeFollowersHear(feed: RevocationFeed): Promise<void> {
  const { cursor } = await feed.source.snapshot();
  const controller = new AbortController();
  const followers = Array.from({ length: FOLLOWERS }, () => {
    const sids: string[] = [];
    const done = feed.source.follow(
      cursor,
      (message: FeedMessage) => {
        if (message.kind === 'event' && message.event.type === 'session') sids.push(message.event.sid);
      },
      controller.signal,
    );
    return { sids, done };
  });
  const published: string[] = [];
  const hasAll = () => followers.every((f) => f.sids.length === published.length);
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      const event = sessionEvent();
      await feed.publisher.publish([event]);
      published.push(event.sid);
      // Round 0 only makes sure every follower rides the running tail.
      if (round > 0) {
        const heard = followers.filter((f) => f.sids.includes(event.sid)).length;
        assert.equal(
          heard,
          0,
          `round ${round}: ${heard} followers had the event before the publisher went on`,
        );
      }
      await until(hasAll);
    }
    for (const f of followers) assert.deepEqual(f.sids, published);
  } finally {
    controller.abort();
    await Promise.all(followers.map((f) => f.done));
  }
}

describe('openRevocationFeed: the publisher answers first', { timeout: 30_000 }, () => {
  it('in-process feed', async () => {
    const feed = await openRevocationFeed({ redisUrl: null }, systemClock, (error) => {
      throw error;
    });
    try {
      await answersBeforeFollowersHear(feed);
    } finally {
      await feed.close();
    }
  });

  describe('Redis Streams feed', () => {
    let redis: TestRedisServer;
    before(async () => {
      // A Redis of its own: the feed's stream key is fixed.
      redis = await startTestRedisServer();
    });
    after(async () => {
      await redis?.stop();
    });

    it('holds the hand-out of an event the tail read before the reply to its XADD', async () => {
      const errors: Error[] = [];
      const feed = await openRevocationFeed({ redisUrl: redis.url }, systemClock, (error) =>
        errors.push(error),
      );
      try {
        await answersBeforeFollowersHear(feed);
      } finally {
        await feed.close();
      }
      assert.deepEqual(errors, []);
    });
  });
});
