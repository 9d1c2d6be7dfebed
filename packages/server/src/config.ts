import { hkdfSync } from 'node:crypto';
import { isIP } from 'node:net';
import {
  constantTimeEqual,
  DEFAULT_HASH_QUEUE,
  defaultHashConcurrency,
  fromBase64Url,
  type SigningAlgorithm,
} from '@gatehouse/core';
import { SECRETS_GENERATE_COMMAND } from './cli/secrets-command.ts';
import { type MailSettings, mailSettingSpecs, parseMailSettings } from './mail/mail-config.ts';
import { type MetricsSettings, metricsSettingSpecs, parseMetricsSettings } from './metrics/metrics-config.ts';
import { type OAuthClient, parseClients } from './oauth/clients.ts';
import type { SettingSpec } from './setting-spec.ts';

/**
 * Server configuration: parsed once at the edge (env, then CLI flags) and passed inward.
 * Every setting has an env var and a flag; the flag wins.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Fastify's `trustProxy`: off, on (trust every hop: only when a proxy you control is the sole way
 * in), or the proxies' addresses. No hop count: Fastify 5 fails closed on one, by design.
 */
export type TrustProxy = boolean | string[];

export interface GatehouseConfig {
  host: string;
  port: number;
  dataDir: string;
  issuer: string;
  /** True when GATEHOUSE_ISSUER was not set: the issuer is `http://localhost:<PORT>` (the development default). */
  issuerIsDefault?: boolean;
  audience: string;
  /** postgres://… or null for the embedded SQLite store. Holds a password: never log it. */
  databaseUrl: string | null;
  /** Redis for the revocation feed (Streams) and, with `store: 'redis'`, all state. Holds a password: never log it. */
  redisUrl: string | null;
  /** `sql`: PostgreSQL when `databaseUrl` is set, else SQLite. `redis`: everything in Redis (needs `redisUrl`). */
  store: 'sql' | 'redis';
  /**
   * Bearer credential services present to `POST /oauth/introspect` and, when set, to the
   * revocation feed. Null: introspection is off and the feed is public (it carries only opaque ids).
   */
  serviceToken: string | null;
  sessionIdleTtlSeconds: number;
  sessionAbsoluteTtlSeconds: number;
  accessTokenTtlSeconds: number;
  refreshGraceSeconds: number;
  trustProxy: TrustProxy;
  /** Exact origins (`scheme://host[:port]`) allowed to make state-changing browser requests. */
  allowedOrigins: string[];
  /** How the web UI signs in: `session` (cookie) or `hybrid` (through @gatehouse/client). */
  uiStrategy: 'session' | 'hybrid';
  /** HMAC key for CSRF tokens; null means "embedded mode: load or create it in the data dir". */
  csrfSecret: Uint8Array | null;
  /**
   * 32-byte key that encrypts signing keys at rest, used for nothing else; null means "embedded
   * mode: load or create it in the data dir" (a separate entry from the CSRF secret).
   */
  keyEncryptionKey: Uint8Array | null;
  /** Algorithm of newly generated signing keys. */
  signingAlgorithm: SigningAlgorithm;
  /** The active signing key is replaced once it is this old. */
  keyRotationDays: number;
  /** Audit events older than this are deleted (hourly). */
  auditRetentionDays: number;
  /** Password hashes (Argon2id) running at once; default cores − 1, at least 1. */
  passwordHashConcurrency: number;
  /** Logins, registrations, password changes and resets waiting for a hash beyond those; past it: 503. */
  passwordHashQueue: number;
  logLevel: LogLevel;
  /** Who may scrape `/metrics`, and the anomaly-alert thresholds. */
  metrics: MetricsSettings;
  /** How password-reset links are mailed. */
  mail: MailSettings;
  /** Registered OAuth clients besides the default one (`GATEHOUSE_CLIENTS`). */
  clients: OAuthClient[];
  /** Every DPoP proof must carry a server nonce (RFC 9449 §8, §9). */
  dpopNonce: boolean;
}

export type { SettingSpec } from './setting-spec.ts';

