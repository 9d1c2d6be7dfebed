import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createIntrospectionClient, IntrospectionError } from './introspection-client.ts';

const url = 'https://auth.test/oauth/introspect';
const serviceToken = 's'.repeat(40);
const token = 'header.payload.signature';

interface Call {
  url: string;
  init: RequestInit;
}

/** A fetch that records each call and answers with `respond`. */
function fakeFetch(respond: () => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    return respond();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const activeAccessToken = {
  active: true,
  token_type: 'access_token',
  iss: 'https://auth.test',
  aud: 'gatehouse',
  sub: 'user-1',
  sid: 'session-1',
  jti: 'jti-1',
  roles: ['reader'],
  iat: 1_700_000_000,
  exp: 1_700_000_600,
};
const activeSession = {
  active: true,
  token_type: 'session',
  sub: 'user-2',
  sid: 'session-2',
  roles: [],
  iat: 1_700_000_000,
  exp: 1_700_001_800,
};

describe('createIntrospectionClient', () => {
  it('posts the token as JSON with the service token, and maps an active access token to a jwt principal', async () => {
    const { fetch, calls } = fakeFetch(() => json(activeAccessToken));
    const client = createIntrospectionClient({ url, serviceToken, fetch });
    assert.deepEqual(await client.introspect(token), {
      sub: 'user-1',
      sid: 'session-1',
      roles: ['reader'],
      strategy: 'jwt',
      exp: 1_700_000_600,
    });
    assert.equal(calls.length, 1);
    const [call] = calls;
    assert.equal(call!.url, url);
    assert.equal(call!.init.method, 'POST');
    assert.equal(call!.init.redirect, 'error');
    assert.deepEqual(call!.init.headers, {
      authorization: `Bearer ${serviceToken}`,
      'content-type': 'application/json',
      accept: 'application/json',
    });
    assert.equal(call!.init.body, JSON.stringify({ token }));
    assert.ok(call!.init.signal instanceof AbortSignal, 'every call is bounded');
  });

  it('maps a live session to a session principal', async () => {
    const { fetch } = fakeFetch(() => json(activeSession));
    const client = createIntrospectionClient({ url, serviceToken, fetch });
    assert.deepEqual(await client.validateSession('sid.secret'), {
      sub: 'user-2',
      sid: 'session-2',
      roles: [],
      strategy: 'session',
      exp: 1_700_001_800,
    });
  });

  it('answers null for inactive credentials and for a credential of the other kind', async () => {
    let answer: unknown = { active: false };
    const { fetch } = fakeFetch(() => json(answer));
    const client = createIntrospectionClient({ url, serviceToken, fetch });
    assert.equal(await client.introspect(token), null);
    assert.equal(await client.validateSession('sid.secret'), null);
    for (const active of ['true', 1, null, undefined]) {
      answer = { ...activeAccessToken, active };
      assert.equal(await client.introspect(token), null, `active: ${String(active)}`);
    }
    answer = activeSession;
    assert.equal(await client.introspect(token), null, 'a session is not an access token');
    answer = activeAccessToken;
    assert.equal(await client.validateSession('sid.secret'), null, 'an access token is not a session');
    answer = { ...activeAccessToken, token_type: undefined };
    assert.equal(await client.introspect(token), null, 'no token_type');
  });

  it('does not ask about empty or oversized tokens', async () => {
    const { fetch, calls } = fakeFetch(() => json(activeAccessToken));
    const client = createIntrospectionClient({ url, serviceToken, fetch });
    assert.equal(await client.introspect(''), null);
    assert.equal(await client.introspect('x'.repeat(8193)), null);
    assert.equal(await client.validateSession(42 as unknown as string), null);
    assert.equal(calls.length, 0);
  });

  it('rejects with IntrospectionError, never null, when the server does not answer properly', async () => {
    const cases: Array<[string, () => Response | Promise<Response>, number | undefined]> = [
      ['401', () => json({ error: 'invalid_token' }, 401), 401],
      ['500', () => new Response('oops', { status: 500 }), 500],
      ['204', () => new Response(null, { status: 204 }), 204],
      ['not JSON', () => new Response('<html>', { status: 200 }), 200],
      ['an array', () => json([activeAccessToken]), 200],
      ['active without sub', () => json({ ...activeAccessToken, sub: undefined }), 200],
      ['active with an empty sid', () => json({ ...activeAccessToken, sid: '' }), 200],
      ['roles not strings', () => json({ ...activeAccessToken, roles: [1] }), 200],
      ['roles missing', () => json({ ...activeAccessToken, roles: undefined }), 200],
      ['exp a string', () => json({ ...activeAccessToken, exp: '1700000600' }), 200],
      ['exp fractional', () => json({ ...activeAccessToken, exp: 1.5 }), 200],
      ['network error', () => Promise.reject(new TypeError('fetch failed')), undefined],
    ];
    for (const [name, respond, status] of cases) {
      const client = createIntrospectionClient({ url, serviceToken, fetch: fakeFetch(respond).fetch });
      await assert.rejects(
        client.introspect(token),
        (error: unknown) => {
          assert.ok(error instanceof IntrospectionError, name);
          assert.equal(error.code, 'ERR_INTROSPECTION_FAILED');
          assert.equal(error.status, status, name);
          assert.ok(!error.message.includes(token) && !error.message.includes(serviceToken), name);
          return true;
        },
        name,
      );
    }
  });

  it('gives up after timeoutMs', async () => {
    const fetch = ((_input: string, init: RequestInit) =>
      new Promise((_resolve, reject) =>
        init.signal!.addEventListener('abort', () => reject(init.signal!.reason), { once: true }),
      )) as unknown as typeof globalThis.fetch;
    const client = createIntrospectionClient({ url, serviceToken, fetch, timeoutMs: 20 });
    await assert.rejects(client.introspect(token), IntrospectionError);
  });

  it('refuses bad options at creation', () => {
    const { fetch } = fakeFetch(() => json(activeAccessToken));
    const bad: Array<[string, Record<string, unknown>]> = [
      ['no url', { serviceToken, fetch }],
      ['relative url', { url: '/oauth/introspect', serviceToken, fetch }],
      ['plain http off loopback', { url: 'http://auth.test/oauth/introspect', serviceToken, fetch }],
      ['ftp', { url: 'ftp://auth.test/introspect', serviceToken, fetch }],
      ['no service token', { url, fetch }],
      ['empty service token', { url, serviceToken: '', fetch }],
      ['short service token', { url, serviceToken: 's'.repeat(31), fetch }],
      ['service token with a space', { url, serviceToken: `${'s'.repeat(32)} x`, fetch }],
      ['service token with a newline', { url, serviceToken: `${'s'.repeat(32)}\r\nx: y`, fetch }],
      ['zero timeout', { url, serviceToken, fetch, timeoutMs: 0 }],
      ['fractional timeout', { url, serviceToken, fetch, timeoutMs: 1.5 }],
      ['fetch not a function', { url, serviceToken, fetch: 'no' }],
    ];
    for (const [name, options] of bad) {
      assert.throws(
        () => createIntrospectionClient(options as never),
        (error: unknown) => {
          assert.ok(error instanceof TypeError, name);
          assert.ok(!error.message.includes(serviceToken), name);
          return true;
        },
        name,
      );
    }
    assert.throws(() => createIntrospectionClient(null as never), TypeError);
    for (const loopback of ['http://127.0.0.1:3000/oauth/introspect', 'http://localhost/oauth/introspect']) {
      assert.doesNotThrow(() => createIntrospectionClient({ url: loopback, serviceToken, fetch }));
    }
  });
});
