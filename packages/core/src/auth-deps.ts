import { type AuditLog, createAuditLog } from './audit/audit-log.ts';
import { type Clock, systemClock } from './clock.ts';
import {
  type PasswordResetOptions,
  type PasswordResetSettings,
  resolvePasswordResetOptions,
} from './password-reset/reset-options.ts';
import { isCommonPassword, loadCommonPasswords } from './password/common-passwords.ts';
import { createDummyHash, type DummyHash } from './password/hashing-permit.ts';
import { createArgon2Hasher, type PasswordHasher } from './password/password-hasher.ts';
import { defaultPasswordPolicy, type PasswordPolicy } from './password/password-policy.ts';
import { type RandomSource, systemRandom } from './random.ts';
import { noRevocationPublisher, type RevocationPublisher } from './revocation/revocation-event.ts';
import { resolveSessionPolicy, type SessionPolicy } from './session/session-policy.ts';
import type { GatehouseStore } from './store/types.ts';
import { type AttemptGuard, createAttemptGuard } from './throttle/attempt-guard.ts';
import { type Throttles, unlimitedThrottles } from './throttle/throttles.ts';

export interface AuthOptions {
  store: GatehouseStore;
  clock?: Clock;
  random?: RandomSource;
  hasher?: PasswordHasher;
  passwordPolicy?: PasswordPolicy;
  sessionPolicy?: Partial<SessionPolicy>;
  revocations?: RevocationPublisher;
  /** Login backoff and per-address limits. Default: none (tests and tools); the server sets them. */
  throttles?: Throttles;
  /** How reset links are mailed. Without it, the password-reset methods throw TypeError. */
  passwordReset?: PasswordResetOptions;
}

/**
 * Everything the auth operations work with, resolved once by `createAuthDeps`. Every operation
 * (session/, refresh/, user/, password/, password-reset/) is a function of these; the composition
 * root keeps them too, and hands the store, clock or audit log to whatever else needs them.
 */
export interface AuthDeps {
  store: GatehouseStore;
  clock: Clock;
  random: RandomSource;
  /** Possibly bounded (`limitHasher`): operations hold a place with `admit` before any work. */
  hasher: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  /** Session lifetimes and the access-token lifetime, checked. */
  sessionPolicy: SessionPolicy;
  /** Writes audit events to `store.audit`. */
  audit: AuditLog;
  /** Where revocation events go (the feed verifiers follow). */
  revocations: RevocationPublisher;
  /** The throttling policy of login, registration, re-authentication and reset requests. */
  guard: AttemptGuard;
  /** What a login for an unknown account verifies against, so timing does not reveal it. */
  dummyHash: DummyHash;
  /** Null when password reset is not configured (its operations throw TypeError). */
  passwordReset: PasswordResetSettings | null;
}

/**
 * Resolves the options to the dependencies, with defaults, and checks them: impossible session
 * lifetimes or reset-link settings throw TypeError here, at start-up.
 *
 * @example
 * const deps = createAuthDeps({ store, clock });
 * const auth = createAuthFromDeps(deps);
 * await deps.store.sessions.countActive(deps.clock.now());
 */
export function createAuthDeps(options: AuthOptions): AuthDeps {
  const store = options.store;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const hasher = options.hasher ?? createArgon2Hasher();
  const passwordPolicy = options.passwordPolicy ?? defaultPasswordPolicy;
  // Read the list now: a missing file stops the start, not the first registration.
  if (passwordPolicy.isCommon === isCommonPassword) loadCommonPasswords();
  const sessionPolicy = resolveSessionPolicy(options.sessionPolicy);
  const audit = createAuditLog(store.audit, clock, random);
  return {
    store,
    clock,
    random,
    hasher,
    passwordPolicy,
    sessionPolicy,
    audit,
    revocations: options.revocations ?? noRevocationPublisher,
    guard: createAttemptGuard(options.throttles ?? unlimitedThrottles, audit),
    dummyHash: createDummyHash(random),
    passwordReset: options.passwordReset ? resolvePasswordResetOptions(options.passwordReset) : null,
  };
}
