// A crowd of verifiers taking the feed's snapshot at once (not part of `npm run bench`): a fleet
// starting together, or every follower told its cursor expired after Redis lost the feed. An auth
// server on a Redis of its own (a child process), a live set of `live` revocations, then `crowd`
// GET /revocations sent together on connections opened beforehand, `rounds` times per crowd size.
// Per round: answers by status, the time until the last answer, the Redis reads of the live set
// and Redis's own time for them (INFO commandstats), and the server's worst event-loop stall.
// Baseline, same run: one request alone (its time × the crowd's size is what answering the crowd
// one by one would take). Last, a pull-mode verifier's pull from a cursor 5 revocations behind,
// against the same baseline.
// Run: npx node bench/snapshot-crowd.ts [live=20000] [crowds=50,200,500] [rounds=3]
import { Agent, get } from 'node:http';
import { systemClock } from '@gatehouse/core';
import { Redis } from 'ioredis';
import { createRedisStreamFeed } from '../packages/server/src/feed/redis-stream-feed.ts';
import { startTestRedisServer } from '../packages/server/src/store/redis/test-redis-server.ts';
import { startAuthServer } from './lib/auth-server.ts';

const live = Number(process.argv[2] ?? 20_000);
const crowds = (process.argv[3] ?? '50,200,500').split(',').map(Number);
const rounds = Number(process.argv[4] ?? 3);

/** Calls and microseconds Redis spent on the snapshot's commands since its stats were reset. */
async function redisTime(client: Redis): Promise<{ reads: number; ms: number }> {
  const stats = (await client.call('INFO', 'commandstats')) as string;
  let reads = 0;
  let usec = 0;
  for (const line of stats.split('\n')) {
    const match = /^cmdstat_(zrangebyscore|evalsha):calls=(\d+),usec=(\d+)/.exec(line);
    if (!match) continue;
    if (match[1] === 'zrangebyscore') reads += Number(match[2]);
    usec += Number(match[3]);
  }
  return { reads, ms: usec / 1000 };
}

/** `count` GET /revocations at once on `agent`'s open connections: statuses and the last answer's time. */
async function crowdOf(url: string, agent: Agent, count: number, path = '/revocations') {
  const statuses: Record<number, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve, reject) => {
          get(`${url}${path}`, { agent }, (response) => {
            const status = response.statusCode ?? 0;
            statuses[status] = (statuses[status] ?? 0) + 1;
            response.resume();
            response.on('end', resolve);
          }).on('error', reject);
        }),
    ),
  );
  return { statuses, ms: performance.now() - started };
}

const redis = await startTestRedisServer();
const client = new Redis(redis.url);
const server = await startAuthServer({ redisUrl: redis.url, monitorEventLoop: true });
try {
  const until = Date.now() + 3_600_000;
  const writer = createRedisStreamFeed({ client, clock: systemClock });
  for (let done = 0; done < live; done += 1000) {
    const batch = Math.min(1000, live - done);
    await writer.publish(
      Array.from({ length: batch }, (_, index) => ({
        type: 'token' as const,
        jti: `crowd-${done + index}`,
        until,
      })),
    );
  }
  writer.stop();
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(...crowds) });
  // Every connection opened, and the server's code warm, before anything is timed.
  await crowdOf(server.url, agent, Math.max(...crowds), '/healthz');
  await crowdOf(server.url, agent, 5);
  const alone: number[] = [];
  for (let round = 0; round < 5; round++) alone.push((await crowdOf(server.url, agent, 1)).ms);
  alone.sort((a, b) => a - b);
  const one = alone[2]!;
  console.log(`live set: ${live} revocations; one request alone: ${one.toFixed(1)} ms (median of 5)`);
  console.log(
    '| crowd | answers | last answer (ms) | ÷ crowd × one alone | Redis reads | Redis ms | worst stall (ms) |',
  );
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const crowd of crowds) {
    for (let round = 0; round < rounds; round++) {
      await client.config('RESETSTAT');
      await server.eventLoopDelay();
      const { statuses, ms } = await crowdOf(server.url, agent, crowd);
      const { reads, ms: redisMs } = await redisTime(client);
      const stall = await server.eventLoopDelay();
      const answers = Object.entries(statuses)
        .map(([status, count]) => `${count} × ${status}`)
        .join(', ');
      console.log(
        `| ${crowd} | ${answers} | ${ms.toFixed(0)} | ${(ms / (crowd * one)).toFixed(3)} | ${reads} | ${redisMs.toFixed(0)} | ${stall.maxMs.toFixed(1)} |`,
      );
    }
  }
  // A pull-mode verifier a few revocations behind (one pull per `maxStalenessMs` per instance).
  const pulls: Array<{ ms: number; bytes: number }> = [];
  for (let round = 0; round < 5; round++) {
    const { cursor } = (await (await fetch(`${server.url}/revocations`)).json()) as { cursor: string };
    const writer = createRedisStreamFeed({ client, clock: systemClock });
    await writer.publish(
      Array.from({ length: 5 }, (_, index) => ({
        type: 'token' as const,
        jti: `pull-${round}-${index}`,
        until,
      })),
    );
    writer.stop();
    const started = performance.now();
    const body = await (await fetch(`${server.url}/revocations?since=${cursor}`)).arrayBuffer();
    pulls.push({ ms: performance.now() - started, bytes: body.byteLength });
  }
  pulls.sort((a, b) => a.ms - b.ms);
  console.log(
    `a pull 5 revocations behind: ${pulls[2]!.ms.toFixed(1)} ms, ${pulls[2]!.bytes} bytes (median of 5); ÷ one snapshot alone: ${(pulls[2]!.ms / one).toFixed(3)}`,
  );
  agent.destroy();
} finally {
  await server.stop();
  client.disconnect();
  await redis.stop();
}
