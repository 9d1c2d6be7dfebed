import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUnavailableError } from './unavailable-error.ts';

describe('isUnavailableError', () => {
  it('a Redis Cluster or Sentinel failing over is unavailable (503), with the messages ioredis gives', () => {
    // As ioredis builds them: its redirection limit wraps the last MOVED or CLUSTERDOWN reply.
    for (const message of [
      'Too many Cluster redirections. Last error: ReplyError: MOVED 5055 127.0.0.1:30221',
      "Cluster isn't ready and enableOfflineQueue options is false",
      'CLUSTERDOWN The cluster is down',
      'TRYAGAIN Multiple keys request during rehashing of slot',
      'None of startup nodes is available',
      'All sentinels are unreachable and retry is disabled. Last error: connect ECONNREFUSED 10.0.0.1:26379',
    ]) {
      assert.equal(isUnavailableError(new Error(message)), true, message);
    }
  });

  it('anything else stays an error (500): a bug, a script error, a MOVED the client did not follow', () => {
    for (const error of [
      new Error('ERR Error running script (call to f_1234): @user_script:12: attempt to index a nil value'),
      new Error('MOVED 5055 127.0.0.1:30221'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      'a string',
    ]) {
      assert.equal(isUnavailableError(error), false, String(error));
    }
  });
});
