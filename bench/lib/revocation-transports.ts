import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createInProcessFeed, systemClock } from '@gatehouse/core';
import { Redis } from 'ioredis';
import type { JWK } from 'jose';
import type { RevocationVerifierCall, RevocationVerifierConfig } from '../workers/revocation-verifier.ts';
import { startAuthServer } from './auth-server.ts';
import { type FeedTransport, redisFeedModule } from './feed-transports.ts';
import { formatMs } from './format.ts';
import { type ProbeOutcome, type RevocationProbe, startRevocationProbe } from './revocation-probe.ts';
import {
  publishingDriver,
  type RevocationDriver,
  type RevocationSample,
  runRevocationRounds,
} from './revocation-rounds.ts';
import type { SigningFixture } from './signing-fixture.ts';
import type { ScenarioContext } from './types.ts';
import { startWorker, type Worker } from './workers.ts';

const VERIFIER = fileURLToPath(new URL('../workers/revocation-verifier.ts', import.meta.url));
export const RATE_PER_SECOND = 2000;
export const ROUND_TIMEOUT_MS = 5000;

export interface RevocationSettings {
  verifiers: number;
  rounds: number;
}

export interface TransportResult {
  name: string;
  verifiers: number;
  samples: RevocationSample[];
  baseline?: boolean;
}

/** A verifier process seen through the same interface as an in-process probe. */
function remoteProbe(worker: Worker<unknown>): RevocationProbe {
  const call = <T>(body: RevocationVerifierCall) => worker.call<T>(body, ROUND_TIMEOUT_MS + 5000);
  return {
    watch: (token) => call<void>({ op: 'watch', token }),
    outcome: (sid, timeoutMs) => call<ProbeOutcome>({ op: 'outcome', sid, timeoutMs }),
    close: () => worker.stop(),
  };
}

/** Starts the verifier processes, runs the rounds, and stops the processes whatever happens. */
async function runAcrossProcesses(
  ctx: ScenarioContext,
  name: string,
  settings: RevocationSettings,
  verifierConfig: { jwks: { keys: JWK[] }; transport: FeedTransport },
  driver: RevocationDriver,
): Promise<TransportResult> {
  const config: RevocationVerifierConfig = { ...verifierConfig, ratePerSecond: RATE_PER_SECOND };
  const started = await Promise.allSettled(
    Array.from({ length: settings.verifiers }, () => startWorker<unknown>(VERIFIER, config)),
  );
  const probes = started.flatMap((outcome) =>
    outcome.status === 'fulfilled' ? [remoteProbe(outcome.value)] : [],
  );
  try {
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    ctx.progress(`${name}: all following the feed`);
    const samples = await runRevocationRounds({
      rounds: settings.rounds,
      driver,
      probes,
      timeoutMs: ROUND_TIMEOUT_MS,
      onRound: (round, roundSamples) => {
        if (round % 10 !== 0 && round !== settings.rounds) return;
        const worst = Math.max(
          ...roundSamples.map((sample) => sample.refusalDelayMs ?? Number.POSITIVE_INFINITY),
        );
        ctx.progress(`${name}: round ${round}/${settings.rounds}, slowest verifier ${formatMs(worst)}`);
      },
    });
    return { name, verifiers: settings.verifiers, samples };
  } finally {
    await Promise.all(probes.map((probe) => probe.close()));
  }
}

/** The floor: verifier and feed in one process, the event applied synchronously on publish. */
export async function runInProcess(
  ctx: ScenarioContext,
  signing: SigningFixture,
  settings: RevocationSettings,
): Promise<TransportResult> {
  const feed = createInProcessFeed({ clock: systemClock, heartbeatMs: 1000 });
  const probe = await startRevocationProbe(feed, signing.jwks, RATE_PER_SECOND);
  try {
    const samples = await runRevocationRounds({
      rounds: settings.rounds,
      driver: publishingDriver(signing, (events) => feed.publish(events)),
      probes: [probe],
      timeoutMs: ROUND_TIMEOUT_MS,
    });
    ctx.progress(`in-process feed: ${settings.rounds} rounds done`);
    return { name: 'in-process feed, same process (baseline)', verifiers: 1, samples, baseline: true };
  } finally {
    await probe.close();
    feed.close();
  }
}

/** The server package's Redis Streams feed; the bench publishes and beats as the auth server would. */
export async function runRedisStreams(
  ctx: ScenarioContext,
  signing: SigningFixture,
  settings: RevocationSettings,
): Promise<TransportResult> {
  const { createRedisStreamFeed } = await redisFeedModule();
  // A stream of its own, deleted at the end: the bench never writes to a deployment's feed.
  const streamKey = `gh-bench-${randomBytes(6).toString('hex')}:revocations`;
  const client = new Redis(ctx.redisUrl);
  const publisher = createRedisStreamFeed({ client, clock: systemClock, streamKey });
  publisher.startHeartbeat();
  try {
    return await runAcrossProcesses(
      ctx,
      `Redis Streams, ${settings.verifiers} verifier processes`,
      settings,
      { jwks: signing.jwks, transport: { kind: 'redis', redisUrl: ctx.redisUrl, streamKey } },
      publishingDriver(signing, (events) => publisher.publish(events)),
    );
  } finally {
    publisher.stop();
    await client.unlink(streamKey, `{${streamKey}}:live`).catch(() => {});
    client.disconnect();
  }
}

/**
 * End to end through the real auth server (its own process, embedded mode): each round logs in
 * (token strategy), and the revocation is an RFC 7009 `POST /oauth/revoke` of the access token;
 * verifiers follow the server's SSE endpoint. The delay counts from sending the revoke request.
 */
export async function runServerSse(
  ctx: ScenarioContext,
  settings: RevocationSettings,
): Promise<TransportResult> {
  const server = await startAuthServer();
  try {
    const driver: RevocationDriver = {
      async mint() {
        const { accessToken, sid } = await server.login();
        return { token: accessToken, sid };
      },
      revoke: ({ token }) => server.revoke(token),
    };
    return await runAcrossProcesses(
      ctx,
      `auth server SSE (/revocations/stream), ${settings.verifiers} verifier processes`,
      settings,
      { jwks: await server.jwks(), transport: { kind: 'sse', baseUrl: server.url } },
      driver,
    );
  } finally {
    await server.stop();
  }
}
