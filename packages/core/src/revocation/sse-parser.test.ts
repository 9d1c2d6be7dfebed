import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSseParser, type SseEvent } from './sse-parser.ts';

function parseAll(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

const expected: SseEvent[] = [
  { id: '1', event: 'revocation', data: '{"a":1}' },
  { id: '1', event: 'message', data: 'two\nlines' },
  { id: '2', event: 'heartbeat', data: 'x' },
  { id: '3', event: 'message', data: ' kept space' },
];

// The same four events with LF, CRLF and CR line ends, a comment, an event without data, and a field without colon.
const streams = [
  'id: 1\nevent: revocation\ndata: {"a":1}\n\n: comment\ndata: two\ndata: lines\n\nid:2\nevent:heartbeat\ndata:x\n\nevent: nothing\n\nid: 3\ndata:  kept space\nretry: 10\n\n',
  'id: 1\r\nevent: revocation\r\ndata: {"a":1}\r\n\r\n: comment\r\ndata: two\r\ndata: lines\r\n\r\nid:2\r\nevent:heartbeat\r\ndata:x\r\n\r\nevent: nothing\r\n\r\nid: 3\r\ndata:  kept space\r\nretry: 10\r\n\r\n',
  'id: 1\revent: revocation\rdata: {"a":1}\r\r: comment\rdata: two\rdata: lines\r\rid:2\revent:heartbeat\rdata:x\r\revent: nothing\r\rid: 3\rdata:  kept space\rretry: 10\r\r',
];

describe('createSseParser', () => {
  for (const [index, stream] of streams.entries()) {
    it(`parses line-end variant ${index} split at every position`, () => {
      assert.deepEqual(parseAll([stream]), expected);
      for (let at = 0; at <= stream.length; at++) {
        assert.deepEqual(parseAll([stream.slice(0, at), stream.slice(at)]), expected, `split at ${at}`);
      }
      assert.deepEqual(parseAll([...stream]), expected, 'one character per chunk');
    });
  }

  it('does not dispatch an event whose blank line has not arrived', () => {
    assert.deepEqual(parseAll(['data: pending\n']), []);
  });

  it('ignores an id containing NUL and keeps the previous one', () => {
    assert.deepEqual(parseAll(['id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n']), [
      { id: '1', event: 'message', data: 'a' },
      { id: '1', event: 'message', data: 'b' },
    ]);
  });

  it('refuses a line longer than the limit instead of buffering without bound', () => {
    const parser = createSseParser(() => {}, 16);
    assert.throws(() => parser.push('data: 0123456789abcdef'), RangeError);
  });
});
