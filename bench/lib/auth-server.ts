import { fileURLToPath } from 'node:url';
import { createTestClient, fetchTransport } from '@gatehouse/server/testing/client';
import type { JWK } from 'jose';
import type { AuthServerCall, AuthServerConfig, EventLoopDelay } from '../workers/auth-server.ts';
import { BENCH_PASSWORD } from './session-fixture.ts';
import { AUDIENCE, ISSUER } from './signing-fixture.ts';
import { startWorker } from './workers.ts';

const WORKER = fileURLToPath(new URL('../workers/auth-server.ts', import.meta.url));

export interface AuthServerClient {
  url: string;
  /** The server process's id. */
  pid: number;
  jwks(): Promise<{ keys: JWK[] }>;
  /** A new `token`-strategy login: a fresh session and its access token. */
  login(): Promise<{ accessToken: string; sid: string }>;
  /** RFC 7009 revocation of an access token: the server ends its session and publishes the event. */
  revoke(accessToken: string): Promise<void>;
  /**
   * The server's event-loop delay (max and p99, ms) since the previous call; needs
   * `monitorEventLoop`. Each call starts a new window.
   */
  eventLoopDelay(): Promise<EventLoopDelay>;
  /** A full garbage collection in the server; needs `exposeGc`. */
  collectGarbage(): Promise<void>;
  stop(): Promise<void>;
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Starts the auth server in a child process and registers the one user the bench logs in as. */
export async function startAuthServer(
  options: Pick<AuthServerConfig, 'redisUrl' | 'monitorEventLoop'> & {
    /** Starts the server with `--expose-gc`, for `collectGarbage`. */
    exposeGc?: boolean;
  } = {},
): Promise<AuthServerClient> {
  const { exposeGc, ...rest } = options;
  const config: AuthServerConfig = { issuer: ISSUER, audience: AUDIENCE, ...rest };
  const worker = await startWorker<{ url: string }>(
    WORKER,
    config,
    exposeGc ? { execArgv: ['--expose-gc'] } : {},
  );
  const { url } = worker.ready;
  const email = 'revocation-bench@example.com';
  // Register and log in through the test client, as the tests do.
  const client = createTestClient(fetchTransport(url));
  try {
    const registered = await client.register(email, BENCH_PASSWORD);
    if (registered.status !== 202) throw new Error(`register answered ${registered.status}`);
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return {
    url,
    pid: worker.pid,
    async jwks() {
      const response = await fetch(`${url}/.well-known/jwks.json`);
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      return (await response.json()) as { keys: JWK[] };
    },
    async login() {
      const { login } = await client.login(email, 'token', { password: BENCH_PASSWORD });
      if (typeof login.sessionId !== 'string') throw new Error('access token without sid');
      return { accessToken: login.accessToken, sid: login.sessionId };
    },
    async revoke(accessToken) {
      const response = await post(`${url}/oauth/revoke`, { token: accessToken });
      await response.body?.cancel();
      if (response.status !== 200) throw new Error(`revoke answered ${response.status}`);
    },
    eventLoopDelay: () => worker.call<EventLoopDelay>({ op: 'event-loop' } satisfies AuthServerCall),
    async collectGarbage() {
      await worker.call({ op: 'collect-garbage' } satisfies AuthServerCall);
    },
    stop: () => worker.stop(),
  };
}
