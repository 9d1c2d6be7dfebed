import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Context } from 'hono';
import { SESSION_COOKIE } from '../lib/read-credential.ts';
import { createFixture } from '../testing/fixture.ts';
import { type ExpressLikeRequest, gatehouse as expressGatehouse } from './express.ts';
import { type FastifyLikeRequest, gatehouseHook, gatehousePlugin } from './fastify.ts';
import {
  type GatehouseEnv,
  gatehouseHandler,
  gatehouse as honoGatehouse,
  type HonoLikeContext,
} from './hono.ts';

function fakeExpressResponse() {
  const sent: { status?: number; headers?: Record<string, string>; body?: unknown } = {};
  const res = {
    status(code: number) {
      sent.status = code;
      return res;
    },
    set(headers: Record<string, string>) {
      sent.headers = headers;
      return res;
    },
    json(body: unknown) {
      sent.body = body;
    },
  };
  return { res, sent };
}

function runExpress(middleware: ReturnType<typeof expressGatehouse>, req: ExpressLikeRequest) {
  const { res, sent } = fakeExpressResponse();
  return new Promise<{ nextCalled: boolean; sent: typeof sent }>((resolve) => {
    const next = () => resolve({ nextCalled: true, sent });
    const original = res.json;
    res.json = (body: unknown) => {
      original(body);
      resolve({ nextCalled: false, sent });
    };
    middleware(req, res, next);
  });
}

describe('express adapter', () => {
  it('sets req.auth and calls next for a valid token', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    const req: ExpressLikeRequest = { headers: { authorization: `Bearer ${token}` } };
    const outcome = await runExpress(expressGatehouse(t.verifier), req);
    assert.equal(outcome.nextCalled, true);
    assert.equal(req.auth?.sub, 'user-1');
    await t.stop();
  });

  it('answers 401 with a Bearer challenge and a generic body; ignores a query-string token', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    const req = { headers: {}, url: `/api?access_token=${token}`, query: { access_token: token } };
    const outcome = await runExpress(expressGatehouse(t.verifier), req);
    assert.deepEqual(outcome, {
      nextCalled: false,
      sent: {
        status: 401,
        headers: { 'cache-control': 'no-store', 'www-authenticate': 'Bearer' },
        body: { error: 'invalid_token' },
      },
    });
    const bad = await runExpress(expressGatehouse(t.verifier), {
      headers: { authorization: 'Bearer x.y.z' },
    });
    assert.equal(bad.sent.headers?.['www-authenticate'], 'Bearer error="invalid_token"');
    assert.doesNotMatch(JSON.stringify(bad.sent), /x\.y\.z/, 'the token never appears in the response');
    await t.stop();
  });

  it('answers 503 with Retry-After while the feed is stale', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    t.clock.advance(60_000);
    const outcome = await runExpress(expressGatehouse(t.verifier), {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(outcome.sent.status, 503);
    assert.equal(outcome.sent.headers?.['retry-after'], '1');
    assert.deepEqual(outcome.sent.body, { error: 'temporarily_unavailable' });
    await t.stop();
  });

  it('answers 503 with Retry-After when the session lookup fails (store or auth server down)', async () => {
    const t = await createFixture({
      validateSession: async () => {
        throw new Error('store down');
      },
    });
    const cookie = `${SESSION_COOKIE}=${'i'.repeat(22)}.${'s'.repeat(43)}`;
    const outcome = await runExpress(expressGatehouse(t.verifier), { headers: { cookie } });
    assert.equal(outcome.nextCalled, false);
    assert.equal(outcome.sent.status, 503);
    assert.equal(outcome.sent.headers?.['retry-after'], '1');
    assert.deepEqual(outcome.sent.body, { error: 'temporarily_unavailable' });
    await t.stop();
  });
});

describe('fastify adapter', () => {
  function fakeReply() {
    const sent: { code?: number; headers?: Record<string, string>; body?: unknown } = {};
    const reply = {
      code(status: number) {
        sent.code = status;
        return reply;
      },
      headers(values: Record<string, string>) {
        sent.headers = values;
        return reply;
      },
      send(body: unknown) {
        sent.body = body;
        return reply;
      },
    };
    return { reply, sent };
  }

  it('the hook sets request.auth, or replies 401', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    const hook = gatehouseHook(t.verifier);
    const request: FastifyLikeRequest = { headers: { authorization: `Bearer ${token}` } };
    const ok = fakeReply();
    assert.equal(await hook(request, ok.reply), undefined);
    assert.equal(request.auth?.sid, 'session-1');
    assert.deepEqual(ok.sent, {});

    const refused = fakeReply();
    const returned = await hook({ headers: { authorization: ['Bearer a', 'Bearer b'] } }, refused.reply);
    assert.equal(returned, refused.reply);
    assert.equal(refused.sent.code, 401);
    assert.equal(refused.sent.headers?.['www-authenticate'], 'Bearer error="invalid_token"');
    await t.stop();
  });

  it("given Fastify's done, a cache hit goes on at once; a refusal replies and never calls done", async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    const hook = gatehouseHook(t.verifier);
    const headers = { authorization: `Bearer ${token}` };
    // First sight fills the cache (a promise, which Fastify awaits instead of done).
    assert.equal(await hook({ headers }, fakeReply().reply), undefined);
    const request: FastifyLikeRequest = { headers };
    let doneCalls = 0;
    assert.equal(
      hook(request, fakeReply().reply, () => doneCalls++),
      undefined,
    );
    assert.equal(doneCalls, 1, 'done was called synchronously');
    assert.equal(request.auth?.sid, 'session-1');
    const refused = fakeReply();
    const returned = await hook(
      { headers: { authorization: 'Bearer x.y.z' } },
      refused.reply,
      () => doneCalls++,
    );
    assert.equal(returned, refused.reply);
    assert.equal(refused.sent.code, 401);
    assert.equal(doneCalls, 1);
    await t.stop();
  });

  it('the plugin decorates request.auth, adds the hook and escapes encapsulation', async () => {
    const t = await createFixture();
    const plugin = gatehousePlugin(t.verifier);
    const calls: unknown[][] = [];
    let finished = false;
    plugin(
      {
        decorateRequest: (...args) => calls.push(['decorateRequest', ...args]),
        addHook: (...args) => calls.push(['addHook', ...args]),
      },
      {},
      () => {
        finished = true;
      },
    );
    assert.deepEqual(calls[0], ['decorateRequest', 'auth', null]);
    assert.equal(calls[1]![1], 'preHandler');
    assert.equal(typeof calls[1]![2], 'function');
    assert.equal(finished, true);
    assert.equal((plugin as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')], true);
    await t.stop();
  });
});

