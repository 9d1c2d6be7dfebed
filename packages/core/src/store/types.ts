import type { RevocationEvent } from '../revocation/revocation-event.ts';

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

export type Strategy = 'session' | 'hybrid' | 'token';
export type UserStatus = 'active' | 'suspended';

export interface UserRecord {
  id: string;
  /** Normalised (see `normalizeEmail`); unique. */
  email: string;
  passwordHash: string;
  roles: string[];
  status: UserStatus;
  createdAt: number;
  updatedAt: number;
  /** Tokens issued before this instant are refused (password change/reset). */
  passwordChangedAt: number;
}

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

export interface SessionRecord {
  /** Public identifier (128 random bits, base64url): used as `sid`, in session lists and events. Not a secret. */
  id: string;
  userId: string;
  /** SHA-256 (base64url) of the 256-bit secret half of the session token. */
  secretHash: string;
  strategy: Strategy;
  createdAt: number;
  lastSeenAt: number;
  /** Idle deadline; moves forward on use, never past `absoluteExpiresAt`. */
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  userAgent: string | null;
  ip: string | null;
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
  /** Records activity: sets `lastSeenAt` and `idleExpiresAt`. Returns false when the session is gone. */
  touch(id: string, lastSeenAt: number, idleExpiresAt: number): Promise<boolean>;
  /**
   * Deletes the session and its refresh tokens atomically; returns what was deleted. `audit` is
   * appended with the deletion, and only if this call deleted the session.
   */
  revoke(id: string, audit?: AuditEvent): Promise<SessionRecord | null>;
  /** Deletes every session of the user (but `exceptId`) with their refresh tokens; returns them. */
  revokeAllForUser(userId: string, exceptId?: string): Promise<SessionRecord[]>;
  /** Sessions of the user that are live at `now` (neither idle- nor absolute-expired), newest first. */
  listForUser(userId: string, now: number): Promise<SessionRecord[]>;
  /** Removes sessions (and their refresh tokens) expired at `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
  /** Live sessions at `now`, counted per strategy. */
  countActive(now: number): Promise<Record<Strategy, number>>;
}

export interface RefreshTokenRecord {
  /** SHA-256 (base64url) of the token; the token itself is never stored. */
  hash: string;
  sessionId: string;
  createdAt: number;
  /** When it was rotated (consumed); null while it is the live member of its family. */
  consumedAt: number | null;
  /**
   * The successor token encrypted under a key derived from *this* token's secret (which the store
   * never sees), so a replay inside the grace window can be answered with the same successor.
   */
  successorCipher: string | null;
  /**
   * Hash of the successor (set with `consumedAt`), so a replay can tell whether the successor was
   * ever used. Absent on rows written before it existed: they fall back to the grace window.
   */
  successorHash?: string | null;
}

export interface RotateRefreshInput {
  presentedHash: string;
  successor: { hash: string; createdAt: number };
  /** Encryption of the successor token under the presented token (see RefreshTokenRecord). */
  successorCipher: string;
  now: number;
  /**
   * A consumed token presented again gets the same successor as long as that successor was never
   * used (a reply lost to a crash or a cut, however long the client took to retry); and within
   * this many ms of its rotation even when it was (tabs racing). 0 disables the latter.
   */
  graceMs: number;
  /** New idle deadline for the session is `min(now + idleTtlMs, absoluteExpiresAt)`. */
  idleTtlMs: number;
  /**
   * The `until` of the `session` revocation a reuse records: a store that keeps revocations (or an
   * outbox of them) writes `{type: 'session', sid, sub, until}` pending, in the same transaction
   * (or before the script) that deletes the session, so a crash before the caller publishes it
   * cannot leave the session dead in the store yet unrevoked at verifiers.
   */
  revocationUntil: number;
}

export type RotateRefreshResult =
  /** The presented token was live; it is now consumed and the successor is live. */
  | { outcome: 'rotated'; session: SessionRecord }
  /** Already consumed, successor unused (or within the grace window): the caller decrypts `successorCipher`. Nothing changed. */
  | { outcome: 'replayed'; session: SessionRecord; successorCipher: string }
  /**
   * Consumed, its successor (or a later token) used, outside the grace window: theft. The session
   * and its whole family were deleted, and the session's revocation (`revocationUntil`) recorded
   * as pending in the store's outbox with the deletion: the caller publishes it.
   */
  | { outcome: 'reused'; session: SessionRecord }
  /** Unknown token, or its session is gone or expired. Nothing changed. */
  | { outcome: 'invalid' };

export interface RefreshTokenStore {
  /** Stores the first token of a session's family. */
  issue(record: Omit<RefreshTokenRecord, 'consumedAt' | 'successorCipher'>): Promise<void>;
  /** One atomic operation (transaction / script): see `RotateRefreshResult`. Must be safe under concurrency. */
  rotate(input: RotateRefreshInput): Promise<RotateRefreshResult>;
  /**
   * The id of the session a stored token (live or already rotated) belongs to, or null. Reads only:
   * lets a caller check the session (its strategy, a CSRF binding) before `rotate` consumes the
   * token, and revoke a family from any of its tokens (RFC 7009).
   */
  sessionIdFor(hash: string): Promise<string | null>;
}

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

export interface AuditEvent {
  id: string;
  type: string;
  at: number;
  actorId: string | null;
  subjectId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** Small JSON object of non-secret details. */
  data: Record<string, unknown>;
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
