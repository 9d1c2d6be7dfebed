import { parseRevocationEvent, type RevocationEvent } from '@gatehouse/core';

export interface PullFeedSourceOptions {
  /** The auth server's base URL; the feed lives at `/revocations`. */
  baseUrl: string;
  /** Default: the global `fetch`, read once, here. */
  fetch?: typeof fetch;
  /** Extra request headers, e.g. `authorization: 'Bearer <service token>'`. */
  headers?: Record<string, string>;
  /** Bound on one pull. Default 5000. */
  timeoutMs?: number;
}

/**
 * A revocation feed read by polling, for runtimes that cannot hold a connection between requests
 * (AWS Lambda, Cloudflare Workers). Pass it as `feed` to `createVerifier`: instead of following a
 * stream, the verifier pulls `GET /revocations?since=CURSOR` whenever its view is older than
 * `maxStalenessMs`, once for all the requests waiting on it, before answering them.
 */
export interface PullFeedSource {
  readonly mode: 'pull';
  /** Every live revocation and the cursor to pull from next (`GET /revocations`). */
  snapshot(): Promise<PullAnswer>;
  /**
   * What changed since `cursor` (`GET /revocations?since=`): the events after it (none when up to
   * date), or the live set where the feed can no longer tell (then with `expired` if it lost them).
   */
  pull(cursor: string): Promise<PullAnswer>;
}

/** One answer of the feed to a pull (`GET /revocations`, with or without `since`). */
export interface PullAnswer {
  events: RevocationEvent[];
  cursor: string;
  /**
   * False: the feed lost its data and is being seeded again; the events may miss some, so the
   * view is not fresh until an answer without it. Absent means true.
   */
  complete?: boolean;
  /**
   * True: the feed can no longer replay what came after the cursor pulled from (trimmed, or the
   * feed lost its data, sessions with it perhaps): cached sessions are asked about again.
   */
  expired?: boolean;
}

/**
 * @example
 * const verifier = createVerifier({
 *   issuer, audience, algorithms: ['ES256'], jwksUrl,
 *   feed: createPullFeedSource({ baseUrl: 'https://auth.example.com' }),
 *   maxStalenessMs: 5000, // a revocation is seen within 5 s; at most one pull per 5 s per instance
 * });
 */
export function createPullFeedSource(options: PullFeedSourceOptions): PullFeedSource {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new TypeError('baseUrl must be an absolute http(s) URL');
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new TypeError('baseUrl must be an absolute http(s) URL');
  if (base.search || base.hash) throw new TypeError('baseUrl must not carry a query or fragment');
  const root = base.href.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('fetch is not available; pass options.fetch');
  const timeoutMs = options.timeoutMs ?? 5000;
  const headers = { ...options.headers, accept: 'application/json' };

  async function read(url: string): Promise<PullAnswer> {
    const response = await fetchImpl(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`revocation pull failed: HTTP ${response.status}`);
    }
    const { events, cursor, complete, expired } = ((await response.json()) ?? {}) as Record<string, unknown>;
    if (!Array.isArray(events) || typeof cursor !== 'string' || cursor === '')
      throw new Error('revocation pull: malformed body');
    // One unreadable event makes the whole answer untrustworthy: the verifier stays stale instead.
    const parsed = events.map(parseRevocationEvent);
    if (parsed.some((event) => event === null)) throw new Error('revocation pull: malformed event');
    const answer: PullAnswer = { events: parsed as RevocationEvent[], cursor };
    // Only the values that ask for more caution count: anything else reads as their absence.
    if (complete === false) answer.complete = false;
    if (expired === true) answer.expired = true;
    return answer;
  }

  return {
    mode: 'pull',
    snapshot: () => read(`${root}/revocations`),
    pull: (cursor) => read(`${root}/revocations?since=${encodeURIComponent(cursor)}`),
  };
}

export function isPullFeedSource(feed: unknown): feed is PullFeedSource {
  return (feed as PullFeedSource | undefined)?.mode === 'pull';
}
