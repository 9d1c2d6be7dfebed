import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRevocationEvent } from './parse-revocation-event.ts';

describe('parseRevocationEvent', () => {
  it('accepts each event kind and copies only known fields', () => {
    assert.deepEqual(parseRevocationEvent({ type: 'session', sid: 's', sub: 'u', until: 1, extra: 1 }), {
      type: 'session',
      sid: 's',
      sub: 'u',
      until: 1,
    });
    assert.deepEqual(parseRevocationEvent({ type: 'user', sub: 'u', before: 2, until: 3 }), {
      type: 'user',
      sub: 'u',
      before: 2,
      until: 3,
    });
    assert.deepEqual(parseRevocationEvent({ type: 'token', jti: 'j', until: 1 }), {
      type: 'token',
      jti: 'j',
      until: 1,
    });
    assert.deepEqual(parseRevocationEvent({ type: 'key', kid: 'k', until: 1 }), {
      type: 'key',
      kid: 'k',
      until: 1,
    });
  });

  it('refuses malformed input', () => {
    const bad: unknown[] = [
      null,
      'session',
      [],
      { type: 'session', sid: 's', until: 1 },
      { type: 'session', sid: '', sub: 'u', until: 1 },
      { type: 'session', sid: 's', sub: 'u', until: '1' },
      { type: 'user', sub: 'u', until: 1 },
      { type: 'user', sub: 'u', before: Number.NaN, until: 1 },
      { type: 'token', jti: 7, until: 1 },
      { type: 'token', jti: 'j'.repeat(513), until: 1 },
      { type: 'key', kid: 'k', until: Number.POSITIVE_INFINITY },
      { type: 'key', kid: 'k' },
      { type: 'other', until: 1 },
      JSON.parse('{"__proto__":{"type":"key"},"kid":"k","until":1}'),
    ];
    for (const value of bad) assert.equal(parseRevocationEvent(value), null, JSON.stringify(value));
  });
});
