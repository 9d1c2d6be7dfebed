import type { FeedSource } from '@gatehouse/core';
import { createVerifier } from '@gatehouse/verify';
import type { JWK } from 'jose';
import { createPacedVerification, type RoundOutcome } from './paced-verification.ts';
import { AUDIENCE, ISSUER } from './signing-fixture.ts';
import { createTimedFeed } from './timed-feed.ts';

export interface ProbeOutcome extends RoundOutcome {
  /** Wall-clock time the revocation event reached this verifier's feed; null if it never did. */
  eventAt: number | null;
}

export interface RevocationProbe {
  /** Starts presenting `token` at the steady rate; resolves once it is accepted (and cached). */
  watch(token: string): Promise<void>;
  /** Waits for the first refusal of session `sid`; asked before the revocation is made. */
  outcome(sid: string, timeoutMs: number): Promise<ProbeOutcome>;
  close(): Promise<void>;
}

const FRESH_WITHIN_MS = 10_000;

/**
 * A downstream service in miniature: an SDK verifier (cache on) following `feed`, presenting a
 * token at `ratePerSecond`. Runs in a verifier process, or in the bench process for the in-process
 * baseline.
 */
export async function startRevocationProbe(
  feed: FeedSource,
  jwks: { keys: JWK[] },
  ratePerSecond: number,
): Promise<RevocationProbe> {
  const arrivals = new Map<string, number>();
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['ES256'],
    jwks,
    feed: createTimedFeed(feed, arrivals),
  });
  await verifier.start();
  // A verifier is fresh only once it has read a heartbeat at the feed's head (or a complete
  // snapshot): right after the feed was seeded that is the next heartbeat, not the start itself.
  const freshBy = Date.now() + FRESH_WITHIN_MS;
  while (verifier.metrics().stale) {
    if (Date.now() > freshBy)
      throw new Error(`the verifier was still stale ${FRESH_WITHIN_MS} ms after start`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const paced = createPacedVerification((token) => verifier.verifyToken(token), ratePerSecond);
  return {
    watch: (token) => paced.watch(token),
    async outcome(sid, timeoutMs) {
      const outcome = await paced.outcome(timeoutMs);
      return { ...outcome, eventAt: arrivals.get(sid) ?? null };
    },
    async close() {
      paced.stop();
      await verifier.stop();
    },
  };
}
