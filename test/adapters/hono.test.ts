import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createAccessTokenSigner, createInProcessFeed } from '@gatehouse/core';
import {
  createManualClock,
  createTestDpopKey,
  generateTestSigningKey,
  makeTestDpopProof,
} from '@gatehouse/core/testing';
import { serve } from '@hono/node-server';
import { createVerifier, type Principal, SESSION_COOKIE, type Verifier } from '@gatehouse/verify';
import { type GatehouseEnv, gatehouse, gatehouseHandler } from '@gatehouse/verify/hono';
import { type Context, Hono } from 'hono';
import {
  assertType,
  createHarness,
  type Equal,
  get,
  type Reply,
  type RequestHeaders,
  runAdapterSuite,
} from './support.ts';

/** The app on @hono/node-server over a real socket on 127.0.0.1. */
async function listen(app: Hono<GatehouseEnv>) {
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
        resolve({ server, port: info.port }),
      );
    },
  );
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

runAdapterSuite('Hono on @hono/node-server', async (verifier, onAuth) => {
  const app = new Hono<GatehouseEnv>();
  app.get('/health', (c) => c.text('ok'));
  app.use('/api/*', gatehouse(verifier));
  app.get('/api/me', (c) => {
    const principal = c.get('auth');
    assertType<Equal<typeof principal, Principal>>(true);
    onAuth(principal);
    return c.json(principal);
  });
  return listen(app);
});

runAdapterSuite('Hono on @hono/node-server, gatehouseHandler around the route', async (verifier, onAuth) => {
  const app = new Hono<GatehouseEnv>();
  app.get('/health', (c) => c.text('ok'));
  app.get(
    '/api/me',
    gatehouseHandler(verifier, (c) => {
      const principal = c.get('auth');
      assertType<Equal<typeof principal, Principal>>(true);
      onAuth(principal);
      return c.json(principal);
    }),
  );
  return listen(app);
});

const issuer = 'https://auth.test';
const audience = 'orders-api';
const BASE = 'https://api.test';
const maxStalenessMs = 5000;
const GOOD_SESSION = `${'i'.repeat(22)}.${'s'.repeat(43)}`;
const UNKNOWN_SESSION = `${'u'.repeat(22)}.${'s'.repeat(43)}`;
const FORMS = ['middleware', 'handler'] as const;
type Form = (typeof FORMS)[number];

/** What a client can tell apart in two answers (not the date). */
function visible(reply: Reply) {
  const { status, text, headers } = reply;
  const pick = ['www-authenticate', 'cache-control', 'retry-after', 'dpop-nonce', 'content-type'];
  return { status, text, headers: Object.fromEntries(pick.map((name) => [name, headers[name]])) };
}

