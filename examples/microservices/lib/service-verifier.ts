import { createSseFeedSource, type FeedSource, systemClock } from '@gatehouse/core';
import { createIntrospectionClient, createVerifier, type Verifier } from '@gatehouse/verify';
import type { Redis } from 'ioredis';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required (start.ts sets it)`);
  return value;
}

/**
 * What both example services do to trust the auth server: verify access tokens against its JWKS,
 * follow its revocation feed (its SSE stream, or Redis Streams directly when REDIS_URL is set),
 * and validate session cookies by introspection. Resolves once the keys and the first snapshot
 * of the feed are loaded.
 */
export async function startServiceVerifier(
  name: string,
): Promise<{ verifier: Verifier; stop(): Promise<void> }> {
  const authUrl = required('GATEHOUSE_URL');
  const serviceToken = required('GATEHOUSE_SERVICE_TOKEN');
  let redis: Redis | undefined;
  let feed: FeedSource;
  if (process.env.REDIS_URL) {
    // Loaded only when used: a service on the SSE feed needs no Redis client.
    const [{ Redis }, { createRedisStreamFeed }] = await Promise.all([
      import('ioredis'),
      import('@gatehouse/server/feed'),
    ]);
    redis = new Redis(process.env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on('error', (error) => console.error(`${name}: redis: ${error.message}`));
    await redis.connect();
    feed = createRedisStreamFeed({ client: redis, clock: systemClock });
  } else {
    // With a service token configured, the auth server's feed is private: present the token.
    feed = createSseFeedSource({ baseUrl: authUrl, headers: { authorization: `Bearer ${serviceToken}` } });
  }
  const gatehouse = createIntrospectionClient({ url: `${authUrl}/oauth/introspect`, serviceToken });
  const verifier = createVerifier({
    issuer: required('GATEHOUSE_ISSUER'),
    audience: required('GATEHOUSE_AUDIENCE'),
    algorithms: ['ES256'],
    jwksUrl: `${authUrl}/.well-known/jwks.json`,
    feed,
    validateSession: gatehouse.validateSession,
    onError: (error) => console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`),
  });
  await verifier.start();
  return {
    verifier,
    async stop() {
      await verifier.stop();
      redis?.disconnect();
    },
  };
}
