/**
 * The real Gatehouse auth server (public API of @gatehouse/server: embedded SQLite, in-process
 * revocation feed served over SSE, or the Redis Streams feed when `redisUrl` is given) in a
 * process of its own, on 127.0.0.1 and a random port. Started by the bench; not meant to be run
 * by hand.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig, startServer } from '@gatehouse/server';
import { runWorker } from '../lib/run-worker.ts';

export interface AuthServerConfig {
  issuer: string;
  audience: string;
  /** The revocation feed on Redis Streams (REDIS_URL) instead of in-process. */
  redisUrl?: string;
  /** Samples the event loop's delay every millisecond, for the `event-loop` call. */
  monitorEventLoop?: boolean;
}

/**
 * The calls the worker answers: its event loop's delays since the last such call; a full garbage
 * collection (only when started with `--expose-gc`).
 */
export type AuthServerCall = { op: 'event-loop' } | { op: 'collect-garbage' };

/** Event-loop delay in ms since the previous `event-loop` call (or the server's start). */
export interface EventLoopDelay {
  maxMs: number;
  p99Ms: number;
}

runWorker<AuthServerConfig>(async (config) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-auth-'));
  try {
    const server = await startServer(
      loadConfig({
        HOST: '127.0.0.1',
        PORT: '0',
        GATEHOUSE_DATA_DIR: dataDir,
        GATEHOUSE_ISSUER: config.issuer,
        GATEHOUSE_AUDIENCE: config.audience,
        GATEHOUSE_SIGNING_ALG: 'ES256',
        LOG_LEVEL: 'silent',
        // The followers (one process on loopback) stand for verifiers on as many machines: the
        // public feed's bound per address (64) would refuse all but the first of them.
        GATEHOUSE_FEED_MAX_STREAMS_PER_ADDRESS: '1000000',
        ...(config.redisUrl ? { REDIS_URL: config.redisUrl } : {}),
        // A/Bs of the SQLite sync mode and thread in one checkout (docs/benchmarks.md); unset: the defaults.
        ...(process.env.GATEHOUSE_SQLITE_SYNC
          ? { GATEHOUSE_SQLITE_SYNC: process.env.GATEHOUSE_SQLITE_SYNC }
          : {}),
        ...(process.env.GATEHOUSE_SQLITE_THREAD
          ? { GATEHOUSE_SQLITE_THREAD: process.env.GATEHOUSE_SQLITE_THREAD }
          : {}),
      }),
      { logger: false, print: () => {} },
    );
    const delay = config.monitorEventLoop ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
    delay?.enable();
    return {
      ready: { url: server.url },
      call(body: unknown): EventLoopDelay | null {
        if ((body as AuthServerCall).op === 'collect-garbage') {
          const gc = (globalThis as { gc?: () => void }).gc;
          if (!gc) throw new Error('this auth server was started without --expose-gc');
          gc();
          return null;
        }
        if ((body as AuthServerCall).op !== 'event-loop' || !delay)
          throw new Error('this auth server does not monitor its event loop');
        const read = { maxMs: delay.max / 1e6, p99Ms: delay.percentile(99) / 1e6 };
        delay.reset();
        return read;
      },
      async close() {
        delay?.disable();
        await server.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
});
