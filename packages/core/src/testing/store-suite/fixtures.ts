import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type {
  AuditEvent,
  GatehouseStore,
  ResetTokenRecord,
  RotateRefreshInput,
  RotateRefreshResult,
  SessionRecord,
  SigningKeyRecord,
  UserRecord,
} from '../../store/types.ts';

/** The store of the case that is running; each case gets a fresh one. */
export type CurrentStore = () => GatehouseStore;
export type Outcome<Name extends RotateRefreshResult['outcome']> = Extract<
  RotateRefreshResult,
  { outcome: Name }
>;

export const T0 = Date.UTC(2026, 0, 1);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const IDLE_TTL_MS = 30 * MINUTE;
export const ABSOLUTE_TTL_MS = 12 * HOUR;
export const GRACE_MS = 10 * SECOND;

export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/** Stands in for a SHA-256 (base64url) of a refresh or session secret. */
export function randomHash(): string {
  return randomToken(32);
}

export function makeUser(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: randomToken(),
    email: `user-${randomBytes(6).toString('hex')}@example.com`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    roles: [],
    status: 'active',
    createdAt: T0,
    updatedAt: T0,
    passwordChangedAt: T0,
    ...overrides,
  };
}

export function makeSession(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: randomToken(),
    userId,
    secretHash: randomHash(),
    strategy: 'session',
    createdAt: T0,
    lastSeenAt: T0,
    idleExpiresAt: T0 + IDLE_TTL_MS,
    absoluteExpiresAt: T0 + ABSOLUTE_TTL_MS,
    userAgent: 'Mozilla/5.0 (conformance)',
    ip: '203.0.113.7',
    ...overrides,
  };
}

export function makeKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  return {
    kid: randomToken(8),
    alg: 'ES256',
    publicJwk: JSON.stringify({ kty: 'EC', crv: 'P-256', x: randomToken(32), y: randomToken(32) }),
    privateKeyCipher: randomToken(64),
    status: 'active',
    createdAt: T0,
    retiredAt: null,
    ...overrides,
  };
}

export function makeEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: randomToken(12),
    type: 'login.success',
    at: T0,
    actorId: null,
    subjectId: null,
    sessionId: null,
    ip: null,
    userAgent: null,
    data: {},
    ...overrides,
  };
}

/** A rotation as a real caller makes it: a fresh candidate successor and cipher every time. */
export function makeRotation(
  presentedHash: string,
  now: number,
  overrides: Partial<RotateRefreshInput> = {},
) {
  return {
    presentedHash,
    successor: { hash: randomHash(), createdAt: now },
    successorCipher: `sealed:${randomToken(24)}`,
    now,
    graceMs: GRACE_MS,
    idleTtlMs: IDLE_TTL_MS,
    revocationUntil: now + 10 * MINUTE,
    ...overrides,
  } satisfies RotateRefreshInput;
}

export async function seedUser(
  store: GatehouseStore,
  overrides: Partial<UserRecord> = {},
): Promise<UserRecord> {
  const user = makeUser(overrides);
  assert.equal(await store.users.create(user), true);
  return user;
}

export async function seedSession(
  store: GatehouseStore,
  userId: string,
  overrides: Partial<SessionRecord> = {},
): Promise<SessionRecord> {
  const session = makeSession(userId, overrides);
  await store.sessions.create(session);
  return session;
}

export async function seedToken(store: GatehouseStore, sessionId: string): Promise<string> {
  const hash = randomHash();
  await store.refreshTokens.issue({ hash, sessionId, createdAt: T0 });
  return hash;
}

/**
 * The interface has no way to read a refresh token, so deletion is proven by what a leftover row
 * would allow: recreate the session under the same id and show that none of the hashes rotates.
 */
export async function assertTokensGone(store: GatehouseStore, session: SessionRecord, hashes: string[]) {
  await store.sessions.create(session);
  for (const hash of hashes) {
    assert.deepEqual(await store.refreshTokens.rotate(makeRotation(hash, T0 + SECOND)), {
      outcome: 'invalid',
    });
  }
}

export function byId<T extends { id: string }>(records: T[]): T[] {
  return [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export const RESET_TTL_MS = 15 * MINUTE;

export function makeResetToken(userId: string, overrides: Partial<ResetTokenRecord> = {}): ResetTokenRecord {
  return { hash: randomHash(), userId, createdAt: T0, expiresAt: T0 + RESET_TTL_MS, ...overrides };
}

/**
 * `store.refreshTokens.rotate(input)`, with the `user` a store may return beside the session
 * checked (the session's user as stored) and left out, so that results compare alike on every
 * backend.
 */
export async function rotateIn(
  store: GatehouseStore,
  input: RotateRefreshInput,
): Promise<RotateRefreshResult> {
  const result = await store.refreshTokens.rotate(input);
  if (result.outcome !== 'rotated' && result.outcome !== 'replayed') return result;
  const { user, ...rest } = result;
  if (user !== undefined) assert.deepEqual(user, await store.users.getById(result.session.userId));
  return rest;
}

/** `rotateIn`, after reading the token's session as the core's `getRefreshTokenSession` does. */
export async function rotateGivenSession(store: GatehouseStore, input: RotateRefreshInput) {
  const { refreshTokens, sessions } = store;
  const sessionId = refreshTokens.sessionFor ? null : await refreshTokens.sessionIdFor(input.presentedHash);
  const session = refreshTokens.sessionFor
    ? await refreshTokens.sessionFor(input.presentedHash)
    : sessionId && (await sessions.get(sessionId));
  return rotateIn(store, session ? { ...input, presentedSession: session } : input);
}
