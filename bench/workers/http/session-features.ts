import { SESSION_COOKIE } from '@gatehouse/verify';
import { describeError } from '../../lib/format.ts';
import { startSdkVerifier } from '../../lib/sdk-fixture.ts';
import { createSessionFixture, validateSessionWith } from '../../lib/session-fixture.ts';
import { createSigningFixture } from '../../lib/signing-fixture.ts';
import { openBenchStore, STORE_KINDS, STORE_LABELS, type StoreKind } from '../../lib/stores.ts';
import { type FeatureContext, type FeatureSetup, respond } from './types.ts';

/** The session cookie's value from a Cookie header (the bench sends exactly one). */
function sessionCookie(header: string | undefined): string | undefined {
  const prefix = `${SESSION_COOKIE}=`;
  return header
    ?.split(';')
    .map((pair) => pair.trim())
    .find((pair) => pair.startsWith(prefix))
    ?.slice(prefix.length);
}

/** Routes guarded by full validation per request (the session with its user), as the server does it. */
export async function setUpStoreSessions(context: FeatureContext): Promise<FeatureSetup> {
  const setup: FeatureSetup = { routes: {}, cases: [] };
  const closers: (() => Promise<void>)[] = [];
  setup.close = async () => {
    for (const close of closers) await close();
  };
  for (const kind of STORE_KINDS) {
    try {
      await addStoreRoute(setup, closers, kind, context);
    } catch (error) {
      context.fail({ case: `session cookie, ${STORE_LABELS[kind]}`, reason: describeError(error) });
    }
  }
  return setup;
}

async function addStoreRoute(
  setup: FeatureSetup,
  closers: (() => Promise<void>)[],
  kind: StoreKind,
  context: FeatureContext,
): Promise<void> {
  const bench = await openBenchStore(kind, context);
  closers.push(bench.close);
  const fixture = await createSessionFixture(bench.store);
  const path = `/session/${kind}`;
  setup.routes[path] = async (request, response) => {
    const value = sessionCookie(request.headers.cookie);
    try {
      await fixture.auth.validateSessionToken(value);
      respond(response, true);
    } catch {
      respond(response, false);
    }
  };
  setup.cases.push({
    name: `session cookie, ${STORE_LABELS[kind]} (validateSessionToken: the session with its user)`,
    group: 'session',
    path,
    method: 'GET',
    headers: { cookie: `${SESSION_COOKIE}=${fixture.sessionToken}` },
  });
}

/** A route guarded by the SDK, its session hook backed by PostgreSQL: repeat requests hit the cache. */
export async function setUpSdkSessions(context: FeatureContext): Promise<FeatureSetup> {
  const bench = await openBenchStore('postgres', context);
  try {
    const fixture = await createSessionFixture(bench.store);
    const signing = await createSigningFixture('ES256');
    const sdk = await startSdkVerifier('ES256', signing.jwks, {
      validateSession: validateSessionWith(fixture.auth),
    });
    return {
      routes: {
        '/session/sdk': async (request, response) => {
          respond(response, (await sdk.verifier.verifyRequest({ headers: request.headers })).ok);
        },
      },
      cases: [
        {
          name: 'session cookie, SDK cache over PostgreSQL (feed on)',
          group: 'session',
          path: '/session/sdk',
          method: 'GET',
          headers: { cookie: `${SESSION_COOKIE}=${fixture.sessionToken}` },
        },
      ],
      async close() {
        await sdk.close();
        await bench.close();
      },
    };
  } catch (error) {
    await bench.close();
    throw error;
  }
}
