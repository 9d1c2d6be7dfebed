import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatRatio } from './format.ts';
import { cookiePair, headerBytes } from './header-bytes.ts';
import { BENCH_PASSWORD } from './session-fixture.ts';
import { AUDIENCE, ISSUER } from './signing-fixture.ts';
import { ratio } from './stats.ts';
import type { ScenarioContext, ScenarioResult } from './types.ts';

interface Row {
  strategy: string;
  what: string;
  bytes: number;
  sentBack: string;
  baseline?: boolean;
}

type LoginResponse = { setCookies: string[]; body: Record<string, unknown>; bodyBytes: number };

/**
 * Logs in to the real auth server (public API of @gatehouse/server, embedded SQLite, ES256) once
 * per strategy and measures what the response sets: Set-Cookie lines and token fields.
 */
export async function loginResponses(
  ctx: ScenarioContext,
  result: ScenarioResult,
  roles: string[],
): Promise<void> {
  const { loadConfig, startServer } = await import('@gatehouse/server');
  const { createTestClient, injectTransport } = await import('@gatehouse/server/testing/client');
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-server-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_ISSUER: ISSUER,
    GATEHOUSE_AUDIENCE: AUDIENCE,
    GATEHOUSE_SIGNING_ALG: 'ES256',
    LOG_LEVEL: 'silent',
  });
  const server = await startServer(config, { logger: false, print: () => {} });
  try {
    const email = 'bytes@example.com';
    const client = createTestClient(injectTransport(server.app));
    const registered = await client.register(email, BENCH_PASSWORD);
    if (registered.status !== 202) throw new Error(`register answered ${registered.status}`);
    const user = await server.store.users.getByEmail(email);
    if (!user) throw new Error('registered user not found');
    await server.store.users.update(user.id, { roles, updatedAt: Date.now() });
    const login = async (strategy: 'session' | 'hybrid' | 'token'): Promise<LoginResponse> => {
      // The test client asserts the 200 (its message names the strategy, status and body).
      const { answer } = await client.login(email, strategy, { password: BENCH_PASSWORD });
      return {
        setCookies: answer.setCookies,
        body: JSON.parse(answer.body),
        bodyBytes: Buffer.byteLength(answer.body),
      };
    };
    const rows: Row[] = [];
    rows.push(...strategyRows('session', await login('session')));
    ctx.progress('server login: session strategy sized');
    for (const strategy of ['hybrid', 'token'] as const) {
      try {
        rows.push(...strategyRows(strategy, await login(strategy)));
        ctx.progress(`server login: ${strategy} strategy sized`);
      } catch (error) {
        result.unavailable.push({
          case: `${strategy} login`,
          reason: `not available yet: ${(error as Error).message}`,
        });
      }
    }
    addLoginSection(result, rows, roles.length);
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function strategyRows(strategy: string, response: LoginResponse): Row[] {
  const rows: Row[] = response.setCookies.map((setCookie) => ({
    strategy,
    what: `Set-Cookie ${cookiePair(setCookie).split('=')[0]} (full header)`,
    bytes: headerBytes('Set-Cookie', setCookie),
    sentBack:
      setCookie.includes('Path=/;') || setCookie.endsWith('Path=/')
        ? `every request: ${headerBytes('Cookie', cookiePair(setCookie))} bytes`
        : `only to its path: ${headerBytes('Cookie', cookiePair(setCookie))} bytes`,
    baseline: strategy === 'session',
  }));
  for (const field of ['accessToken', 'refreshToken']) {
    const value = response.body[field];
    if (typeof value !== 'string') continue;
    rows.push({
      strategy,
      what: `${field} (response body)`,
      bytes: Buffer.byteLength(value),
      sentBack:
        field === 'accessToken'
          ? `every request: ${headerBytes('Authorization', `Bearer ${value}`)} bytes`
          : 'the refresh request body',
    });
  }
  rows.push({ strategy, what: 'whole response body', bytes: response.bodyBytes, sentBack: '–' });
  return rows;
}

function addLoginSection(result: ScenarioResult, rows: Row[], roleCount: number): void {
  const baseline = rows.find((row) => row.baseline)?.bytes;
  result.sections.push({
    title: 'What a login sets (real server, ES256)',
    description: `Responses of POST /auth/login from the auth server itself, for a user with ${roleCount} roles. Set-Cookie bytes are the whole header line with its attributes.`,
    table: {
      columns: ['strategy', 'what', 'bytes', '× session Set-Cookie', 'sent back on'],
      align: ['left', 'left', 'right', 'right', 'left'],
      rows: rows.map((row) => [
        row.strategy,
        row.what,
        String(row.bytes),
        formatRatio(ratio(row.bytes, baseline)),
        row.sentBack,
      ]),
    },
  });
}