/** The settings table: `--help` prints it, and the parser accepts exactly these flags. */
export const settings: readonly SettingSpec[] = [
  { env: 'HOST', flag: '--host', description: 'Interface to listen on.', defaultText: '127.0.0.1' },
  {
    env: 'PORT',
    flag: '--port',
    description: 'TCP port to listen on (0 picks a free one).',
    defaultText: '3000',
  },
  {
    env: 'GATEHOUSE_DATA_DIR',
    flag: '--data-dir',
    description: 'Directory for the embedded SQLite database and generated secrets.',
    defaultText: './data',
  },
  {
    env: 'GATEHOUSE_ISSUER',
    flag: '--issuer',
    description:
      'Public base URL of this server; the `iss` of every token. Unset: http://localhost:<PORT>, and both localhost and 127.0.0.1 on that port may use the web UI.',
    defaultText: 'http://localhost:<PORT>',
  },
  {
    env: 'GATEHOUSE_AUDIENCE',
    flag: '--audience',
    description: 'The `aud` of access tokens.',
    defaultText: 'gatehouse',
  },
  {
    env: 'DATABASE_URL',
    flag: '--database-url',
    description: 'postgres://… connection string; unset uses SQLite in the data dir.',
    defaultText: '(unset)',
    secret: true,
  },
  {
    env: 'REDIS_URL',
    flag: '--redis-url',
    description:
      'redis://… for the revocation feed (Redis Streams) and, with GATEHOUSE_STORE=redis, all state.',
    defaultText: '(unset)',
    secret: true,
  },
  {
    env: 'GATEHOUSE_STORE',
    flag: '--store',
    description:
      'sql (PostgreSQL when DATABASE_URL is set, else SQLite) or redis (all state in REDIS_URL; durable only if Redis persists).',
    defaultText: 'sql',
  },
  {
    env: 'GATEHOUSE_SERVICE_TOKEN',
    flag: '--service-token',
    description:
      'Bearer token (>= 32 characters) services use for POST /oauth/introspect and the revocation feed; unset: introspection off, feed public.',
    defaultText: '(unset)',
    secret: true,
  },
  {
    env: 'GATEHOUSE_CLIENTS',
    flag: '--clients',
    description:
      'Registered public OAuth clients, JSON: [{"id","name","strategies":["token"],"requireDpop":false}]. The client "gatehouse" always exists and serves requests that name none.',
    defaultText: '(only "gatehouse")',
  },
  {
    env: 'GATEHOUSE_DPOP_NONCE',
    flag: '--dpop-nonce',
    description:
      'on: every DPoP proof must carry a server nonce (DPoP-Nonce), derived from the CSRF secret so that instances sharing it agree.',
    defaultText: 'off',
  },
  {
    env: 'GATEHOUSE_SESSION_IDLE_TTL_SECONDS',
    flag: '--session-idle-ttl-seconds',
    description: 'A session dies after this long without use.',
    defaultText: '1800',
  },
  {
    env: 'GATEHOUSE_SESSION_ABSOLUTE_TTL_SECONDS',
    flag: '--session-absolute-ttl-seconds',
    description: 'A session dies this long after login, used or not.',
    defaultText: '43200',
  },
  {
    env: 'GATEHOUSE_ACCESS_TOKEN_TTL_SECONDS',
    flag: '--access-token-ttl-seconds',
    description: 'Access-token lifetime (at most 900).',
    defaultText: '600',
  },
  {
    env: 'GATEHOUSE_REFRESH_GRACE_SECONDS',
    flag: '--refresh-grace-seconds',
    description: 'A replayed refresh token within this window gets the same successor (0-60).',
    defaultText: '10',
  },
  {
    env: 'GATEHOUSE_TRUST_PROXY',
    flag: '--trust-proxy',
    description:
      'Trust X-Forwarded-* from: false, true (any peer), or comma-separated proxy IPs/CIDRs (or loopback, linklocal, uniquelocal).',
    defaultText: 'false',
  },
  {
    env: 'GATEHOUSE_ALLOWED_ORIGINS',
    flag: '--allowed-origins',
    description: 'Comma-separated origins allowed to make state-changing browser requests.',
    defaultText: "the issuer's origin (and http://127.0.0.1:<PORT> while the issuer is the default)",
  },
  {
    env: 'GATEHOUSE_UI_STRATEGY',
    flag: '--ui-strategy',
    description:
      'How the web UI signs in: session (HttpOnly session cookie) or hybrid (access token in memory + refresh cookie, through @gatehouse/client).',
    defaultText: 'session',
  },
  {
    env: 'GATEHOUSE_CSRF_SECRET',
    flag: '--csrf-secret',
    description:
      'base64url key (>= 32 bytes) for CSRF tokens; prefer the env var. Required with DATABASE_URL or GATEHOUSE_STORE=redis (make one: gatehouse secrets generate). Unset with SQLite: generated once into <data dir>/secrets.json.',
    defaultText: '(generated)',
    secret: true,
  },
  {
    env: 'GATEHOUSE_KEY_ENCRYPTION_KEY',
    flag: '--key-encryption-key',
    description:
      'base64url key (>= 32 bytes; longer keys are condensed with HKDF-SHA256) that encrypts signing keys at rest; prefer the env var. Required with DATABASE_URL or GATEHOUSE_STORE=redis (make one: gatehouse secrets generate). Unset with SQLite: generated once into <data dir>/secrets.json, apart from the CSRF secret.',
    defaultText: '(generated)',
    secret: true,
  },
  {
    env: 'GATEHOUSE_SIGNING_ALG',
    flag: '--signing-alg',
    description:
      'Access-token signing algorithm: ES256, EdDSA, RS256, or HS256 (a shared secret: only when this server is the only verifier).',
    defaultText: 'ES256',
  },
  {
    env: 'GATEHOUSE_KEY_ROTATION_DAYS',
    flag: '--key-rotation-days',
    description: 'The signing key is replaced after this many days (retired keys verify for another hour).',
    defaultText: '7',
  },
  {
    env: 'GATEHOUSE_AUDIT_RETENTION_DAYS',
    flag: '--audit-retention-days',
    description: 'Audit events older than this many days are deleted, checked hourly (1-3650).',
    defaultText: '90',
  },
  {
    env: 'GATEHOUSE_PASSWORD_HASH_CONCURRENCY',
    flag: '--password-hash-concurrency',
    description: 'Password hashes (Argon2id) running at once (1-64).',
    defaultText: 'cores − 1, at least 1',
  },
  {
    env: 'GATEHOUSE_PASSWORD_HASH_QUEUE',
    flag: '--password-hash-queue',
    description:
      'Requests that need a hash (login, register, password change/reset) allowed to wait beyond those running; past it they get 503 + Retry-After (0-10000).',
    defaultText: String(DEFAULT_HASH_QUEUE),
  },
  ...metricsSettingSpecs,
  ...mailSettingSpecs,
  {
    env: 'LOG_LEVEL',
    flag: '--log-level',
    description: `Log level: ${LOG_LEVELS.join(', ')}.`,
    defaultText: 'info',
  },
];

