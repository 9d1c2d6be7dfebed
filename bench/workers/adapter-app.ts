/**
 * One framework's app (Fastify, Express or Hono) in the forms asked for (open, no-op middleware,
 * guarded by the SDK's adapter, and on Hono wrapped by `gatehouseHandler`), each form on its own
 * port with the same routes, in a process of their own so autocannon (in the bench process) never
 * shares their event loop (the adapters scenario starts one process per form, and every process
 * makes the same verifiers, used or not). One SDK verifier per guard, as a service runs it (static
 * JWKS, in-process revocation feed, cache on); the session guard's validateSession hook is backed
 * by the real auth flow over the memory store. Started by bench/scenarios/adapters.ts; not meant
 * to be run by hand.
 */
import { SESSION_COOKIE } from '@gatehouse/verify';
import { createMemoryStore } from '@gatehouse/core/testing';
import { runWorker } from '../lib/run-worker.ts';
import { startSdkVerifier } from '../lib/sdk-fixture.ts';
import { createSessionFixture, validateSessionWith } from '../lib/session-fixture.ts';
import { ASYMMETRIC, createSigningFixture } from '../lib/signing-fixture.ts';
import {
  type AppForm,
  type Framework,
  formsOf,
  type GuardedRoute,
  type RunningApp,
  startApp,
} from './adapters/frameworks.ts';
import type { HttpCase } from './http/types.ts';

export interface AdapterAppConfig {
  framework: Framework;
  /** The forms this process serves; default every form of the framework. */
  forms?: readonly AppForm[];
}

/**
 * One guard of the app: the request sent to its route in each form of the app (the same path and
 * headers every time), and what the guarded forms must answer.
 */
export interface AdapterCase {
  credential: string;
  guarded: HttpCase;
  /** The same request to the same route of the open app. */
  open: HttpCase;
  /** The same request to the same route behind a middleware that does nothing: the framework's share. */
  noop: HttpCase;
  /** Where the adapter has a second form (Hono's `gatehouseHandler`): the same request to that app. */
  wrapped?: HttpCase;
  /** The `sub` the guarded route must answer with. */
  expectedSub: string;
}

export interface AdapterAppReady {
  /** Each form's port: every form serves the same paths. */
  ports: Partial<Record<AppForm, number>>;
  cases: AdapterCase[];
}

/** What a call to the worker answers: each guarded route's verifier counters. */
export type GuardCounters = Record<string, { accepted: number; cacheHits: number; staleRequests: number }>;

const CLAIMS = { sub: 'user-1', sid: 'session-1', roles: ['reader'] };

function adapterCaseOf(
  framework: Framework,
  credential: string,
  path: string,
  headers: Record<string, string>,
  expectedSub: string,
): AdapterCase {
  const group = 'cookie' in headers ? 'session' : 'jwt';
  const guarded: HttpCase = { name: `${credential}, guarded`, group, path, method: 'GET', headers };
  const open: HttpCase = {
    name: `${credential}, open route, same headers`,
    group: 'open-same-headers',
    pairedWith: guarded.name,
    path,
    method: 'GET',
    headers,
  };
  const noop: HttpCase = { ...open, name: `${credential}, no-op middleware, same headers` };
  if (!formsOf(framework).includes('wrapped')) return { credential, guarded, open, noop, expectedSub };
  const wrapped: HttpCase = { ...guarded, name: `${credential}, guarded, wrapped handler` };
  return { credential, guarded, open, noop, wrapped, expectedSub };
}

runWorker<AdapterAppConfig>(async ({ framework, forms = formsOf(framework) }) => {
  const closers: (() => Promise<void>)[] = [];
  const routes: GuardedRoute[] = [];
  const cases: AdapterCase[] = [];
  for (const alg of ASYMMETRIC) {
    const fixture = await createSigningFixture(alg);
    const sdk = await startSdkVerifier(alg, fixture.jwks);
    closers.push(sdk.close);
    const path = `/api/${alg}`;
    routes.push({ path, verifier: sdk.verifier });
    const { token } = await fixture.signer.sign(CLAIMS);
    cases.push(
      adapterCaseOf(
        framework,
        `Bearer ${alg} (cache hit)`,
        path,
        { authorization: `Bearer ${token}` },
        CLAIMS.sub,
      ),
    );
  }
  const session = await createSessionFixture(createMemoryStore());
  const signing = await createSigningFixture('ES256');
  const sdk = await startSdkVerifier('ES256', signing.jwks, {
    validateSession: validateSessionWith(session.auth),
  });
  closers.push(sdk.close);
  routes.push({ path: '/api/session', verifier: sdk.verifier });
  cases.push(
    adapterCaseOf(
      framework,
      'session cookie (cache hit)',
      '/api/session',
      { cookie: `${SESSION_COOKIE}=${session.sessionToken}` },
      session.userId,
    ),
  );
  const apps: RunningApp[] = [];
  const ports: AdapterAppReady['ports'] = {};
  for (const form of forms) {
    const app = await startApp(framework, form, routes);
    apps.push(app);
    ports[form] = app.port;
  }
  const ready: AdapterAppReady = { ports, cases };
  return {
    ready,
    call: (): GuardCounters =>
      Object.fromEntries(
        routes.map(({ path, verifier }) => {
          const { accepted, cacheHits, staleRequests } = verifier.metrics();
          return [path, { accepted, cacheHits, staleRequests }];
        }),
      ),
    async close() {
      for (const app of apps) await app.close();
      for (const close of closers) await close();
    },
  };
});
