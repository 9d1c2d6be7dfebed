export * from './errors.ts';
export * from './clock.ts';
export * from './random.ts';
export * from './store/types.ts';
export * from './password/password-hasher.ts';
export * from './password/hashing-limiter.ts';
export * from './password/argon2-threads.ts';
export { hashingKeys } from './password/hashing-permit.ts';
export * from './password/password-policy.ts';
export * from './user/normalize-email.ts';
export * from './session/session-token.ts';
export * from './session/csrf-token.ts';
export * from './revocation/revocation-event.ts';
export * from './revocation/revocation-row.ts';
export * from './audit/audit-log.ts';
export * from './auth.ts';
export * from './auth-deps.ts';
export * from './auth-types.ts';
export { defaultSessionPolicy, type SessionPolicy } from './session/session-policy.ts';
export type { CreatedSession, CreateSessionOptions } from './session/create-session.ts';
export type { LoginInput } from './session/login.ts';
export type {
  RevokeAllSessionsOptions,
  RevokeOwnSessionOptions,
  RevokeSessionOptions,
} from './session/revoke-sessions.ts';
export type { Rotated, RotateRefreshOptions } from './refresh/refresh-operations.ts';
export type { ChangePasswordInput } from './password/change-password.ts';
export type { ConfirmPasswordResetInput } from './password-reset/password-resets.ts';
export type { Credentials } from './user/verify-credentials.ts';
export { newUserId, type RegisterInput, type RegisterResult } from './user/register.ts';
export * from './mail/mailer.ts';
export * from './throttle/throttle.ts';
export * from './throttle/throttles.ts';
export * from './throttle/throttle-policy.ts';
export { accountThrottleKey, ipThrottleKey } from './throttle/throttle-keys.ts';
export type { ThrottleScope } from './throttle/attempt-guard.ts';
export { isCommonPassword, loadCommonPasswords } from './password/common-passwords.ts';
export {
  DEFAULT_RESET_TOKEN_TTL_MS,
  type PasswordResetOptions,
  type PasswordResetSettings,
} from './password-reset/reset-options.ts';
export { generateResetToken, hashResetToken, isResetTokenShaped } from './password-reset/reset-token.ts';
export { type AdminActor, cliActor } from './admin/admin-actor.ts';
export * from './admin/user-admin.ts';
export * from './admin/key-admin.ts';
export { constantTimeEqual, fromBase64Url, sha256Base64Url, toBase64Url } from './lib/encoding.ts';
export * from './refresh/refresh-token.ts';
export * from './refresh/rotation-rule.ts';
export { createKeyEncryption, type KeyEncryption } from './keys/key-encryption.ts';
export { KeyUnavailableError } from './keys/key-unavailable-error.ts';
export {
  type GenerateSigningKeyOptions,
  generateSigningKey,
  type PublicSigningJwk,
} from './keys/generate-signing-key.ts';
export {
  createKeyring,
  type JsonWebKeySet,
  type Keyring,
  type KeyringOptions,
  type SigningKey,
} from './keys/keyring.ts';
export * from './token/access-token-claims.ts';
export * from './token/sign-access-token.ts';
export * from './token/verify-access-token.ts';
export * from './token/access-tokens.ts';
export * from './revocation/revocation-set.ts';
export * from './revocation/parse-revocation-event.ts';
export * from './revocation/feed.ts';
export * from './revocation/in-process-feed.ts';
export * from './revocation/sse-encode.ts';
export * from './revocation/sse-feed-source.ts';
export * from './alerts/anomaly-detector.ts';
export * from './dpop/check-dpop-proof.ts';
export * from './dpop/dpop-algorithms.ts';
export * from './dpop/dpop-nonces.ts';
export { computeJwkThumbprint } from './dpop/jwk-thumbprint.ts';
export { normalizeHtu } from './dpop/normalize-htu.ts';
export * from './protocol/index.ts';
