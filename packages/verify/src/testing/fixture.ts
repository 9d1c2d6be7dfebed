import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  type AccessTokenInput,
  createAccessTokenSigner,
  createInProcessFeed,
  type FeedSource,
  type RevocationEvent,
} from '@gatehouse/core';
import { createManualClock, type ManualClock } from '@gatehouse/core/testing';
import type { JWK } from 'jose';
import { createVerifier } from '../create-verifier.ts';
import type { VerifierOptions } from '../types.ts';

export const issuer = 'https://auth.test';
export const audience = 'orders-api';

export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  jwk: JWK;
}

export function createTestKey(kid: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' } };
}

/** A feed that never says anything after its snapshot: the way to make a verifier stale on purpose. */
export function createSilentFeed(events: RevocationEvent[] = []): FeedSource & { connections: number } {
  const feed = {
    connections: 0,
    snapshot: async () => ({ events, cursor: 'silent.0' }),
    follow: (_cursor: string, _onMessage: unknown, signal: AbortSignal) => {
      feed.connections++;
      return new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    },
  };
  return feed;
}

/**
 * A started verifier on a manual clock, an in-process feed without a heartbeat timer (tests call
 * `feed.heartbeat()`), and a signer for key `k1`. Call `stop()` at the end.
 */
export async function createFixture(overrides: Partial<VerifierOptions> & { clock?: ManualClock } = {}) {
  // The signer and the verifier share the clock, so tokens are fresh for the verifier.
  const clock = overrides.clock ?? createManualClock();
  const key = createTestKey('k1');
  const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
  const signerFor = (signingKey: TestKey) =>
    createAccessTokenSigner({
      issuer,
      audience,
      clock,
      keys: {
        getSigningKey: () => ({ kid: signingKey.kid, alg: 'ES256', privateKey: signingKey.privateKey }),
      },
    });
  const signer = signerFor(key);
  const verifier = createVerifier({
    issuer,
    audience,
    algorithms: ['ES256'],
    jwks: { keys: [key.jwk] },
    feed,
    clock,
    ...overrides,
  });
  await verifier.start();
  return {
    clock,
    key,
    feed,
    verifier,
    signerFor,
    sign: (input: Partial<AccessTokenInput> = {}) =>
      signer.sign({ sub: 'user-1', sid: 'session-1', roles: ['reader'], ...input }),
    /** Moves the clock and keeps the feed fresh, as a live feed would. */
    advance(ms: number) {
      clock.advance(ms);
      feed.heartbeat();
    },
    async stop() {
      await verifier.stop();
      feed.close();
    },
  };
}
