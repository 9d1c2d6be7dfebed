import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createManualClock } from '../testing/manual-clock.ts';
import { FeedCursorExpiredError, type FeedMessage, type FeedSource } from './feed.ts';
import { createInProcessFeed, type InProcessFeed } from './in-process-feed.ts';
import type { RevocationEvent } from './revocation-event.ts';
import { encodeSseComment, encodeSseMessage, sseResponseHeaders } from './sse-encode.ts';
import { createSseFeedSource } from './sse-feed-source.ts';

const until = Date.UTC(2026, 0, 1) + 600_000;
const tokenEvent = (jti: string): RevocationEvent => ({ type: 'token', jti, until });

/** A fetch that answers with the given status, headers and body chunks, recording requests. */
function fakeFetch(chunks: Uint8Array[], init: { status?: number; contentType?: string } = {}) {
  const requests: { url: string; headers: Record<string, string> }[] = [];
  const fetch = (async (url: string, options?: RequestInit) => {
    requests.push({ url, headers: { ...(options?.headers as Record<string, string>) } });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    return new Response(body, {
      status: init.status ?? 200,
      headers: { 'content-type': init.contentType ?? 'text/event-stream; charset=utf-8' },
    });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

async function followAll(source: FeedSource, cursor = 'c0'): Promise<FeedMessage[]> {
  const messages: FeedMessage[] = [];
  await source.follow(cursor, (m) => messages.push(m), new AbortController().signal);
  return messages;
}

const messages: FeedMessage[] = [
  { kind: 'event', cursor: 'e.1', event: { type: 'session', sid: 'sïd-✓-𝄞', sub: 'ü', until } },
  { kind: 'heartbeat', cursor: 'e.1', at: 42 },
  { kind: 'event', cursor: 'e.2', event: { type: 'user', sub: 'u', before: 5, until } },
  { kind: 'event', cursor: 'e.3', event: tokenEvent('j') },
  { kind: 'event', cursor: 'e.4', event: { type: 'key', kid: 'k', until } },
];
const wire = new TextEncoder().encode(
  encodeSseComment('hello') + messages.map(encodeSseMessage).join('') + 'event: future\ndata: {}\n\n',
);

describe('encodeSseMessage', () => {
  it('writes id, event and one data line', () => {
    assert.equal(
      encodeSseMessage({ kind: 'event', cursor: 'e.3', event: tokenEvent('j') }),
      `id: e.3\nevent: revocation\ndata: {"type":"token","jti":"j","until":${until}}\n\n`,
    );
    assert.equal(
      encodeSseMessage({ kind: 'heartbeat', cursor: 'e.3', at: 7 }),
      'id: e.3\nevent: heartbeat\ndata: {"at":7}\n\n',
    );
  });

  it('refuses a cursor that would break the framing', () => {
    for (const cursor of ['a\nb', 'a\rb', 'a\0b']) {
      assert.throws(() => encodeSseMessage({ kind: 'heartbeat', cursor, at: 1 }), TypeError);
    }
  });
});

describe('createSseFeedSource.follow (parsing)', () => {
  it('decodes the stream split at every byte position, multi-byte characters included', async () => {
    for (let at = 0; at <= wire.length; at++) {
      const { fetch } = fakeFetch([wire.subarray(0, at), wire.subarray(at)]);
      const source = createSseFeedSource({ baseUrl: 'http://feed.test', fetch });
      assert.deepEqual(await followAll(source), messages, `split at byte ${at}`);
    }
    const { fetch } = fakeFetch([...wire].map((byte) => Uint8Array.of(byte)));
    assert.deepEqual(await followAll(createSseFeedSource({ baseUrl: 'http://feed.test', fetch })), messages);
  });

  it('asks for the stream after the cursor, as event-stream, with the extra headers', async () => {
    const { fetch, requests } = fakeFetch([]);
    const source = createSseFeedSource({
      baseUrl: 'http://feed.test/auth/',
      fetch,
      headers: { authorization: 'Bearer x' },
    });
    await followAll(source, 'e.1 &x=1');
    assert.equal(requests[0]!.url, 'http://feed.test/auth/revocations/stream?since=e.1%20%26x%3D1');
    assert.equal(requests[0]!.headers.accept, 'text/event-stream');
    assert.equal(requests[0]!.headers.authorization, 'Bearer x');
  });

  it('rejects a revocation it cannot read instead of skipping it', async () => {
    const bad = [
      'id: 1\nevent: revocation\ndata: {"type":"token","until":1}\n\n',
      'id: 1\nevent: revocation\ndata: not json\n\n',
      'event: revocation\ndata: {"type":"token","jti":"j","until":1}\n\n',
      'id: 1\nevent: heartbeat\ndata: {"at":"soon"}\n\n',
    ];
    for (const text of bad) {
      const { fetch } = fakeFetch([new TextEncoder().encode(text)]);
      await assert.rejects(
        followAll(createSseFeedSource({ baseUrl: 'http://feed.test', fetch })),
        Error,
        text,
      );
    }
  });

  it('maps HTTP 410 to FeedCursorExpiredError and other failures to errors', async () => {
    const gone = fakeFetch([], { status: 410 });
    await assert.rejects(
      followAll(createSseFeedSource({ baseUrl: 'http://f.test', fetch: gone.fetch })),
      FeedCursorExpiredError,
    );
    const broken = fakeFetch([], { status: 500 });
    await assert.rejects(
      followAll(createSseFeedSource({ baseUrl: 'http://f.test', fetch: broken.fetch })),
      /HTTP 500/,
    );
    const html = fakeFetch([], { contentType: 'text/html' });
    await assert.rejects(
      followAll(createSseFeedSource({ baseUrl: 'http://f.test', fetch: html.fetch })),
      /text\/html/,
    );
  });

  it('refuses a bad baseUrl eagerly', () => {
    for (const baseUrl of ['feed.test', 'ftp://feed.test', 'http://feed.test/?a=1', 'http://feed.test/#x']) {
      assert.throws(() => createSseFeedSource({ baseUrl }), TypeError, baseUrl);
    }
  });
});

describe('createSseFeedSource.snapshot', () => {
  const json = (body: unknown, status = 200) =>
    (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;

  it('returns the events and cursor', async () => {
    const source = createSseFeedSource({
      baseUrl: 'http://f.test',
      fetch: json({ events: [tokenEvent('a')], cursor: 'e.1' }),
    });
    assert.deepEqual(await source.snapshot(), { events: [tokenEvent('a')], cursor: 'e.1' });
  });

  it('refuses a malformed snapshot or a failed request', async () => {
    for (const body of [
      null,
      {},
      { events: [], cursor: '' },
      { events: {}, cursor: 'c' },
      { events: [{ type: 'token' }], cursor: 'c' },
    ]) {
      await assert.rejects(
        createSseFeedSource({ baseUrl: 'http://f.test', fetch: json(body) }).snapshot(),
        /malformed/,
      );
    }
    await assert.rejects(
      createSseFeedSource({ baseUrl: 'http://f.test', fetch: json({}, 503) }).snapshot(),
      /HTTP 503/,
    );
  });
});

/** A minimal feed server on node:http, the shape the lead mounts in Fastify. */
function serveFeed(feed: InProcessFeed): Server {
  return createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/revocations') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(await feed.snapshot()));
      return;
    }
    if (url.pathname !== '/revocations/stream') {
      response.writeHead(404).end();
      return;
    }
    const controller = new AbortController();
    request.on('close', () => controller.abort());
    let headersSent = false;
    const write = (message: FeedMessage) => {
      if (!headersSent) response.writeHead(200, sseResponseHeaders);
      headersSent = true;
      response.write(encodeSseMessage(message));
    };
    try {
      await feed.follow(url.searchParams.get('since') ?? '', write, controller.signal);
      response.end();
    } catch (error) {
      if (!(error instanceof FeedCursorExpiredError) || headersSent) throw error;
      response.writeHead(410).end();
    }
  });
}

describe('SSE round trip over a real socket', () => {
  const clock = createManualClock();
  const feed = createInProcessFeed({ clock, heartbeatMs: 20 });
  const server = serveFeed(feed);
  let source: FeedSource;

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    source = createSseFeedSource({ baseUrl: `http://127.0.0.1:${port}` });
  });
  after(() => {
    feed.close();
    server.closeAllConnections();
    server.close();
  });

  /** Follows until `count` events arrived, then disconnects. */
  async function receive(cursor: string, count: number): Promise<FeedMessage[]> {
    const received: FeedMessage[] = [];
    const controller = new AbortController();
    const done = source.follow(
      cursor,
      (m) => {
        received.push(m);
        if (received.filter((r) => r.kind === 'event').length === count) controller.abort();
      },
      controller.signal,
    );
    return done.then(() => received);
  }

  it('snapshot, live events, heartbeats, then a reconnect that gets exactly what it missed', async () => {
    await feed.publish([tokenEvent('old')]);
    const snapshot = await source.snapshot();
    assert.deepEqual(snapshot.events, [tokenEvent('old')]);

    const live = receive(snapshot.cursor, 2);
    await new Promise((resolve) => setTimeout(resolve, 60)); // let heartbeats flow first
    await feed.publish([tokenEvent('a'), { type: 'session', sid: 'sïd', sub: 'u', until }]);
    const first = await live;
    assert.ok(
      first.some((m) => m.kind === 'heartbeat' && m.at === clock.now()),
      'heartbeats arrive',
    );
    const firstEvents = first.filter((m) => m.kind === 'event');
    assert.deepEqual(
      firstEvents.map((m) => m.event),
      [tokenEvent('a'), { type: 'session', sid: 'sïd', sub: 'u', until }],
    );

    await feed.publish([tokenEvent('missed-1'), tokenEvent('missed-2')]);
    const second = await receive(firstEvents.at(-1)!.cursor, 2);
    assert.deepEqual(
      second.filter((m) => m.kind === 'event').map((m) => m.event),
      [tokenEvent('missed-1'), tokenEvent('missed-2')],
    );
  });

  it('a cursor the server cannot resume answers 410, surfaced as FeedCursorExpiredError', async () => {
    await assert.rejects(receive('someone-else.3', 1), FeedCursorExpiredError);
  });
});