/** A bad setting or flag. The message names the setting and never contains a secret value. */
export class ConfigError extends Error {
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.setting = setting;
  }
}

/** Settings flags and their values, read from `argv`; unknown flags are usage errors. */
function readFlags(argv: readonly string[]): Map<string, string> {
  const byFlag = new Map(settings.map((setting) => [setting.flag, setting]));
  const values = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!;
    const equals = token.indexOf('=');
    // Only the part before `=` is ever quoted back: the value may be a secret.
    const flag = equals === -1 ? token : token.slice(0, equals);
    // A bare word is not quoted back either: it may be a secret whose flag was mistyped.
    if (!flag.startsWith('-'))
      throw new ConfigError('argv', 'unexpected argument (settings are --name value)');
    const setting = byFlag.get(flag);
    if (!setting) throw new ConfigError(flag, `unknown option ${JSON.stringify(flag)}`);
    let value: string | undefined;
    if (equals !== -1) value = token.slice(equals + 1);
    else {
      value = argv[index + 1];
      index++;
    }
    if (value === undefined || (equals === -1 && value.startsWith('--'))) {
      throw new ConfigError(setting.env, `${flag} needs a value`);
    }
    values.set(setting.env, value);
  }
  return values;
}

function parseInteger(name: string, text: string, min: number, max: number): number {
  if (!/^\d{1,15}$/.test(text.trim())) throw new ConfigError(name, `${name} must be a whole number`);
  const value = Number(text.trim());
  if (value < min || value > max) throw new ConfigError(name, `${name} must be between ${min} and ${max}`);
  return value;
}

function parseBoolean(name: string, text: string): boolean {
  const value = text.trim().toLowerCase();
  if (value === 'true' || value === '1' || value === 'yes') return true;
  if (value === 'false' || value === '0' || value === 'no') return false;
  throw new ConfigError(name, `${name} must be true or false`);
}

function parseHttpUrl(name: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ConfigError(name, `${name} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(name, `${name} must be an absolute http(s) URL`);
  if (url.username || url.password || url.search || url.hash)
    throw new ConfigError(name, `${name} must not contain credentials, a query or a fragment`);
  return url;
}

/** Returns the origin when `text` is exactly an origin (an optional trailing slash is tolerated). */
function parseOrigin(name: string, text: string): string {
  const url = parseHttpUrl(name, text);
  if (url.pathname !== '/') {
    throw new ConfigError(
      name,
      `${name}: ${JSON.stringify(text.trim())} is not an origin (scheme://host[:port])`,
    );
  }
  return url.origin;
}

