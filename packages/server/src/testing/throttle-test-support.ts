/**
 * Shared set-up for the throttling tests: a test server whose throttles are the real
 * rate-limiter-flexible ones on memory, and the assertions a 429 must pass. rate-limiter-flexible
 * reads `Date.now()`, so tests that need time to pass mock `Date` (node:test `mock.timers`).
 * Not a test file itself.
 */
import assert from 'node:assert/strict';
import { defaultThrottlePolicy, type ThrottlePolicy } from '@gatehouse/core';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createRateLimiterThrottles } from '../throttle/rate-limiter-throttles.ts';
import { createTestServer, type TestServerOptions } from './test-server.ts';

export const WRONG_PASSWORD = 'not the right passphrase';

/** A test server throttled by `defaultThrottlePolicy` with `overrides`, counting in memory. */
export function createThrottledServer(
  overrides: Partial<ThrottlePolicy> = {},
  options: TestServerOptions = {},
) {
  const throttles = createRateLimiterThrottles({
    backend: { kind: 'memory' },
    policy: { ...defaultThrottlePolicy, ...overrides },
  });
  return createTestServer({ ...options, throttles });
}

export function attemptLogin(
  app: FastifyInstance,
  email: string,
  password: string,
  options: { headers?: Record<string, string>; remoteAddress?: string } = {},
) {
  return app.inject({
    method: 'POST',
    url: '/auth/login',
    headers: options.headers ?? {},
    ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
    payload: { email, password },
  });
}

/** 429 `{error: "too_many_attempts"}`, a whole-second Retry-After within the bounds, nothing else. */
export function assertThrottled(
  response: LightMyRequestResponse,
  minSeconds: number,
  maxSeconds: number,
): void {
  assert.equal(response.statusCode, 429, response.body);
  assert.deepEqual(response.json(), { error: 'too_many_attempts' });
  const retryAfter = response.headers['retry-after'];
  assert.match(String(retryAfter), /^\d+$/);
  assert.ok(
    Number(retryAfter) >= minSeconds && Number(retryAfter) <= maxSeconds,
    `Retry-After ${retryAfter} not in [${minSeconds}, ${maxSeconds}]`,
  );
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.equal(response.headers['set-cookie'], undefined);
}

/** Headers that differ between any two responses whatever they say. */
const VARYING = new Set(['date', 'request-id', 'x-request-id']);

/** Status, body and every header but the varying ones: two answers that must not be told apart. */
export function comparable(response: LightMyRequestResponse) {
  const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !VARYING.has(name)));
  return { status: response.statusCode, body: response.body, headers };
}
