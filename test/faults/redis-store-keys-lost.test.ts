/**
 * The Redis store (`GATEHOUSE_STORE=redis`) on a Redis that restarts empty loses its signing keys
 * with everything else, and the feed with them. Verifiers cache the JWKS and never drop a key by
 * themselves, so every token of a lost key must be refused by an event on the feed:
 * - a verifier running across the restart still accepted a token whose session the restart ended
 *   (the server answered 401 for it, and a sign-out could not reach it) until the token expired;
 * - a verifier started after the restart, before the server reloaded its keys (up to 5 s), fetched
 *   a JWKS with the old key and a feed seeded without the revocation, and accepted a token signed
 *   out before the restart until it expired.
 * Now a seed carries a `key` event for every key the store lost, and a key dropped by any reload is
 * announced at the next key check.
 * A session cookie the restart ended was accepted from a verifier's cache for up to 60 s: a seed
 * now fences off every cursor from before it, and a verifier whose cursor expired forgets the
 * sessions it cached. A verifier in pull mode did so too (it cannot be refused a cursor): a pull
 * from a cursor the feed lost is now answered `expired`, and it forgets them as well.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestRedisServer } from '../../packages/server/src/store/redis/test-redis-server.ts';
import { type Credential, createAuthClient } from '../e2e/support/auth-client.ts';
import { AUDIENCE, ISSUER, startVerifierServices, uniqueEmail } from '../e2e/support/gatehouse-stack.ts';
import type { VerifierService } from '../e2e/support/verifier-service.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import { MAX_STALENESS_MS, onBothFeeds } from './feed-support.ts';
import { startFaultServer } from './support.ts';

const SERVICE_TOKEN = 'a-service-token-for-the-redis-store-keys-lost-test-0123';
/** How a verifier started after the loss may refuse a lost key's token. */
const KEY_GONE = ['ERR_TOKEN_REVOKED', 'ERR_TOKEN_KID'];

/**
 * Polls until `verifier` refuses `credential` as revoked (or with one of `codes`), then 10 times
 * more; resolves with the answers seen before. With `never200`, an acceptance on the way fails at once.
 */
async function refusedInTheEnd(
  verifier: VerifierService,
  credential: Credential,
  what: string,
  { never200 = false, codes = ['ERR_TOKEN_REVOKED'] } = {},
) {
  const seen = new Set<string>();
  await waitFor(
    `${verifier.name} to refuse ${what}`,
    async () => {
      const reply = await verifier.me(credential);
      seen.add(`${reply.status} ${reply.code ?? ''}`.trim());
      if (never200) assert.notEqual(reply.status, 200, `${verifier.name} accepted ${what}`);
      return reply.status === 401 && codes.includes(reply.code ?? '') ? true : undefined;
    },
    { intervalMs: 50, timeoutMs: 15_000 },
  );
  for (let poll = 0; poll < 10; poll++) {
    const reply = await verifier.me(credential);
    assert.equal(reply.status, 401, `${verifier.name}, ${what}`);
    assert.ok(codes.includes(reply.code ?? ''), `${verifier.name}, ${what}: ${reply.code}`);
  }
  return seen;
}