function parseConnectionUrl(name: string, text: string, protocols: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    // The value usually holds a password: say what is wrong, not what was given.
    throw new ConfigError(name, `${name} is not a valid URL`);
  }
  if (!protocols.includes(url.protocol))
    throw new ConfigError(name, `${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  return text.trim();
}

// proxy-addr's names for the reserved ranges.
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function parseTrustProxy(name: string, text: string): TrustProxy {
  const value = text.trim();
  if (/^(true|false|1|0|yes|no)$/i.test(value)) return parseBoolean(name, value);
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new ConfigError(name, `${name} must not be empty`);
  for (const entry of entries) {
    if (PROXY_RANGE_NAMES.has(entry)) continue;
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const prefixOk =
      prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(
        name,
        `${name}: ${JSON.stringify(entry)} is not an IP address, CIDR range or range name`,
      );
    }
  }
  return entries;
}

function parseSecretKey(name: string, text: string): Uint8Array {
  const bytes = fromBase64Url(text.trim());
  if (!bytes || bytes.byteLength < 32)
    throw new ConfigError(name, `${name} must be base64url encoding at least 32 bytes`);
  return new Uint8Array(bytes);
}

const KEY_ENCRYPTION_KEY_BYTES = 32;

/**
 * The keyring takes exactly 32 bytes. A 32-byte value is used as it is; a longer one is condensed
 * with HKDF-SHA256 (no entropy is lost up to 32 bytes, and the result is the same on every instance).
 */
function toKeyEncryptionKey(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength === KEY_ENCRYPTION_KEY_BYTES) return bytes;
  return new Uint8Array(
    hkdfSync('sha256', bytes, new Uint8Array(0), 'gatehouse/key-encryption-key', KEY_ENCRYPTION_KEY_BYTES),
  );
}

const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'EdDSA', 'RS256', 'HS256'];

function parseSigningAlgorithm(name: string, text: string): SigningAlgorithm {
  const wanted = text.trim().toLowerCase();
  const algorithm = SIGNING_ALGORITHMS.find((candidate) => candidate.toLowerCase() === wanted);
  if (!algorithm) throw new ConfigError(name, `${name} must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  return algorithm;
}

