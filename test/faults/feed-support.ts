import assert from 'node:assert/strict';
import type { Credential } from '../e2e/support/auth-client.ts';
import type { AuthServer } from '../e2e/support/gatehouse-stack.ts';
import type { VerifierService, VerifierServiceOptions } from '../e2e/support/verifier-service.ts';
import { waitFor } from '../e2e/support/wait-for.ts';

/** Staleness bound of the fault tests' verifiers: they fail closed soon after heartbeats stop. */
export const MAX_STALENESS_MS = 1500;

/** Two verifiers named `label (redis)` and `label (sse)`: one reads Redis at `redisUrl`, one the SSE stream. */
export function onBothFeeds(
  trust: AuthServer['verifierOptions'],
  label: string,
  redisUrl: string,
): VerifierServiceOptions[] {
  return [
    { ...trust, name: `${label} (redis)`, feed: 'redis', redisUrl, maxStalenessMs: MAX_STALENESS_MS },
    { ...trust, name: `${label} (sse)`, feed: 'sse', maxStalenessMs: MAX_STALENESS_MS },
  ];
}

/**
 * Polls `verifier` with the revoked and the live credential until the live one is accepted; every
 * answer for the revoked one must be a refusal (503 while stale, then 401 revoked), never 200, and
 * it is refused as revoked 20 times after. Resolves with the answers seen on the way.
 */
export async function assertRefusesFromTheStart(
  verifier: VerifierService,
  revoked: Credential,
  live: Credential,
  revokedBefore: string,
): Promise<Set<string>> {
  const seen = new Set<string>();
  await waitFor(
    `${verifier.name} to accept the live token`,
    async () => {
      const reply = await verifier.me(revoked);
      seen.add(`${reply.status} ${reply.code}`);
      assert.notEqual(reply.status, 200, `${verifier.name} accepted a token revoked before ${revokedBefore}`);
      return (await verifier.me(live)).status === 200 ? true : undefined;
    },
    { intervalMs: 50, timeoutMs: 15_000 },
  );
  for (let poll = 0; poll < 20; poll++) {
    const reply = await verifier.me(revoked);
    assert.deepEqual(
      [reply.status, reply.code],
      [401, 'ERR_TOKEN_REVOKED'],
      `${verifier.name}, poll ${poll}`,
    );
  }
  return seen;
}
