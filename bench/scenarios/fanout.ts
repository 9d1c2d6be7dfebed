import {
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import { attempt, unavailable } from '../lib/cases.ts';
import { DELIVERY_TIMEOUT_MS, type FanoutRound, runFanoutRounds } from '../lib/fanout-rounds.ts';
import { formatNumber, formatRatio } from '../lib/format.ts';
import { describeCores } from '../lib/machine.ts';
import { pinToCpu } from '../lib/pin.ts';
import { recordScore } from '../lib/scorecard.ts';
import { quantile, ratio } from '../lib/stats.ts';
import { emptyResult, type Scenario, type ScenarioContext, type ScenarioResult } from '../lib/types.ts';

type Feed = 'in-process' | 'Redis Streams';

interface FanoutCase {
  feed: Feed;
  followers: number;
  /** The first fan-out after the followers connected: shown, never pooled with the rounds. */
  firstRound: FanoutRound;
  rounds: FanoutRound[];
  pinned: boolean;
}

/**
 * As the issue measured: the auth server alone on CPU 0; its followers (standing for verifiers on
 * other machines), the redis-server and the bench, which logs in and revokes, on CPU 1.
 */
const CPUS = { server: 0, followers: 1 } as const;

/** The figures of one case, pooled over its rounds. */
interface CaseFigures {
  fromAnswer: { p50: number; p99: number; max: number };
  fromSendP99: number;
  revokeP50: number;
  revokeMax: number;
  /** The worst event-loop delay of any round, and the median of each round's worst. */
  stallMax: number;
  stallMedian: number;
  /** Deliveries missed, and connections closed, in the rounds and the first fan-out alike. */
  missing: number;
  closed: number;
}

const BASELINE_FOLLOWERS = 10;
const GOAL_FOLLOWERS = 3000;
const GOAL_P99_MS = 50;
const GOAL_STALL_MS = 20;

/** Max of many values without spreading them into arguments (3,000 × rounds overflows the stack). */
const maxOf = (values: number[]) => values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);

function figures({ rounds, firstRound }: FanoutCase): CaseFigures {
  const fromAnswer = rounds.flatMap((round) => round.fromAnswerMs);
  const revoke = rounds.map((round) => round.revokeMs);
  const stalls = rounds.map((round) => round.eventLoop.maxMs);
  const q = (values: number[], p: number) => (values.length > 0 ? quantile(values, p) : Number.NaN);
  return {
    fromAnswer: { p50: q(fromAnswer, 0.5), p99: q(fromAnswer, 0.99), max: maxOf(fromAnswer) },
    fromSendP99: q(
      rounds.flatMap((round) => round.fromSendMs),
      0.99,
    ),
    revokeP50: q(revoke, 0.5),
    revokeMax: maxOf(revoke),
    stallMax: maxOf(stalls),
    stallMedian: q(stalls, 0.5),
    missing: [firstRound, ...rounds].reduce((sum, round) => sum + round.missing, 0),
    closed: maxOf([firstRound, ...rounds].map((round) => round.closed)),
  };
}

/** The first fan-out: its last delivery after the answer and its stall, ms. */
function firstFigures({ firstRound }: FanoutCase): { max: number; stall: number } {
  return { max: maxOf(firstRound.fromAnswerMs), stall: firstRound.eventLoop.maxMs };
}

const label = ({ feed, followers }: Pick<FanoutCase, 'feed' | 'followers'>) =>
  `${feed}, ${followers.toLocaleString('en-US')} follower${followers === 1 ? '' : 's'}`;