describe('Hono: gatehouseHandler accepts and refuses exactly as the gatehouse middleware does', () => {
  const clock = createManualClock();
  const key = generateTestSigningKey('ES256', 'k1');
  const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
  const signer = createAccessTokenSigner({ issuer, audience, clock, keys: { getSigningKey: () => key } });
  const sessionPrincipal: Principal = {
    sub: 'user-2',
    sid: 'i'.repeat(22),
    roles: [],
    strategy: 'session',
    exp: 9e9,
  };
  const verifier = createVerifier({
    issuer,
    audience,
    algorithms: ['ES256'],
    jwks: { keys: [{ ...key.verificationKey.export({ format: 'jwk' }), kid: key.kid, alg: 'ES256' }] },
    feed,
    clock,
    maxStalenessMs,
    dpop: { baseUrl: BASE },
    validateSession: async (value) => (value === GOOD_SESSION ? { ...sessionPrincipal } : null),
  });
  const ran: Record<Form, Principal[]> = { middleware: [], handler: [] };
  let app: Awaited<ReturnType<typeof listen>>;

  before(async () => {
    await verifier.start();
    const hono = new Hono<GatehouseEnv>();
    hono.use('/middleware/*', gatehouse(verifier));
    hono.get('/middleware/me', (c) => {
      ran.middleware.push(c.get('auth'));
      return c.json(c.get('auth'));
    });
    hono.get(
      '/handler/me',
      gatehouseHandler(verifier, (c) => {
        ran.handler.push(c.get('auth'));
        return c.json(c.get('auth'));
      }),
    );
    app = await listen(hono);
  });

  after(async () => {
    await app.close();
    await verifier.stop();
    feed.close();
  });

  const sign = async (sid = 'session-1', extra: { jkt?: string } = {}) =>
    (await signer.sign({ sub: 'user-1', sid, roles: ['reader'], ...extra })).token;
  const proofFor = (dpopKey: Awaited<ReturnType<typeof createTestDpopKey>>, form: Form, token: string) =>
    makeTestDpopProof(dpopKey, {
      htm: 'GET',
      htu: `${BASE}/${form}/me`,
      iat: Math.floor(clock.now() / 1000),
      accessToken: token,
    });

  /** The same request (a DPoP proof made afresh for each route) to both forms; their answers. */
  async function both(headersFor: (form: Form) => Promise<RequestHeaders>) {
    ran.middleware.length = 0;
    ran.handler.length = 0;
    const replies = {} as Record<Form, Reply>;
    for (const form of FORMS) replies[form] = await get(`${app.origin}/${form}/me`, await headersFor(form));
    return replies;
  }

  function assertSame(
    replies: Record<Form, Reply>,
    status: number,
    challenge: string | undefined,
    label: string,
  ) {
    assert.deepEqual(visible(replies.handler), visible(replies.middleware), label);
    assert.equal(replies.handler.status, status, label);
    assert.equal(replies.handler.headers['www-authenticate'], challenge, label);
    const reached = status === 200 ? 1 : 0;
    assert.equal(ran.middleware.length, reached, `${label}: the route behind the middleware`);
    assert.equal(ran.handler.length, reached, `${label}: the wrapped handler`);
    assert.deepEqual(ran.handler, ran.middleware, `${label}: the same principal`);
  }

  const cases: {
    name: string;
    status: number;
    challenge?: string;
    headers: (form: Form) => Promise<RequestHeaders>;
  }[] = [
    {
      name: 'a valid Bearer token',
      status: 200,
      headers: async () => ({ authorization: `Bearer ${await sign()}` }),
    },
    {
      name: 'a valid session cookie',
      status: 200,
      headers: async () => ({ cookie: `${SESSION_COOKIE}=${GOOD_SESSION}` }),
    },
    { name: 'no credential', status: 401, challenge: 'Bearer', headers: async () => ({}) },
    {
      name: 'another scheme',
      status: 401,
      challenge: 'Bearer',
      headers: async () => ({ authorization: 'Basic dXNlcjpwYXNz' }),
    },
    {
      name: 'a forged Bearer token',
      status: 401,
      challenge: 'Bearer error="invalid_token"',
      headers: async () => ({ authorization: `Bearer ${(await sign()).slice(0, -8)}AAAAAAAA` }),
    },
    {
      name: 'two Authorization headers',
      status: 401,
      challenge: 'Bearer error="invalid_token"',
      headers: async () => ({ authorization: [`Bearer ${await sign()}`, `Bearer ${await sign()}`] }),
    },
    {
      name: 'a forged Bearer token next to a valid session cookie (the Authorization header decides)',
      status: 401,
      challenge: 'Bearer error="invalid_token"',
      headers: async () => ({
        authorization: `Bearer ${(await sign()).slice(0, -8)}AAAAAAAA`,
        cookie: `${SESSION_COOKIE}=${GOOD_SESSION}`,
      }),
    },
    {
      name: 'a valid Bearer token, then another Authorization header',
      status: 401,
      challenge: 'Bearer error="invalid_token"',
      headers: async () => ({ authorization: [`Bearer ${await sign()}`, 'Bearer x'] }),
    },
    {
      name: 'an Authorization header named in capitals',
      status: 200,
      headers: async () => ['AUTHORIZATION', `Bearer ${await sign()}`],
    },
    {
      name: 'two Authorization headers named in different letter cases',
      status: 401,
      challenge: 'Bearer error="invalid_token"',
      headers: async () => {
        const token = await sign();
        return ['Authorization', `Bearer ${token}`, 'aUTHORIZATION', `Bearer ${token}`];
      },
    },
    {
      name: 'a valid session cookie, then a second Cookie header with another one',
      status: 401,
      challenge: 'Bearer error="invalid_token"',
      headers: async () => [
        'Cookie',
        `${SESSION_COOKIE}=${GOOD_SESSION}`,
        'cookie',
        `${SESSION_COOKIE}=${UNKNOWN_SESSION}`,
      ],
    },
    {
      name: 'an unknown session cookie',
      status: 401,
      challenge: 'Bearer error="invalid_token"',
      headers: async () => ({ cookie: `${SESSION_COOKIE}=${UNKNOWN_SESSION}` }),
    },
  ];

  for (const { name, status, challenge, headers } of cases) {
    it(`${name}: ${status}`, async () => {
      assertSame(await both(headers), status, challenge, name);
    });
  }

  it('DPoP: a bound token with its proof, without it, with a proof for another route or key, or as Bearer', async () => {
    const dpopKey = await createTestDpopKey();
    const otherKey = await createTestDpopKey();
    const token = await sign('session-dpop', { jkt: dpopKey.jkt });
    const unbound = await sign('session-unbound');
    const algs = 'algs="ES256 ES384 EdDSA RS256 PS256"';
    const accepted = await both(async (form) => ({
      authorization: `DPoP ${token}`,
      dpop: await proofFor(dpopKey, form, token),
    }));
    assertSame(accepted, 200, undefined, 'a bound token with its proof');
    assert.equal(ran.handler[0]?.jkt, dpopKey.jkt);
    const refusals: [string, string, (form: Form) => Promise<RequestHeaders>][] = [
      ['without its proof', 'invalid_dpop_proof', async () => ({ authorization: `DPoP ${token}` })],
      [
        'with a proof for the other route',
        'invalid_dpop_proof',
        async (form) => ({
          authorization: `DPoP ${token}`,
          dpop: await proofFor(dpopKey, form === 'handler' ? 'middleware' : 'handler', token),
        }),
      ],
      [
        'with a proof by another key',
        'invalid_dpop_proof',
        async (form) => ({ authorization: `DPoP ${token}`, dpop: await proofFor(otherKey, form, token) }),
      ],
      ['as Bearer', 'invalid_token', async () => ({ authorization: `Bearer ${token}` })],
      [
        'with its proof sent as two DPoP headers',
        'invalid_dpop_proof',
        async (form) => {
          const proof = await proofFor(dpopKey, form, token);
          return { authorization: `DPoP ${token}`, dpop: [proof, proof] };
        },
      ],
      [
        'with its proof sent twice, under names in different letter cases',
        'invalid_dpop_proof',
        async (form) => {
          const proof = await proofFor(dpopKey, form, token);
          return ['Authorization', `DPoP ${token}`, 'DPoP', proof, 'dpop', proof];
        },
      ],
      [
        'an unbound token under the DPoP scheme',
        'invalid_token',
        async (form) => ({ authorization: `DPoP ${unbound}`, dpop: await proofFor(dpopKey, form, unbound) }),
      ],
    ];
    for (const [label, error, headers] of refusals)
      assertSame(await both(headers), 401, `DPoP error="${error}", ${algs}`, label);
  });

  it('a token revoked through the feed is refused by both on the very next request', async () => {
    const token = await sign('session-to-revoke');
    const bearer = async () => ({ authorization: `Bearer ${token}` });
    assertSame(await both(bearer), 200, undefined, 'before');
    assertSame(await both(bearer), 200, undefined, 'from the cache');
    await feed.publish([
      { type: 'session', sid: 'session-to-revoke', sub: 'user-1', until: clock.now() + 3_600_000 },
    ]);
    assertSame(await both(bearer), 401, 'Bearer error="invalid_token"', 'revoked');
  });

  it('both fail closed with 503 and Retry-After while the feed is stale', async () => {
    const token = await sign();
    clock.advance(maxStalenessMs + 1);
    const replies = await both(async () => ({ authorization: `Bearer ${token}` }));
    assertSame(replies, 503, undefined, 'stale');
    assert.equal(replies.handler.headers['retry-after'], '1');
    feed.heartbeat();
    assertSame(await both(async () => ({ authorization: `Bearer ${token}` })), 200, undefined, 'fresh again');
  });
});

