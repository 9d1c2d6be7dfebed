import { fileURLToPath } from 'node:url';
import type { Arrivals, SseFollowersCall, SseFollowersConfig } from '../workers/sse-followers.ts';
import type { EventLoopDelay } from '../workers/auth-server.ts';
import { startAuthServer } from './auth-server.ts';
import { pinToCpu } from './pin.ts';
import { sleep, wallClockMs } from './timing.ts';
import type { ScenarioContext } from './types.ts';
import { startWorker } from './workers.ts';

const FOLLOWERS = fileURLToPath(new URL('../workers/sse-followers.ts', import.meta.url));
/** How long a round waits for the last follower before counting the rest as missing. */
export const DELIVERY_TIMEOUT_MS = 5000;
/** Pause after each login, random within this range: rounds fall at any phase of the heartbeat. */
const PAUSE_MS = [150, 450] as const;
/** After the followers connected: the server finishes the work of accepting them. */
const SETTLE_MS = 1000;

export interface FanoutSettings {
  followers: number;
  rounds: number;
  /** The auth server's feed on Redis Streams at this URL; in-process when absent. */
  redisUrl?: string;
  /**
   * Pins the auth server to `server` and the followers' process to `followers` (one CPU each,
   * taskset): the followers stand for verifiers on other machines, so they do not take the
   * server's CPU. Unpinned when absent, or where pinning cannot be done.
   */
  cpus?: { server: number; followers: number };
}

/** The rounds of one run, and whether both processes were pinned as asked. */
export interface FanoutRun {
  /** The first event the server fans out after its followers connected: a warm-up, not counted. */
  firstRound: FanoutRound;
  rounds: FanoutRound[];
  pinned: boolean;
}

/** One revocation seen by every follower. Times in ms. */
export interface FanoutRound {
  /** The `POST /oauth/revoke` call, from sending it to its answer, as the bench's client saw it. */
  revokeMs: number;
  /** Per follower that received the event: arrival − the revoke call's answer (negative: before it). */
  fromAnswerMs: number[];
  /** Per follower that received the event: arrival − sending the revoke call. */
  fromSendMs: number[];
  missing: number;
  /** Followers whose connection had closed by the end of the round. */
  closed: number;
  /** The server's event-loop delay from just before the revoke call until every follower had the event. */
  eventLoop: EventLoopDelay;
}

/**
 * One auth server (its own process) with `followers` SSE followers (one more process), a full
 * garbage collection in the server once they are connected, one revocation not counted (the
 * first fan-out), and `rounds` revocations: each round logs in (token strategy), tells the
 * followers which session id to wait for, revokes the access token (RFC 7009) and waits until
 * every follower received the event. Every process is stopped whatever happens.
 */
export async function runFanoutRounds(
  ctx: ScenarioContext,
  name: string,
  settings: FanoutSettings,
): Promise<FanoutRun> {
  const server = await startAuthServer({
    monitorEventLoop: true,
    exposeGc: true,
    ...(settings.redisUrl ? { redisUrl: settings.redisUrl } : {}),
  });
  try {
    const config: SseFollowersConfig = { url: server.url, followers: settings.followers };
    const followers = await startWorker<{ followers: number }>(FOLLOWERS, config);
    try {
      const { cpus } = settings;
      // Pinned only when both processes were: the report then says which layout it measured.
      const pinned =
        cpus !== undefined &&
        pinToCpu(server.pid, cpus.server) !== undefined &&
        pinToCpu(followers.pid, cpus.followers) !== undefined;
      ctx.progress(`${name}: ${settings.followers} followers connected`);
      await sleep(SETTLE_MS);
      // The state of 3,000 new connections (about 12 MB) is young: left to itself it is copied by
      // the next young-generation collections, 10–20 ms each, which would land in one of the
      // rounds at random. A server that has held its followers for a while has long promoted it.
      await server.collectGarbage();
      const call = <T>(body: SseFollowersCall) => followers.call<T>(body, DELIVERY_TIMEOUT_MS + 10_000);
      const round = async (): Promise<FanoutRound> => {
        const { accessToken, sid } = await server.login();
        await sleep(PAUSE_MS[0] + Math.random() * (PAUSE_MS[1] - PAUSE_MS[0]));
        await call({ op: 'await', sid });
        await server.eventLoopDelay(); // starts the window
        const sent = wallClockMs();
        await server.revoke(accessToken);
        const answered = wallClockMs();
        const arrivals = await call<Arrivals>({ op: 'collect', timeoutMs: DELIVERY_TIMEOUT_MS });
        return {
          revokeMs: answered - sent,
          fromAnswerMs: arrivals.at.map((at) => at - answered),
          fromSendMs: arrivals.at.map((at) => at - sent),
          missing: arrivals.missing,
          closed: arrivals.closed,
          eventLoop: await server.eventLoopDelay(),
        };
      };
      // The first fan-out runs code the server has not run yet (no heartbeat has gone out since
      // the followers connected): reported on its own, not pooled with the rounds.
      const firstRound = await round();
      const rounds: FanoutRound[] = [];
      for (let index = 1; index <= settings.rounds; index++) {
        rounds.push(await round());
        if (index % 10 === 0 || index === settings.rounds)
          ctx.progress(`${name}: round ${index}/${settings.rounds}, ${rounds.at(-1)!.missing} missing`);
      }
      return { firstRound, rounds, pinned };
    } finally {
      await followers.stop();
    }
  } finally {
    await server.stop();
  }
}