function addSection(result: ScenarioResult, cases: FanoutCase[]): void {
  const baselineOf = (feed: Feed) =>
    cases.find((other) => other.feed === feed && other.followers === BASELINE_FOLLOWERS);
  const ms = formatNumber;
  result.sections.push({
    title: 'Revoke → every SSE follower',
    description:
      "Each round revokes one session (`POST /oauth/revoke`) while every follower holds `GET /revocations/stream` open. Delivery is when a follower received the event, after the revoke call answered (negative: before it answered); stall is the auth server's worst event-loop delay from just before the call until the last follower had the event. The revoke call × is against the same feed with 10 followers. Before the rounds, once the followers are connected, the server runs one full garbage collection (the bench's server worker, started with `--expose-gc`: the state of the new connections is promoted, as in a server that has held its followers for a while), and one more revocation warms it up (its first fan-out since the followers connected, shown on its own and not pooled); every round must deliver to every follower, that one included.",
    table: {
      columns: [
        'feed, followers',
        'rounds',
        'delivery p50 / p99 / max ms',
        'p99 from sending ms',
        'revoke call p50 / max ms',
        'revoke × 10 followers',
        'stall worst / median ms',
        'first fan-out, not counted: last delivery / stall ms',
        'missed events',
      ],
      align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      rows: cases.map((fanout) => {
        const f = figures(fanout);
        const first = firstFigures(fanout);
        const base = baselineOf(fanout.feed);
        return [
          label(fanout),
          String(fanout.rounds.length),
          `${ms(f.fromAnswer.p50)} / ${ms(f.fromAnswer.p99)} / ${ms(f.fromAnswer.max)}`,
          ms(f.fromSendP99),
          `${ms(f.revokeP50)} / ${ms(f.revokeMax)}`,
          formatRatio(ratio(f.revokeP50, base ? figures(base).revokeP50 : undefined)),
          `${ms(f.stallMax)} / ${ms(f.stallMedian)}`,
          `${ms(first.max)} / ${ms(first.stall)}`,
          String(f.missing),
        ];
      }),
    },
    chart: {
      title: 'Revoke call answered → event at each follower (p99)',
      unit: 'ms',
      better: 'lower',
      bars: cases.map((fanout) => {
        const f = figures(fanout);
        return {
          label: label(fanout),
          value: Math.max(0, f.fromAnswer.p99),
          high: Math.max(0, f.fromAnswer.max),
          baseline: fanout.followers === BASELINE_FOLLOWERS && fanout.feed === 'in-process',
        };
      }),
    },
  });
}

/** Goal 5 of issue 14, per feed at the full follower count; misses fail the scenario. */
function score(result: ScenarioResult, cases: FanoutCase[]): void {
  for (const fanout of cases) {
    const f = figures(fanout);
    if (f.missing > 0 || f.closed > 0)
      result.failures.push({
        case: label(fanout),
        reason: `${f.missing} deliveries missed (not within ${DELIVERY_TIMEOUT_MS / 1000} s), ${f.closed} connections closed`,
      });
    if (fanout.followers === BASELINE_FOLLOWERS) continue;
    const base = cases.find((other) => other.feed === fanout.feed && other.followers === BASELINE_FOLLOWERS);
    const b = base ? figures(base) : undefined;
    const revokeRatio = ratio(f.revokeP50, b?.revokeP50);
    recordScore(result, {
      goal: 5,
      what: `fan-out to ${fanout.followers.toLocaleString('en-US')} SSE followers, ${fanout.feed} feed: delivery p99 after the revoke call answered, worst event-loop stall`,
      value: `p50 ${formatNumber(f.fromAnswer.p50)} ms, p99 ${formatNumber(f.fromAnswer.p99)} ms; stall ${formatNumber(f.stallMax)} ms worst, ${formatNumber(f.stallMedian)} ms median round; revoke call ${formatNumber(f.revokeP50)} ms p50 (${formatRatio(revokeRatio)} at 10)`,
      target: `p99 ≤ ${GOAL_P99_MS} ms, stall ≤ ${GOAL_STALL_MS} ms`,
      pass:
        fanout.followers >= GOAL_FOLLOWERS &&
        f.fromAnswer.p99 <= GOAL_P99_MS &&
        f.stallMax <= GOAL_STALL_MS &&
        f.missing === 0,
      baselines: b
        ? `${BASELINE_FOLLOWERS} followers: p99 ${formatNumber(b.fromAnswer.p99)} ms, stall ${formatNumber(b.stallMax)} / ${formatNumber(b.stallMedian)} ms, revoke call ${formatNumber(b.revokeP50)} ms`
        : '–',
    });
    // The goal's third condition, a row of its own so that the two above are not read as the whole goal.
    recordScore(result, {
      goal: 5,
      what: `fan-out to ${fanout.followers.toLocaleString('en-US')} SSE followers, ${fanout.feed} feed: the revoke call's p50 ÷ its p50 with ${BASELINE_FOLLOWERS} followers`,
      value: `${formatRatio(revokeRatio)} (${formatNumber(f.revokeP50)} ms vs ${b ? formatNumber(b.revokeP50) : '–'} ms)`,
      target: '≤ 1.00×: no slower than with 10 followers',
      pass: fanout.followers >= GOAL_FOLLOWERS && Number.isFinite(revokeRatio) && revokeRatio <= 1,
      baselines: b ? `${BASELINE_FOLLOWERS} followers: revoke call ${formatNumber(b.revokeP50)} ms p50` : '–',
    });
    result.headlines.push(
      `Fan-out to ${fanout.followers.toLocaleString('en-US')} SSE followers (${fanout.feed} feed): every follower had the event ${formatNumber(f.fromAnswer.p50)} ms p50, ${formatNumber(f.fromAnswer.p99)} ms p99 after the revoke call answered; the call took ${formatRatio(revokeRatio)} its time at ${BASELINE_FOLLOWERS} followers; worst event-loop stall ${formatNumber(f.stallMax)} ms (${b ? formatNumber(b.stallMax) : '–'} ms at ${BASELINE_FOLLOWERS}).`,
    );
  }
}

