import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeaderNamed, readNodeHeaders } from './read-node-headers.ts';

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

  it('reads every Authorization and DPoP value from rawHeaders, whatever their case', () => {
    const headers = { authorization: 'Bearer a', dpop: 'p' };
    const rawHeaders = ['Host', 'x', 'Authorization', 'Bearer a', 'DPoP', 'p', 'authorization', 'Bearer b'];
    assert.deepEqual(readNodeHeaders(headers, { headers, rawHeaders }, undefined).headers, {
      authorization: ['Bearer a', 'Bearer b'],
      cookie: undefined,
      dpop: 'p',
    });
    // The value as received, even where a framework rewrote `headers`; one value stays a string.
    const once = readNodeHeaders(
      { authorization: 'Bearer z' },
      { headers, rawHeaders: ['AUTHORIZATION', 'Bearer a'] },
      undefined,
    );
    assert.equal(once.headers.authorization, 'Bearer a');
  });

  it('reads the method and target only where a DPoP proof may need them', () => {
    const asked: string[] = [];
    const targetOf = (name: string) => {
      asked.push(name);
      return { method: 'GET', url: '/orders' };
    };
    const read = (authorization?: string, rawHeaders?: string[]) =>
      readNodeHeaders(
        { authorization },
        rawHeaders && { headers: {}, rawHeaders },
        undefined,
        authorization ?? 'none',
        targetOf,
      );
    for (const scheme of ['DPoP x', 'dpop x', 'DPOP x', 'd']) {
      const input = read(scheme);
      assert.equal(input.method, 'GET');
      assert.equal(input.url, '/orders');
    }
    // Two headers: not one plain string, so the verifier may judge either; the target is there.
    assert.equal(read('Bearer a', ['authorization', 'Bearer a', 'Authorization', 'DPoP b']).url, '/orders');
    assert.deepEqual(asked, ['DPoP x', 'dpop x', 'DPOP x', 'd', 'Bearer a']);
    for (const other of ['Bearer x', 'Basic x', ' DPoP x', undefined]) {
      const input = read(other);
      assert.equal('method' in input || 'url' in input, false, String(other));
    }
    assert.equal(asked.length, 5, 'never asked for a Bearer, Basic or cookie request');
  });

  it('isHeaderNamed agrees with toLowerCase for every character at every position of the names read', () => {
    for (const name of ['authorization', 'dpop']) {
      for (let index = 0; index < name.length; index++) {
        for (let code = 0; code <= 0xffff; code++) {
          const header = name.slice(0, index) + String.fromCharCode(code) + name.slice(index + 1);
          if (isHeaderNamed(header, name) !== (header.toLowerCase() === name))
            assert.fail(`${name}: U+${code.toString(16)} at ${index}`);
        }
      }
      assert.equal(isHeaderNamed(name.toUpperCase(), name), true);
      assert.equal(isHeaderNamed(`${name}x`, name), false);
    }
  });
});
