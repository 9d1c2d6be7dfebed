/**
 * Shared set-up for the HTTP tests: an app over the memory store with a manual clock and a fast
 * hasher that counts its calls. Not a test file itself.
 */
import { randomBytes } from 'node:crypto';
import {
  type Auth,
  createAccessTokens,
  createAuthDeps,
  createAuthFromDeps,
  createCsrfTokens,
  createInProcessFeed,
  createKeyring,
  type DpopNonces,
  type GatehouseStore,
  type PasswordHasher,
  type RevocationPublisher,
  type SigningAlgorithm,
  type Throttles,
} from '@gatehouse/core';
import { createFastHasher, createManualClock, createMemoryStore } from '@gatehouse/core/testing';
import type { FastifyInstance } from 'fastify';
import type { TrustProxy } from '../config.ts';
import { createOutboxMailer } from '../mail/outbox-mailer.ts';
import type { GatehouseMetrics } from '../metrics/gatehouse-metrics.ts';
import type { OAuthClient } from '../oauth/clients.ts';
import { acceptedAlgorithms } from '../keys/signing-keys.ts';
import { type AppLoggerOptions, buildApp } from '../http/app.ts';
import { TEST_ORIGIN, TEST_PASSWORD } from './test-client.ts';

export const ORIGIN = TEST_ORIGIN;
/** The issuer of the test servers' tokens (the default issuer: the same as ORIGIN). */
export const ISSUER = ORIGIN;
export const AUDIENCE = 'gatehouse';
export const PASSWORD = TEST_PASSWORD;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
/** The test servers' password-reset links: this followed by the token. */
export const RESET_URL = `${ORIGIN}/reset#token=`;

export interface TestServerOptions {
  logger?: AppLoggerOptions;
  /** Wraps the memory store, e.g. to make a method fail. */
  wrapStore?: (store: GatehouseStore) => GatehouseStore;
  trustProxy?: TrustProxy;
  /** A real backend (SQLite, PostgreSQL) instead of a fresh memory store; the caller closes it. */
  store?: GatehouseStore;
  /** Default ES256. */
  signingAlgorithm?: SigningAlgorithm;
  /** Enables `/oauth/introspect` and guards the feed endpoints. */
  serviceToken?: string;
  /** The instruments behind `/metrics` (default: a fresh set with default settings). */
  metrics?: GatehouseMetrics;
  /** Default: none, so suites that fail logins on purpose are not locked out by the backoff. */
  throttles?: Throttles;
  /** Registered OAuth clients besides the default one. */
  clients?: OAuthClient[];
  /** Server nonces every DPoP proof must carry. */
  dpopNonces?: DpopNonces;
  /** Wraps what auth publishes revocations to (the in-process feed), e.g. to make it fail. */
  wrapRevocations?: (feed: RevocationPublisher) => RevocationPublisher;
}

export function createTestServer(options: TestServerOptions = {}) {
  const clock = createManualClock();
  const backing = options.store ?? createMemoryStore();
  const store = options.wrapStore ? options.wrapStore(backing) : backing;
  const inner = createFastHasher();
  const calls = { hash: 0, verify: 0 };
  const hasher: PasswordHasher = {
    hash: (password) => {
      calls.hash++;
      return inner.hash(password);
    },
    verify: (encoded, password) => {
      calls.verify++;
      return inner.verify(encoded, password);
    },
    needsRehash: () => false,
  };
  // Heartbeats only when a test sends them: the manual clock never moves by itself.
  const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
  // Reset links land in an outbox the tests read.
  const outbox = createOutboxMailer();
  const authDeps = createAuthDeps({
    store,
    clock,
    hasher,
    revocations: options.wrapRevocations ? options.wrapRevocations(feed) : feed,
    throttles: options.throttles,
    passwordReset: { mailer: outbox, linkPrefix: RESET_URL },
  });
  const auth: Auth = createAuthFromDeps(authDeps);
  const csrf = createCsrfTokens(randomBytes(32));
  const signingAlgorithm = options.signingAlgorithm ?? 'ES256';
  const keyring = createKeyring({
    store: store.keys,
    kek: randomBytes(32),
    clock,
    algorithm: signingAlgorithm,
  });
  const accessTokens = createAccessTokens({
    auth,
    keyring,
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: acceptedAlgorithms(signingAlgorithm),
    clock,
  });
  const app: FastifyInstance = buildApp({
    auth,
    authDeps,
    accessTokens,
    keyring,
    csrf,
    config: {
      allowedOrigins: [ORIGIN],
      trustProxy: options.trustProxy ?? false,
      issuer: ISSUER,
      signingAlgorithm,
      serviceToken: options.serviceToken ?? null,
      ...(options.clients ? { clients: options.clients } : {}),
    },
    feed,
    ...(options.dpopNonces ? { dpopNonces: options.dpopNonces } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  // The first key exists before the first request, as startServer makes it before listening.
  app.addHook('onReady', async () => {
    await keyring.ensureActiveKey();
  });
  return { app, auth, store: backing, clock, calls, csrf, keyring, accessTokens, feed, outbox };
}

export type TestServer = ReturnType<typeof createTestServer>;
