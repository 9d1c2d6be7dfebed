import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError, OverloadedError, ThrottledError } from './errors.ts';
import { limitHasher } from './password/hashing-limiter.ts';
import type { PasswordHasher } from './password/password-hasher.ts';

const frames = (error: Error) => (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));

describe('OverloadedError', () => {
  it('carries no stack frames, and leaves Error.stackTraceLimit as it was', () => {
    const before = Error.stackTraceLimit;
    const error = new OverloadedError(1.5);
    assert.equal(Error.stackTraceLimit, before);
    assert.deepEqual(frames(error), []);
    assert.equal(error.stack, 'OverloadedError: password hashing at capacity');
    // Everything a caller reads from it is as before.
    assert.ok(error instanceof GatehouseError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'OverloadedError');
    assert.equal(error.code, 'ERR_OVERLOADED');
    assert.equal(error.message, 'password hashing at capacity');
    assert.equal(error.retryAfterSeconds, 2);
  });

  it('is what a bounded hasher at capacity throws; other errors keep their stacks', () => {
    const never: PasswordHasher = {
      hash: () => new Promise(() => {}),
      verify: () => new Promise(() => {}),
      needsRehash: () => false,
    };
    const hasher = limitHasher(never, { concurrency: 1, queue: 0 });
    hasher.admit!('login');
    const refusal = (() => {
      try {
        hasher.admit!('login');
      } catch (error) {
        return error as Error;
      }
      assert.fail('a second place was admitted');
    })();
    assert.ok(refusal instanceof OverloadedError);
    assert.deepEqual(frames(refusal), []);
    assert.ok(frames(new ThrottledError(1)).length > 0);
    assert.ok(frames(new Error('plain')).length > 0);
  });
});
