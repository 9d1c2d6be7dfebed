import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, formatRelative } from './format.js';
import { describeUserAgent } from './user-agent.js';

describe('describeUserAgent (web)', () => {
  it('names common browsers and systems', () => {
    const cases: [string | null, string][] = [
      [
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
        'Chrome on Windows',
      ],
      [
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
        'Edge on Windows',
      ],
      [
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
        'Safari on macOS',
      ],
      [
        'Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1',
        'Safari on iOS',
      ],
      [
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
        'Chrome on Android',
      ],
      ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox on Linux'],
      [
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36',
        'Chrome (headless) on Linux',
      ],
      ['curl/8.5.0', 'curl'],
      ['node', 'Node.js'],
      ['Mozilla/5.0 (X11; Linux x86_64) Strange/1.0', 'Browser on Linux'],
      ['???', 'Unknown device'],
      [null, 'Unknown device'],
    ];
    for (const [userAgent, expected] of cases)
      assert.equal(describeUserAgent(userAgent), expected, String(userAgent));
  });
});

describe('format (web)', () => {
  it('formats countdowns', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(59_999), '59s');
    assert.equal(formatDuration(9 * 60_000 + 12_000), '9m 12s');
    assert.equal(formatDuration(-(2 * 3600_000 + 3 * 60_000 + 10_000)), '2h 03m 10s');
    assert.equal(formatDuration(3 * 86_400_000 + 4 * 3600_000), '3d 4h');
  });

  it('formats relative times', () => {
    const now = Date.UTC(2026, 0, 1);
    assert.equal(formatRelative(now + 2000, now, 'en'), 'just now');
    assert.equal(formatRelative(now - 3 * 60_000, now, 'en'), '3 minutes ago');
    assert.equal(formatRelative(now + 5 * 60_000, now, 'en'), 'in 5 minutes');
    assert.equal(formatRelative(now - 2 * 86_400_000, now, 'en'), '2 days ago');
  });
});
