/** Set-Cookie parsing and the refusal assertions of the HTTP tests (inject answers). Not a test file. */
import assert from 'node:assert/strict';
import { REFRESH_COOKIE, SESSION_COOKIE } from '@gatehouse/core';
import type { LightMyRequestResponse } from 'fastify';
import { setCookieLines } from './test-transports.ts';

export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names lower-cased; flag attributes map to ''. */
  attributes: Map<string, string>;
}

export function parseSetCookie(header: string): SetCookie {
  const [pair, ...rest] = header.split(';').map((part) => part.trim());
  const equals = pair!.indexOf('=');
  const attributes = new Map<string, string>();
  for (const attribute of rest) {
    const at = attribute.indexOf('=');
    if (at === -1) attributes.set(attribute.toLowerCase(), '');
    else attributes.set(attribute.slice(0, at).toLowerCase(), attribute.slice(at + 1));
  }
  return { name: pair!.slice(0, equals), value: pair!.slice(equals + 1), attributes };
}

/** Every Set-Cookie of a response, parsed. */
export function setCookies(response: LightMyRequestResponse): SetCookie[] {
  return setCookieLines(response.headers['set-cookie']).map(parseSetCookie);
}

/** The session Set-Cookie of a response, if any. */
export function sessionSetCookie(response: LightMyRequestResponse): SetCookie | undefined {
  return setCookies(response).find((cookie) => cookie.name === SESSION_COOKIE);
}

/** The refresh Set-Cookie of a response, if any. */
export function refreshSetCookie(response: LightMyRequestResponse): SetCookie | undefined {
  return setCookies(response).find((cookie) => cookie.name === REFRESH_COOKIE);
}

export function assertClearsRefreshCookie(response: LightMyRequestResponse): void {
  const cookie = refreshSetCookie(response);
  assert.ok(cookie, 'expected the refresh cookie to be cleared');
  assert.equal(cookie.value, '');
  assert.equal(cookie.attributes.get('max-age'), '0');
  assert.equal(cookie.attributes.get('path'), '/auth/refresh');
}

export function assertClearsSessionCookie(response: LightMyRequestResponse): void {
  const cookie = sessionSetCookie(response);
  assert.ok(cookie, 'expected the session cookie to be cleared');
  assert.equal(cookie.value, '');
  assert.equal(cookie.attributes.get('max-age'), '0');
}

export function assertInvalidToken(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 401);
  assert.deepEqual(response.json(), { error: 'invalid_token' });
  assert.equal(response.headers['www-authenticate'], 'Bearer error="invalid_token"');
}

/** 401 for a request that carried no credentials: RFC 6750 §3.1's bare challenge, no error code. */
export function assertNoCredentials(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 401);
  assert.deepEqual(response.json(), { error: 'invalid_token' });
  assert.equal(response.headers['www-authenticate'], 'Bearer');
}

export function assertInvalidGrant(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 400);
  assert.deepEqual(response.json(), { error: 'invalid_grant' });
}

export function assertCsrfRefused(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 403);
  assert.deepEqual(response.json(), { error: 'csrf' });
}
