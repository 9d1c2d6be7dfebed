/**
 * One framework's app (Fastify, Express or Hono) guarded by the SDK's adapter, in its own process
 * so autocannon (in the bench process) never shares its event loop. One SDK verifier per guard, as
 * a service runs it (static JWKS, in-process revocation feed, cache on); the session guard's
 * validateSession hook is backed by the real auth flow over the memory store. Started by
 * bench/scenarios/adapters.ts; not meant to be run by hand.
 */
import { SESSION_COOKIE } from '@gatehouse/verify';
import { createMemoryStore } from '@gatehouse/core/testing';
import { runWorker } from '../lib/run-worker.ts';
import { startSdkVerifier } from '../lib/sdk-fixture.ts';
import { createSessionFixture, validateSessionWith } from '../lib/session-fixture.ts';
import { ASYMMETRIC, createSigningFixture } from '../lib/signing-fixture.ts';
import {
  type Framework,
  type GuardedRoute,
  NOOP_PATH,
  OPEN_PATH,
  startApp,
  wrappedPathOf,
} from './adapters/frameworks.ts';
import type { HttpCase } from './http/types.ts';

export interface AdapterAppConfig {
  framework: Framework;
}

/** One guard of the app: its route, the request sent to it and to the open route, what it must answer. */
export interface AdapterCase {
  credential: string;
  guarded: HttpCase;
  /** The open route sent exactly the guarded case's headers. */
  open: HttpCase;
  /** The open route behind a middleware that does nothing, the same headers: the framework's share. */
  noop: HttpCase;
  /** Where the adapter has a second form (Hono's `gatehouseHandler`): the same guard, that form. */
  wrapped?: HttpCase;
  /** The `sub` the guarded route must answer with. */
  expectedSub: string;
}

export interface AdapterAppReady {
  port: number;
  cases: AdapterCase[];
}

/** What a call to the worker answers: each guarded route's verifier counters. */
export type GuardCounters = Record<string, { accepted: number; cacheHits: number; staleRequests: number }>;

const CLAIMS = { sub: 'user-1', sid: 'session-1', roles: ['reader'] };

function pair(
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
    path: OPEN_PATH,
    method: 'GET',
    headers,
  };
  const noop: HttpCase = { ...open, name: `${credential}, no-op middleware, same headers`, path: NOOP_PATH };
  const wrappedPath = wrappedPathOf(framework, path);
  if (wrappedPath === undefined) return { credential, guarded, open, noop, expectedSub };
  const wrapped: HttpCase = {
    ...guarded,
    name: `${credential}, guarded, wrapped handler`,
    path: wrappedPath,
  };
  return { credential, guarded, open, noop, wrapped, expectedSub };
}

runWorker<AdapterAppConfig>(async ({ framework }) => {
  const closers: (() => Promise<void>)[] = [];
  const routes: GuardedRoute[] = [];
  const cases: AdapterCase[] = [];
  for (const alg of ASYMMETRIC) {
    const fixture = await createSigningFixture(alg);
    const sdk = await startSdkVerifier(alg, fixture.jwks);
    closers.push(sdk.close);
    const path = `/guarded/${alg}`;
    routes.push({ path, verifier: sdk.verifier });
    const { token } = await fixture.signer.sign(CLAIMS);
    cases.push(
      pair(framework, `Bearer ${alg} (cache hit)`, path, { authorization: `Bearer ${token}` }, CLAIMS.sub),
    );
  }
  const session = await createSessionFixture(createMemoryStore());
  const signing = await createSigningFixture('ES256');
  const sdk = await startSdkVerifier('ES256', signing.jwks, {
    validateSession: validateSessionWith(session.auth),
  });
  closers.push(sdk.close);
  routes.push({ path: '/guarded/session', verifier: sdk.verifier });
  cases.push(
    pair(
      framework,
      'session cookie (cache hit)',
      '/guarded/session',
      { cookie: `${SESSION_COOKIE}=${session.sessionToken}` },
      session.userId,
    ),
  );
  const app = await startApp(framework, routes);
  const ready: AdapterAppReady = { port: app.port, cases };
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
      await app.close();
      for (const close of closers) await close();
    },
  };
});
