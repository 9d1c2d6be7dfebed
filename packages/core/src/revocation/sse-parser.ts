/** One dispatched Server-Sent Event. `id` is the last event id seen on the stream (it persists). */
export interface SseEvent {
  id: string;
  event: string;
  data: string;
}

export interface SseParser {
  /** Feeds decoded text; any split (mid-line, mid-CRLF) is fine. Throws when a line exceeds the limit. */
  push(text: string): void;
}

const LF = 10;
const CR = 13;

/**
 * An incremental parser for the `text/event-stream` format as the WHATWG HTML standard defines it
 * (lines end in CRLF, LF or CR; `:` starts a comment; one space after the colon is dropped; a blank
 * line dispatches). Bytes must be decoded first with a streaming `TextDecoder`, which also strips
 * the BOM and keeps multi-byte characters split across chunks intact.
 */
export function createSseParser(onEvent: (event: SseEvent) => void, maxLineLength = 65_536): SseParser {
  let partial = '';
  // A chunk that ended in CR may be followed by the LF of the same CRLF at the start of the next one.
  let afterCr = false;
  let data: string[] = [];
  let type = '';
  let lastId = '';

  function dispatch(): void {
    const lines = data;
    const name = type || 'message';
    data = [];
    type = '';
    if (lines.length === 0) return;
    onEvent({ id: lastId, event: name, data: lines.join('\n') });
  }

  function processLine(line: string): void {
    if (line === '') {
      dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* ' ' */) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') type = value;
    else if (field === 'id' && !value.includes('\0')) lastId = value;
    // `retry` and unknown fields are ignored: reconnection timing belongs to the consumer.
  }

  return {
    push(text) {
      if (text === '') return;
      let start = 0;
      if (afterCr && text.charCodeAt(0) === LF) start = 1;
      afterCr = false;
      for (let i = start; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code !== LF && code !== CR) continue;
        const line = partial + text.slice(start, i);
        partial = '';
        if (code === CR) {
          if (i + 1 === text.length) afterCr = true;
          else if (text.charCodeAt(i + 1) === LF) i++;
        }
        start = i + 1;
        processLine(line);
      }
      partial += text.slice(start);
      // A peer that never ends a line must not make us buffer without bound.
      if (partial.length > maxLineLength) throw new RangeError('SSE line exceeds the length limit');
    },
  };
}
