import {
  type AccessTokens,
  type Auth,
  type AuthDeps,
  createAccessTokens,
  createAuthFromDeps,
  createCsrfTokens,
  createDpopNonces,
  createThreadedArgon2Hasher,
  type CsrfTokens,
  type DpopNonces,
  type GatehouseStore,
  defaultArgon2Params,
  type Keyring,
} from '@gatehouse/core';
import { hkdfSync } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { GatehouseConfig } from './config.ts';
import type { ServerSecrets } from './embedded-secrets.ts';
import type { RevocationFeed } from './feed/open-revocation-feed.ts';
import { createConfiguredMailer } from './mail/create-mailer.ts';
import type { OutboxMailer } from './mail/outbox-mailer.ts';
import { createGatehouseMetrics, type GatehouseMetrics } from './metrics/gatehouse-metrics.ts';
import { instrumentAccessTokens } from './metrics/instrument-access-tokens.ts';
import { createServerAuthDeps } from './server-auth.ts';
import { guardSigningKey } from './keys/signing-key-guard.ts';
import { acceptedAlgorithms, createConfiguredKeyring, prepareSigningKeys } from './keys/signing-keys.ts';
import type { OpenedThrottles } from './throttle/open-throttles.ts';

export interface ServerServicesOptions {
  config: GatehouseConfig;
  store: GatehouseStore;
  feed: RevocationFeed;
  throttling: OpenedThrottles;
  secrets: ServerSecrets;
  /** The app's logger once it exists (mail failures are reported there). */
  log: () => FastifyBaseLogger | undefined;
}

/** What the server's app is built from: core auth, the keys and tokens, metrics, CSRF and DPoP. */
export interface ServerServices {
  auth: Auth;
  /** What `auth` was built with: the store, clock and audit log the app and jobs use too. */
  authDeps: AuthDeps;
  keyring: Keyring;
  /** Instrumented (timed) for the metrics. */
  accessTokens: AccessTokens;
  metrics: GatehouseMetrics;
  csrf: CsrfTokens;
  /** With `GATEHOUSE_DPOP_NONCE=on`. */
  dpopNonces: DpopNonces | undefined;
  /** With `GATEHOUSE_MAILER=outbox`: the mail kept in memory (reset links). Otherwise null. */
  outbox: OutboxMailer | null;
  /** Ends the password hasher's worker threads (on close; idle, they never hold the process). */
  closeHasher(): Promise<void>;
}

/**
 * The composition root of the server's services: core auth over its dependencies
 * (`server-auth.ts`: the bounded, instrumented hasher, the store, feed and throttles), the keyring (its keys checked before listening: a wrong
 * key-encryption key stops the start here, not at the first login) and the access tokens.
 */
export async function createServerServices(options: ServerServicesOptions): Promise<ServerServices> {
  const { config, store, feed, throttling, secrets, log } = options;
  const { mailer, outbox } = createConfiguredMailer(config.mail);
  const metrics = createGatehouseMetrics({
    settings: config.metrics,
    processMetrics: true,
    sharedCounters: throttling.counters,
  });
  // One low-priority worker thread per hash allowed at once: a login flood yields the CPU to the
  // event loop instead of taking it (the limit in server-auth.ts keeps them from queueing deeper).
  const hasher = createThreadedArgon2Hasher(defaultArgon2Params, {
    threads: config.passwordHashConcurrency,
    nice: config.passwordHashNice,
    rescueAfterMs: config.passwordHashRescueMs,
    onRescue: () => metrics.passwordHashRescues.inc(),
  });
  // Started now, not at the first login: a thread's start-up (tens of ms, before it lowers its
  // priority) falls on the server's start, not on a request. Idle threads never hold the process.
  hasher.threads().catch((error: unknown) => log()?.warn({ err: error }, 'password hashing threads'));
  const authDeps = createServerAuthDeps(config, {
    store,
    hasher,
    metrics,
    publisher: feed.publisher,
    throttles: throttling.throttles,
    mailer,
    onMailError: (error) => log()?.error({ err: error }, 'password-reset mail failed'),
  });
  const auth = createAuthFromDeps(authDeps);
  const keyring = createConfiguredKeyring(config, store.keys, secrets.keyEncryptionKey);
  try {
    await prepareSigningKeys(keyring, config.signingAlgorithm);
  } catch (error) {
    // The server does not start: its hashing threads end here (no app, so no onClose to do it).
    await hasher.close();
    throw error;
  }
  const accessTokens = guardSigningKey(
    createAccessTokens({
      auth,
      keyring,
      issuer: config.issuer,
      audience: config.audience,
      algorithms: acceptedAlgorithms(config.signingAlgorithm),
      ttlSeconds: config.accessTokenTtlSeconds,
    }),
    keyring,
    store.keys,
  );
  return {
    auth,
    authDeps,
    keyring,
    accessTokens: instrumentAccessTokens(accessTokens, metrics),
    metrics,
    csrf: createCsrfTokens(secrets.csrfSecret),
    // A key of its own, derived from the CSRF secret that every instance already shares.
    dpopNonces: config.dpopNonce
      ? createDpopNonces({
          secret: new Uint8Array(
            hkdfSync('sha256', secrets.csrfSecret, new Uint8Array(0), 'gatehouse/dpop-nonce/v1', 32),
          ),
        })
      : undefined,
    outbox,
    closeHasher: hasher.close,
  };
}
