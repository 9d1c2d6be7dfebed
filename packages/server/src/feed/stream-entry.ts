import { type FeedMessage, parseRevocationEvent, type RevocationEvent } from '@gatehouse/core';

/** Field names of the two kinds of stream entry the feed writes. */
export const EVENT_FIELD = 'event';
export const HEARTBEAT_FIELD = 'heartbeat';

/** Far above any real event; a longer value is not ours, and parsing it would only cost memory. */
const MAX_VALUE_CHARS = 16 * 1024;

/** Parses one live-set member or stream value; null for anything that is not exactly an event. */
export function parseEventJson(json: unknown): RevocationEvent | null {
  if (typeof json !== 'string' || json.length > MAX_VALUE_CHARS) return null;
  try {
    return parseRevocationEvent(JSON.parse(json));
  } catch {
    return null;
  }
}

/**
 * Turns one stream entry into a feed message. Anyone with write access to Redis can add entries,
 * so the fields are untrusted: returns null for anything malformed, and the caller skips it.
 */
export function toFeedMessage(id: string, fields: unknown): FeedMessage | null {
  if (!Array.isArray(fields) || fields.length !== 2) return null;
  const [name, value] = fields as [unknown, unknown];
  if (name === EVENT_FIELD) {
    const event = parseEventJson(value);
    return event ? { kind: 'event', cursor: id, event } : null;
  }
  if (name === HEARTBEAT_FIELD && typeof value === 'string' && /^\d{1,16}$/.test(value)) {
    return { kind: 'heartbeat', cursor: id, at: Number(value) };
  }
  return null;
}

/**
 * The events among stream entries (`[id, fields]`, as XRANGE returns them), in order; heartbeats
 * are left out, and a malformed entry is skipped and reported, as `follow` skips it.
 */
export function eventMessagesOf(
  entries: Array<[id: string, fields: unknown]>,
  onError: (error: Error) => void,
): Array<Extract<FeedMessage, { kind: 'event' }>> {
  const events: Array<Extract<FeedMessage, { kind: 'event' }>> = [];
  for (const [id, fields] of entries) {
    const message = toFeedMessage(id, fields);
    if (!message) onError(new Error(`redis-stream-feed: skipped malformed stream entry ${id}`));
    else if (message.kind === 'event') events.push(message);
  }
  return events;
}