describe('Hono: gatehouseHandler and errors', () => {
  it('an error thrown by the handler or the verifier reaches app.onError, as with the middleware', async () => {
    const harness = await createHarness();
    const { verifier } = harness;
    const handlerBroke = new Error('handler broke');
    const verifierBroke = new Error('verifier broke');
    const throwing = {
      verifyRequest: () => {
        throw verifierBroke;
      },
    } as unknown as Verifier;
    const rejecting = { verifyRequest: () => Promise.reject(verifierBroke) } as unknown as Verifier;
    const seen: unknown[] = [];
    const app = new Hono<GatehouseEnv>();
    app.onError((error, c) => {
      seen.push(error);
      return c.json({ error: 'server_error' }, 500);
    });
    const fails = () => {
      throw handlerBroke;
    };
    const rejects = async () => {
      throw handlerBroke;
    };
    app.get('/handler/throws', gatehouseHandler(verifier, fails));
    app.get('/handler/rejects', gatehouseHandler(verifier, rejects));
    app.get('/handler/verifier-throws', gatehouseHandler(throwing, fails));
    app.get('/handler/verifier-rejects', gatehouseHandler(rejecting, fails));
    app.get('/middleware/throws', gatehouse(verifier), fails);
    app.get('/middleware/rejects', gatehouse(verifier), rejects);
    app.get('/middleware/verifier-throws', gatehouse(throwing), fails);
    app.get('/middleware/verifier-rejects', gatehouse(rejecting), fails);
    const { token } = await harness.sign();
    for (const [what, error] of [
      ['throws', handlerBroke],
      ['rejects', handlerBroke],
      ['verifier-throws', verifierBroke],
      ['verifier-rejects', verifierBroke],
    ] as const) {
      for (const form of FORMS) {
        seen.length = 0;
        // Twice: the first sight of the token, then a cache hit.
        for (let i = 0; i < 2; i++) {
          const response = await app.request(`/${form}/${what}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          assert.equal(response.status, 500, `${form} ${what}`);
          assert.deepEqual(await response.json(), { error: 'server_error' });
        }
        assert.deepEqual(seen, [error, error], `${form} ${what}: the error itself reached onError`);
      }
    }
    await harness.stop();
  });
});

describe('Hono: where the guard reads the request', () => {
  /** Both forms behind `before` (a middleware of the app's own), on @hono/node-server. */
  async function withServer(
    before: Parameters<Hono<GatehouseEnv>['use']>[1],
    test: (origin: string, bearer: string, seen: unknown[]) => Promise<void>,
  ) {
    const harness = await createHarness();
    const seen: unknown[] = [];
    const app = new Hono<GatehouseEnv>();
    app.use('*', before);
    // What the route saw: whether node-server's Fetch Headers were built for this request.
    const answer = (c: Context<GatehouseEnv>) => {
      const raw = c.req.raw as unknown as Record<symbol, unknown>;
      seen.push(Object.getOwnPropertySymbols(raw).some((key) => raw[key] instanceof Headers));
      return c.json(c.get('auth'));
    };
    app.get('/middleware/me', gatehouse(harness.verifier), answer);
    app.get('/handler/me', gatehouseHandler(harness.verifier, answer));
    const server = await listen(app);
    try {
      await test(server.origin, `Bearer ${(await harness.sign()).token}`, seen);
    } finally {
      await server.close();
      await harness.stop();
    }
  }
  const passOn = async (_c: unknown, next: () => Promise<void>) => {
    await next();
  };

  it('on @hono/node-server, an untouched request is judged without building its Fetch headers', async () => {
    await withServer(passOn, async (origin, bearer, seen) => {
      for (let i = 0; i < 3; i++) {
        for (const form of FORMS) {
          assert.equal((await get(`${origin}/${form}/me`, { authorization: bearer })).status, 200);
          const twice = await get(`${origin}/${form}/me`, { authorization: [bearer, 'Bearer x'] });
          assert.equal(twice.status, 401, `${form}: two Authorization headers`);
        }
      }
      // Whatever the first request taught the adapter, the later ones never built them.
      assert.deepEqual(seen.slice(-4), [false, false, false, false]);
    });
  });

  it('a middleware that rewrites the Authorization header in front of the guard is obeyed', async () => {
    const rewrites: [string, Parameters<Hono<GatehouseEnv>['use']>[1], number][] = [
      [
        'deletes it from the Fetch headers',
        async (c, next) => {
          c.req.raw.headers.delete('authorization');
          await next();
        },
        401,
      ],
      [
        'replaces the request',
        async (c, next) => {
          c.req.raw = new Request(c.req.raw, { headers: { authorization: 'Bearer x' } });
          await next();
        },
        401,
      ],
    ];
    for (const [label, rewrite, status] of rewrites) {
      await withServer(rewrite, async (origin, bearer) => {
        // Again and again: the first request may teach the adapter node-server's request.
        for (let i = 0; i < 3; i++) {
          for (const form of FORMS) {
            const reply = await get(`${origin}/${form}/me`, { authorization: bearer });
            assert.equal(reply.status, status, `${label}, ${form}, request ${i + 1}`);
          }
        }
      });
    }
  });

  async function withApp(test: (app: Hono<GatehouseEnv>, bearer: string) => Promise<void>) {
    const harness = await createHarness();
    const app = new Hono<GatehouseEnv>();
    app.get('/middleware/me', gatehouse(harness.verifier), (c) => c.json(c.get('auth')));
    app.get(
      '/handler/me',
      gatehouseHandler(harness.verifier, (c) => c.json(c.get('auth'))),
    );
    try {
      await test(app, `Bearer ${(await harness.sign()).token}`);
    } finally {
      await harness.stop();
    }
  }

  it('elsewhere (no Node request in c.env, or something else named incoming): the Fetch headers, duplicates refused', async () => {
    await withApp(async (app, bearer) => {
      // workerd passes the bindings (one may be called `incoming`), Bun its server, Deno an info object.
      const envs = [
        undefined,
        {},
        { incoming: { get: () => null } },
        { incoming: 'binding' },
        { incoming: null },
        { incoming: new Request('http://other.test/', { headers: { authorization: 'Bearer x' } }) },
      ];
      for (const form of FORMS) {
        for (const env of envs) {
          const label = `${form}, env ${JSON.stringify(env)}`;
          const one = await app.fetch(
            new Request(`http://api.test/${form}/me`, { headers: { authorization: bearer } }),
            env,
          );
          assert.equal(one.status, 200, `${label}: one header`);
          const headers = new Headers([
            ['authorization', bearer],
            ['authorization', bearer],
          ]);
          const two = await app.fetch(new Request(`http://api.test/${form}/me`, { headers }), env);
          assert.equal(two.status, 401, `${label}: two headers`);
        }
      }
    });
  });
});
