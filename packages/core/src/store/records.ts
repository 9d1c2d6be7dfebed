/** The records the stores keep (store/types.ts): no imports, so every store type file can use them. */

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
