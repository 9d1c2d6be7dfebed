import { createInProcessFeed, type InProcessFeed, type SigningAlgorithm, systemClock } from '@gatehouse/core';
import { createVerifier, type Verifier, type VerifierOptions } from '@gatehouse/verify';
import type { JWK } from 'jose';
import { AUDIENCE, ISSUER } from './signing-fixture.ts';

export interface SdkFixture {
  verifier: Verifier;
  feed: InProcessFeed;
  close(): Promise<void>;
}

/**
 * A started SDK verifier following an in-process feed (embedded mode) on the real clock, as a
 * service would run it; the feed's heartbeat keeps it from ever going stale mid-measurement.
 */
export async function startSdkVerifier(
  alg: SigningAlgorithm,
  jwks: { keys: JWK[] },
  overrides: Partial<VerifierOptions> = {},
): Promise<SdkFixture> {
  const feed = createInProcessFeed({ clock: systemClock, heartbeatMs: 1000 });
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: [alg],
    jwks,
    feed,
    ...overrides,
  });
  await verifier.start();
  return {
    verifier,
    feed,
    async close() {
      await verifier.stop();
      feed.close();
    },
  };
}