describe('faults: the Redis store restarts empty, its signing keys with it', { timeout: 120_000 }, () => {
  it('every verifier refuses the tokens of the lost key: signed out before, and alive before', async (t) => {
    const redis = await startTestRedisServer();
    const server = await startFaultServer({
      GATEHOUSE_STORE: 'redis',
      REDIS_URL: redis.url,
      GATEHOUSE_SERVICE_TOKEN: SERVICE_TOKEN,
    });
    const verifiers: VerifierService[] = [];
    t.after(async () => {
      await Promise.allSettled(verifiers.map((verifier) => verifier.stop()));
      await server.close();
      await redis.stop();
    });
    const trust = { authUrl: server.url, issuer: ISSUER, audience: AUDIENCE, serviceToken: SERVICE_TOKEN };
    const client = createAuthClient(server.url);
    const email = uniqueEmail('keys-lost');
    await client.register(email);
    const signedOut = await client.loginWithToken(email);
    const alive = await client.loginWithToken(email);
    await client.logout(signedOut);
    const cookie = await client.loginWithSession(email);
    // And one in pull mode (serverless): no held connection, the feed read when its view is stale.
    const pull = { ...trust, name: 'across (pull)', feed: 'pull', maxStalenessMs: MAX_STALENESS_MS } as const;
    const across = await startVerifierServices([...onBothFeeds(trust, 'across', redis.url), pull]);
    verifiers.push(...across);
    for (const verifier of across) {
      await refusedInTheEnd(verifier, signedOut, 'the token signed out before', { never200: true });
      assert.equal((await verifier.me(alive)).status, 200, `${verifier.name} accepts the live token before`);
      // Now in its cache, for 60 s.
      assert.equal((await verifier.me(cookie)).status, 200, `${verifier.name} accepts the session before`);
    }

    await redis.restart();
    const restartedAt = performance.now();
    // Started at once, before the server's next key check: the JWKS they fetch may still list the
    // lost key, and the feed they read is the one seeded after the loss.
    const after = await startVerifierServices(onBothFeeds(trust, 'after', redis.url));
    verifiers.push(...after);
    for (const verifier of after) {
      // Refused as revoked by the key event, or, when the server dropped the lost key from its
      // JWKS before this verifier fetched it, as signed by a key it does not know.
      const seen = await refusedInTheEnd(verifier, signedOut, 'a token signed out before the restart', {
        never200: true,
        codes: KEY_GONE,
      });
      t.diagnostic(`${verifier.name}: the token signed out before, answers: ${[...seen].join(', ')}`);
    }
    // A session cookie the restart ended: no event names it, but a verifier that took a new
    // snapshot because its cursor was lost forgets the sessions it cached (it answered 200 from
    // its cache for 60 s before).
    for (const verifier of [...across, ...after]) {
      await waitFor(
        `${verifier.name} to refuse a session cookie the restart ended`,
        async () => ((await verifier.me(cookie)).status === 200 ? undefined : true),
        { intervalMs: 50, timeoutMs: 15_000 },
      );
      t.diagnostic(
        `${verifier.name}: the session cookie the restart ended, refused by ${(performance.now() - restartedAt).toFixed(0)} ms after the restart`,
      );
      for (let poll = 0; poll < 10; poll++) {
        const reply = await verifier.me(cookie);
        assert.notEqual(reply.status, 200, `${verifier.name} accepted the session cookie again`);
      }
    }
    for (const verifier of [...across, ...after]) {
      const seen = await refusedInTheEnd(verifier, alive, 'a token whose session the restart ended', {
        codes: across.includes(verifier) ? ['ERR_TOKEN_REVOKED'] : KEY_GONE,
      });
      t.diagnostic(
        `${verifier.name}: the session the restart ended, refused ${(performance.now() - restartedAt).toFixed(0)} ms after the restart; answers: ${[...seen].join(', ')}`,
      );
    }
    assert.equal((await client.me(alive)).status, 401, 'the server no longer knows that session');

    // The verifiers work: an account made after the restart signs in, and its token of the new key
    // is accepted everywhere at once (the key event lets a verifier refetch the JWKS it fetched
    // moments ago; else a kid miss refetches once per 30 s). 35 s: a verifier whose start-up fetch
    // fell between the lost key and the new one holds neither, and waits out that window.
    const newcomer = uniqueEmail('keys-lost-after');
    await client.register(newcomer);
    const fresh = await client.loginWithToken(newcomer);
    for (const verifier of [...across, ...after]) {
      const first = await verifier.me(fresh);
      t.diagnostic(`${verifier.name}: the new key's token, first answer ${first.status} ${first.code ?? ''}`);
      await waitFor(
        `${verifier.name} to accept a token of the new key`,
        async () => ((await verifier.me(fresh)).status === 200 ? true : undefined),
        { timeoutMs: 35_000 },
      );
    }
  });
});
