import {
  InvalidInputError,
  encodeSseComment,
  ipThrottleKey,
  OverloadedError,
  ThrottledError,
  FeedCursorExpiredError,
  type FeedMessage,
  type FeedSnapshot,
  sseResponseHeaders,
} from '@gatehouse/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OpeningFeedSource } from '../../feed/shared-tail.ts';
import { createSseFanOut, type SseConnection } from '../../feed/sse-fanout.ts';
import type { AppContext } from '../app-context.ts';
import { createServiceTokenGuard } from '../service-token-guard.ts';
import { createStreamAdmission, DEFAULT_STREAM_LIMITS, type RefusedStream } from '../stream-admission.ts';

const CURSOR = /^[A-Za-z0-9._-]{1,128}$/;
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A snapshot's JSON, encoded once for every request it answers: the feed hands one snapshot to all
 * who asked together, and the live set can run to megabytes.
 */
const encodings = new WeakMap<object, Buffer>();
function encoded(snapshot: object): Buffer {
  let json = encodings.get(snapshot);
  if (json === undefined) {
    // As bytes: a string would be encoded again for every response it is written to.
    json = Buffer.from(JSON.stringify(snapshot));
    encodings.set(snapshot, json);
  }
  return json;
}

/** Events after its cursor a pull is answered with; beyond them, the live set (it is smaller then). */
const PULL_CHANGES_LIMIT = 1000;

/**
 * The answer to a pull (`GET /revocations?since=CURSOR`, verifiers without a held connection):
 * what changed since the cursor, as a stream from there would deliver it (nothing, when it is the
 * head), where the feed can tell; otherwise the live set, which the verifier applies idempotently,
 * with `expired` when the feed can no longer replay from the cursor.
 */
async function answerPull(
  feed: OpeningFeedSource,
  since: string,
): Promise<FeedSnapshot & { expired?: true }> {
  const changes = await feed.changesSince(since, PULL_CHANGES_LIMIT);
  if (changes) return changes;
  const snapshot = await feed.snapshot();
  // Checked after the snapshot: a loss between the two is then said, never missed. A lost feed may
  // have taken sessions that ended without an event (the Redis store restarted empty): `expired`
  // tells the verifier to forget the sessions it cached.
  return (await feed.canResume(since)) ? snapshot : { ...snapshot, expired: true };
}

/**
 * The revocation feed over HTTP (docs/design.md §5), for verifiers that cannot reach Redis:
 * `GET /revocations` is the snapshot of live revocations plus the cursor to follow from, and
 * `GET /revocations/stream?since=CURSOR` is Server-Sent Events of every later event and a
 * heartbeat (without `since`: from the feed's head at connection time). A cursor the feed can no longer replay answers 410: the verifier takes a new snapshot.
 */
