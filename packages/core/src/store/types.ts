import type { RevocationEvent } from '../revocation/revocation-event.ts';
import type { RefreshTokenStore } from './refresh-token-types.ts';
import type { AuditEvent, SessionRecord, Strategy, UserRecord } from './records.ts';

export type { AuditEvent, SessionRecord, Strategy, UserRecord, UserStatus } from './records.ts';

/**
 * Narrow, domain-shaped store interfaces. Every backend (memory, SQLite, PostgreSQL, Redis)
 * implements them and passes the one conformance suite. "Not found" is `null`, never an exception.
 * All times are milliseconds since the epoch.
 *
 * A write that takes an `audit` event appends it with the change, in the same transaction where the
 * backend has one that spans both (memory, SQLite, PostgreSQL: the change and its audit row commit
 * together, or neither does, in one commit instead of two), and only when the write changed
 * something. Redis appends it right after the change.
 */

export type UserPatch = Partial<
  Pick<UserRecord, 'passwordHash' | 'roles' | 'status' | 'updatedAt' | 'passwordChangedAt'>
>;

export interface UserStore {
  /**
   * Inserts the user; returns false (and changes nothing, `audit` included) when the email is
   * taken. `audit` is appended with the user (see the top of this file).
   */
  create(user: UserRecord, audit?: AuditEvent): Promise<boolean>;
  getById(id: string): Promise<UserRecord | null>;
  getByEmail(email: string): Promise<UserRecord | null>;
  /** Returns the updated record, or null when there is no such user. */
  update(id: string, patch: UserPatch): Promise<UserRecord | null>;
  /** Deletes the user and, in the same operation, all their sessions, refresh tokens and reset token. */
  delete(id: string): Promise<boolean>;
  /** Users whose email contains `query` (case-insensitive), ordered by email. */
  list(options: { query?: string; limit: number; offset: number }): Promise<UserRecord[]>;
  /** How many users `list` with this `query` pages through. */
  count(options: { query?: string }): Promise<number>;
}

/** A session and its user as one read found them (`SessionStore.getWithUser`). */
export interface SessionWithUser {
  session: SessionRecord;
  user: UserRecord | null;
}

export interface SessionStore {
  /**
   * Inserts the session; `audit` is appended with it (see the top of this file). With
   * `refreshTokenHash`, the first token of the session's refresh family (created at
   * `session.createdAt`) is stored in the same operation, as `RefreshTokenStore.issue` would: a
   * hybrid or token login is then one write.
   */
  create(session: SessionRecord, audit?: AuditEvent, refreshTokenHash?: string): Promise<void>;
  get(id: string): Promise<SessionRecord | null>;
  /**
   * Optional: the session with its user (`get`, then `users.getById(session.userId)`) in one read,
   * where the store can join the two (SQL: one round trip instead of two; Redis: two instead of
   * three). Null when there is no such session. Without it, the core makes both calls.
   */
  getWithUser?(id: string): Promise<SessionWithUser | null>;
  /** Records activity: sets `lastSeenAt` and `idleExpiresAt`. Returns false when the session is gone. */
  touch(id: string, lastSeenAt: number, idleExpiresAt: number): Promise<boolean>;
  /**
   * Deletes the session and its refresh tokens atomically; returns what was deleted. `audit` is
   * appended with the deletion, and only if this call deleted the session. `userId`: the session's
   * user as the caller has just read it, a shortcut for a store that finds a session through its
   * user (Redis); one that is not the session's changes no outcome.
   */
  revoke(id: string, audit?: AuditEvent, userId?: string): Promise<SessionRecord | null>;
  /** Deletes every session of the user (but `exceptId`) with their refresh tokens; returns them. */
  revokeAllForUser(userId: string, exceptId?: string): Promise<SessionRecord[]>;
  /** Sessions of the user that are live at `now` (neither idle- nor absolute-expired), newest first. */
  listForUser(userId: string, now: number): Promise<SessionRecord[]>;
  /** Removes sessions (and their refresh tokens) expired at `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
  /** Live sessions at `now`, counted per strategy. */
  countActive(now: number): Promise<Record<Strategy, number>>;
}

// Refresh tokens: their records, the rotation's input and outcome, and their store.
export type {
  RefreshTokenRecord,
  RefreshTokenStore,
  RotateRefreshInput,
  RotateRefreshResult,
  RotationAudit,
} from './refresh-token-types.ts';

export type SigningAlgorithm = 'ES256' | 'EdDSA' | 'RS256' | 'HS256';

