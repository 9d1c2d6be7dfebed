/**
 * createIntrospectionClient against a real auth server (startServer with a service token, over a
 * socket): what a live, a logged-out and a wrong-kind credential map to, and how a refused service
 * token or a server with introspection off surfaces.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createIntrospectionClient, IntrospectionError, type IntrospectionClient } from '@gatehouse/verify';
import { type AuthServer, startAuthServer, uniqueEmail } from './support/gatehouse-stack.ts';

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number; iat: number };

describe('createIntrospectionClient against a real server', () => {
  let auth: AuthServer;
  let client: IntrospectionClient;

  before(async () => {
    auth = await startAuthServer();
    client = createIntrospectionClient({
      url: `${auth.server.url}/oauth/introspect`,
      serviceToken: auth.serviceToken,
    });
  });
  after(() => auth?.close());

  it('maps a live access token to a jwt principal with its exp, and a live session cookie to a session principal', async () => {
    const email = uniqueEmail('live');
    await auth.client.register(email);
    const token = await auth.client.loginWithToken(email);
    assert.deepEqual(await client.introspect(token.accessToken), {
      sub: token.sub,
      sid: token.sid,
      roles: [],
      strategy: 'jwt',
      exp: claimsOf(token.accessToken).exp,
    });

    const browser = await auth.client.loginWithSession(email);
    const session = await client.validateSession(browser.cookie);
    assert.ok(session);
    assert.deepEqual(
      { ...session, exp: 0 },
      { sub: browser.sub, sid: browser.sid, roles: [], strategy: 'session', exp: 0 },
    );
    const nowSeconds = Date.now() / 1000;
    assert.ok(Number.isInteger(session.exp) && session.exp > nowSeconds, 'exp is in seconds, in the future');
    assert.ok(session.exp <= nowSeconds + 30 * 60 + 1, 'no later than the idle deadline (30 minutes)');
  });

  it('answers null for a credential of the other kind and for logged-out credentials', async () => {
    const email = uniqueEmail('gone');
    await auth.client.register(email);
    const token = await auth.client.loginWithToken(email);
    const browser = await auth.client.loginWithSession(email);
    assert.equal(await client.validateSession(token.accessToken), null, 'an access token is not a session');
    assert.equal(await client.introspect(browser.cookie), null, 'a session cookie is not an access token');

    await auth.client.logout(token);
    await auth.client.logout(browser);
    assert.equal(await client.introspect(token.accessToken), null);
    assert.equal(await client.validateSession(browser.cookie), null);
    assert.equal(await client.introspect('not.a.token'), null);
  });

  it('rejects with IntrospectionError (401) for a wrong service token, never null', async () => {
    const email = uniqueEmail('wrong');
    await auth.client.register(email);
    const token = await auth.client.loginWithToken(email);
    const impostor = createIntrospectionClient({
      url: `${auth.server.url}/oauth/introspect`,
      serviceToken: `${auth.serviceToken}x`,
    });
    await assert.rejects(impostor.introspect(token.accessToken), (error: unknown) => {
      assert.ok(error instanceof IntrospectionError);
      assert.equal(error.status, 401);
      assert.ok(!error.message.includes(token.accessToken) && !error.message.includes(auth.serviceToken));
      return true;
    });
  });

  it('rejects for a server that has introspection off (no service token configured)', async () => {
    const off = await startAuthServer({ serviceToken: false });
    try {
      const client = createIntrospectionClient({
        url: `${off.server.url}/oauth/introspect`,
        serviceToken: off.serviceToken,
      });
      await assert.rejects(client.introspect('a.b.c'), { name: 'IntrospectionError', status: 401 });
    } finally {
      await off.close();
    }
  });
});
