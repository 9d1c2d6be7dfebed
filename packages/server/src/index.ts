export {
  ConfigError,
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
export { loadEmbeddedSecrets, type RunningServer, type StartServerOptions, startServer } from './server.ts';
export { openStore } from './store/open-store.ts';
export { type CliIo, runCli } from './cli.ts';
