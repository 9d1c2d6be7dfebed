import { DEFAULT_HASH_QUEUE, defaultHashConcurrency, type SigningAlgorithm } from '@gatehouse/core';
import {
  integer,
  oneOf,
  parseKeyEncryptionKey,
  parseOrigins,
  parseSecretKey,
  parseSigningAlgorithm,
  parseTrustProxy,
  type TrustProxy,
} from './parsers.ts';
import { setting } from './setting.ts';

/** Sessions, browsers, signing keys and password hashing, in `--help` order (after serverSettings). */
export const authSettings = {
  sessionIdleTtlSeconds: setting({
    env: 'GATEHOUSE_SESSION_IDLE_TTL_SECONDS',
    flag: '--session-idle-ttl-seconds',
    description: 'A session dies after this long without use.',
    parse: integer(60, 31 * 24 * 3600),
    fallback: 1800,
  }),
  /** At least `sessionIdleTtlSeconds` (checked in config.ts). */
  sessionAbsoluteTtlSeconds: setting({
    env: 'GATEHOUSE_SESSION_ABSOLUTE_TTL_SECONDS',
    flag: '--session-absolute-ttl-seconds',
    description: 'A session dies this long after login, used or not.',
    parse: integer(60, 366 * 24 * 3600),
    fallback: 43200,
  }),
  accessTokenTtlSeconds: setting({
    env: 'GATEHOUSE_ACCESS_TOKEN_TTL_SECONDS',
    flag: '--access-token-ttl-seconds',
    description: 'Access-token lifetime (at most 900).',
    // RFC 9068 practice and docs/design.md §3: access tokens live 15 minutes at most.
    parse: integer(30, 900),
    fallback: 600,
  }),
  refreshGraceSeconds: setting({
    env: 'GATEHOUSE_REFRESH_GRACE_SECONDS',
    flag: '--refresh-grace-seconds',
    description: 'A replayed refresh token within this window gets the same successor (0-60).',
    parse: integer(0, 60),
    fallback: 10,
  }),
  maxSessionsPerUser: setting({
    env: 'GATEHOUSE_MAX_SESSIONS_PER_USER',
    flag: '--max-sessions-per-user',
    description:
      "Live sessions one user may hold, of every strategy together; a login past it signs out the user's least recently used sessions (1-100000).",
    parse: integer(1, 100_000),
    fallback: 100,
  }),
  trustProxy: setting<TrustProxy>({
    env: 'GATEHOUSE_TRUST_PROXY',
    flag: '--trust-proxy',
    description:
      'Trust X-Forwarded-* from: false, true (any peer), or comma-separated proxy IPs/CIDRs (or loopback, linklocal, uniquelocal).',
    parse: parseTrustProxy,
    fallback: false,
  }),
  /** Exact origins (`scheme://host[:port]`) allowed to make state-changing browser requests. */
  allowedOrigins: setting<string[]>({
    env: 'GATEHOUSE_ALLOWED_ORIGINS',
    flag: '--allowed-origins',
    description: 'Comma-separated origins allowed to make state-changing browser requests.',
    defaultText: "the issuer's origin (and http://127.0.0.1:<PORT> while the issuer is the default)",
    parse: parseOrigins,
    fallback: ({ issuer, issuerIsDefault }) => {
      const url = new URL(issuer);
      // The development default: the page works whether it was opened at localhost or 127.0.0.1.
      return issuerIsDefault ? [url.origin, `http://127.0.0.1:${url.port}`] : [url.origin];
    },
  }),
  /** How the web UI signs in: `session` (cookie) or `hybrid` (through @gatehouse/client). */
  uiStrategy: setting<'session' | 'hybrid'>({
    env: 'GATEHOUSE_UI_STRATEGY',
    flag: '--ui-strategy',
    description:
      'How the web UI signs in: session (HttpOnly session cookie) or hybrid (access token in memory + refresh cookie, through @gatehouse/client).',
    parse: oneOf(['session', 'hybrid'], 'session or hybrid'),
    fallback: 'session',
  }),
  /** HMAC key for CSRF tokens; null means "embedded mode: load or create it in the data dir". */
  csrfSecret: setting<Uint8Array | null>({
    env: 'GATEHOUSE_CSRF_SECRET',
    flag: '--csrf-secret',
    description:
      'base64url key (>= 32 bytes) for CSRF tokens; prefer the env var. Required with DATABASE_URL or GATEHOUSE_STORE=redis (make one: gatehouse secrets generate). Unset with SQLite: generated once into <data dir>/secrets.json.',
    defaultText: '(generated)',
    secret: true,
    parse: parseSecretKey,
    fallback: null,
  }),
  /**
   * 32-byte key that encrypts signing keys at rest, used for nothing else; null means "embedded
   * mode: load or create it in the data dir" (a separate entry from the CSRF secret).
   */
  keyEncryptionKey: setting<Uint8Array | null>({
    env: 'GATEHOUSE_KEY_ENCRYPTION_KEY',
    flag: '--key-encryption-key',
    description:
      'base64url key (>= 32 bytes; longer keys are condensed with HKDF-SHA256) that encrypts signing keys at rest; prefer the env var. Required with DATABASE_URL or GATEHOUSE_STORE=redis (make one: gatehouse secrets generate). Unset with SQLite: generated once into <data dir>/secrets.json, apart from the CSRF secret.',
    defaultText: '(generated)',
    secret: true,
    parse: parseKeyEncryptionKey,
    fallback: null,
  }),
  /** Algorithm of newly generated signing keys. */
  signingAlgorithm: setting<SigningAlgorithm>({
    env: 'GATEHOUSE_SIGNING_ALG',
    flag: '--signing-alg',
    description:
      'Access-token signing algorithm: ES256, EdDSA, RS256, or HS256 (a shared secret: only when this server is the only verifier).',
    parse: parseSigningAlgorithm,
    fallback: 'ES256',
  }),
  /** The active signing key is replaced once it is this old. */
  keyRotationDays: setting({
    env: 'GATEHOUSE_KEY_ROTATION_DAYS',
    flag: '--key-rotation-days',
    description: 'The signing key is replaced after this many days (retired keys verify for another hour).',
    parse: integer(1, 365),
    fallback: 7,
  }),
  /** Audit events older than this are deleted (hourly). */
  auditRetentionDays: setting({
    env: 'GATEHOUSE_AUDIT_RETENTION_DAYS',
    flag: '--audit-retention-days',
    description: 'Audit events older than this many days are deleted, checked hourly (1-3650).',
    parse: integer(1, 3650),
    fallback: 90,
  }),
  /** Password hashes (Argon2id) running at once; default cores − 1, at least 1. */
  passwordHashConcurrency: setting({
    env: 'GATEHOUSE_PASSWORD_HASH_CONCURRENCY',
    flag: '--password-hash-concurrency',
    description:
      'Password hashes (Argon2id) running at once, each on its own worker thread at the lowest OS priority (1-64).',
    defaultText: 'cores − 1, at least 1',
    parse: integer(1, 64),
    fallback: () => defaultHashConcurrency(),
  }),
  /** Logins, registrations, password changes and resets waiting for a hash beyond those; past it: 503. */
  passwordHashQueue: setting({
    env: 'GATEHOUSE_PASSWORD_HASH_QUEUE',
    flag: '--password-hash-queue',
    description:
      'Requests that need a hash (login, register, password change/reset) allowed to wait beyond those running; past it they get 503 + Retry-After (0-10000).',
    parse: integer(0, 10_000),
    fallback: DEFAULT_HASH_QUEUE,
  }),
  /** Nice value of the hashing threads (Linux); 19 (plus SCHED_IDLE where chrt exists) yields to the event loop. */
  passwordHashNice: setting({
    env: 'GATEHOUSE_PASSWORD_HASH_NICE',
    flag: '--password-hash-nice',
    description:
      'OS priority (nice, per thread; Linux) of the password hashing threads: 19 yields the CPU to the event loop (and, with util-linux chrt installed, also sets SCHED_IDLE on them). Where every core is busy with other work, such a thread gets almost no CPU: see GATEHOUSE_PASSWORD_HASH_RESCUE_MS (0-19).',
    parse: integer(0, 19),
    fallback: 19,
  }),
  /** A hash its low-priority thread is starved on (it waited more than it ran) this long is also started at nice 10. */
  passwordHashRescueMs: setting({
    env: 'GATEHOUSE_PASSWORD_HASH_RESCUE_MS',
    flag: '--password-hash-rescue-ms',
    description:
      'A password hash whose thread (nice 19 or SCHED_IDLE) waited this many ms for a CPU more than it ran (starved: every core busy with other work) is also started on a rescue thread at nice 10, and the first result answers; counted in gatehouse_password_hash_rescued_total. A long hash on a free core is left alone. 0: never, hashing waits for idle CPU (0-60000).',
    parse: integer(0, 60_000),
    fallback: 500,
  }),
};
