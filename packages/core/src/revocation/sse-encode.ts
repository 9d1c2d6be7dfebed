import type { FeedMessage } from './feed.ts';

/** Response headers for the SSE stream: no caching, and no proxy buffering that would delay events. */
export const sseResponseHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-accel-buffering': 'no',
});

// A line break or NUL inside a field would end it early or be dropped by the parser (WHATWG SSE).
const UNSAFE_FIELD = /[\r\n\0]/;

/**
 * Encodes one feed message as a Server-Sent Events frame: `id` is the cursor (so `since` resumes
 * after it), `event` is `revocation` or `heartbeat`, `data` is one line of JSON.
 *
 * @example
 * reply.raw.write(encodeSseMessage({ kind: 'heartbeat', cursor, at: Date.now() }));
 * // "id: <cursor>\nevent: heartbeat\ndata: {\"at\":1767225600000}\n\n"
 */
export function encodeSseMessage(message: FeedMessage): string {
  if (UNSAFE_FIELD.test(message.cursor)) throw new TypeError('cursor must not contain CR, LF or NUL');
  // JSON.stringify escapes control characters inside strings, so the data is always a single line.
  const data = message.kind === 'event' ? JSON.stringify(message.event) : JSON.stringify({ at: message.at });
  const type = message.kind === 'event' ? 'revocation' : 'heartbeat';
  return `id: ${message.cursor}\nevent: ${type}\ndata: ${data}\n\n`;
}

/** A comment line: keeps idle proxies from closing the connection; parsers ignore it. */
export function encodeSseComment(text = ''): string {
  return `: ${text.replace(/[\r\n]/g, ' ')}\n\n`;
}
