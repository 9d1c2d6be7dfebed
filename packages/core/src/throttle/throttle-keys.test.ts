import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { accountThrottleKey, ipThrottleKey } from './throttle-keys.ts';

describe('throttle keys', () => {
  it('names an account by the SHA-256 of its email, never the email', () => {
    const key = accountThrottleKey('alice@example.com');
    assert.equal(key, createHash('sha256').update('alice@example.com').digest('base64url'));
    assert.ok(!key.includes('alice'));
    assert.notEqual(accountThrottleKey('bob@example.com'), key);
  });

  it('keeps IPv4 (also IPv4-mapped) as it is', () => {
    assert.equal(ipThrottleKey('203.0.113.7'), '203.0.113.7');
    assert.equal(ipThrottleKey('::ffff:203.0.113.7'), '203.0.113.7');
  });

  it('groups IPv6 by /64, however the address is written', () => {
    const key = '2001:db8:1:2::/64';
    for (const ip of ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:DB8:1:2:0:0:0:9']) {
      assert.equal(ipThrottleKey(ip), key, ip);
    }
    assert.equal(ipThrottleKey('2001:db8:1:3::1'), '2001:db8:1:3::/64');
    assert.equal(ipThrottleKey('::1'), '0:0:0:0::/64');
    assert.equal(ipThrottleKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  });

  it('has no key without a usable address', () => {
    assert.equal(ipThrottleKey(null), null);
    assert.equal(ipThrottleKey(''), null);
    assert.equal(ipThrottleKey('not-an-ip'), null);
  });
});
