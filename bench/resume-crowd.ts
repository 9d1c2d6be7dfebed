// A crowd of SSE followers resuming on an auth server started after them (not part of
// `npm run bench`): a restart or a deploy, where every follower of the server before resumes from
// its cursor on the new one, 20 revocations behind. Per crowd size, on a Redis of its own: an auth
// server is started and stopped (the followers' cursor is its head), 20 revocations published, a
// second server started, and the crowd's `GET /revocations/stream?since=` sent together. Prints
// the answers by status, the time until every follower had the newest revocation (median, last),
// the most Redis follower connections seen at once (CLIENT LIST, every 5 ms), and the new server's
// worst event-loop stall. Baseline, same run: a crowd of one.
// Run: npx node bench/resume-crowd.ts [crowds=1,500,2000]
import { Agent, get } from 'node:http';
import { systemClock } from '@gatehouse/core';
import { Redis } from 'ioredis';
import { createRedisStreamFeed } from '../packages/server/src/feed/redis-stream-feed.ts';
import { startTestRedisServer } from '../packages/server/src/store/redis/test-redis-server.ts';
import { type AuthServerClient, startAuthServer } from './lib/auth-server.ts';

const crowds = (process.argv[2] ?? '1,500,2000').split(',').map(Number);
const GAP = 20;

/** The most follower connections Redis holds at once until `stop()` resolves it. */
function watchFollowerConnections(client: Redis): { stop(): Promise<number> } {
  let peak = 0;
  let watching = true;
  const watched = (async () => {
    while (watching) {
      const list = (await client.call('CLIENT', 'LIST')) as string;
      const count = list.split('\n').filter((line) => line.includes('name=gatehouse-feed-follower')).length;
      peak = Math.max(peak, count);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    async stop() {
      watching = false;
      await watched;
      return peak;
    },
  };
}

/** `count` followers resuming from `cursor` at once: statuses, and when each had the newest event. */
async function resume(server: AuthServerClient, cursor: string, count: number, newest: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: count });
  const statuses: Record<number, number> = {};
  const requests: Array<ReturnType<typeof get>> = [];
  const started = performance.now();
  const times = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<number>((resolve, reject) => {
          const request = get(`${server.url}/revocations/stream?since=${cursor}`, { agent }, (response) => {
            const status = response.statusCode ?? 0;
            statuses[status] = (statuses[status] ?? 0) + 1;
            if (status !== 200) {
              response.resume();
              resolve(Number.NaN);
              return;
            }
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              text += chunk;
              if (text.includes(newest)) resolve(performance.now() - started);
            });
          });
          request.on('error', reject);
          requests.push(request);
        }),
    ),
  );
  for (const request of requests) request.destroy();
  agent.destroy();
  times.sort((a, b) => a - b);
  return { statuses, median: times[count >> 1]!, last: times.at(-1)! };
}

async function crowdOf(count: number): Promise<string> {
  const redis = await startTestRedisServer();
  const client = new Redis(redis.url);
  try {
    const before = await startAuthServer({ redisUrl: redis.url });
    const { cursor } = (await (await fetch(`${before.url}/revocations`)).json()) as { cursor: string };
    await before.stop();
    const writer = createRedisStreamFeed({ client, clock: systemClock });
    const until = Date.now() + 3_600_000;
    await writer.publish(
      Array.from({ length: GAP }, (_, index) => ({ type: 'token' as const, jti: `gap-${index}`, until })),
    );
    writer.stop();
    const server = await startAuthServer({ redisUrl: redis.url, monitorEventLoop: true });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const connections = watchFollowerConnections(client);
      await server.eventLoopDelay();
      const { statuses, median, last } = await resume(server, cursor, count, `gap-${GAP - 1}`);
      const stall = await server.eventLoopDelay();
      const peak = await connections.stop();
      const answers = Object.entries(statuses)
        .map(([status, n]) => `${n} × ${status}`)
        .join(', ');
      return `| ${count} | ${answers} | ${median.toFixed(0)} | ${last.toFixed(0)} | ${peak} | ${stall.maxMs.toFixed(1)} |`;
    } finally {
      await server.stop();
    }
  } finally {
    client.disconnect();
    await redis.stop();
  }
}

console.log(
  '| followers | answers | all had the newest: median (ms) | last (ms) | Redis follower connections, most at once | worst stall (ms) |',
);
console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
for (const count of crowds) console.log(await crowdOf(count));
