/**
 * A Redis failover loses the feed's newest entries, the revocations survive (docs/design.md §5).
 *
 * Replication is asynchronous: a primary acknowledges a write before its replica has it, so a
 * failover can lose the feed's last revocations (docs/stores.md, "Durability"). Here, for real: the
 * auth server (SQLite store) publishes to a primary redis-server through a TCP proxy, and the
 * replica follows the primary through a proxy of its own; that link is cut (no byte goes through,
 * nothing is closed), a token is logged out, the primary is killed, the replica promoted
 * (`REPLICAOF NO ONE`), and the server's proxy moved to it, as a virtual IP or a Sentinel-aware
 * name would move. The promoted replica never saw the revocation. Then:
 * - verifiers started after the failover (Redis Streams and SSE) refuse the revoked token from
 *   their first answer: the auth server finds Redis on another replication id than the feed's
 *   epoch and seeds it again from its durable store before it heartbeats;
 * - verifiers that followed the feed through the failover still refuse it, and refuse a token
 *   logged out after the failover.
 * And with two auth servers on PostgreSQL, the one that wrote the revocation killed before the
 * failover (its write had landed, so nothing of it is pending in the store's outbox): the other
 * server, which wrote nothing the promoted replica lacks, seeds the feed again all the same.
 * And a Redis restarted from an RDB file older than another server's last revocation.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { RevocationEvent } from '@gatehouse/core';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { liveSetKeyFor } from '../../packages/server/src/feed/live-set-key.ts';
import { createRedisStreamFeed } from '../../packages/server/src/feed/redis-stream-feed.ts';
import { queryRedis, startTestRedisServer } from '../../packages/server/src/store/redis/test-redis-server.ts';
import { type Credential, createAuthClient } from '../e2e/support/auth-client.ts';
import {
  AUDIENCE,
  type AuthServer,
  ISSUER,
  startAuthServer,
  startVerifierServices,
  uniqueEmail,
} from '../e2e/support/gatehouse-stack.ts';
import type { VerifierService } from '../e2e/support/verifier-service.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import { assertRefusesFromTheStart, onBothFeeds } from './feed-support.ts';
import { type ReplicatedRedis, replicaCaughtUp, startReplicatedRedis } from './replicated-redis.ts';
import { createFaultSchema, type FaultServer, spawnFaultServer, startFaultServer } from './support.ts';

const STREAM_KEY = 'gatehouse:revocations';

/** Whether the feed's stream or live set on the redis-server at `port` names `sid`. */
async function feedNames(port: number, sid: string): Promise<boolean> {
  const stream = await queryRedis(port, ['XRANGE', STREAM_KEY, '-', '+']);
  const live = await queryRedis(port, ['ZRANGE', liveSetKeyFor(STREAM_KEY), '0', '-1']);
  return JSON.stringify([stream, live]).includes(sid);
}

/** Waits until the revocation of `sid` is on the primary (acknowledged by it alone). */
async function onPrimary(redis: ReplicatedRedis, sid: string): Promise<void> {
  await waitFor('the revocation on the primary', async () =>
    (await feedNames(redis.primary.port, sid)) ? true : undefined,
  );
}

/** Fails over to a replica that lost the revocation of `sid`, then moves the address; when it moved. */
async function failOverLosing(redis: ReplicatedRedis, sid: string): Promise<number> {
  await redis.failover();
  assert.equal(await feedNames(redis.replica.port, sid), false, 'the promoted replica lost it');
  redis.moveAddress();
  return performance.now();
}

/** Each verifier refuses `revoked` from its first answer and accepts `live`: said how, and when. */
async function refuseFromTheStart(
  t: TestContext,
  verifiers: VerifierService[],
  revoked: Credential,
  live: Credential,
  failedOverAt: number,
): Promise<void> {
  for (const verifier of verifiers) {
    const seen = await assertRefusesFromTheStart(verifier, revoked, live, 'the failover');
    t.diagnostic(
      `${verifier.name}: answers for the revoked token: ${[...seen].join(', ')}; live token accepted ${(performance.now() - failedOverAt).toFixed(0)} ms after the failover`,
    );
  }
}

describe('faults: a Redis failover loses the feed’s newest entries', { timeout: 120_000 }, () => {
  let redis: ReplicatedRedis;
  let auth: AuthServer;
  const verifiers: VerifierService[] = [];

  before(async () => {
    redis = await startReplicatedRedis();
    auth = await startAuthServer({ redisUrl: redis.url });
  });

  after(async () => {
    await Promise.allSettled(verifiers.map((verifier) => verifier.stop()));
    await auth?.close();
    await redis?.stop();
  });

  it('verifiers refuse a token whose revocation the promoted replica never had', async (t) => {
    const email = uniqueEmail('feed-failover');
    await auth.client.register(email);
    const revoked = await auth.client.loginWithToken(email);
    const through = await startVerifierServices(onBothFeeds(auth.verifierOptions, 'through', redis.url));
    verifiers.push(...through);
    for (const verifier of through) {
      await waitFor(`${verifier.name} to accept the token`, async () =>
        (await verifier.me(revoked)).status === 200 ? true : undefined,
      );
    }
    await replicaCaughtUp(redis.primary, redis.replica);

    // The logout is acknowledged by the primary alone.
    redis.cutReplication();
    await auth.client.logout(revoked);
    await onPrimary(redis, revoked.sid);
    for (const verifier of through) {
      await waitFor(`${verifier.name} to refuse the token`, async () =>
        (await verifier.me(revoked)).status === 401 ? true : undefined,
      );
    }

    const failedOverAt = await failOverLosing(redis, revoked.sid);

    const live = await waitFor('a login after the failover', async () =>
      auth.client.loginWithToken(email).catch(() => undefined),
    );
    const started = await startVerifierServices(onBothFeeds(auth.verifierOptions, 'after', redis.url));
    verifiers.push(...started);
    await refuseFromTheStart(t, [...started, ...through], revoked, live, failedOverAt);
    assert.equal(
      await feedNames(redis.replica.port, revoked.sid),
      true,
      'the auth server seeded the feed again',
    );

    // The feed works on the promoted replica: a logout now reaches every verifier.
    await auth.client.logout(live);
    for (const verifier of [...started, ...through]) {
      await waitFor(`${verifier.name} to refuse the token logged out after the failover`, async () => {
        const reply = await verifier.me(live);
        return reply.status === 401 && reply.code === 'ERR_TOKEN_REVOKED' ? true : undefined;
      });
    }
  });
});

