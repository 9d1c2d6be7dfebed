import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readNodeHeaders } from './read-node-headers.ts';

describe('readNodeHeaders', () => {
  it('takes every Authorization value from headersDistinct, where Node keeps them all', () => {
    const headers = { authorization: 'Bearer a', cookie: 'c=1' };
    const raw = { headers, headersDistinct: { authorization: ['Bearer a', 'Bearer b'], cookie: ['c=1'] } };
    assert.deepEqual(readNodeHeaders(headers, raw, undefined), {
      headers: { authorization: ['Bearer a', 'Bearer b'], cookie: 'c=1' },
      cookies: undefined,
    });
  });

  it('falls back to headers without headersDistinct, and passes parsed cookies through', () => {
    const headers = { authorization: 'Bearer a' };
    assert.deepEqual(readNodeHeaders(headers, undefined, { k: 'v' }), {
      headers: { authorization: 'Bearer a', cookie: undefined },
      cookies: { k: 'v' },
    });
    assert.equal(
      readNodeHeaders({}, { headers: {}, headersDistinct: {} }, undefined).headers.authorization,
      undefined,
    );
  });
});
