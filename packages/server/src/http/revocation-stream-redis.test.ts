import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '@gatehouse/core';
import { Redis } from 'ioredis';
import { loadConfig } from '../config.ts';
import { createRedisStreamFeed } from '../feed/redis-stream-feed.ts';
import { type RunningServer, startServer } from '../server.ts';
import {
  redisCommandCalls,
  startTestRedisServer,
  type TestRedisServer,
} from '../store/redis/test-redis-server.ts';
import { bearer, createTestClient, fetchTransport } from '../testing/index.ts';

const FOLLOWERS = 20;

interface Stream {
  reader: ReadableStreamDefaultReader<string>;
  text: string;
}

/** FOLLOWERS SSE streams of `url` (a `/revocations/stream` address), opened at once; each answered 200. */
function openStreams(url: string, signal: AbortSignal): Promise<Stream[]> {
  return Promise.all(
    Array.from({ length: FOLLOWERS }, async () => {
      const response = await fetch(url, { signal });
      assert.equal(response.status, 200);
      return { reader: response.body!.pipeThrough(new TextDecoderStream()).getReader(), text: '' };
    }),
  );
}

/** Reads every stream until what it received holds `text`; none may end meanwhile. */
async function readUntil(streams: Stream[], text: string): Promise<void> {
  for (const stream of streams) {
    while (!stream.text.includes(text)) {
      const { value, done } = await stream.reader.read();
      assert.ok(!done, 'the stream stays open');
      stream.text += value;
    }
  }
}

