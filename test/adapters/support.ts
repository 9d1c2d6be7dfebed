import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createAccessTokenSigner, createInProcessFeed } from '@gatehouse/core';
import { createManualClock, generateTestSigningKey } from '@gatehouse/core/testing';
import { createVerifier, type Principal, type Verifier } from '@gatehouse/verify';

const issuer = 'https://auth.test';
const audience = 'orders-api';
const maxStalenessMs = 5000;

/** True when A and B are the same type (not merely assignable, so `any` does not pass). */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Fails type-checking unless `T` is `true`; a no-op at run time. */
export function assertType<T extends true>(_proof: T): void {}

/** A verifier as a service runs it (static JWKS, in-process feed), on a clock the test moves. */
export async function createHarness() {
  const clock = createManualClock();
  const key = generateTestSigningKey('ES256', 'k1');
  const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
  const signer = createAccessTokenSigner({ issuer, audience, clock, keys: { getSigningKey: () => key } });
  const verifier = createVerifier({
    issuer,
    audience,
    algorithms: ['ES256'],
    jwks: { keys: [{ ...key.verificationKey.export({ format: 'jwk' }), kid: key.kid, alg: 'ES256' }] },
    feed,
    clock,
    maxStalenessMs,
  });
  await verifier.start();
  return {
    verifier,
    feed,
    sign: (sid = 'session-1') => signer.sign({ sub: 'user-1', sid, roles: ['reader'] }),
    /** The feed goes silent for longer than maxStalenessMs. */
    silenceFeed: () => clock.advance(maxStalenessMs + 1),
    async stop() {
      await verifier.stop();
      feed.close();
    },
  };
}

/**
 * Header values that are arrays go out as repeated header lines; a flat list of names and values
 * (as Node's `rawHeaders`) goes out as it is, names in their own letter case.
 */
export type RequestHeaders = Record<string, string | string[]> | string[];

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** A GET over a fresh socket. */
export function get(url: string, headers: RequestHeaders = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // Node adds no Host header to a flat list.
    const sent = Array.isArray(headers) ? ['Host', new URL(url).host, ...headers] : headers;
    const request = httpRequest(url, { headers: sent, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** The app under test: `GET /health` is open, `GET /api/me` is guarded and answers the principal. */
export type ServeApp = (
  verifier: Verifier,
  onAuth: (principal: Principal) => void,
) => Promise<{ origin: string; close(): Promise<void> }>;

const sixteenCharWindows = (text: string) =>
  Array.from({ length: text.length - 15 }, (_, i) => text.slice(i, i + 16));

/**
 * The same HTTP behaviour, asserted for every framework adapter over a real socket on
 * 127.0.0.1: what the handler sees, the 401 challenges, revocation and the stale feed.
 */
export function runAdapterSuite(name: string, serve: ServeApp): void {
  describe(`${name} adapter over a real socket`, () => {
    let harness: Awaited<ReturnType<typeof createHarness>>;
    let app: Awaited<ReturnType<ServeApp>>;
    const seen: Principal[] = [];
    const me = (headers?: RequestHeaders) => get(`${app.origin}/api/me`, headers);
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    before(async () => {
      harness = await createHarness();
      app = await serve(harness.verifier, (principal) => seen.push(principal));
    });

    after(async () => {
      await app.close();
      await harness.stop();
    });

    it('a valid Bearer token reaches the handler with its principal', async () => {
      seen.length = 0;
      const { token, claims } = await harness.sign();
      const reply = await me(bearer(token));
      const principal = {
        sub: 'user-1',
        sid: 'session-1',
        roles: ['reader'],
        strategy: 'jwt',
        exp: claims.exp,
      };
      assert.equal(reply.status, 200);
      assert.deepEqual(JSON.parse(reply.text), principal);
      assert.deepEqual(seen, [principal]);
    });

    it('leaves routes outside its scope alone', async () => {
      const reply = await get(`${app.origin}/health`);
      assert.equal(reply.status, 200);
      assert.equal(reply.text, 'ok');
    });

    it('no token: 401 with a bare Bearer challenge, and the handler never runs', async () => {
      seen.length = 0;
      const reply = await me();
      assert.equal(reply.status, 401);
      assert.equal(reply.headers['www-authenticate'], 'Bearer');
      assert.equal(reply.headers['cache-control'], 'no-store');
      assert.deepEqual(JSON.parse(reply.text), { error: 'invalid_token' });
      assert.deepEqual(seen, []);
    });

    it('a bad token: 401 invalid_token, with a generic body that holds no part of the token', async () => {
      seen.length = 0;
      const { token } = await harness.sign();
      const forged = `${token.slice(0, -8)}AAAAAAAA`;
      const reply = await me(bearer(forged));
      assert.equal(reply.status, 401);
      assert.equal(reply.headers['www-authenticate'], 'Bearer error="invalid_token"');
      assert.deepEqual(JSON.parse(reply.text), { error: 'invalid_token' });
      const response = `${JSON.stringify(reply.headers)}\n${reply.text}`;
      for (const piece of sixteenCharWindows(forged))
        assert.ok(!response.includes(piece), 'token in the response');
      assert.deepEqual(seen, []);
    });

    it('never reads a token from the query string', async () => {
      const { token } = await harness.sign();
      const reply = await get(`${app.origin}/api/me?access_token=${token}`);
      assert.equal(reply.status, 401);
      assert.equal(reply.headers['www-authenticate'], 'Bearer');
    });

    it('refuses two Authorization headers, even if both carry valid tokens', async () => {
      const first = await harness.sign();
      const second = await harness.sign();
      const reply = await me({ authorization: [`Bearer ${first.token}`, `Bearer ${second.token}`] });
      assert.equal(reply.status, 401);
      assert.equal(reply.headers['www-authenticate'], 'Bearer error="invalid_token"');
    });

    it('refuses a token revoked through the feed on the very next request', async () => {
      const { token, claims } = await harness.sign('session-to-revoke');
      assert.equal((await me(bearer(token))).status, 200);
      assert.equal((await me(bearer(token))).status, 200, 'now answered from the cache');
      await harness.feed.publish([
        { type: 'session', sid: 'session-to-revoke', sub: 'user-1', until: claims.exp * 1000 },
      ]);
      const reply = await me(bearer(token));
      assert.equal(reply.status, 401);
      assert.equal(reply.headers['www-authenticate'], 'Bearer error="invalid_token"');
    });

    it('fails closed with 503 and Retry-After while the feed is stale', async () => {
      harness.silenceFeed();
      const { token } = await harness.sign();
      const reply = await me(bearer(token));
      assert.equal(reply.status, 503);
      assert.equal(reply.headers['retry-after'], '1');
      assert.equal(reply.headers['cache-control'], 'no-store');
      assert.deepEqual(JSON.parse(reply.text), { error: 'temporarily_unavailable' });
      harness.feed.heartbeat();
      assert.equal((await me(bearer(token))).status, 200, 'fresh again after a heartbeat');
    });
  });
}