describe('hono adapter', () => {
  function fakeContext(headers: Headers) {
    const state: {
      auth?: unknown;
      response?: { body: unknown; status: number; headers: Record<string, string> };
    } = {};
    const context: HonoLikeContext = {
      req: { raw: { headers } },
      set: (_key, value) => {
        state.auth = value;
      },
      json: (body, status, responseHeaders) => {
        state.response = { body, status, headers: responseHeaders };
        return new Response(JSON.stringify(body), { status, headers: responseHeaders });
      },
    };
    return { context, state };
  }

  it("sets 'auth' and calls next for a valid token or session cookie", async () => {
    const t = await createFixture({
      validateSession: async () => ({
        sub: 'user-2',
        sid: 'i'.repeat(22),
        roles: [],
        strategy: 'session',
        exp: 9e9,
      }),
    });
    const { token } = await t.sign();
    const middleware = honoGatehouse(t.verifier);
    for (const headers of [
      new Headers({ authorization: `Bearer ${token}` }),
      new Headers({ cookie: `${SESSION_COOKIE}=${'i'.repeat(22)}.${'s'.repeat(43)}` }),
    ]) {
      const { context, state } = fakeContext(headers);
      let nextCalled = false;
      assert.equal(
        await middleware(context, async () => {
          nextCalled = true;
        }),
        undefined,
      );
      assert.ok(nextCalled);
      assert.ok(state.auth);
    }
    await t.stop();
  });

  it('answers a verifier that throws with a rejected promise, as an async middleware would', async () => {
    const throwing = {
      verifyRequest: () => {
        throw new Error('verifier broke');
      },
    } as unknown as Parameters<typeof honoGatehouse>[0];
    const { context } = fakeContext(new Headers({ authorization: 'Bearer x.y.z' }));
    const answer = honoGatehouse(throwing)(context, async () => assert.fail('next must not run'));
    assert.ok(answer instanceof Promise);
    await assert.rejects(answer, /verifier broke/);
  });

  it('gatehouseHandler: on a cache hit the handler runs at once and its own answer comes back, no promise', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    const answer = new Response('mine');
    const calls: unknown[][] = [];
    const wrapped = gatehouseHandler(t.verifier, (c, next) => {
      calls.push([c, next]);
      return answer;
    });
    const next = async () => {};
    // The adapter reads only what HonoLikeContext has.
    const honoContext = (headers: Headers) => {
      const fake = fakeContext(headers);
      return { ...fake, context: fake.context as unknown as Context<GatehouseEnv> };
    };
    const first = honoContext(new Headers({ authorization: `Bearer ${token}` }));
    assert.equal(await wrapped(first.context, next), answer, 'first sight');
    const hit = honoContext(new Headers({ authorization: `Bearer ${token}` }));
    assert.equal(wrapped(hit.context, next), answer, 'the cache hit answers synchronously');
    assert.deepEqual(calls, [
      [first.context, next],
      [hit.context, next],
    ]);
    assert.ok(hit.state.auth);
    const refused = honoContext(new Headers());
    const response = wrapped(refused.context, next);
    assert.ok(response instanceof Response, 'a refusal without a credential is synchronous too');
    assert.equal(response.status, 401);
    assert.equal(refused.state.auth, undefined);
    assert.equal(calls.length, 2, 'the handler never ran for the refusal');
    await t.stop();
  });

  it('refuses duplicate Authorization headers, which Headers joins with a comma', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    const headers = new Headers();
    headers.append('authorization', `Bearer ${token}`);
    headers.append('authorization', `Bearer ${token}`);
    const { context, state } = fakeContext(headers);
    const response = await honoGatehouse(t.verifier)(context, async () => assert.fail('next must not run'));
    assert.equal(response?.status, 401);
    assert.equal(state.response?.headers['www-authenticate'], 'Bearer error="invalid_token"');
    await t.stop();
  });
});
