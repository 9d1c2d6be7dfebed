/**
 * One framework's app (Fastify, Express or Hono) in the forms asked for (open, no-op middleware,
 * guarded by the SDK's adapter, the adapter around a verifier that verifies nothing, and on Hono
 * wrapped by `gatehouseHandler`), each form on its own port with the same routes, in a process of
 * their own so autocannon (in load processes) never shares their event loop (the adapters
 * scenario starts one process per form, and every process makes the same verifiers, used or not).
 * One SDK verifier per guard, as a service runs it (static JWKS, in-process revocation feed, cache
 * on); the session guard's validateSession hook is backed by the real auth flow over the memory
 * store. Started by bench/scenarios/adapters.ts; not meant to be run by hand.
 */
import { runWorker } from '../lib/run-worker.ts';
import { type AppForm, type Framework, formsOf, type RunningApp, startApp } from './adapters/frameworks.ts';
import { createScenarioGuards } from './adapters/guards.ts';
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
  /** The same request to the same route behind the adapter around a verifier that verifies nothing. */
  unverified: HttpCase;
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
  const unverified: HttpCase = { ...open, name: `${credential}, adapter verifying nothing, same headers` };
  const sides = { credential, guarded, open, noop, unverified, expectedSub };
  if (!formsOf(framework).includes('wrapped')) return sides;
  return { ...sides, wrapped: { ...guarded, name: `${credential}, guarded, wrapped handler` } };
}

runWorker<AdapterAppConfig>(async ({ framework, forms = formsOf(framework) }) => {
  const guards = await createScenarioGuards();
  const cases = guards.map(({ credential, path, header: [name, value], expectedSub }) =>
    adapterCaseOf(framework, credential, path, { [name]: value }, expectedSub),
  );
  const apps: RunningApp[] = [];
  const ports: AdapterAppReady['ports'] = {};
  for (const form of forms) {
    const app = await startApp(framework, form, guards);
    apps.push(app);
    ports[form] = app.port;
  }
  const ready: AdapterAppReady = { ports, cases };
  return {
    ready,
    call: (): GuardCounters =>
      Object.fromEntries(
        guards.map(({ path, verifier }) => {
          const { accepted, cacheHits, staleRequests } = verifier.metrics();
          return [path, { accepted, cacheHits, staleRequests }];
        }),
      ),
    async close() {
      for (const app of apps) await app.close();
      for (const guard of guards) await guard.close();
    },
  };
});
