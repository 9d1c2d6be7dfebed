import { FeedCursorExpiredError, type FeedMessage } from '@gatehouse/core';
import { Cluster, type Redis } from 'ioredis';
import { compareStreamIds, isStreamId } from './stream-id.ts';
import { toFeedMessage } from './stream-entry.ts';

const FOLLOWER_NAME = 'gatehouse-feed-follower';
const READ_COUNT = 1000;
const BLOCK_MARGIN_MS = 2000;

export interface StreamFollowOptions {
  /** The feed's client; the follower reads on a connection of its own (`duplicate()`). */
  client: Redis | Cluster;
  streamKey: string;
  /** How long one XREAD blocks; silence longer than this plus a margin counts as a dead connection. */
  blockMs: number;
  onError: (error: Error) => void;
}

/**
 * Reads the stream from `cursor` on a dedicated connection until `signal` aborts: every event, and
 * a heartbeat when it is the newest entry read (only there does it mean "you have heard
 * everything"). Rejects with `FeedCursorExpiredError` when entries after the cursor are gone.
 */
export async function followStream(
  options: StreamFollowOptions,
  cursor: string,
  onMessage: (message: FeedMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  const { client, streamKey, blockMs, onError } = options;
  if (!isStreamId(cursor)) throw new FeedCursorExpiredError('feed cursor is not a Redis stream id');
  if (signal.aborted) return;
  // XREAD BLOCK holds its connection; aborting closes it, which also ends a pending read.
  const connection = openFollowerConnection(client, blockMs + BLOCK_MARGIN_MS);
  const onAbort = () => connection.disconnect();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    assertResumable(await readStreamInfo(connection, streamKey), cursor);
    let last = cursor;
    while (!signal.aborted) {
      // The resumability check rides right behind the read on the same connection: Redis runs it
      // as soon as the read returns, and both answers come back together. Awaited one after the
      // other, they cost every event a second round trip (and a second wake-up) before delivery.
      const read = connection.xread('COUNT', READ_COUNT, 'BLOCK', blockMs, 'STREAMS', streamKey, last);
      const checked = readStreamInfo(connection, streamKey);
      checked.catch(() => {}); // a failed read is what rejects; the check fails with it
      const reply = await read;
      const info = await checked;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) continue;
      // Checked after the read: trimming only moves the first entry forward, so if anything after
      // `last` was trimmed before the read, the first entry is past `last` now and we notice.
      assertResumable(info, last);
      // A heartbeat means "you have heard everything" only at the head: a full batch is a
      // catch-up with more to read, and a heartbeat followed by anything is an old one.
      const atHead = entries.length < READ_COUNT;
      for (const [index, [id, fields]] of entries.entries()) {
        last = id;
        const message = toFeedMessage(id, fields);
        if (!message) onError(new Error(`redis-stream-feed: skipped malformed stream entry ${id}`));
        else if (message.kind === 'event' || (atHead && index === entries.length - 1)) onMessage(message);
      }
    }
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    connection.disconnect();
  }
}

/**
 * A connection of its own that never reconnects by itself: when it drops, `follow` rejects and the
 * verifier resumes from its last cursor, which it knows and this connection does not. An XREAD
 * BLOCK answers within `blockMs` even when idle, so a socket silent for longer than that (plus a
 * margin) is dead, e.g. half-open after a network partition: the socket timeout destroys it. The
 * client's own command timeout is dropped, since it could be shorter than the block. Closing does
 * not wait for a graceful FIN exchange (2 s by default): there is nothing to flush on a read-only
 * connection, and the wait would keep a stopping process alive.
 */
function openFollowerConnection(client: Redis | Cluster, socketTimeout: number): Redis | Cluster {
  const overrides = {
    connectionName: FOLLOWER_NAME,
    socketTimeout,
    commandTimeout: undefined,
    disconnectTimeout: 0,
    // Its first command waits for its own connect (bounded: it never retries, and the socket times
    // out), whatever the parent client does with commands while it is disconnected.
    enableOfflineQueue: true,
  };
  const connection =
    client instanceof Cluster
      ? client.duplicate(knownNodes(client), {
          clusterRetryStrategy: () => null,
          // The cluster's own queue too: a lazily connected parent (the auth server's, which queues
          // nothing) would otherwise refuse every read of its copy before it found its nodes.
          enableOfflineQueue: true,
          redisOptions: { ...client.options.redisOptions, ...overrides },
        })
      : client.duplicate({ ...overrides, retryStrategy: () => null });
  // Failures reach `follow` through the rejected command; without a listener ioredis logs them too.
  connection.on('error', () => {});
  return connection;
}

