export {
  ConfigError,
  configWarnings,
  formatSettingsHelp,
  type GatehouseConfig,
  loadConfig,
  type LogLevel,
  settings,
  type SettingSpec,
  type TrustProxy,
} from './config.ts';
export {
  type AppLoggerOptions,
  BODY_LIMIT_BYTES,
  type BuildAppOptions,
  buildApp,
  type HttpConfig,
  MAX_HEADER_BYTES,
} from './http/app.ts';
export { toErrorResponse, type ErrorResponse } from './http/error-map.ts';
export { SESSION_COOKIE } from './http/auth/session-cookie.ts';
export { REFRESH_COOKIE } from './http/auth/refresh-cookie.ts';
export { type RunningServer, type StartServerOptions, startServer } from './server.ts';
export { loadEmbeddedSecrets, resolveSecrets, type ServerSecrets } from './embedded-secrets.ts';
export { acceptedAlgorithms, createConfiguredKeyring, prepareSigningKeys } from './keys/signing-keys.ts';
export {
  type KeyMaintenance,
  type KeyMaintenanceOptions,
  startKeyMaintenance,
} from './keys/key-maintenance.ts';
export { openStore } from './store/open-store.ts';
export {
  createRateLimiterThrottles,
  type RateLimiterThrottlesOptions,
} from './throttle/rate-limiter-throttles.ts';
export type { LimiterBackend } from './throttle/limiter-backend.ts';
export { type OpenedThrottles, openThrottles } from './throttle/open-throttles.ts';
export { createConsoleMailer } from './mail/console-mailer.ts';
export { createOutboxMailer, type OutboxMailer } from './mail/outbox-mailer.ts';
export { type CliIo, runCli } from './cli.ts';
export { createGatehouseMetrics, type GatehouseMetrics } from './metrics/gatehouse-metrics.ts';
export { instrumentAccessTokens } from './metrics/instrument-access-tokens.ts';
export { instrumentHasher } from './metrics/instrument-hasher.ts';
export { instrumentRevocationPublisher } from './metrics/instrument-revocation-publisher.ts';
export type { AlertSettings, MetricsSettings } from './metrics/metrics-config.ts';
