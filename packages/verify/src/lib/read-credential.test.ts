import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCredential, SESSION_COOKIE } from './read-credential.ts';

describe('readCredential', () => {
  it('reads a Bearer token, tolerating extra spaces around it', () => {
    assert.deepEqual(readCredential({ headers: { authorization: 'Bearer   a.b.c  ' } }), {
      kind: 'jwt',
      value: 'a.b.c',
    });
  });

  it('reads the session cookie from the header among others, or from parsed cookies', () => {
    assert.deepEqual(readCredential({ headers: { cookie: [`a=1`, `${SESSION_COOKIE}=v.w; b=2`] } }), {
      kind: 'session',
      value: 'v.w',
    });
    assert.deepEqual(readCredential({ headers: { cookie: `${SESSION_COOKIE}=x` }, cookies: {} }), {
      kind: 'none',
    });
  });

  it('ignores cookies whose name merely contains the session cookie name', () => {
    assert.deepEqual(readCredential({ headers: { cookie: `x${SESSION_COOKIE}=v; ${SESSION_COOKIE}x=w` } }), {
      kind: 'none',
    });
  });

  it('refuses a duplicated session cookie', () => {
    const cookie = `${SESSION_COOKIE}=a; ${SESSION_COOKIE}=b`;
    assert.deepEqual(readCredential({ headers: { cookie } }), {
      kind: 'invalid',
      code: 'ERR_SESSION_INVALID',
    });
  });
});
