import { FeedCursorExpiredError, type FeedMessage, type FeedSnapshot, type FeedSource } from './feed.ts';
import { parseRevocationEvent } from './parse-revocation-event.ts';
import type { RevocationEvent } from './revocation-event.ts';
import { createSseParser, type SseEvent } from './sse-parser.ts';

export interface SseFeedSourceOptions {
  /** The auth server's base URL; the feed lives at `/revocations` and `/revocations/stream`. */
  baseUrl: string;
  /** Injected for tests and custom agents. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Extra request headers, e.g. a credential for the feed endpoint. */
  headers?: Record<string, string>;
}

/**
 * A feed source over HTTP: the snapshot is `GET /revocations` (`{ events, cursor }`), the stream is
 * `GET /revocations/stream?since=<cursor>` as Server-Sent Events (see `encodeSseMessage`). HTTP 410
 * on the stream means the cursor can no longer be resumed (`FeedCursorExpiredError`).
 *
 * @example
 * const feed = createSseFeedSource({ baseUrl: 'https://auth.example.com' });
 * const verifier = createVerifier({ issuer, audience, algorithms: ['ES256'], jwksUrl, feed });
 */
export function createSseFeedSource(options: SseFeedSourceOptions): FeedSource {
  const base = parseBaseUrl(options.baseUrl);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const extraHeaders = { ...options.headers };
  if (typeof fetchImpl !== 'function') throw new TypeError('fetch is not available; pass options.fetch');

  return {
    async snapshot() {
      const response = await fetchImpl(`${base}/revocations`, {
        headers: { ...extraHeaders, accept: 'application/json' },
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`revocation snapshot failed: HTTP ${response.status}`);
      }
      return parseSnapshot(await response.json());
    },

    async follow(cursor, onMessage, signal) {
      const url = `${base}/revocations/stream?since=${encodeURIComponent(cursor)}`;
      let response: Response;
      try {
        response = await fetchImpl(url, {
          headers: { ...extraHeaders, accept: 'text/event-stream', 'cache-control': 'no-store' },
          signal,
        });
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      if (response.status === 410) {
        await response.body?.cancel();
        throw new FeedCursorExpiredError();
      }
      const contentType = response.headers.get('content-type') ?? '';
      if (!response.ok || !response.body || !contentType.startsWith('text/event-stream')) {
        await response.body?.cancel();
        throw new Error(`revocation stream failed: HTTP ${response.status} ${contentType}`);
      }
      await readStream(response.body, (event) => deliver(event, onMessage), signal);
    },
  };
}

function parseBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError('baseUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError('baseUrl must be an absolute http(s) URL');
  if (url.search || url.hash) throw new TypeError('baseUrl must not carry a query or fragment');
  return url.href.replace(/\/+$/, '');
}

function parseSnapshot(body: unknown): FeedSnapshot {
  const { events, cursor, complete } = (body ?? {}) as {
    events?: unknown;
    cursor?: unknown;
    complete?: unknown;
  };
  if (!Array.isArray(events) || typeof cursor !== 'string' || cursor === '')
    throw new Error('revocation snapshot: malformed body');
  if (complete !== undefined && typeof complete !== 'boolean')
    throw new Error('revocation snapshot: malformed body');
  // One unreadable event makes the whole snapshot untrustworthy: the verifier stays stale instead.
  const parsed = events.map(parseRevocationEvent);
  if (parsed.some((event) => event === null)) throw new Error('revocation snapshot: malformed event');
  const snapshot: FeedSnapshot = { events: parsed as RevocationEvent[], cursor };
  // Anything but an explicit true-or-absent reads as incomplete: never fresher than the server says.
  if (complete === false) snapshot.complete = false;
  return snapshot;
}

/** Turns one SSE frame into a feed message. A frame we cannot read ends the connection: skipping it could skip a revocation. */
function deliver(frame: SseEvent, onMessage: (message: FeedMessage) => void): void {
  if (frame.event !== 'revocation' && frame.event !== 'heartbeat') return; // newer server: not ours to judge
  if (frame.id === '') throw new Error('revocation stream: message without a cursor');
  const data: unknown = JSON.parse(frame.data);
  if (frame.event === 'revocation') {
    const event = parseRevocationEvent(data);
    if (!event) throw new Error('revocation stream: malformed event');
    onMessage({ kind: 'event', cursor: frame.id, event });
    return;
  }
  const at = (data as { at?: unknown } | null)?.at;
  if (typeof at !== 'number' || !Number.isFinite(at))
    throw new Error('revocation stream: malformed heartbeat');
  onMessage({ kind: 'heartbeat', cursor: frame.id, at });
}

async function readStream(
  body: ReadableStream<Uint8Array>,
  onFrame: (frame: SseEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser(onFrame);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  } finally {
    // Releases the socket whether we finished, failed to parse, or were aborted.
    reader.cancel().catch(() => {});
  }
}
