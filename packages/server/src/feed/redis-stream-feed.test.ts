import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import { FeedCursorExpiredError, type FeedMessage, type RevocationEvent } from '@gatehouse/core';
import { createManualClock } from '@gatehouse/core/testing';
import { Redis } from 'ioredis';
import { feedKeysFor, liveSetKeyFor } from './live-set-key.ts';
import {
  createRedisStreamFeed,
  type RedisStreamFeed,
  type RedisStreamFeedOptions,
} from './redis-stream-feed.ts';

const redisUrl = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const T0 = Date.UTC(2026, 0, 1);
const FOLLOW_TIMEOUT_MS = 5000;

let client: Redis;
before(async () => {
  client = new Redis(redisUrl);
  await client.ping();
});
after(async () => {
  await client.quit();
});

interface Harness {
  feed: RedisStreamFeed;
  streamKey: string;
  clock: ReturnType<typeof createManualClock>;
  errors: Error[];
}

/** A feed on a stream of its own, deleted (with its live set) when the test ends. */
function setUp(t: TestContext, overrides: Partial<RedisStreamFeedOptions> = {}): Harness {
  const streamKey = `gh-test-feed-${randomBytes(8).toString('hex')}`;
  const clock = createManualClock(T0);
  const errors: Error[] = [];
  const feed = createRedisStreamFeed({
    client,
    streamKey,
    clock,
    blockMs: 200,
    onError: (error) => errors.push(error),
    ...overrides,
  });
  t.after(async () => {
    feed.stop();
    await client.del(streamKey, ...Object.values(feedKeysFor(streamKey)));
  });
  return { feed, streamKey, clock, errors };
}

const epochKeyOf = (streamKey: string) => feedKeysFor(streamKey).epoch;
const replidKeyOf = (streamKey: string) => feedKeysFor(streamKey).replid;

let sequence = 0;
type TokenEvent = Extract<RevocationEvent, { type: 'token' }>;
function tokenEvent(until = T0 + 600_000): TokenEvent {
  return { type: 'token', jti: `jti-${++sequence}-${randomBytes(4).toString('hex')}`, until };
}

/** Follows from `cursor` until `done` says so (or a timeout), and returns what arrived. */
async function followUntil(
  feed: RedisStreamFeed,
  cursor: string,
  done: (messages: FeedMessage[]) => boolean,
): Promise<FeedMessage[]> {
  const messages: FeedMessage[] = [];
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(FOLLOW_TIMEOUT_MS)]);
  await feed.follow(
    cursor,
    (message) => {
      messages.push(message);
      if (done(messages)) stop.abort();
    },
    signal,
  );
  return messages;
}

const eventsOf = (messages: FeedMessage[]) =>
  messages.flatMap((message) => (message.kind === 'event' ? [message.event] : []));
const untilEvents = (count: number) => (messages: FeedMessage[]) => eventsOf(messages).length >= count;
const untilHeartbeat = (messages: FeedMessage[]) => messages.at(-1)?.kind === 'heartbeat';

/** The id of the entry a seed began with, added and deleted at once (lua/begin-seed.lua). */
async function fenceOf(streamKey: string): Promise<string> {
  const info = (await client.call('XINFO', 'STREAM', streamKey)) as unknown[];
  const fence = info[info.indexOf('max-deleted-entry-id') + 1];
  assert.ok(typeof fence === 'string' && fence !== '0-0', 'the seed left its fence');
  return fence;
}

