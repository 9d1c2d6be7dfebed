import { fileURLToPath } from 'node:url';
import type { Principal, VerifierMetrics } from '@gatehouse/verify';
import { type Credential, credentialHeaders } from './auth-client.ts';
import { type NodeProcess, spawnNode } from './node-process.ts';

const SCRIPT = fileURLToPath(new URL('../fixtures/verifier-service.ts', import.meta.url));

export interface VerifierServiceOptions {
  name: string;
  feed: 'redis' | 'sse' | 'pull';
  authUrl: string;
  issuer: string;
  audience: string;
  serviceToken: string;
  /** With `feed: 'redis'`: where the verifier reaches Redis (possibly through a proxy). */
  redisUrl?: string;
  /** With `feed: 'redis'`: `redisUrl` names one node of a Redis Cluster. */
  redisCluster?: boolean;
  /** With `feed: 'redis'`: Sentinels (`host:port,…`) that name the master `redisUrl`'s host names. */
  redisSentinels?: string;
  /** With `redisSentinels`: their own password. */
  redisSentinelPassword?: string;
  maxStalenessMs?: number;
  onStale?: 'fail-closed' | 'introspect';
}

export interface ServiceReply {
  status: number;
  /** The refusal's code (`ERR_TOKEN_REVOKED`, `ERR_FEED_STALE`, …); undefined on 200. */
  code: string | undefined;
  principal: Principal | undefined;
  /** performance.now() when the request was sent and when its answer had arrived. */
  sentAt: number;
  receivedAt: number;
}

export interface DebugState {
  /** The feed delivered, and the verifier applied, a revocation naming every sid and sub asked about. */
  applied: boolean;
  /** When the last of them was applied (Date.now() in the verifier's process); null unless applied. */
  appliedAtMs: number | null;
  snapshots: number;
  cursorExpired: number;
  followErrors: number;
  sessionValidations: number;
  metrics: VerifierMetrics;
}

export interface VerifierService {
  readonly name: string;
  readonly feed: 'redis' | 'sse' | 'pull';
  readonly process: NodeProcess;
  /** `GET /api/me` with the credential. */
  me(credential: Credential): Promise<ServiceReply>;
  state(names?: { sid?: string; sub?: string }): Promise<DebugState>;
  stop(): Promise<void>;
}

/** Starts test/e2e/fixtures/verifier-service.ts in a child process; resolves once it listens. */
export async function startVerifierService(options: VerifierServiceOptions): Promise<VerifierService> {
  const child = spawnNode(options.name, SCRIPT, {
    GATEHOUSE_URL: options.authUrl,
    GATEHOUSE_ISSUER: options.issuer,
    GATEHOUSE_AUDIENCE: options.audience,
    GATEHOUSE_SERVICE_TOKEN: options.serviceToken,
    FEED: options.feed,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...(options.redisCluster ? { REDIS_CLUSTER: 'on' } : {}),
    ...(options.redisSentinels ? { REDIS_SENTINELS: options.redisSentinels } : {}),
    ...(options.redisSentinelPassword ? { REDIS_SENTINEL_PASSWORD: options.redisSentinelPassword } : {}),
    ...(options.maxStalenessMs ? { MAX_STALENESS_MS: String(options.maxStalenessMs) } : {}),
    ...(options.onStale ? { ON_STALE: options.onStale } : {}),
  });
  let port: number;
  try {
    port = await child.waitForLine((line) => {
      if (!line.startsWith('{')) return undefined;
      const parsed = JSON.parse(line) as { port?: unknown };
      return typeof parsed.port === 'number' ? parsed.port : undefined;
    });
  } catch (error) {
    await child.stop();
    throw error;
  }
  const origin = `http://127.0.0.1:${port}`;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${origin}${path}`, { headers, signal: AbortSignal.timeout(5000) });

  return {
    name: options.name,
    feed: options.feed,
    process: child,
    async me(credential) {
      const sentAt = performance.now();
      const response = await get('/api/me', credentialHeaders(credential));
      const body = (await response.json()) as Principal & { code?: string };
      const receivedAt = performance.now();
      return response.status === 200
        ? { status: 200, code: undefined, principal: body, sentAt, receivedAt }
        : { status: response.status, code: body.code, principal: undefined, sentAt, receivedAt };
    },
    async state(names = {}) {
      const query = new URLSearchParams();
      if (names.sid) query.set('sid', names.sid);
      if (names.sub) query.set('sub', names.sub);
      return (await (await get(`/debug/state?${query}`)).json()) as DebugState;
    },
    stop: () => child.stop(),
  };
}
