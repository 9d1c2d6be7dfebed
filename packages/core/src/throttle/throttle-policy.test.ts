import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertThrottlePolicy,
  type BackoffPolicy,
  backoffLockSeconds,
  defaultThrottlePolicy,
  type ThrottlePolicy,
} from './throttle-policy.ts';

const backoff: BackoffPolicy = {
  freeFailures: 5,
  baseLockSeconds: 1,
  maxLockSeconds: 900,
  maxFailuresPerHour: 100,
  failureMemorySeconds: 86_400,
};

describe('backoffLockSeconds', () => {
  it('is free for the first failures, then doubles from the base up to the cap', () => {
    const locks = Array.from({ length: 18 }, (_, index) => backoffLockSeconds(index + 1, backoff));
    assert.deepEqual(locks, [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
  });

  it('stays finite and capped for absurd counts, and 0 for none', () => {
    assert.equal(backoffLockSeconds(10_000, backoff), 900);
    assert.equal(backoffLockSeconds(Number.MAX_SAFE_INTEGER, backoff), 900);
    assert.equal(backoffLockSeconds(0, backoff), 0);
    assert.equal(backoffLockSeconds(-3, backoff), 0);
  });

  it('starts at once with no free failures and honours another base', () => {
    const strict = { ...backoff, freeFailures: 0, baseLockSeconds: 30 };
    assert.deepEqual(
      [1, 2, 3, 6].map((count) => backoffLockSeconds(count, strict)),
      [30, 60, 120, 900],
    );
  });
});

describe('assertThrottlePolicy', () => {
  it('accepts the defaults', () => {
    assertThrottlePolicy(defaultThrottlePolicy);
  });

  const broken: Array<[string, (policy: ThrottlePolicy) => ThrottlePolicy]> = [
    ['a zero window', (p) => ({ ...p, loginIp: { limit: 10, windowSeconds: 0 } })],
    ['a zero limit', (p) => ({ ...p, registerIp: { limit: 0, windowSeconds: 60 } })],
    ['a fractional limit', (p) => ({ ...p, resetRequestIp: { limit: 1.5, windowSeconds: 60 } })],
    ['a NaN window', (p) => ({ ...p, loginGlobal: { limit: 10, windowSeconds: Number.NaN } })],
    ['a string limit', (p) => ({ ...p, resetRequestAccount: { limit: '5' as never, windowSeconds: 60 } })],
    ['a cap below the base', (p) => ({ ...p, loginAccount: { ...p.loginAccount, maxLockSeconds: 0 } })],
    ['negative free failures', (p) => ({ ...p, loginAccount: { ...p.loginAccount, freeFailures: -1 } })],
    ['no hourly budget', (p) => ({ ...p, loginAccount: { ...p.loginAccount, maxFailuresPerHour: 0 } })],
  ];
  for (const [name, breakIt] of broken) {
    it(`refuses ${name}`, () => {
      assert.throws(() => assertThrottlePolicy(breakIt(defaultThrottlePolicy)), TypeError);
    });
  }
});
