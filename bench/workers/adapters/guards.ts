/**
 * The guards of the adapters scenario's apps: one SDK verifier per route, as a service runs it
 * (static JWKS, in-process revocation feed, cache on), and the header of a request it accepts (a
 * cache hit once seen). Bearer routes for each asymmetric algorithm, then the session cookie,
 * whose validateSession hook runs the real auth flow over the memory store. Used by
 * bench/workers/adapter-app.ts (the scenario) and bench/adapter-request-profile.ts (its routes
 * under callgrind).
 */
import type { SigningAlgorithm } from '@gatehouse/core';
import { createMemoryStore } from '@gatehouse/core/testing';
import { SESSION_COOKIE, type Verifier, type VerifierOptions } from '@gatehouse/verify';
import { startSdkVerifier } from '../../lib/sdk-fixture.ts';
import { createSessionFixture, validateSessionWith } from '../../lib/session-fixture.ts';
import { ASYMMETRIC, createSigningFixture } from '../../lib/signing-fixture.ts';

export interface Guard {
  /** What the route's requests present, as the report names it. */
  credential: string;
  path: string;
  verifier: Verifier;
  /** The one header of a request the guard accepts: Authorization or Cookie, name lower-case. */
  header: [string, string];
  /** The `sub` the guarded route answers such a request with. */
  expectedSub: string;
  close(): Promise<void>;
}

const CLAIMS = { sub: 'user-1', sid: 'session-1', roles: ['reader'] };

/**
 * One guarded route at `path`: Bearer tokens of `kind`, or (`cookie`) the session cookie.
 * `overrides` go to the verifier (e.g. a longer staleness bound under valgrind).
 */
export async function createGuard(
  path: string,
  kind: SigningAlgorithm | 'cookie',
  overrides: Partial<VerifierOptions> = {},
): Promise<Guard> {
  if (kind === 'cookie') {
    const session = await createSessionFixture(createMemoryStore());
    const signing = await createSigningFixture('ES256');
    const sdk = await startSdkVerifier('ES256', signing.jwks, {
      ...overrides,
      validateSession: validateSessionWith(session.auth),
    });
    return {
      credential: 'session cookie (cache hit)',
      path,
      verifier: sdk.verifier,
      header: ['cookie', `${SESSION_COOKIE}=${session.sessionToken}`],
      expectedSub: session.userId,
      close: sdk.close,
    };
  }
  const fixture = await createSigningFixture(kind);
  const sdk = await startSdkVerifier(kind, fixture.jwks, overrides);
  const { token } = await fixture.signer.sign(CLAIMS);
  return {
    credential: `Bearer ${kind} (cache hit)`,
    path,
    verifier: sdk.verifier,
    header: ['authorization', `Bearer ${token}`],
    expectedSub: CLAIMS.sub,
    close: sdk.close,
  };
}

/** The scenario's route table, in its order: `/api/<alg>` for ES256, EdDSA, RS256, then `/api/session`. */
export async function createScenarioGuards(overrides: Partial<VerifierOptions> = {}): Promise<Guard[]> {
  const guards: Guard[] = [];
  for (const alg of ASYMMETRIC) guards.push(await createGuard(`/api/${alg}`, alg, overrides));
  guards.push(await createGuard('/api/session', 'cookie', overrides));
  return guards;
}