describe('faults: a Redis failover after the server that wrote the revocation died', {
  timeout: 120_000,
}, () => {
  const SERVICE_TOKEN = 'a-service-token-for-the-failover-test-0123456789';
  let redis: ReplicatedRedis;
  let database: Awaited<ReturnType<typeof createFaultSchema>>;
  let dataDir: string;
  let writer: Awaited<ReturnType<typeof spawnFaultServer>> | undefined;
  let survivor: FaultServer;
  const verifiers: VerifierService[] = [];

  before(async () => {
    redis = await startReplicatedRedis();
    database = await createFaultSchema();
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-failover-'));
    const env = {
      DATABASE_URL: database.urlVia(5432),
      REDIS_URL: redis.url,
      GATEHOUSE_SERVICE_TOKEN: SERVICE_TOKEN,
    };
    // One after the other: the first migrates and creates the signing key, the second finds them.
    writer = await spawnFaultServer(dataDir, env);
    survivor = await startFaultServer(env);
  });

  after(async () => {
    await Promise.allSettled(verifiers.map((verifier) => verifier.stop()));
    await writer?.process.stop('SIGKILL');
    await survivor?.close();
    await redis?.stop();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('the other server seeds the feed again, and verifiers refuse the token', async (t) => {
    const onWriter = createAuthClient(writer!.url);
    const onSurvivor = createAuthClient(survivor.url);
    const email = uniqueEmail('feed-failover-two');
    await onSurvivor.register(email);
    const revoked = await onWriter.loginWithToken(email);
    await replicaCaughtUp(redis.primary, redis.replica);

    redis.cutReplication();
    await onWriter.logout(revoked);
    await onPrimary(redis, revoked.sid);
    // The writer told the store its event landed: no server will publish it again from the outbox.
    const pg = new Client({ connectionString: database.urlVia(5432) });
    await pg.connect();
    try {
      await waitFor('the revocation marked published', async () => {
        const { rows } = await pg.query(
          'SELECT count(*)::int AS n FROM revocations WHERE pending_since IS NOT NULL',
        );
        return rows[0].n === 0 ? true : undefined;
      });
    } finally {
      await pg.end();
    }
    await writer!.process.stop('SIGKILL');
    writer = undefined;

    const failedOverAt = await failOverLosing(redis, revoked.sid);

    const live = await waitFor('a login on the surviving server', async () =>
      onSurvivor.loginWithToken(email).catch(() => undefined),
    );
    const trust = { authUrl: survivor.url, issuer: ISSUER, audience: AUDIENCE, serviceToken: SERVICE_TOKEN };
    const started = await startVerifierServices(onBothFeeds(trust, 'after', redis.url));
    verifiers.push(...started);
    await refuseFromTheStart(t, started, revoked, live, failedOverAt);
  });
});

describe('faults: Redis restarted from an RDB file older than the newest revocation', {
  timeout: 60_000,
}, () => {
  it('a server that wrote nothing since seeds the feed again, with the revocation', async (t) => {
    const redis = await startTestRedisServer();
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    t.after(async () => {
      client.disconnect();
      await redis.stop();
    });
    const durable: RevocationEvent[] = [
      { type: 'token', jti: 'revoked-before-the-save', until: Date.now() + 600_000 },
    ];
    const reseeds: string[] = [];
    const options = { client, streamKey: STREAM_KEY, clock: { now: Date.now }, seed: async () => durable };
    const feed = createRedisStreamFeed({
      ...options,
      onReseed: (info) => reseeds.push(`${info.reason}:${info.events}`),
    });
    const other = createRedisStreamFeed(options);
    await feed.heartbeat();
    await other.heartbeat();
    assert.deepEqual(reseeds, ['missing:1']);
    await client.save();

    // Another server revokes a token after the save; then Redis restarts from the file.
    const late: RevocationEvent = {
      type: 'token',
      jti: 'revoked-after-the-save',
      until: Date.now() + 600_000,
    };
    durable.push(late);
    await other.publish([late]);
    await redis.restart();
    await waitFor('Redis back with the saved data', async () =>
      (await client.exists(liveSetKeyFor(STREAM_KEY)).catch(() => 0)) === 1 ? true : undefined,
    );
    assert.equal((await feed.snapshot()).complete, false, 'verifiers must not count themselves fresh');

    await feed.heartbeat();
    assert.deepEqual(reseeds, ['missing:1', 'failover:2']);
    const snapshot = await feed.snapshot();
    assert.equal(snapshot.complete, undefined);
    assert.ok(
      snapshot.events.some((event) => event.type === 'token' && event.jti === late.jti),
      'the revocation written after the save is in the feed again',
    );
  });
});
