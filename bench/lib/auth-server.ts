import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import type { AuthServerConfig } from '../workers/auth-server.ts';
import { BENCH_PASSWORD } from './session-fixture.ts';
import { AUDIENCE, ISSUER } from './signing-fixture.ts';
import { startWorker } from './workers.ts';

const WORKER = fileURLToPath(new URL('../workers/auth-server.ts', import.meta.url));

export interface AuthServerClient {
  url: string;
  jwks(): Promise<{ keys: JWK[] }>;
  /** A new `token`-strategy login: a fresh session and its access token. */
  login(): Promise<{ accessToken: string; sid: string }>;
  /** RFC 7009 revocation of an access token: the server ends its session and publishes the event. */
  revoke(accessToken: string): Promise<void>;
  stop(): Promise<void>;
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function sidOf(accessToken: string): string {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')) as {
    sid?: unknown;
  };
  if (typeof payload.sid !== 'string') throw new Error('access token without sid');
  return payload.sid;
}

/** Starts the auth server in a child process and registers the one user the bench logs in as. */
export async function startAuthServer(): Promise<AuthServerClient> {
  const config: AuthServerConfig = { issuer: ISSUER, audience: AUDIENCE };
  const worker = await startWorker<{ url: string }>(WORKER, config);
  const { url } = worker.ready;
  const email = 'revocation-bench@example.com';
  try {
    const registered = await post(`${url}/auth/register`, { email, password: BENCH_PASSWORD });
    await registered.body?.cancel();
    if (registered.status !== 202) throw new Error(`register answered ${registered.status}`);
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return {
    url,
    async jwks() {
      const response = await fetch(`${url}/.well-known/jwks.json`);
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      return (await response.json()) as { keys: JWK[] };
    },
    async login() {
      const response = await post(`${url}/auth/login`, {
        email,
        password: BENCH_PASSWORD,
        strategy: 'token',
      });
      if (response.status !== 200)
        throw new Error(`login answered ${response.status}: ${await response.text()}`);
      const { accessToken } = (await response.json()) as { accessToken: string };
      return { accessToken, sid: sidOf(accessToken) };
    },
    async revoke(accessToken) {
      const response = await post(`${url}/oauth/revoke`, { token: accessToken });
      await response.body?.cancel();
      if (response.status !== 200) throw new Error(`revoke answered ${response.status}`);
    },
    stop: () => worker.stop(),
  };
}