describe('createRedisStreamFeed', () => {
  it('delivers published events to a follower, in order, with rising cursors', async (t) => {
    const { feed } = setUp(t);
    const { events, cursor } = await feed.snapshot();
    assert.deepEqual(events, []);
    assert.equal(cursor, '0-0');
    const published = [tokenEvent(), tokenEvent(), { type: 'key', kid: 'k1', until: T0 + 1 } as const];
    const following = followUntil(feed, cursor, untilEvents(3));
    await feed.publish(published.slice(0, 2));
    await feed.publish(published.slice(2));
    const messages = await following;
    assert.deepEqual(eventsOf(messages), published);
    const cursors = messages.map((message) => message.cursor);
    assert.deepEqual([...cursors].sort(compareIds), cursors);
    assert.equal(new Set(cursors).size, cursors.length);
  });

  it('resumes from a cursor with exactly the events missed in between', async (t) => {
    const { feed } = setUp(t);
    // Seeded first, as a server's first heartbeat does: a seed fences off every older cursor.
    await feed.heartbeat();
    const start = await feed.head();
    const first = [tokenEvent(), tokenEvent()];
    const missed = [tokenEvent(), tokenEvent(), tokenEvent()];
    await feed.publish(first);
    const seen = await followUntil(feed, start, untilEvents(2));
    assert.deepEqual(eventsOf(seen), first);

    await feed.publish(missed);
    await feed.heartbeat();
    const resumed = await followUntil(feed, seen.at(-1)!.cursor, untilHeartbeat);
    assert.deepEqual(eventsOf(resumed), missed);
  });

  it('loses and repeats nothing between a snapshot and following from its cursor', async (t) => {
    const { feed } = setUp(t);
    await feed.heartbeat(); // seeded first, as a server's first heartbeat does
    const all = Array.from({ length: 150 }, () => tokenEvent());
    const snapshots: Array<Promise<{ events: RevocationEvent[]; cursor: string }>> = [];
    // Snapshots race the publishes: each must split the events into "in the snapshot" and "after the cursor".
    await Promise.all(
      all.map(async (event, index) => {
        if (index % 30 === 0) snapshots.push(feed.snapshot());
        await feed.publish([event]);
      }),
    );
    await feed.heartbeat();
    for (const snapshot of await Promise.all(snapshots)) {
      const followed = eventsOf(await followUntil(feed, snapshot.cursor, untilHeartbeat));
      const inSnapshot = new Set(snapshot.events.map((event) => (event as { jti: string }).jti));
      const after = followed.map((event) => (event as { jti: string }).jti);
      assert.equal(inSnapshot.size + after.length, all.length, 'every event exactly once');
      for (const jti of after) assert.equal(inSnapshot.has(jti), false, 'not in both');
      assert.deepEqual(new Set([...inSnapshot, ...after]), new Set(all.map((event) => event.jti)));
    }
  });

  it('appends heartbeats every heartbeatMs until stopped', async (t) => {
    const { feed, streamKey, clock } = setUp(t, { heartbeatMs: 20 });
    // Seeded first, as a server's first heartbeat does: a seed fences off every older cursor.
    await feed.heartbeat();
    const start = await feed.head();
    clock.set(T0 + 42);
    feed.startHeartbeat();
    feed.startHeartbeat();
    const messages = await followUntil(feed, start, (seen) => seen.length >= 3);
    assert.deepEqual(
      messages.map((message) => message.kind === 'heartbeat' && message.at),
      [T0 + 42, T0 + 42, T0 + 42],
    );
    feed.stop();
    const length = await client.xlen(streamKey);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok((await client.xlen(streamKey)) <= length + 1, 'at most one heartbeat was in flight');
  });

  it('drops events from the snapshot once until plus the retention has passed', async (t) => {
    const { feed, streamKey, clock } = setUp(t, { retainAfterUntilMs: 1000 });
    const soon = tokenEvent(T0 + 100);
    const later = tokenEvent(T0 + 10_000);
    await feed.publish([soon, later]);
    assert.deepEqual((await feed.snapshot()).events, [soon, later]);
    clock.set(T0 + 1100);
    assert.deepEqual((await feed.snapshot()).events, [soon, later], 'kept through the retention');
    clock.set(T0 + 1101);
    assert.deepEqual((await feed.snapshot()).events, [later]);

    const next = tokenEvent(T0 + 20_000);
    await feed.publish([next]);
    assert.equal(await client.zcard(liveSetKeyFor(streamKey)), 2, 'publish prunes dead entries');
    assert.deepEqual((await feed.snapshot()).events, [later, next]);
  });

  it('skips malformed stream entries and live-set members, and reports them', async (t) => {
    const { feed, streamKey, errors } = setUp(t);
    const valid = tokenEvent();
    const junk: string[][] = [
      ['event', 'not json'],
      ['event', JSON.stringify({ type: 'session', sid: 's1' })],
      ['event', JSON.stringify({ type: 'token', jti: 'x', until: 'tomorrow' })],
      ['event', `"${'x'.repeat(20_000)}"`],
      ['heartbeat', 'soon'],
      ['heartbeat', '-5'],
      ['something-else', '1'],
      ['event', JSON.stringify(valid), 'extra', 'field'],
    ];
    for (const fields of junk) await client.xadd(streamKey, '*', ...fields);
    await feed.publish([valid]);
    const messages = await followUntil(feed, '0-0', untilEvents(1));
    assert.deepEqual(messages, [{ kind: 'event', cursor: messages[0]!.cursor, event: valid }]);
    assert.equal(errors.length, junk.length);

    await client.zadd(liveSetKeyFor(streamKey), T0 + 600_000, '{"type":"nope"}');
    assert.deepEqual((await feed.snapshot()).events, [valid]);
    assert.equal(errors.length, junk.length + 1);
    for (const error of errors)
      assert.doesNotMatch(error.message, /jti-|nope/, 'no entry content in messages');
  });

  it('copies only the known fields of an event it delivers', async (t) => {
    const { feed, streamKey } = setUp(t);
    const event = tokenEvent();
    await client.xadd(streamKey, '*', 'event', JSON.stringify({ ...event, admin: true }));
    const [message] = await followUntil(feed, '0-0', untilEvents(1));
    assert.deepEqual(message, { kind: 'event', cursor: message!.cursor, event });
  });

  it('refuses a cursor it cannot resume from: foreign, ahead of the stream, or trimmed', async (t) => {
    const { feed } = setUp(t, { maxLen: 10 });
    // Seeded first, as a server's first heartbeat does: a seed fences off every older cursor.
    await feed.heartbeat();
    const start = await feed.head();
    const never = () => assert.fail('no message expected');
    const signal = AbortSignal.timeout(FOLLOW_TIMEOUT_MS);
    await assert.rejects(feed.follow('epoch.17', never, signal), FeedCursorExpiredError);
    await assert.rejects(feed.follow('99999999999999-0', never, signal), FeedCursorExpiredError);

    // Approximate trimming drops whole radix-tree nodes (100 entries), so publish well past that.
    await feed.publish(Array.from({ length: 300 }, () => tokenEvent()));
    await assert.rejects(feed.follow(start, never, signal), FeedCursorExpiredError);
    const { cursor } = await feed.snapshot();
    await feed.heartbeat();
    const resumed = await followUntil(feed, cursor, untilHeartbeat);
    assert.deepEqual(
      resumed.map((message) => message.kind),
      ['heartbeat'],
    );
  });

  it('tells what came after a cursor, events only, up to a limit of entries, and not where it could not resume', async (t) => {
    const { feed } = setUp(t, { maxLen: 10 });
    await feed.heartbeat();
    const start = await feed.head();
    assert.deepEqual(await feed.changesSince(start, 5), { events: [], cursor: start });
    const events = [tokenEvent(), tokenEvent()];
    await feed.publish(events.slice(0, 1));
    await feed.heartbeat();
    await feed.publish(events.slice(1));
    const head = await feed.head();
    // Three entries: the two events and the heartbeat between them, which is not an event.
    assert.deepEqual(await feed.changesSince(start, 3), { events, cursor: head });
    assert.equal(await feed.changesSince(start, 2), null, 'more entries than the limit');
    assert.equal(await feed.canResume(start), true);

    for (const cursor of ['epoch.17', '99999999999999-0']) {
      assert.equal(await feed.changesSince(cursor, 5), null, cursor);
      assert.equal(await feed.canResume(cursor), false, cursor);
    }
    // Approximate trimming drops whole radix-tree nodes (100 entries), so publish well past that.
    await feed.publish(Array.from({ length: 300 }, () => tokenEvent()));
    assert.equal(await feed.changesSince(start, 1000), null, 'trimmed past the cursor');
    assert.equal(await feed.canResume(start), false);
  });

  it('answers a pull in one round trip to Redis, resumable or not', async (t) => {
    const { feed } = setUp(t);
    await feed.heartbeat();
    const start = await feed.head();
    await feed.publish([tokenEvent()]);
    // ioredis writes a whole transaction (MULTI … EXEC) to its socket at once: one write, one round trip.
    const socket = client.stream;
    const write = socket.write;
    let writes = 0;
    socket.write = function (this: typeof socket, ...args: Parameters<typeof write>) {
      writes++;
      return write.apply(this, args);
    } as typeof write;
    t.after(() => {
      socket.write = write;
    });
    assert.equal((await feed.changesSince(start, 5))?.events.length, 1);
    assert.equal(writes, 1, 'a resumable cursor');
    assert.equal(await feed.changesSince('99999999999999-0', 5), null);
    assert.equal(writes, 2, 'a cursor the stream cannot resume from');
  });

  it('resolves when the signal aborts, at once if it already has', async (t) => {
    const { feed } = setUp(t, { blockMs: 60_000 });
    const aborted = AbortSignal.abort();
    await feed.follow('0-0', () => {}, aborted);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    await feed.follow('0-0', () => {}, controller.signal);
    assert.ok(Date.now() - started < 5000, 'a blocked read ends with the signal, not with BLOCK');
  });

  it('rejects when its connection drops, so the verifier can reconnect from its cursor', async (t) => {
    const { feed } = setUp(t, { blockMs: 60_000 });
    await feed.publish([tokenEvent()]);
    const received: FeedMessage[] = [];
    // Settled into a value at once: the rejection arrives while the test is still killing the connection.
    const outcome = feed
      .follow('0-0', (message) => received.push(message), AbortSignal.timeout(10_000))
      .then(
        () => 'resolved',
        (error: unknown) => error,
      );
    while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const followers = String(await client.call('CLIENT', 'LIST'))
      .split('\n')
      .filter((line) => line.includes(' name=gatehouse-feed-follower '))
      .map((line) => /^id=(\d+)/.exec(line)?.[1]);
    assert.ok(followers.length > 0);
    for (const id of followers) await client.call('CLIENT', 'KILL', 'ID', id!).catch(() => {});
    const error = await outcome;
    assert.ok(error instanceof Error && !(error instanceof FeedCursorExpiredError), String(error));

    const next = tokenEvent();
    await feed.publish([next]);
    const resumed = await followUntil(feed, received[0]!.cursor, untilEvents(1));
    assert.deepEqual(eventsOf(resumed), [next]);
  });

  it('ends the follow with the error a consumer throws', async (t) => {
    const { feed } = setUp(t);
    await feed.publish([tokenEvent()]);
    const boom = new Error('consumer failed');
    await assert.rejects(
      feed.follow(
        '0-0',
        () => {
          throw boom;
        },
        AbortSignal.timeout(FOLLOW_TIMEOUT_MS),
      ),
      boom,
    );
  });

  it('refuses to publish what is not a revocation event, and publishes nothing of the batch', async (t) => {
    const { feed, streamKey } = setUp(t);
    const bad = { type: 'token', jti: '', until: T0 } as RevocationEvent;
    await assert.rejects(feed.publish([tokenEvent(), bad]), TypeError);
    assert.equal(await client.exists(streamKey), 0);
    await feed.publish([]);
    assert.equal(await client.exists(streamKey), 0);
  });

  it('validates its options eagerly', () => {
    const clock = createManualClock(T0);
    const make = (options: Partial<RedisStreamFeedOptions>) => () =>
      createRedisStreamFeed({ client, clock, ...options } as RedisStreamFeedOptions);
    assert.throws(make({ clock: undefined }), TypeError);
    assert.throws(make({ client: undefined }), TypeError);
    assert.throws(make({ streamKey: '' }), TypeError);
    assert.throws(make({ streamKey: 'a{}b' }), TypeError);
    assert.throws(make({ heartbeatMs: 0 }), TypeError);
    assert.throws(make({ maxLen: 0 }), TypeError);
    assert.throws(make({ maxLen: 1.5 }), TypeError);
    assert.throws(make({ retainAfterUntilMs: -1 }), TypeError);
    assert.throws(make({ blockMs: 0 }), TypeError);
  });
  it('seeds the feed again from the durable copy before heartbeating when Redis lost its data', async (t) => {
    const durable = [tokenEvent(), tokenEvent()];
    const reseeds: string[] = [];
    const { feed, streamKey } = setUp(t, {
      seed: async () => durable,
      onReseed: (info) => reseeds.push(`${info.reason}:${info.events}`),
    });
    // A fresh (or restarted, empty) Redis: no epoch, so a snapshot is not complete.
    assert.equal((await feed.snapshot()).complete, false);
    await feed.heartbeat();
    assert.deepEqual(reseeds, ['missing:2']);
    const snapshot = await feed.snapshot();
    assert.equal(snapshot.complete, undefined, 'complete once seeded');
    assert.deepEqual(
      new Set(snapshot.events.map((event) => (event as TokenEvent).jti)),
      new Set(durable.map((event) => event.jti)),
    );
    // A cursor from before the loss cannot resume: whatever Redis lost (sessions, with the Redis
    // store) left no event, so its reader must take a new snapshot and forget what it cached.
    await assert.rejects(followUntil(feed, '0-0', untilHeartbeat), FeedCursorExpiredError);
    // The seed went through the stream, after the fence it began with and before the heartbeat.
    const entries = await client.xrange(streamKey, '-', '+');
    assert.deepEqual(
      entries.map(([, fields]) => fields[0]),
      ['event', 'event', 'heartbeat'],
    );
    assert.ok(compareIds(entries[0]![0], await fenceOf(streamKey)) > 0);

    // Redis loses everything again: the next heartbeat reseeds first.
    const head = await feed.head();
    await client.del(streamKey, liveSetKeyFor(streamKey), epochKeyOf(streamKey));
    await feed.heartbeat();
    assert.deepEqual(reseeds, ['missing:2', 'missing:2']);
    // A cursor the new stream has already passed (a reader that reconnects only after the seed) is
    // refused as well.
    assert.ok(compareIds(await fenceOf(streamKey), head) > 0);
    await assert.rejects(followUntil(feed, head, untilHeartbeat), FeedCursorExpiredError);
    // A stream behind what this process wrote (restored from an older snapshot): reseeds too, with
    // the event this process published and the restore lost (it was in no durable copy).
    const published = tokenEvent();
    await feed.publish([published]);
    await client.del(streamKey);
    await feed.heartbeat();
    assert.equal(reseeds.at(-1), 'behind:3');
    assert.ok((await feed.snapshot()).events.some((event) => (event as TokenEvent).jti === published.jti));
    // Another server's epoch is adopted, not fought over.
    await client.set(epochKeyOf(streamKey), 'another-servers-epoch');
    await feed.heartbeat();
    assert.equal(feed.epoch, 'another-servers-epoch');
    assert.equal(reseeds.length, 3);
  });

  it('seeds again at the next heartbeat when its own seed failed part-way, instead of waiting out its marker', async (t) => {
    let failures = 1;
    const reseeds: string[] = [];
    const { feed } = setUp(t, {
      seed: async () => {
        if (failures-- > 0) throw new Error('the durable store did not answer');
        return [tokenEvent()];
      },
      onReseed: (info) => reseeds.push(`${info.reason}:${info.events}`),
    });
    await assert.rejects(feed.heartbeat(), /the durable store did not answer/);
    assert.equal((await feed.snapshot()).complete, false, 'the marker is left');
    await feed.heartbeat();
    assert.deepEqual(reseeds, ['missing:1']);
    assert.equal((await feed.snapshot()).complete, undefined);
    // Another server's marker is still waited for.
    const { feed: other, streamKey: otherKey } = setUp(t);
    await client.set(epochKeyOf(otherKey), 'pending:another-servers-seed');
    await assert.rejects(other.heartbeat(), /another server is seeding/);
  });

  it('seeds the feed again after a failover: Redis on another replication history than the epoch', async (t) => {
    const durable = [tokenEvent(), tokenEvent()];
    const reseeds: string[] = [];
    const { feed, streamKey } = setUp(t, {
      seed: async () => durable,
      onReseed: (info) => reseeds.push(`${info.reason}:${info.events}`),
    });
    await feed.heartbeat();
    const seeded = feed.epoch;
    const replid = /^master_replid:(\w+)/m.exec(await client.info('replication'))?.[1];
    assert.ok(replid, 'this Redis reports its replication id');
    assert.equal(await client.get(replidKeyOf(streamKey)), replid, 'the seed bound the epoch to it');
    assert.equal((await feed.snapshot()).complete, undefined);

    // What a promoted replica shows: the epoch and the binding it replicated, under a new id of its own.
    const headBefore = await feed.head();
    await client.set(replidKeyOf(streamKey), 'the-replication-id-of-the-failed-primary');
    assert.equal((await feed.snapshot()).complete, false, 'a verifier must not count itself fresh');
    await feed.heartbeat();
    assert.deepEqual(reseeds, ['missing:2', 'failover:2']);
    assert.notEqual(feed.epoch, seeded);
    assert.equal(await client.get(replidKeyOf(streamKey)), replid);
    const snapshot = await feed.snapshot();
    assert.equal(snapshot.complete, undefined, 'complete once seeded again');
    assert.equal(snapshot.events.length, 2);
    // No fence after a failover: a reader from before resumes, and reads the seed.
    const resumed = await followUntil(feed, headBefore, untilHeartbeat);
    assert.equal(eventsOf(resumed).length, 2);

    // A feed seeded before the binding existed is bound at the next heartbeat, and not seeded again.
    await client.del(replidKeyOf(streamKey));
    assert.equal((await feed.snapshot()).complete, undefined);
    await feed.heartbeat();
    assert.equal(await client.get(replidKeyOf(streamKey)), replid);
    assert.equal(reseeds.length, 2);
  });

  it('writes again what it published lately when a failover lost the tail, whoever seeds after it', async (t) => {
    // The Redis store keeps no durable revocations: a sign-out's event lives only in the feed, and
    // asynchronous replication may not have passed it to the replica a failover promotes.
    const durable = [tokenEvent()];
    const reseeds: string[] = [];
    const { feed, streamKey, clock } = setUp(t, {
      seed: async () => durable,
      onReseed: (info) => reseeds.push(`${info.reason}:${info.events}`),
    });
    await feed.heartbeat();
    const signedOut = tokenEvent();
    const longGone = tokenEvent(T0 + 1000);
    await feed.publish([longGone, signedOut]);
    const jtis = async () =>
      new Set((await feed.snapshot()).events.map((event) => (event as TokenEvent).jti));
    /** What a promoted replica that missed the last writes holds: the feed without them, on another history. */
    const loseTheTail = async () => {
      for (const [id, fields] of await client.xrange(streamKey, '-', '+'))
        if (fields[0] === 'event' && fields[1]!.includes(signedOut.jti)) await client.xdel(streamKey, id);
      await client.zremrangebyscore(
        liveSetKeyFor(streamKey),
        String(signedOut.until),
        String(signedOut.until),
      );
      await client.set(replidKeyOf(streamKey), 'the-replication-id-of-the-failed-primary');
    };
    await loseTheTail();
    assert.equal((await jtis()).has(signedOut.jti), false);
    clock.advance(62_000); // longGone's until and the retention have passed: it is not written again
    await feed.heartbeat();
    assert.deepEqual(reseeds, ['missing:1', 'failover:2']);
    assert.deepEqual(await jtis(), new Set([durable[0]!.jti, signedOut.jti]));

    // Another server noticed the failover first and seeded from its own memory: this one adopts its
    // epoch and writes what it published lately, before its next heartbeat.
    await loseTheTail();
    await client.set(epochKeyOf(streamKey), 'the-epoch-another-server-seeded');
    await client.del(replidKeyOf(streamKey));
    await feed.heartbeat();
    assert.equal(feed.epoch, 'the-epoch-another-server-seeded');
    assert.equal(reseeds.length, 2, 'adopted, not seeded');
    assert.equal((await jtis()).has(signedOut.jti), true);
  });

  it('republishes the durable live revocations before its first heartbeat on a feed it adopts', async (t) => {
    // Server A seeded the feed; server B died with an event pending (in the durable copy, never on
    // the stream); B restarts on a Redis that kept its data (same epoch: no reseed).
    const pending = tokenEvent();
    const expired = tokenEvent(T0 - 120_000);
    const { feed: first, streamKey, clock } = setUp(t, { seed: async () => [] });
    await first.heartbeat();
    const reseeds: string[] = [];
    const restarted = createRedisStreamFeed({
      client,
      streamKey,
      clock,
      seed: async () => [pending, expired],
      onReseed: (info) => reseeds.push(info.reason),
    });
    await restarted.heartbeat();
    assert.equal(restarted.epoch, first.epoch, 'adopted, not reseeded');
    assert.deepEqual(reseeds, []);
    const entries = async () =>
      (await client.xrange(streamKey, '-', '+')).map(([, fields]) =>
        fields[0] === 'heartbeat' ? 'heartbeat' : (JSON.parse(fields[1]!) as TokenEvent).jti,
      );
    assert.deepEqual(
      await entries(),
      ['heartbeat', pending.jti, 'heartbeat'],
      'the live event before the heartbeat; the expired one not at all',
    );
    // Only the first adoption republishes: later heartbeats append a heartbeat and nothing else.
    await restarted.heartbeat();
    assert.deepEqual(await entries(), ['heartbeat', pending.jti, 'heartbeat', 'heartbeat']);
  });
});

function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bMs, bSeq] = b.split('-').map(BigInt) as [bigint, bigint];
  return aMs !== bMs ? (aMs < bMs ? -1 : 1) : aSeq < bSeq ? -1 : aSeq > bSeq ? 1 : 0;
}
