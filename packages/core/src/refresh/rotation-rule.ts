import type { RefreshTokenRecord, RotateRefreshInput, SessionRecord } from '../store/types.ts';

/** What a rotation does with a presented token whose session is live. */
export type RotationStep =
  | { step: 'rotate' }
  | { step: 'replay'; successorCipher: string }
  | { step: 'reuse' };

/** Neither idle- nor absolute-expired at `now`: the one liveness rule of core and every store. */
export function isSessionLive(session: SessionRecord, now: number): boolean {
  return session.idleExpiresAt > now && session.absoluteExpiresAt > now;
}

/**
 * The rotation rule of `RefreshTokenStore.rotate`, shared by the memory and SQL backends (Redis
 * runs it inside its Lua script). Each calls it with the token locked, so the answer cannot go
 * stale before it acts on it.
 */
export function chooseRotationStep(token: RefreshTokenRecord, input: RotateRefreshInput): RotationStep {
  if (token.consumedAt === null) return { step: 'rotate' };
  const withinGrace = input.graceMs > 0 && input.now - token.consumedAt <= input.graceMs;
  if (withinGrace && token.successorCipher !== null) {
    return { step: 'replay', successorCipher: token.successorCipher };
  }
  return { step: 'reuse' };
}

/** The session after a successful rotation: seen now, idle deadline pushed out but never past the absolute one. */
export function sessionAfterRotation(session: SessionRecord, input: RotateRefreshInput): SessionRecord {
  return {
    ...session,
    lastSeenAt: input.now,
    idleExpiresAt: Math.min(input.now + input.idleTtlMs, session.absoluteExpiresAt),
  };
}
