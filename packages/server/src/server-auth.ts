import {
  type AuthDeps,
  createAuthDeps,
  type GatehouseStore,
  limitHasher,
  type Mailer,
  type PasswordHasher,
  type RevocationPublisher,
  type Throttles,
} from '@gatehouse/core';
import type { GatehouseConfig } from './config.ts';
import { sessionPolicyFrom } from './session-policy.ts';
import type { GatehouseMetrics } from './metrics/gatehouse-metrics.ts';
import { instrumentHasher } from './metrics/instrument-hasher.ts';
import { withImportedHashes } from './import/imported-hash.ts';
import { instrumentRevocationPublisher } from './metrics/instrument-revocation-publisher.ts';

export interface ServerAuthParts {
  store: GatehouseStore;
  /**
   * The Argon2id hasher (`createThreadedArgon2Hasher`); here it also verifies imported accounts'
   * hashes (`withImportedHashes`), and is bounded and instrumented.
   */
  hasher: PasswordHasher;
  metrics: GatehouseMetrics;
  /** The revocation feed's publisher; counted here. */
  publisher: RevocationPublisher;
  throttles: Throttles;
  mailer: Mailer;
  onMailError: (error: unknown) => void;
}

/**
 * The auth dependencies of a running server: the bounded, instrumented Argon2id hasher (on
 * worker threads at the lowest OS priority, as many as may hash at once), the
 * counted revocation publisher, the configured throttles, reset mail and session lifetimes.
 * `startServer` keeps them, builds the operations from them, and hands the store, clock and audit
 * log to the app.
 */
export function createServerAuthDeps(config: GatehouseConfig, parts: ServerAuthParts): AuthDeps {
  const { metrics } = parts;
  return createAuthDeps({
    store: parts.store,
    // Bounded outside the timing: the duration metric measures hashing, not the wait for a slot.
    hasher: limitHasher(instrumentHasher(withImportedHashes(parts.hasher), metrics), {
      concurrency: config.passwordHashConcurrency,
      queue: config.passwordHashQueue,
      onRejected: (purpose) => metrics.passwordHashOverloads.inc({ flow: purpose }),
    }),
    revocations: instrumentRevocationPublisher(parts.publisher, metrics),
    throttles: parts.throttles,
    passwordReset: {
      mailer: parts.mailer,
      linkPrefix: config.mail.resetUrl,
      onMailError: parts.onMailError,
    },
    sessionPolicy: sessionPolicyFrom(config),
  });
}
