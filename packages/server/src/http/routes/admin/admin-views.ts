import type { SigningKeyRecord, UserRecord } from '@gatehouse/core';
import { toIsoTime } from '../../views.ts';

/** A user as an admin sees it. Never the password hash. */
export function toAdminUser(user: UserRecord) {
  return {
    id: user.id,
    email: user.email,
    roles: [...user.roles],
    status: user.status,
    createdAt: toIsoTime(user.createdAt),
    updatedAt: toIsoTime(user.updatedAt),
    passwordChangedAt: toIsoTime(user.passwordChangedAt),
  };
}

export { toAuditView } from '../../../audit-view.ts';

/** Key metadata only: never the encrypted private part. */
export function toKeyView(key: SigningKeyRecord) {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    createdAt: toIsoTime(key.createdAt),
    retiredAt: key.retiredAt === null ? null : toIsoTime(key.retiredAt),
  };
}
