import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeCanonicalBase64UrlBytes,
  decodeJsonObjectSegment,
  decodeSegment,
  parseJsonObjectSegment,
  writeCanonicalBase64Url,
} from './decode-segment.ts';

/** Characters that matter at a base64url boundary: the alphabet, its neighbours, padding, space, non-ASCII. */
const EDGE_CHARACTERS = [...'AQgw_-09Zaz+/=. \t\n', 'é', '\u00ff', '\u0100', '😀'];
const edgeText = fc
  .array(fc.constantFrom(...EDGE_CHARACTERS), { maxLength: 24 })
  .map((chars) => chars.join(''));
const base64Url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

describe('the hot-path segment decoding refuses exactly what the strict decoding refuses', () => {
  it('parseJsonObjectSegment reads what decodeJsonObjectSegment reads, and refuses what it refuses', () => {
    const jsonBytes = fc
      .oneof(
        fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'),
        fc.dictionary(fc.string(), fc.jsonValue()).map((value) => JSON.stringify(value)),
        fc.string().map((text) => `{"k":${JSON.stringify(text)}}`),
      )
      .map((json) => new TextEncoder().encode(json));
    const bytes = fc.oneof(
      jsonBytes,
      fc.uint8Array({ maxLength: 32 }),
      // A BOM before an object, invalid UTF-8 inside a string: both refused.
      fc.constant(Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{}')])),
      fc.constant(
        Uint8Array.from([
          ...new TextEncoder().encode('{"a":"'),
          0xc3,
          0x28,
          ...new TextEncoder().encode('"}'),
        ]),
      ),
    );
    fc.assert(
      fc.property(fc.oneof(bytes.map(base64Url), edgeText), (text) => {
        assert.deepEqual(parseJsonObjectSegment(text), decodeJsonObjectSegment(text), JSON.stringify(text));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('writeCanonicalBase64Url (the verifier’s decode and check in one)', () => {
  it('accepts a text iff decodeSegment does, writing the same bytes where it is told', () => {
    fc.assert(
      fc.property(
        fc.oneof(edgeText, fc.string({ maxLength: 40 }), fc.uint8Array().map(base64Url)),
        fc.nat(8),
        (text, offset) => {
          const strict = decodeSegment(text);
          const buffer = Buffer.alloc(offset + ((text.length * 3) >> 2));
          const length = writeCanonicalBase64Url(text, buffer, offset);
          assert.equal(length >= 0, strict !== null, JSON.stringify(text));
          if (strict) assert.deepEqual(buffer.subarray(offset, offset + length), strict);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('refuses non-canonical trailing bits, padding, the other alphabet, whitespace and non-ASCII', () => {
    for (const text of [
      'AB',
      'AAB',
      'QQ==',
      'a+b/',
      'A',
      'AAAAA',
      'ab c',
      'é',
      'QUF\u0141',
      'QU\nF',
      'QUE=',
    ]) {
      assert.equal(writeCanonicalBase64Url(text, Buffer.alloc(8), 0), -1, text);
    }
    for (const text of ['', 'AA', 'AAA', 'AAAA', 'QQ', 'QUE', '-_-_'])
      assert.ok(writeCanonicalBase64Url(text, Buffer.alloc(8), 0) >= 0, text);
  });
});

describe('decodeCanonicalBase64UrlBytes (the same, from bytes already written)', () => {
  /** `text` as bytes at `start` (every character one byte, as the verifier ensures), decoded to `at`. */
  function decodeAt(text: string, start: number, gap: number): { length: number; bytes: Buffer } {
    const buffer = Buffer.alloc(start + text.length + gap + text.length);
    buffer.write(text, start, 'latin1');
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
    const at = start + text.length + gap;
    const length = decodeCanonicalBase64UrlBytes(view, start, start + text.length, at);
    return { length, bytes: buffer.subarray(at, at + Math.max(length, 0)) };
  }

  it('accepts bytes iff decodeSegment accepts their text, writing the same bytes where it is told', () => {
    const oneByte = fc.oneof(
      edgeText.filter((text) => [...text].every((char) => char.charCodeAt(0) <= 0xff)),
      fc.string({ unit: 'binary-ascii', maxLength: 40 }),
      fc.uint8Array({ maxLength: 80 }).map(base64Url),
      // Long canonical text with one byte changed: the word-at-a-time loops see the bad byte anywhere.
      fc
        .tuple(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.nat(), fc.integer({ min: 0, max: 255 }))
        .map(([bytes, index, code]) => {
          const text = base64Url(bytes);
          const at = index % text.length;
          return `${text.slice(0, at)}${String.fromCharCode(code)}${text.slice(at + 1)}`;
        }),
    );
    fc.assert(
      fc.property(oneByte, fc.nat(9), fc.nat(5), (text, start, gap) => {
        const strict = decodeSegment(text);
        const { length, bytes } = decodeAt(text, start, gap);
        assert.equal(length >= 0, strict !== null, JSON.stringify(text));
        if (strict) assert.deepEqual(bytes, strict);
      }),
      { numRuns: 10000 },
    );
  });

  it('refuses non-canonical trailing bits, padding, the other alphabet, whitespace and high bytes', () => {
    for (const text of [
      'AB',
      'AAB',
      'QQ==',
      'a+b/',
      'A',
      'AAAAA',
      'ab c',
      '\u00e9',
      'QUF\u00c1',
      'QU\nF',
      'QUE=',
    ]) {
      assert.equal(decodeAt(text, 0, 0).length, -1, text);
      // The same inside a long canonical run, at each alignment of the 8- and 4-character loops.
      for (let prefix = 0; prefix < 8; prefix++) {
        const padded = `${'QUFB'.repeat(4).slice(0, prefix * 4)}${text}`;
        if (decodeSegment(padded) === null) assert.equal(decodeAt(padded, 3, 1).length, -1, padded);
      }
    }
    for (const text of ['', 'AA', 'AAA', 'AAAA', 'QQ', 'QUE', '-_-_', '-_-_-_-_AAAA'])
      assert.ok(decodeAt(text, 1, 0).length >= 0, text);
  });
});