export interface SigningKeyRecord {
  kid: string;
  alg: SigningAlgorithm;
  /** Public JWK as JSON text; empty string for HS256 (nothing public). */
  publicJwk: string;
  /** Private (or secret) key material, encrypted at rest with the key-encryption key. */
  privateKeyCipher: string;
  status: 'active' | 'retired';
  createdAt: number;
  retiredAt: number | null;
}

export interface KeyStore {
  list(): Promise<SigningKeyRecord[]>;
  /** Inserts `key` as the only active key; the previous active key becomes retired at `now`. Atomic. */
  rotate(key: SigningKeyRecord, now: number): Promise<void>;
  /** Deletes a key at once (emergency revocation). */
  remove(kid: string): Promise<boolean>;
  /** Deletes retired keys retired before `before`; returns their kids. */
  pruneRetired(before: number): Promise<string[]>;
}

export interface AuditQuery {
  userId?: string;
  type?: string;
  from?: number;
  to?: number;
  limit: number;
}

export interface AuditStore {
  append(event: AuditEvent): Promise<void>;
  /** Newest first; `userId` matches actor or subject. */
  query(query: AuditQuery): Promise<AuditEvent[]>;
  deleteBefore(before: number): Promise<number>;
}

export interface ResetTokenRecord {
  /** SHA-256 (base64url) of the 256-bit token; the token itself is never stored. */
  hash: string;
  userId: string;
  createdAt: number;
  /** The token is refused from this instant on. */
  expiresAt: number;
}

export interface ResetTokenStore {
  /**
   * Stores the token as the user's only one: an older token of the same user stops working in the
   * same operation, so two racing requests can never leave two live tokens. The user must exist.
   */
  create(record: ResetTokenRecord): Promise<void>;
  /**
   * Atomic single use: deletes the token and returns its user, or null when the hash is unknown,
   * already used, or expired at `now` (an expired token is deleted too). Safe under concurrency:
   * of any number of parallel consumes of one token, exactly one gets the user.
   */
  consume(hash: string, now: number): Promise<{ userId: string } | null>;
  /** Deletes the user's token, if any (password changed another way, account closed); returns how many. */
  deleteForUser(userId: string): Promise<number>;
  /** Removes tokens expired at `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

/**
 * The durable copy of every live revocation (docs/design.md §5): the feed (Redis) is a transport, and when
 * it loses data the server seeds it again from here. Keyed by what the event names (`session` sid,
 * `user` sub, `token` jti, `key` kid); recording one again keeps the later `until` and `before`.
 */
export interface RevocationStore extends RevocationOutbox {
  /**
   * Records the events. With `pendingSince`, their rows are pending (in the outbox) from then until
   * `markPublished` covers them; without it, they are recorded as already published.
   */
  record(events: RevocationEvent[], pendingSince?: number): Promise<void>;
  /** Every recorded event whose `until` is at or after `since`. */
  listLive(since: number): Promise<RevocationEvent[]>;
  /** Removes events whose `until` is before `before`; returns how many. */
  deleteExpired(before: number): Promise<number>;
}

/**
 * A transactional outbox of revocations (docs/design.md §5): events a store operation (or a
 * publisher, durable first) recorded before they reached the feed. Any live auth server publishes
 * the ones still pending after a grace, so an event a dead server never published is not lost.
 */
export interface RevocationOutbox {
  /**
   * Events pending since before `olderThan` whose `until` is at or after `liveSince`, oldest
   * first, at most `limit`.
   */
  listPending(olderThan: number, liveSince: number, limit: number): Promise<RevocationEvent[]>;
  /**
   * The feed carries these events: what they cover (same kind and id, `until` and `before` no
   * later than theirs) is no longer pending. A row recorded again later stays pending.
   */
  markPublished(events: RevocationEvent[]): Promise<void>;
}

/** A complete backend: every sub-store lives in one database so cross-store operations stay atomic. */
export interface GatehouseStore {
  readonly kind: string;
  users: UserStore;
  sessions: SessionStore;
  refreshTokens: RefreshTokenStore;
  keys: KeyStore;
  audit: AuditStore;
  resetTokens: ResetTokenStore;
  /**
   * Durable revocations. SQLite, PostgreSQL and memory have it; the Redis backend does not (with
   * it, the feed's own Redis is the only copy, so it needs Redis persistence).
   */
  revocations?: RevocationStore;
  /**
   * Where revocations wait for the feed: `revocations` itself for SQLite, PostgreSQL and memory;
   * for Redis, an outbox of the sessions reuse detection deleted.
   */
  revocationOutbox?: RevocationOutbox;
  /** Throws when the backend is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
