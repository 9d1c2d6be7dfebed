import type {
  AuditEvent,
  RefreshTokenRecord,
  RotateRefreshInput,
  SessionRecord,
  UserRecord,
} from '../store/types.ts';

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
export function chooseRotationStep(
  token: RefreshTokenRecord,
  input: RotateRefreshInput,
  /** Whether the token's successor was consumed in turn (or cannot be found): then a replay is theft. */
  successorUsed: boolean,
): RotationStep {
  if (token.consumedAt === null) return { step: 'rotate' };
  const withinGrace = input.graceMs > 0 && input.now - token.consumedAt <= input.graceMs;
  // No lockout from a lost response: until the successor is used, whoever presents the token is
  // the one who never received that successor, and gets it again. Only a token presented after its
  // successor was used proves that two parties hold the family.
  if ((withinGrace || !successorUsed) && token.successorCipher !== null) {
    return { step: 'replay', successorCipher: token.successorCipher };
  }
  return { step: 'reuse' };
}

/** For `chooseRotationStep`: a successor that is unknown (an old row, or gone) counts as used. */
export function isSuccessorUsed(
  successor: Pick<RefreshTokenRecord, 'consumedAt'> | null | undefined,
): boolean {
  return !successor || successor.consumedAt !== null;
}

/** The session after a successful rotation: seen now, idle deadline pushed out but never past the absolute one. */
export function sessionAfterRotation(session: SessionRecord, input: RotateRefreshInput): SessionRecord {
  return {
    ...session,
    lastSeenAt: input.now,
    idleExpiresAt: Math.min(input.now + input.idleTtlMs, session.absoluteExpiresAt),
  };
}

/**
 * Whether a rotation may go on for this user: only an active one's. Stores that read the user in
 * the rotation answer `invalid` otherwise, changing nothing (the caller checks again either way).
 */
export function mayRotateFor<U extends Pick<UserRecord, 'status'>>(user: U | null | undefined): user is U {
  return user?.status === 'active';
}

/**
 * The audit event a rotation appends with its outcome (`RotateRefreshInput.audit`), naming the
 * session and its user, or undefined when the input brought none: a rotation is the user's own
 * act; a reuse happens to them.
 */
export function completeRotationAudit(
  audit: RotateRefreshInput['audit'],
  outcome: 'rotated' | 'reused',
  session: Pick<SessionRecord, 'id' | 'userId'>,
): AuditEvent | undefined {
  if (!audit) return undefined;
  return outcome === 'rotated'
    ? { ...audit.rotated, actorId: session.userId, subjectId: session.userId, sessionId: session.id }
    : { ...audit.reused, subjectId: session.userId, sessionId: session.id };
}
