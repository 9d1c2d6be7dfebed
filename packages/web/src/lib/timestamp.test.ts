import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeInstant, parseTimestamp, TimestampError } from './timestamp.js';

const NEW_YEAR = Date.UTC(2026, 0, 1);

describe('timestamps (web)', () => {
  it('reads seconds, milliseconds and dates', () => {
    assert.deepEqual(parseTimestamp('1767225600'), { ms: NEW_YEAR, readAs: 'seconds' });
    assert.deepEqual(parseTimestamp('1767225600000'), { ms: NEW_YEAR, readAs: 'milliseconds' });
    assert.deepEqual(parseTimestamp(' 1767225600.5 '), { ms: NEW_YEAR + 500, readAs: 'seconds' });
    assert.deepEqual(parseTimestamp('1767225600', 'milliseconds'), {
      ms: 1767225600,
      readAs: 'milliseconds',
    });
    assert.deepEqual(parseTimestamp('1767225600000', 'seconds').readAs, 'seconds');
    assert.deepEqual(parseTimestamp('2026-01-01T00:00:00Z'), { ms: NEW_YEAR, readAs: 'date' });
    assert.deepEqual(parseTimestamp('2026-01-01T01:00:00+01:00'), { ms: NEW_YEAR, readAs: 'date' });
    assert.deepEqual(parseTimestamp('-1'), { ms: -1000, readAs: 'seconds' });
  });

  it('describes an instant in seconds, milliseconds and ISO 8601', () => {
    assert.deepEqual(describeInstant(NEW_YEAR + 999), {
      seconds: 1767225600,
      milliseconds: NEW_YEAR + 999,
      iso: '2026-01-01T00:00:00.999Z',
    });
  });

  it('refuses what is neither', () => {
    for (const input of ['', '   ', 'yesterday-ish', '1e9999', '9'.repeat(20)]) {
      assert.throws(() => parseTimestamp(input), TimestampError, input);
    }
  });
});
