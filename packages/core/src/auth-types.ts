import type { SessionRecord, UserRecord } from './store/types.ts';

/** What the outside world may see of a user. */
export interface PublicUser {
  id: string;
  email: string;
  roles: string[];
}

export interface Authenticated {
  user: UserRecord;
  session: SessionRecord;
}

export interface LoginResult extends Authenticated {
  /** `id.secret`: goes into the cookie (session strategy) and is never stored. */
  sessionToken: string;
  /** The first token of the session's refresh family, when the login was asked to start it. */
  refreshToken?: string;
}

export type RevokeReason =
  | 'logout'
  | 'logout_all'
  | 'user_revoked'
  | 'password_changed'
  | 'password_reset'
  | 'admin'
  | 'suspended'
  | 'refresh_reuse'
  | 'token_revoked'
  | 'rotated'
  | 'session_limit';

export function toPublicUser(user: UserRecord): PublicUser {
  return { id: user.id, email: user.email, roles: [...user.roles] };
}