async function runFeed(
  ctx: ScenarioContext,
  result: ScenarioResult,
  feed: Feed,
  counts: number[],
  rounds: number,
): Promise<FanoutCase[]> {
  const cases: FanoutCase[] = [];
  for (const followers of counts) {
    const name = label({ feed, followers });
    let redis: TestRedisServer | undefined;
    const measured = await attempt(result, name, async () => {
      // A redis-server of its own: the server's stream key is fixed, and the shared one is not ours to write.
      if (feed === 'Redis Streams') redis = await startTestRedisServer();
      return runFanoutRounds(ctx, name, {
        followers,
        rounds,
        cpus: CPUS,
        ...(redis ? { redisUrl: redis.url } : {}),
      });
    }).finally(() => redis?.stop());
    if (measured) cases.push({ feed, followers, ...measured });
  }
  return cases;
}

export const fanoutScenario: Scenario = {
  name: 'fanout',
  title: 'Revocation feed fan-out to many SSE followers',
  async run(ctx) {
    const result = emptyResult();
    const { followers, rounds } = ctx.quick
      ? { followers: 50, rounds: 3 }
      : { followers: GOAL_FOLLOWERS, rounds: 20 };
    const counts = [BASELINE_FOLLOWERS, followers];
    // The bench first, so that the redis-servers it starts run on the followers' CPU too.
    const unpinBench = pinToCpu(process.pid, CPUS.followers);
    const cases: FanoutCase[] = [];
    try {
      cases.push(...(await runFeed(ctx, result, 'in-process', counts, rounds)));
      if (await redisServerAvailable())
        cases.push(...(await runFeed(ctx, result, 'Redis Streams', counts, rounds)));
      else
        unavailable(
          result,
          'Redis Streams feed',
          'redis-server is not on PATH (the scenario starts its own)',
        );
    } finally {
      unpinBench?.();
    }
    const pinned = unpinBench !== undefined && cases.length > 0 && cases.every((entry) => entry.pinned);
    addSection(result, cases);
    score(result, cases);
    result.notes.push(
      `The auth server (embedded SQLite; feed in-process or on a redis-server the scenario starts) runs in one process, the ${followers.toLocaleString('en-US')} followers in another (bare TCP sockets sending \`GET /revocations/stream\`, each searching its bytes for the awaited session id), and the bench, which logs in and revokes, in a third; ${pinned ? `the auth server is pinned to CPU ${CPUS.server}, and the followers, the redis-server and the bench to CPU ${CPUS.followers} (taskset, all threads): the followers stand for verifiers on other machines, so they do not take the server's CPU, as the issue measured (until 2026-12-06 nothing was pinned; docs/benchmarks.md compares the two)` : 'nothing is pinned to a core (taskset or a second CPU missing)'} (${describeCores()}).`,
      "Arrival times are wall-clock readings (performance.timeOrigin + performance.now()) in the followers' process, compared with the bench process's reading as the revoke call answered. The stall is the largest delay of a 1 ms timer in the server process (perf_hooks.monitorEventLoopDelay), reset just before each revoke call: on a shared machine it also counts time the process waited for a core.",
      `Each round waits ${DELIVERY_TIMEOUT_MS / 1000} s at most; a follower that has not received the event by then counts as a missed event, and any missed event fails the scenario (quick run included).`,
    );
    return result;
  },
};

async function redisServerAvailable(): Promise<boolean> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => execFile('redis-server', ['--version'], (error) => resolve(!error)));
}
