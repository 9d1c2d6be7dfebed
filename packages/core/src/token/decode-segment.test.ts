import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
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
