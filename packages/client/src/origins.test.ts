import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOriginAllowList, parseOrigin } from './origins.ts';

describe('origin allow-list', () => {
  const isListed = createOriginAllowList(['https://api.example.com', 'http://127.0.0.1:4001/']);

  it('matches exact origins, default ports normalised', () => {
    for (const url of [
      'https://api.example.com/orders',
      'https://api.example.com:443/x?y#z',
      'https://API.example.com/',
      'http://127.0.0.1:4001/orders',
    ])
      assert.equal(isListed(url), true, url);
  });

  it('never matches by prefix, userinfo, scheme, port or another name for the same host', () => {
    for (const url of [
      'https://api.example.com.evil.test/',
      'https://api.example.com@evil.test/',
      'https://evil.test/?https://api.example.com',
      'http://api.example.com/',
      'https://api.example.com:8443/',
      'http://localhost:4001/',
      'http://127.0.0.1:4002/',
      'not a url',
      'javascript:alert(1)',
    ])
      assert.equal(isListed(url), false, url);
  });

  it('refuses entries that are not plain http(s) origins', () => {
    for (const entry of [
      'api.example.com',
      'https://api.example.com/v1',
      'https://u:p@api.example.com',
      'ftp://x',
    ])
      assert.throws(() => parseOrigin(entry), TypeError, entry);
  });
});