/**
 * Reads the configuration from environment variables and CLI flags (flags win), validating
 * every value. Throws `ConfigError` naming the offending setting; secret values are never echoed.
 *
 * @example
 * const config = loadConfig(process.env, ['--port', '8080']);
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[] = [],
): GatehouseConfig {
  const flags = readFlags(argv);
  const read = (name: string): string | undefined => {
    const value = flags.get(name) ?? env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };

  const host = (read('HOST') ?? '127.0.0.1').trim();
  if (/\s/.test(host)) throw new ConfigError('HOST', 'HOST must not contain whitespace');

  const integer = (name: string, fallback: number, min: number, max: number) => {
    const text = read(name);
    return text === undefined ? fallback : parseInteger(name, text, min, max);
  };
  const port = integer('PORT', 3000, 0, 65535);

  // Unset, the issuer follows the port (PORT=3100 means http://localhost:3100); PORT=0 (a free
  // port, in tests) keeps the :3000 default, since the real port is known only after listening.
  const issuerText = read('GATEHOUSE_ISSUER');
  const issuerIsDefault = issuerText === undefined;
  const issuerUrl = parseHttpUrl(
    'GATEHOUSE_ISSUER',
    issuerText ?? `http://localhost:${port === 0 ? 3000 : port}`,
  );
  // Keep a path if one is given (served under a prefix), without a trailing slash.
  const issuer = issuerUrl.href.replace(/\/$/, '');

  const audience = read('GATEHOUSE_AUDIENCE')?.trim() ?? 'gatehouse';

  const databaseText = read('DATABASE_URL');
  const databaseUrl = databaseText
    ? parseConnectionUrl('DATABASE_URL', databaseText, ['postgres:', 'postgresql:'])
    : null;
  const redisText = read('REDIS_URL');
  const redisUrl = redisText ? parseConnectionUrl('REDIS_URL', redisText, ['redis:', 'rediss:']) : null;
  const storeText = (read('GATEHOUSE_STORE') ?? 'sql').trim().toLowerCase();
  if (storeText !== 'sql' && storeText !== 'redis')
    throw new ConfigError('GATEHOUSE_STORE', 'GATEHOUSE_STORE must be sql or redis');
  if (storeText === 'redis' && !redisUrl)
    throw new ConfigError('GATEHOUSE_STORE', 'GATEHOUSE_STORE=redis needs REDIS_URL');
  const serviceToken = read('GATEHOUSE_SERVICE_TOKEN')?.trim() ?? null;
  // Compared as a bearer secret: a short one could be guessed online.
  if (serviceToken !== null && (serviceToken.length < 32 || /\s/.test(serviceToken)))
    throw new ConfigError(
      'GATEHOUSE_SERVICE_TOKEN',
      'GATEHOUSE_SERVICE_TOKEN must be at least 32 characters, no spaces',
    );

  const sessionIdleTtlSeconds = integer('GATEHOUSE_SESSION_IDLE_TTL_SECONDS', 1800, 60, 31 * 24 * 3600);
  const sessionAbsoluteTtlSeconds = integer(
    'GATEHOUSE_SESSION_ABSOLUTE_TTL_SECONDS',
    43200,
    60,
    366 * 24 * 3600,
  );
  if (sessionAbsoluteTtlSeconds < sessionIdleTtlSeconds) {
    throw new ConfigError(
      'GATEHOUSE_SESSION_ABSOLUTE_TTL_SECONDS',
      'GATEHOUSE_SESSION_ABSOLUTE_TTL_SECONDS must be at least GATEHOUSE_SESSION_IDLE_TTL_SECONDS',
    );
  }
  // RFC 9068 practice and docs/design.md §3: access tokens live 15 minutes at most.
  const accessTokenTtlSeconds = integer('GATEHOUSE_ACCESS_TOKEN_TTL_SECONDS', 600, 30, 900);
  const refreshGraceSeconds = integer('GATEHOUSE_REFRESH_GRACE_SECONDS', 10, 0, 60);

  const trustText = read('GATEHOUSE_TRUST_PROXY');
  const trustProxy = trustText === undefined ? false : parseTrustProxy('GATEHOUSE_TRUST_PROXY', trustText);

  const originsText = read('GATEHOUSE_ALLOWED_ORIGINS');
  const allowedOrigins = originsText
    ? [
        ...new Set(
          originsText
            .split(',')
            .filter((entry) => entry.trim() !== '')
            .map((entry) => parseOrigin('GATEHOUSE_ALLOWED_ORIGINS', entry)),
        ),
      ]
    : issuerIsDefault
      ? // The development default: the page works whether it was opened at localhost or 127.0.0.1.
        [issuerUrl.origin, `http://127.0.0.1:${issuerUrl.port}`]
      : [issuerUrl.origin];
  if (allowedOrigins.length === 0)
    throw new ConfigError('GATEHOUSE_ALLOWED_ORIGINS', 'GATEHOUSE_ALLOWED_ORIGINS must list an origin');
  const uiStrategy = (read('GATEHOUSE_UI_STRATEGY') ?? 'session').trim().toLowerCase();
  if (uiStrategy !== 'session' && uiStrategy !== 'hybrid')
    throw new ConfigError('GATEHOUSE_UI_STRATEGY', 'GATEHOUSE_UI_STRATEGY must be session or hybrid');

  const csrfText = read('GATEHOUSE_CSRF_SECRET');
  const csrfSecret = csrfText ? parseSecretKey('GATEHOUSE_CSRF_SECRET', csrfText) : null;
  const kekText = read('GATEHOUSE_KEY_ENCRYPTION_KEY');
  const keyEncryptionKey = kekText
    ? toKeyEncryptionKey(parseSecretKey('GATEHOUSE_KEY_ENCRYPTION_KEY', kekText))
    : null;
  // A shared store means several servers: a CSRF key generated by one would reject the others'
  // tokens, and every instance must decrypt the signing keys any of them generated. All missing
  // secrets are named at once, with the command that makes them.
  const sharedStore = databaseUrl
    ? 'DATABASE_URL is set'
    : storeText === 'redis'
      ? 'GATEHOUSE_STORE=redis'
      : null;
  if (sharedStore) {
    const missing = [
      ...(csrfSecret ? [] : ['GATEHOUSE_CSRF_SECRET']),
      ...(keyEncryptionKey ? [] : ['GATEHOUSE_KEY_ENCRYPTION_KEY']),
    ];
    if (missing.length > 0) {
      throw new ConfigError(
        missing[0]!,
        `${sharedStore}, so every instance must share these secrets, and ${missing.length === 1 ? 'this one is' : 'these are'} missing: ${missing.join(', ')}. Generate them once with \`${SECRETS_GENERATE_COMMAND}\` and give every instance the same values (docs/stores.md).`,
      );
    }
  }
  // One key for two jobs would tie them together: rotating the CSRF secret would lock the keys away.
  if (kekText && csrfText && constantTimeEqual(kekText.trim(), csrfText.trim())) {
    throw new ConfigError(
      'GATEHOUSE_KEY_ENCRYPTION_KEY',
      'GATEHOUSE_KEY_ENCRYPTION_KEY must differ from GATEHOUSE_CSRF_SECRET',
    );
  }

  const algorithmText = read('GATEHOUSE_SIGNING_ALG');
  const signingAlgorithm = algorithmText
    ? parseSigningAlgorithm('GATEHOUSE_SIGNING_ALG', algorithmText)
    : 'ES256';
  const keyRotationDays = integer('GATEHOUSE_KEY_ROTATION_DAYS', 7, 1, 365);
  const auditRetentionDays = integer('GATEHOUSE_AUDIT_RETENTION_DAYS', 90, 1, 3650);
  const passwordHashConcurrency = integer(
    'GATEHOUSE_PASSWORD_HASH_CONCURRENCY',
    defaultHashConcurrency(),
    1,
    64,
  );
  const passwordHashQueue = integer('GATEHOUSE_PASSWORD_HASH_QUEUE', DEFAULT_HASH_QUEUE, 0, 10_000);

  const logLevelText = (read('LOG_LEVEL') ?? 'info').trim().toLowerCase();
  if (!LOG_LEVELS.includes(logLevelText as LogLevel))
    throw new ConfigError('LOG_LEVEL', `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  return {
    host,
    port,
    issuerIsDefault,
    dataDir: (read('GATEHOUSE_DATA_DIR') ?? './data').trim(),
    issuer,
    audience,
    databaseUrl,
    redisUrl,
    store: storeText,
    serviceToken,
    sessionIdleTtlSeconds,
    sessionAbsoluteTtlSeconds,
    accessTokenTtlSeconds,
    refreshGraceSeconds,
    trustProxy,
    allowedOrigins,
    uiStrategy,
    csrfSecret,
    keyEncryptionKey,
    signingAlgorithm,
    keyRotationDays,
    auditRetentionDays,
    passwordHashConcurrency,
    passwordHashQueue,
    logLevel: logLevelText as LogLevel,
    metrics: parseMetricsSettings(read, (setting, message) => new ConfigError(setting, message)),
    mail: parseMailSettings(read, issuer, (setting, message) => new ConfigError(setting, message)),
    clients: parseClientsSetting(read('GATEHOUSE_CLIENTS')),
    dpopNonce: parseOnOff('GATEHOUSE_DPOP_NONCE', read('GATEHOUSE_DPOP_NONCE') ?? 'off'),
  };
}

function parseOnOff(name: string, text: string): boolean {
  const value = text.trim().toLowerCase();
  if (value !== 'on' && value !== 'off') throw new ConfigError(name, `${name} must be on or off`);
  return value === 'on';
}

function parseClientsSetting(text: string | undefined): OAuthClient[] {
  if (text === undefined) return [];
  try {
    return parseClients(text);
  } catch (error) {
    throw new ConfigError('GATEHOUSE_CLIENTS', `GATEHOUSE_CLIENTS ${(error as Error).message}`);
  }
}

/** Settings that are valid but deserve a word at start-up. */
export function configWarnings(config: Pick<GatehouseConfig, 'signingAlgorithm'>): string[] {
  const warnings: string[] = [];
  if (config.signingAlgorithm === 'HS256') {
    warnings.push(
      'GATEHOUSE_SIGNING_ALG=HS256: tokens are signed with a shared secret that is not published, so only this server can verify them. Use it for a single service; choose ES256 or EdDSA when other services verify tokens.',
    );
  }
  return warnings;
}

/** The settings part of `--help`. */
export function formatSettingsHelp(): string {
  const lines = ['Settings (environment variable / flag; the flag wins):'];
  for (const setting of settings) {
    lines.push(`  ${setting.env}  ${setting.flag} <value>`);
    lines.push(`      ${setting.description} Default: ${setting.defaultText}.`);
  }
  return lines.join('\n');
}