/** Issue 14: with REDIS_URL, SSE followers share the server's one reader of the stream. */
describe('GET /revocations/stream on a Redis-backed server', { timeout: 60_000 }, () => {
  let dataDir: string;
  let redis: TestRedisServer;
  let client: Redis;
  let server: RunningServer;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-stream-redis-'));
    // A Redis of its own: the test counts its connections.
    redis = await startTestRedisServer();
    client = new Redis(redis.url);
    server = await startServer(loadConfig({ REDIS_URL: redis.url }, ['--data-dir', dataDir, '--port', '0']), {
      logger: false,
      print: () => {},
    });
  });
  after(async () => {
    await server?.close();
    client?.disconnect();
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A token-strategy login that logs out at once; returns its session id (the event's sid). */
  async function loginAndLogout(email: string): Promise<string> {
    const auth = createTestClient(fetchTransport(server.url));
    await auth.register(email);
    const { login } = await auth.login(email, 'token');
    const logout = await auth.send({
      method: 'POST',
      path: '/auth/logout',
      headers: bearer(login.accessToken),
    });
    assert.equal(logout.status, 204);
    return login.sessionId;
  }

  async function followerConnections(): Promise<number> {
    const list = (await client.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((line) => line.includes('name=gatehouse-feed-follower')).length;
  }

  it(`serves ${FOLLOWERS} SSE followers from one Redis connection`, async () => {
    const controller = new AbortController();
    try {
      const { cursor } = (await (await fetch(`${server.url}/revocations`)).json()) as { cursor: string };
      const streams = await openStreams(
        `${server.url}/revocations/stream?since=${cursor}`,
        controller.signal,
      );
      await readUntil(streams, await loginAndLogout('fan-out@example.com'));
      // The server's own key-event follower rides the same reader.
      assert.equal(await followerConnections(), 1);
    } finally {
      controller.abort();
    }
  });

  it('starts a follower without since at the head, without reading the live set for it', async () => {
    // Live revocations for a snapshot to read, and one before the streams open, never replayed.
    const earlier = await loginAndLogout('before-the-streams@example.com');
    const liveSetReads = await redisCommandCalls(client, 'zrangebyscore');
    const controller = new AbortController();
    try {
      const streams = await openStreams(`${server.url}/revocations/stream`, controller.signal);
      await readUntil(streams, 'gatehouse revocation feed');
      // The snapshot script reads the live set with ZRANGEBYSCORE, which Redis counts inside scripts too.
      assert.equal(
        await redisCommandCalls(client, 'zrangebyscore'),
        liveSetReads,
        'no live-set read per stream',
      );
      await readUntil(streams, await loginAndLogout('after-the-streams@example.com'));
      for (const stream of streams)
        assert.ok(!stream.text.includes(earlier), 'a revocation from before the connection is not replayed');
    } finally {
      controller.abort();
    }
  });

  it('on a server started after them, followers resuming a little behind join its tail instead of reading Redis each', async (t) => {
    // A restart (or a deploy): every follower of the server before resumes from its cursor on the
    // new one, whose tail started at its own start. 2,000 of them used to open 938 Redis
    // connections at the peak, one catch-up read each, and took 3.2 s; now 1, and 0.8 s.
    const { cursor } = (await (await fetch(`${server.url}/revocations`)).json()) as { cursor: string };
    const sid = await loginAndLogout('before-the-restart@example.com');
    const lateDir = await mkdtemp(join(tmpdir(), 'gatehouse-stream-redis-late-'));
    const late = await startServer(
      loadConfig({ REDIS_URL: redis.url }, ['--data-dir', lateDir, '--port', '0']),
      {
        logger: false,
        print: () => {},
      },
    );
    const controller = new AbortController();
    t.after(async () => {
      controller.abort();
      await late.close();
      await rm(lateDir, { recursive: true, force: true });
    });
    const reads = await redisCommandCalls(client, 'xread');
    const streams = await openStreams(`${late.url}/revocations/stream?since=${cursor}`, controller.signal);
    await readUntil(streams, sid);
    const used = (await redisCommandCalls(client, 'xread')) - reads;
    t.diagnostic(`${used} stream reads for ${FOLLOWERS} followers resuming`);
    assert.ok(used < FOLLOWERS / 2, `${used} stream reads for ${FOLLOWERS} followers resuming`);
  });

  it('answers a crowd of snapshot requests with a few reads of the live set, not one each', async (t) => {
    // A fleet of verifiers asking at once (starting together, or all told their cursor expired
    // after Redis lost the feed): 200 at once, with 20,000 live revocations, used to read the live
    // set 200 times in Redis, whose 2 s command timeout then answered most of them 503.
    const sid = await loginAndLogout('crowd@example.com');
    // A live set that takes Redis some milliseconds to read, as a real one does.
    const writer = createRedisStreamFeed({ client, clock: systemClock });
    const until = Date.now() + 3_600_000;
    for (let batch = 0; batch < 20; batch++) {
      await writer.publish(
        Array.from({ length: 1000 }, (_, index) => ({
          type: 'token' as const,
          jti: `crowd-${batch}-${index}`,
          until,
        })),
      );
    }
    writer.stop();
    // 50 connections opened first, so that the 50 requests leave together, as a crowd's do.
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    const send = (path: string) =>
      new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        get(`${server.url}${path}`, { agent }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'] ?? '', body }),
          );
        }).on('error', reject);
      });
    const crowd = (path: string) => Promise.all(Array.from({ length: 50 }, () => send(path)));
    await crowd('/healthz');
    const reads = await redisCommandCalls(client, 'zrangebyscore');
    const answers = await crowd('/revocations');
    const used = (await redisCommandCalls(client, 'zrangebyscore')) - reads;
    agent.destroy();
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      assert.match(answer.type, /^application\/json/);
    }
    t.diagnostic(`${used} reads of the live set for 50 requests`);
    assert.ok(used <= 4, `${used} reads of the live set for 50 requests`);
    const bodies = answers.map((answer) => answer.body);
    const snapshot = JSON.parse(bodies[0]!) as { events: Array<{ sid?: string }>; cursor: string };
    assert.ok(
      snapshot.events.some((event) => event.sid === sid),
      'with what was revoked before',
    );
    assert.ok(
      bodies.every((body) => JSON.parse(body).events.some((event: { sid?: string }) => event.sid === sid)),
    );
  });

  // Last: it trims the stream.
  it('answers a pull with what changed since its cursor, or, when the stream can no longer replay it, with the live set and `expired`', async () => {
    const pull = async (since: string) => {
      const response = await fetch(`${server.url}/revocations?since=${since}`);
      assert.equal(response.status, 200);
      return (await response.json()) as { events: Array<{ sid?: string }>; cursor: string; expired?: true };
    };
    const { cursor } = (await (await fetch(`${server.url}/revocations`)).json()) as { cursor: string };
    const sid = await loginAndLogout('pull-behind@example.com');
    const behind = await pull(cursor);
    // What changed since the cursor, not the live set (20,000 revocations of the test before).
    assert.deepEqual(
      behind.events.map((event) => event.sid),
      [sid],
    );
    assert.equal(behind.expired, undefined, 'the stream still holds what came after the cursor');

    // Every entry after the cursor trimmed away (a stream lost, in part or in all, reads the same).
    await client.xtrim('gatehouse:revocations', 'MAXLEN', 0);
    const trimmed = await pull(cursor);
    assert.equal(trimmed.expired, true);
    assert.ok(
      trimmed.events.some((event) => event.sid === sid),
      'with the live set all the same',
    );
    // From the head, nothing is lost (a heartbeat may move the head between the two reads: retried).
    let head = trimmed.cursor;
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await pull(head);
      if (answer.cursor === head) {
        assert.deepEqual(answer, { events: [], cursor: head }, 'the head is no loss');
        return;
      }
      head = answer.cursor;
    }
    assert.fail('the head moved on every pull');
  });
});