/**
 * Every node the cluster client knows now, to start a copy from: a copy starts from the nodes the
 * client was created with otherwise, and when that one node died (a master failed over, say) the
 * copy could never connect, though its parent carries on with the nodes it found since.
 */
function knownNodes(client: Cluster): Array<{ host: string; port: number }> {
  return client
    .nodes('all')
    .map((node) => ({ host: node.options.host, port: node.options.port }))
    .filter((node): node is { host: string; port: number } => Boolean(node.host && node.port));
}

/**
 * Whether the stream, as `info` describes it, can still replay everything after `cursor`: no
 * entry past it was trimmed or deleted, and the cursor is not ahead of the stream (Redis lost the
 * stream, or the cursor belongs to another one). Trimming only ever removes the oldest entries,
 * and Redis does not record how far it went, so a first entry past the cursor (or none left, with
 * entries after the cursor once) means entries after it may be gone.
 */
export function isResumable(info: StreamInfo, cursor: string): boolean {
  const behind = compareStreamIds(cursor, info.lastGeneratedId);
  if (behind > 0) return false;
  // Trimmed to nothing, or to a first entry past the cursor: entries after it may be gone.
  if (
    behind < 0 &&
    info.everTrimmed &&
    (info.firstEntryId === null || compareStreamIds(info.firstEntryId, cursor) > 0)
  )
    return false;
  // XDEL leaves a tombstone id behind; an event deleted after the cursor cannot be replayed.
  return !(info.maxDeletedId && compareStreamIds(info.maxDeletedId, cursor) > 0);
}

function assertResumable(info: StreamInfo, cursor: string): void {
  if (!isResumable(info, cursor)) throw new FeedCursorExpiredError();
}

/** Whether `follow` could resume from `cursor` now: one XINFO STREAM, no connection of its own. */
export async function canResumeStream(
  client: Redis | Cluster,
  streamKey: string,
  cursor: string,
): Promise<boolean> {
  return isStreamId(cursor) && isResumable(await readStreamInfo(client, streamKey), cursor);
}

export interface StreamInfo {
  lastGeneratedId: string;
  firstEntryId: string | null;
  /** Whether entries were ever removed; assumed when Redis (before 7) cannot say. */
  everTrimmed: boolean;
  /** Redis 7+: the newest id XDEL removed. */
  maxDeletedId: string | null;
}

/** What XINFO STREAM says of a stream that does not exist: nothing was ever generated or removed. */
export const NO_STREAM: StreamInfo = {
  lastGeneratedId: '0-0',
  firstEntryId: null,
  everTrimmed: false,
  maxDeletedId: null,
};

/** Whether a command failed because the stream does not exist (yet, or any more). */
export function isNoSuchKey(error: unknown): boolean {
  return error instanceof Error && /no such key/i.test(error.message);
}

export async function readStreamInfo(connection: Redis | Cluster, streamKey: string): Promise<StreamInfo> {
  try {
    return streamInfoOf(await connection.call('XINFO', 'STREAM', streamKey));
  } catch (error) {
    if (isNoSuchKey(error)) return NO_STREAM;
    throw error;
  }
}

/** An XINFO STREAM queued in a transaction, from its `[error, reply]`: a missing stream is NO_STREAM. */
export function streamInfoOfQueued([error, reply]: [Error | null, unknown]): StreamInfo {
  if (!error) return streamInfoOf(reply);
  if (isNoSuchKey(error)) return NO_STREAM;
  throw error;
}

/** Reads a reply of XINFO STREAM. */
export function streamInfoOf(reply: unknown): StreamInfo {
  const fields = new Map<unknown, unknown>();
  const flat = reply as unknown[];
  for (let index = 0; index + 1 < flat.length; index += 2) fields.set(flat[index], flat[index + 1]);
  const firstEntry = fields.get('first-entry') as [string, unknown] | null | undefined;
  const entriesAdded = fields.get('entries-added');
  const maxDeleted = fields.get('max-deleted-entry-id');
  return {
    lastGeneratedId: String(fields.get('last-generated-id') ?? '0-0'),
    firstEntryId: firstEntry?.[0] ?? null,
    everTrimmed: typeof entriesAdded !== 'number' || entriesAdded > Number(fields.get('length')),
    maxDeletedId: typeof maxDeleted === 'string' && maxDeleted !== '0-0' ? maxDeleted : null,
  };
}
