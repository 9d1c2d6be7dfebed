import type { AuditEvent, SessionRecord, UserRecord } from './records.ts';

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
  /**
   * The presented token's session as the caller has just read it (`sessionFor`), where it has:
   * a store whose token is found through its owner (Redis: the user's slot) may start there
   * instead of looking the owner up. Only a shortcut: the rotation reads and decides everything
   * itself, and a session that is not the token's gives the same outcome as none.
   */
  presentedSession?: SessionRecord;
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
  /**
   * The audit events of the rotation, appended with its outcome and only then: `rotated` with a
   * rotation, `reused` with the deletion of the family (nothing for a replay or an invalid
   * token). The core builds them without the ids of the session and its user, which the store
   * finds: it appends `completeRotationAudit(audit, outcome, session)`. SQL stores write them in
   * the rotation's transaction; Redis right after its script (another slot). Without it (a caller
   * of the store's own), nothing is appended.
   */
  audit?: RotationAudit;
}

/** The audit events a rotation appends (`RotateRefreshInput.audit`), before the store names the session. */
export interface RotationAudit {
  rotated: AuditEvent;
  reused: AuditEvent;
}

export type RotateRefreshResult =
  /**
   * The presented token was live; it is now consumed and the successor is live. `user`: the
   * session's user as the rotation read it, where the store reads it there (SQL); otherwise the
   * caller reads it.
   */
  | { outcome: 'rotated'; session: SessionRecord; user?: UserRecord }
  /** Already consumed, successor unused (or within the grace window): the caller decrypts `successorCipher`. Nothing changed. */
  | { outcome: 'replayed'; session: SessionRecord; successorCipher: string; user?: UserRecord }
  /**
   * Consumed, its successor (or a later token) used, outside the grace window: theft. The session
   * and its whole family were deleted, and the session's revocation (`revocationUntil`) recorded
   * as pending in the store's outbox with the deletion: the caller publishes it.
   */
  | { outcome: 'reused'; session: SessionRecord }
  /** Unknown token, its session gone or expired, or its user not active. Nothing changed. */
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
  /**
   * Optional: the session itself (`sessions.get(await sessionIdFor(hash))`) in one read, where the
   * store can join the two (SQL: one round trip instead of two; Redis: two instead of four).
   * Without it, the core makes both calls.
   */
  sessionFor?(hash: string): Promise<SessionRecord | null>;
}
