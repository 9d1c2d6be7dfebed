import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CsrfError,
  ForbiddenError,
  GatehouseError,
  InvalidCredentialsError,
  InvalidInputError,
  NotFoundError,
  PasswordPolicyError,
  RefreshTokenError,
  ResetTokenError,
  ThrottledError,
  TokenError,
  UnauthenticatedError,
} from '@gatehouse/core';
import { toErrorResponse } from './error-map.ts';

const bearer = { 'www-authenticate': 'Bearer error="invalid_token"' };
const retry = { 'retry-after': '2' };

describe('toErrorResponse', () => {
  const cases: [string, unknown, number, string, Record<string, string>][] = [
    ['bad credentials', new InvalidCredentialsError('wrong password'), 401, 'invalid_credentials', {}],
    ['no credentials', new UnauthenticatedError(), 401, 'invalid_token', { 'www-authenticate': 'Bearer' }],
    ['bad session', new UnauthenticatedError('ERR_SESSION_INVALID', 'x'), 401, 'invalid_token', bearer],
    ['expired session', new UnauthenticatedError('ERR_SESSION_EXPIRED', 'x'), 401, 'invalid_token', bearer],
    ['expired token', new TokenError('ERR_TOKEN_EXPIRED', 'x'), 401, 'invalid_token', bearer],
    ['bad signature', new TokenError('ERR_TOKEN_SIGNATURE', 'x'), 401, 'invalid_token', bearer],
    ['csrf', new CsrfError('x'), 403, 'csrf', {}],
    ['forbidden', new ForbiddenError(), 403, 'forbidden', {}],
    ['not found', new NotFoundError(), 404, 'not_found', {}],
    ['throttled', new ThrottledError(2.2), 429, 'too_many_attempts', { 'retry-after': '3' }],
    ['refresh reuse', new RefreshTokenError('ERR_REFRESH_REUSED', 'x'), 400, 'invalid_grant', {}],
    ['refresh invalid', new RefreshTokenError('ERR_REFRESH_INVALID', 'x'), 400, 'invalid_grant', {}],
    ['reset token', new ResetTokenError('x'), 400, 'invalid_reset_token', {}],
    ['bad input', new InvalidInputError('x', 'email'), 400, 'invalid_request', {}],
    ['password policy', new PasswordPolicyError('too_short'), 400, 'invalid_password', {}],
    ['stale feed', new TokenError('ERR_FEED_STALE', 'x'), 503, 'temporarily_unavailable', retry],
    [
      'pg refused',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      503,
      'temporarily_unavailable',
      retry,
    ],
    [
      'pg pool timeout',
      new Error('timeout exceeded when trying to connect'),
      503,
      'temporarily_unavailable',
      retry,
    ],
    ['pg read timeout', new Error('Query read timeout'), 503, 'temporarily_unavailable', retry],
    [
      'pg statement_timeout',
      Object.assign(new Error('canceling statement'), { code: '57014' }),
      503,
      'temporarily_unavailable',
      retry,
    ],
    [
      'pg shutting down',
      Object.assign(new Error('terminating connection'), { code: '57P01' }),
      503,
      'temporarily_unavailable',
      retry,
    ],
    [
      'pg connection lost',
      new Error('Connection terminated unexpectedly'),
      503,
      'temporarily_unavailable',
      retry,
    ],
    ['redis timeout', new Error('Command timed out'), 503, 'temporarily_unavailable', retry],
    ['redis closed', new Error('Connection is closed.'), 503, 'temporarily_unavailable', retry],
    [
      'redis retries',
      Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' }),
      503,
      'temporarily_unavailable',
      retry,
    ],
    [
      'wrapped cause',
      new Error('store failed', { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) }),
      503,
      'temporarily_unavailable',
      retry,
    ],
    [
      'pg unique violation (a bug, not an outage)',
      Object.assign(new Error('duplicate key'), { code: '23505' }),
      500,
      'server_error',
      {},
    ],
    ['plain Error', new Error('secret detail'), 500, 'server_error', {}],
    ['a thrown string', 'oops', 500, 'server_error', {}],
    ['null', null, 500, 'server_error', {}],
    ['unknown core code', new GatehouseError('ERR_NOPE' as never, 'x'), 500, 'server_error', {}],
    [
      'Fastify 413',
      Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }),
      413,
      'payload_too_large',
      {},
    ],
    [
      'Fastify 415',
      Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }),
      415,
      'unsupported_media_type',
      {},
    ],
    [
      'Fastify bad JSON',
      Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }),
      400,
      'invalid_request',
      {},
    ],
    [
      'other client error',
      Object.assign(new Error('x'), { code: 'FST_SOMETHING', statusCode: 408 }),
      408,
      'invalid_request',
      {},
    ],
    ['a 5xx from a plugin', Object.assign(new Error('x'), { statusCode: 502 }), 500, 'server_error', {}],
  ];
  for (const [name, error, status, code, headers] of cases) {
    it(`maps ${name} to ${status} ${code}`, () => {
      assert.deepEqual(toErrorResponse(error), { status, body: { error: code }, headers });
    });
  }
});
