import type { HashPurpose } from '@gatehouse/core';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { defaultMetricsSettings, type MetricsSettings } from './metrics-config.ts';
import type { SharedCounters } from './shared-counters.ts';

export type AttemptOutcome = 'success' | 'rejected' | 'invalid' | 'throttled' | 'error';
export const ATTEMPT_OUTCOMES: readonly AttemptOutcome[] = [
  'success',
  'rejected',
  'invalid',
  'throttled',
  'error',
];

export type AlertKind = 'login_failure_spike' | 'refresh_reuse_burst';
export const ALERT_KINDS: readonly AlertKind[] = ['login_failure_spike', 'refresh_reuse_burst'];

const HASH_FLOWS: readonly HashPurpose[] = [
  'login',
  'register',
  'password_change',
  'password_reset',
  'other',
];

const REVOCATION_KINDS = ['session', 'user', 'token', 'key'] as const;

// Seconds. Login and hashing are dominated by Argon2id (tens of ms); token checks by one signature.
const SLOW_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const FAST_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

export interface GatehouseMetricsOptions {
  settings?: MetricsSettings;
  /** Also export Node's process metrics (CPU, memory, event-loop lag, GC). Default false. */
  processMetrics?: boolean;
  /**
   * Where `/admin/stats` and the anomaly detector count, shared by every instance of a deployment
   * (startServer passes the throttle backend's). Omitted or null: this process's memory.
   */
  sharedCounters?: SharedCounters | null;
}

/** Auth attempts, and how long logins, refreshes, token checks and password hashing take. */
function createAttemptInstruments(registers: Registry[]) {
  const attempts = new Counter({
    name: 'gatehouse_auth_attempts_total',
    help: 'Requests to the auth endpoints, by endpoint and outcome (success, rejected, invalid, throttled, error).',
    labelNames: ['endpoint', 'outcome'] as const,
    registers,
  });
  const loginDuration = new Histogram({
    name: 'gatehouse_login_duration_seconds',
    help: 'Time to answer POST /auth/login, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: SLOW_BUCKETS,
    registers,
  });
  const refreshDuration = new Histogram({
    name: 'gatehouse_refresh_duration_seconds',
    help: 'Time to answer POST /auth/refresh, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: SLOW_BUCKETS,
    registers,
  });
  const accessTokenVerifyDuration = new Histogram({
    name: 'gatehouse_access_token_verify_duration_seconds',
    help: 'Time to check an access token: operation "verify" (signature and claims) or "authenticate" (verify, then the session lookup).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: FAST_BUCKETS,
    registers,
  });
  const passwordHashDuration = new Histogram({
    name: 'gatehouse_password_hash_duration_seconds',
    help: 'Time spent in Argon2id, by operation (hash, verify).',
    labelNames: ['operation'] as const,
    buckets: SLOW_BUCKETS,
    registers,
  });
  return { attempts, loginDuration, refreshDuration, accessTokenVerifyDuration, passwordHashDuration };
}

/** Events counted as they happen: hashing overloads, revocations, refresh reuse, 429s, alerts. */
function createEventCounters(registers: Registry[]) {
  const passwordHashOverloads = new Counter({
    name: 'gatehouse_password_hash_overload_total',
    help: 'Requests refused with 503 because password hashing was at capacity (no hash done), by flow (login, register, password_change, password_reset, other).',
    labelNames: ['flow'] as const,
    registers,
  });
  const passwordHashRescues = new Counter({
    name: 'gatehouse_password_hash_rescued_total',
    help: 'Password hashes also started on a rescue thread at nice 10 because their low-priority thread, over GATEHOUSE_PASSWORD_HASH_RESCUE_MS, waited for a CPU longer than it ran (every core busy with other work).',
    registers,
  });
  const revocations = new Counter({
    name: 'gatehouse_revocations_total',
    help: 'Revocation events published to the feed, by kind (session, user, token, key).',
    labelNames: ['kind'] as const,
    registers,
  });
  const refreshReuse = new Counter({
    name: 'gatehouse_refresh_reuse_detected_total',
    help: 'Consumed refresh tokens presented again after the grace window (theft: the family was revoked).',
    registers,
  });
  const throttled = new Counter({
    name: 'gatehouse_throttled_requests_total',
    help: 'Requests answered 429, by route.',
    labelNames: ['route'] as const,
    registers,
  });
  const alerts = new Counter({
    name: 'gatehouse_alerts_total',
    help: 'Anomaly alerts raised, by kind (login_failure_spike, refresh_reuse_burst).',
    labelNames: ['kind'] as const,
    registers,
  });
  return { passwordHashOverloads, passwordHashRescues, revocations, refreshReuse, throttled, alerts };
}

/**
 * The server's Prometheus instruments, on a registry of their own (not prom-client's global one),
 * so several apps in one process (tests) never collide. The active-sessions gauge and the alert
 * wiring are added by `registerMetrics`, which knows the store and the logger.
 *
 * @example
 * const metrics = createGatehouseMetrics({ settings: config.metrics, processMetrics: true });
 * const hasher = instrumentHasher(createArgon2Hasher(), metrics);
 * const app = buildApp({ ...options, metrics });
 */
export function createGatehouseMetrics(options: GatehouseMetricsOptions = {}) {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const { attempts, loginDuration, refreshDuration, accessTokenVerifyDuration, passwordHashDuration } =
    createAttemptInstruments(registers);
  const { passwordHashOverloads, passwordHashRescues, revocations, refreshReuse, throttled, alerts } =
    createEventCounters(registers);

  // Series that exist from the start read 0 instead of missing, so rate() and increase() work on
  // the first event and an alert rule never waits for a series to appear.
  for (const kind of REVOCATION_KINDS) revocations.inc({ kind }, 0);
  for (const kind of ALERT_KINDS) alerts.inc({ kind }, 0);
  refreshReuse.inc(0);
  passwordHashRescues.inc(0);
  for (const flow of HASH_FLOWS) passwordHashOverloads.inc({ flow }, 0);
  for (const outcome of ATTEMPT_OUTCOMES) attempts.inc({ endpoint: 'login', outcome }, 0);

  return {
    registry,
    settings: options.settings ?? defaultMetricsSettings,
    attempts,
    loginDuration,
    refreshDuration,
    accessTokenVerifyDuration,
    passwordHashDuration,
    passwordHashOverloads,
    passwordHashRescues,
    revocations,
    refreshReuse,
    throttled,
    alerts,
    sharedCounters: options.sharedCounters ?? null,
  };
}

export type GatehouseMetrics = ReturnType<typeof createGatehouseMetrics>;