export function registerRevocationRoutes(
  app: FastifyInstance,
  context: AppContext,
  feed: OpeningFeedSource,
  /** Aborted when the server shuts down: every stream ends, so verifiers reconnect elsewhere. */
  closing?: AbortSignal,
): void {
  const { serviceToken } = context.config;
  // One writer for every stream: each message encoded once, and a follower too slow to keep up
  // dropped (it resumes from its cursor) instead of buffered. The feed (a shared tail) is what
  // spreads the work over event-loop turns: it hands a message to a bounded number of followers per
  // turn (heartbeats spaced over their interval), and the writer writes that turn's connections as
  // soon as the turn's code is done, all of them, without slicing them again.
  const fanOut = createSseFanOut({
    firstWrites: Number.POSITIVE_INFINITY,
    writesPerTurn: Number.POSITIVE_INFINITY,
    onDrop: () => app.log.warn('revocation stream: dropped a follower that fell behind'),
  });
  // The feed carries only opaque ids; with a service token configured it is private all the same.
  const guard = serviceToken ? createServiceTokenGuard(serviceToken) : async () => {};

  app.get<{ Querystring: { since?: string } }>(
    '/revocations',
    { onRequest: guard },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const { since } = request.query;
      if (since !== undefined && !CURSOR.test(since))
        throw new InvalidInputError('malformed cursor', 'since');
      const answer = since === undefined ? await feed.snapshot() : await answerPull(feed, since);
      return reply.type(JSON_TYPE).send(encoded(answer));
    },
  );

  // A private feed's callers hold the service token: only a public one is counted per address.
  const admission = createStreamAdmission({
    maxStreams: context.config.feedMaxStreams ?? DEFAULT_STREAM_LIMITS.maxStreams,
    maxPerAddress: serviceToken
      ? null
      : (context.config.feedMaxStreamsPerAddress ?? DEFAULT_STREAM_LIMITS.maxPerAddress),
  });

  app.get<{ Querystring: { since?: string } }>(
    '/revocations/stream',
    { onRequest: guard },
    async (request, reply) => {
      const given = request.query.since;
      if (given !== undefined && !CURSOR.test(given))
        return reply.code(400).send({ error: 'invalid_request' });
      if (closing?.aborted)
        return reply.code(503).header('retry-after', '1').send({ error: 'temporarily_unavailable' });
      // Before any read of the feed: a refused stream costs nothing but its answer.
      const admitted = admission.admit(ipThrottleKey(request.ip));
      if (!admitted.admitted) throw refusalOf(admitted);
      try {
        // Without `since` the stream follows from now: the head of the feed at connection time (read
        // on its own where the feed can: a snapshot also reads every live revocation, which a
        // reconnecting crowd of such followers would pay once each).
        const since =
          given ?? (feed.newestCursor ? await feed.newestCursor() : (await feed.snapshot()).cursor);
        return await followStream(request, reply, { feed, fanOut, since, closing });
      } finally {
        admitted.release();
      }
    },
  );
}

/**
 * Past the server's bound, 503 (another server may have room); past the address's, 429. Both wait
 * `STREAM_RETRY_AFTER_SECONDS`, and each refusal is one request log line saying which.
 */
function refusalOf(refused: RefusedStream): Error {
  return refused.limit === 'server'
    ? new OverloadedError(STREAM_RETRY_AFTER_SECONDS, 'revocation streams (GATEHOUSE_FEED_MAX_STREAMS)')
    : new ThrottledError(STREAM_RETRY_AFTER_SECONDS);
}

const STREAM_RETRY_AFTER_SECONDS = 5;

interface Following {
  feed: OpeningFeedSource;
  fanOut: ReturnType<typeof createSseFanOut>;
  since: string;
  closing: AbortSignal | undefined;
}

/** Streams the feed from `since` to the client until either side ends it; 410 for a cursor it cannot replay. */
async function followStream(
  request: FastifyRequest,
  reply: FastifyReply,
  { feed, fanOut, since, closing }: Following,
) {
  const controller = new AbortController();
  reply.raw.on('close', () => controller.abort());
  const signal = closing ? AbortSignal.any([controller.signal, closing]) : controller.signal;
  let stream: SseConnection | undefined;
  // As soon as the feed accepted the cursor (or with its first message, for a feed that does
  // not say): before that, a refusal can still answer 410.
  const open = (): SseConnection => {
    if (stream) return stream;
    reply.hijack();
    reply.raw.writeHead(200, sseResponseHeaders);
    // A comment first: proxies flush the headers, and the client knows it is connected.
    reply.raw.write(encodeSseComment('gatehouse revocation feed'));
    stream = fanOut.open(reply.raw);
    return stream;
  };
  const write = (message: FeedMessage) => open().send(message);
  try {
    await feed.follow(since, write, signal, open);
  } catch (error) {
    if (!stream && error instanceof FeedCursorExpiredError)
      return reply.code(410).send({ error: 'cursor_expired' });
    if (!stream) throw error;
    request.log.warn({ err: error }, 'revocation stream ended with an error');
  }
  if (stream) stream.end();
  else return reply.code(204).send();
}
