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
export { acceptedAlgorithms, createConfiguredKeyring, prepareSigningKeys } from './signing-keys.ts';
export { type KeyMaintenance, type KeyMaintenanceOptions, startKeyMaintenance } from './key-maintenance.ts';
export { openStore } from './store/open-store.ts';
export { type CliIo, runCli } from './cli.ts';
