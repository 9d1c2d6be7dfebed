import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareStreamIds, isStreamId } from './stream-id.ts';

describe('stream ids', () => {
  it('recognises <ms>-<seq> only', () => {
    for (const id of ['0-0', '1700000000000-0', '18446744073709551615-18446744073709551615']) {
      assert.equal(isStreamId(id), true, id);
    }
    for (const id of ['', '0', '-0', '1-', '1-2-3', 'a-1', 'epoch.5', ' 1-0', '1-0\n', '$', '>']) {
      assert.equal(isStreamId(id), false, JSON.stringify(id));
    }
  });

  it('orders numerically, by time then sequence', () => {
    assert.equal(compareStreamIds('9-0', '10-0'), -1);
    assert.equal(compareStreamIds('10-0', '9-0'), 1);
    assert.equal(compareStreamIds('5-2', '5-10'), -1);
    assert.equal(compareStreamIds('5-10', '5-10'), 0);
    assert.equal(compareStreamIds('18446744073709551615-1', '18446744073709551615-0'), 1);
  });
});
