/**
 * The tiny service the HTTP scenarios load: node:http on 127.0.0.1, a random port, one route per
 * guard, all answering the same small JSON. It runs in its own process so autocannon (in the bench
 * process) never shares its event loop. Started by bench/lib/workers.ts; not meant to be run by hand.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError } from '../lib/format.ts';
import { runWorker } from '../lib/run-worker.ts';
import type { CaseNote } from '../lib/types.ts';
import { setUpExpressSession } from './http/express-session-feature.ts';
import { setUpCoreJwt, setUpSdkJwt } from './http/jwt-features.ts';
import { setUpLogin } from './http/login-feature.ts';
import { setUpSdkSessions, setUpStoreSessions } from './http/session-features.ts';
import {
  type FeatureContext,
  type FeatureSetup,
  type HttpServiceConfig,
  type HttpCase,
  type HttpServiceReady,
  respond,
  type RouteHandler,
} from './http/types.ts';

const FEATURES: Record<string, (context: FeatureContext) => Promise<FeatureSetup>> = {
  open: async () => ({
    routes: { '/open': (_request, response) => respond(response, true) },
    cases: [
      {
        name: 'unguarded, no credential (baseline)',
        group: 'baseline',
        path: '/open',
        method: 'GET',
        headers: {},
      },
    ],
  }),
  'jwt-core': setUpCoreJwt,
  'jwt-sdk': setUpSdkJwt,
  'session-store': setUpStoreSessions,
  'session-sdk': setUpSdkSessions,
  'express-session': setUpExpressSession,
  login: setUpLogin,
  // No routes of its own: once every case is known, it adds the open route receiving each guarded
  // case's headers (see below), so a guard's cost is not confused with the cost of its bytes.
  'open-same-headers': async () => ({ routes: {}, cases: [] }),
};

/** For each guarded case, the same request (headers, body) sent to the open route. */
function openWithSameHeaders(cases: HttpCase[]): HttpCase[] {
  return cases
    .filter((each) => each.group === 'jwt' || each.group === 'session')
    .map((each) => ({
      name: `open route, same headers as: ${each.name}`,
      group: 'open-same-headers',
      pairedWith: each.name,
      path: '/open',
      method: each.method,
      headers: each.headers,
      ...(each.body === undefined ? {} : { body: each.body }),
    }));
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

runWorker<HttpServiceConfig>(async (config) => {
  const failures: CaseNote[] = [];
  const context: FeatureContext = { ...config, fail: (note) => failures.push(note) };
  const routes = new Map<string, RouteHandler>();
  const setups: { name: string; setup: FeatureSetup }[] = [];
  for (const name of config.features) {
    const setUp = FEATURES[name];
    if (!setUp) throw new TypeError(`unknown feature ${name}`);
    try {
      const setup = await setUp(context);
      for (const [path, handler] of Object.entries(setup.routes)) routes.set(path, handler);
      setups.push({ name, setup });
    } catch (error) {
      failures.push({ case: name, reason: describeError(error) });
    }
  }

  const server = createServer((request, response) => {
    const handler = routes.get(request.url ?? '');
    if (!handler) {
      response.writeHead(404).end();
      return;
    }
    Promise.resolve(handler(request, response)).catch((error: unknown) => {
      process.stderr.write(`http-service ${request.url}: ${describeError(error)}\n`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  const port = await listen(server);
  const cases: HttpCase[] = [];
  for (const { name, setup } of setups) {
    cases.push(...setup.cases);
    try {
      if (setup.afterListen) cases.push(...(await setup.afterListen(`http://127.0.0.1:${port}`)));
    } catch (error) {
      failures.push({ case: name, reason: describeError(error) });
    }
  }
  if (config.features.includes('open-same-headers')) {
    if (!routes.has('/open')) throw new TypeError('open-same-headers needs the open feature');
    // Each twin right after its guarded case, so both see the same moment of the machine's load.
    const twins = openWithSameHeaders(cases);
    const ordered = cases.flatMap((each) => [each, ...twins.filter((twin) => twin.pairedWith === each.name)]);
    cases.splice(0, cases.length, ...ordered);
  }
  const ready: HttpServiceReady = { port, cases, failures };

  return {
    ready,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      for (const { setup } of setups) await setup.close?.();
    },
  };
});
