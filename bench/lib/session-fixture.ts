import { randomBytes } from 'node:crypto';
import {
  type Auth,
  type Authenticated,
  createAuth,
  type GatehouseStore,
  type PasswordHasher,
} from '@gatehouse/core';
import { createFastHasher } from '@gatehouse/core/testing';
import type { Principal } from '@gatehouse/verify';

export const BENCH_PASSWORD = 'correct horse battery staple';

export interface SessionFixture {
  auth: Auth;
  email: string;
  /** The cookie value, `id.secret`. */
  sessionToken: string;
  sessionId: string;
  userId: string;
}

/**
 * A registered user with one live cookie session in `store`, made through the real auth flow.
 * The hasher is test-sized by default: set-up is not what is measured.
 */
export async function createSessionFixture(
  store: GatehouseStore,
  hasher: PasswordHasher = createFastHasher(),
): Promise<SessionFixture> {
  const auth = createAuth({ store, hasher });
  const email = `bench-${randomBytes(6).toString('hex')}@example.com`;
  await auth.register({ email, password: BENCH_PASSWORD, roles: ['reader'] });
  const { sessionToken, session, user } = await auth.login({ email, password: BENCH_PASSWORD });
  return { auth, email, sessionToken, sessionId: session.id, userId: user.id };
}

/** What the SDK's `validateSession` hook returns for a session the store vouched for. */
export function toPrincipal({ user, session }: Authenticated): Principal {
  return {
    sub: user.id,
    sid: session.id,
    roles: user.roles,
    strategy: 'session',
    exp: Math.floor(Math.min(session.idleExpiresAt, session.absoluteExpiresAt) / 1000),
  };
}

/** The SDK hook backed by a store: null for anything the store does not accept. */
export function validateSessionWith(auth: Auth): (cookieValue: string) => Promise<Principal | null> {
  return async (cookieValue) => {
    try {
      return toPrincipal(await auth.validateSessionToken(cookieValue));
    } catch {
      return null;
    }
  };
}
