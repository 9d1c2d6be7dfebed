import { Redis } from 'ioredis';
import pg from 'pg';
import { describeError } from './format.ts';

async function postgresVersion(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0]?.server_version ?? '?'} (${new URL(databaseUrl).host}, loopback)`;
  } finally {
    await client.end().catch(() => {});
  }
}

async function redisVersion(redisUrl: string): Promise<string> {
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    return `Redis ${version} (${new URL(redisUrl).host}, loopback)`;
  } finally {
    redis.disconnect();
  }
}

/** The databases the run talked to, as machine-table rows; an unreachable one says so. */
export async function describeServices(databaseUrl: string, redisUrl: string): Promise<string[][]> {
  const describe = (probe: Promise<string>) =>
    probe.catch((error: unknown) => `unreachable: ${describeError(error)}`);
  return [
    ['PostgreSQL', await describe(postgresVersion(databaseUrl))],
    ['Redis', await describe(redisVersion(redisUrl))],
  ];
}
