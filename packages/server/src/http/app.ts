import fastifyCookie from '@fastify/cookie';
import {
  type AccessTokens,
  type Auth,
  type CsrfTokens,
  createDpopProofChecker,
  type DpopNonces,
} from '@gatehouse/core';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { LogLevel } from '../config.ts';
import type { GatehouseMetrics } from '../metrics/gatehouse-metrics.ts';
import { registerMetrics } from '../metrics/register-metrics.ts';
import { createClientRegistry } from '../oauth/clients.ts';
import type { AppAuthDeps, AppContext, AppKeyring, HttpConfig } from './app-context.ts';
import { createAuthenticator } from './auth/authenticate.ts';
import { answerClientError } from './client-error.ts';
import { assertSameOriginCookieRequest, assertSameOriginRequest } from './plugins/csrf-guard.ts';
import { sendError } from './plugins/error-handler.ts';
import { acceptFormBodies } from './plugins/form-body.ts';
import { acceptJsonBodiesOnly } from './plugins/json-body.ts';
import { clientAddress } from './request-context.ts';
import { exposeRequestId, generateRequestId } from './plugins/request-id.ts';
import { logEachRequest } from './plugins/request-log.ts';
import { registerAdminRoutes } from './routes/admin/register-admin-routes.ts';
import type { AdminStatsOptions } from './routes/admin/stats-route.ts';
import { registerCsrfTokenRoute } from './routes/csrf-token.ts';
import { registerDiscoveryRoutes } from './routes/discovery.ts';
import { type Readiness, registerHealthRoutes } from './routes/health.ts';
import { registerIntrospectRoute } from './routes/introspect.ts';
import { registerLoginRoute } from './routes/login.ts';
import { registerLogoutRoutes } from './routes/logout.ts';
import { registerMeRoute } from './routes/me.ts';
import { registerPasswordChangeRoute } from './routes/password-change.ts';
import { registerPasswordResetRoutes } from './routes/password-reset.ts';
import { registerRefreshRoute } from './routes/refresh.ts';
import { registerRefreshCsrfRoute } from './routes/refresh-csrf.ts';
import { registerRegisterRoute } from './routes/register.ts';
import type { OpeningFeedSource } from '../feed/shared-tail.ts';
import { registerRevocationRoutes } from './routes/revocations.ts';
import { registerRevokeRoute } from './routes/revoke.ts';
import { registerSessionRoutes } from './routes/sessions.ts';
import { registerTokenRoute } from './routes/token.ts';
import { registerUiRoutes } from './routes/ui.ts';
import { applySecurityHeaders, setSecurityHeaders } from './plugins/security-headers.ts';

/** docs/design.md §7: bodies and headers are capped at 16 KiB. */
export const BODY_LIMIT_BYTES = 16 * 1024;
export const MAX_HEADER_BYTES = 16 * 1024;
/** A request's headers must have arrived this long after it began (408 otherwise). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** The whole request, body included, must have arrived this long after it began (408 otherwise). */
export const REQUEST_TIMEOUT_MS = 30_000;

export type { HttpConfig } from './app-context.ts';

export interface AppLoggerOptions {
  level: LogLevel;
  /** Where log lines go (default stdout); tests pass a collector. */
  stream?: { write(line: string): void };
}

export interface BuildAppOptions {
  auth: Auth;
  /** The store, clock, audit log and session policy `auth` was built with (`createAuthDeps`). */
  authDeps: AppAuthDeps;
  /** Issues and checks the access tokens of hybrid and token sessions. */
  accessTokens: AccessTokens;
  /** Published at `/.well-known/jwks.json`; rotated and revoked through `/admin/keys`. */
  keyring: AppKeyring;
  csrf: CsrfTokens;
  config: HttpConfig;
  /** Served at `/revocations` and `/revocations/stream`; omitted: no feed endpoints. */
  feed?: OpeningFeedSource;
  /** Omitted or false: no logging (the default in tests). */
  logger?: AppLoggerOptions | false;
  /** Shutdown state and extra detail for `/readyz` (startServer passes them). */
  readiness?: Readiness;
  /** Aborted when a shutdown begins: feed streams end at once instead of holding the close. */
  closing?: AbortSignal;
  /** Instruments behind `/metrics` (startServer passes the set its hasher and feed report to); default: a fresh set. */
  metrics?: GatehouseMetrics;
  /** When given, every DPoP proof must carry one of these server nonces (RFC 9449 §8). */
  dpopNonces?: DpopNonces;
}

// Credentials and bodies never reach a log line, whatever a future serializer decides to include.
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'req.body',
  'body',
];

/** Fastify's request log fields, minus the query string: a token sent there by mistake stays out. */
function serializeRequest(request: {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number; remoteAddress?: string };
}) {
  const query = request.url.indexOf('?');
  return {
    method: request.method,
    url: query === -1 ? request.url : `${request.url.slice(0, query)}?[redacted]`,
    host: request.host,
    remoteAddress: clientAddress(request) ?? undefined,
    remotePort: request.socket?.remotePort,
  };
}

/** The Fastify instance with Gatehouse's server options: logging, limits, timeouts, ids. */
function createFastify(options: BuildAppOptions): FastifyInstance {
  return Fastify({
    logger: options.logger
      ? {
          level: options.logger.level,
          ...(options.logger.stream ? { stream: options.logger.stream } : {}),
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          serializers: { req: serializeRequest },
        }
      : false,
    trustProxy: options.config.trustProxy,
    // One line per request instead of two, written by logEachRequest with the refusal's reason.
    logController: new LogController({ disableRequestLogging: true }),
    // Our own random id on every request and log line (`reqId`), never one a client sends.
    genReqId: generateRequestId,
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // A client that trickles a request in (slowloris) is cut off instead of holding a socket
    // forever: the headers must arrive within 10 s, the whole request within 30 s, and Node checks
    // every second (its default, 30 s, let a stalled request live up to twice the limit).
    http: {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: 500,
    },
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Requests Node's parser refuses (smuggling-shaped framing, oversized headers): generic body too.
    clientErrorHandler: answerClientError,
    // Malformed URLs and the like: answered by the same table as everything else, never as a 5xx.
    frameworkErrors: (error, request, reply) => {
      // Raised before any hook runs, so the headers the hook would set are added here.
      applySecurityHeaders(request, reply);
      sendError(error, request, reply);
    },
  });
}

/** What every route module needs: the options' services, the client registry, DPoP and the hooks. */
function createAppContext(options: BuildAppOptions): AppContext {
  const { auth, authDeps, accessTokens, keyring, csrf, config } = options;
  const allowedOrigins: ReadonlySet<string> = new Set(config.allowedOrigins);
  // One replay cache per app instance: RFC 9449 §11.1 asks for one per server, which is this process.
  const dpop = createDpopProofChecker({
    clock: authDeps.clock,
    ...(options.dpopNonces ? { nonces: options.dpopNonces } : {}),
  });
  return {
    auth,
    store: authDeps.store,
    clock: authDeps.clock,
    audit: authDeps.audit,
    sessionPolicy: authDeps.sessionPolicy,
    accessTokens,
    keyring,
    csrf,
    config,
    clients: createClientRegistry(config.clients),
    dpop,
    authenticate: createAuthenticator({
      auth,
      accessTokens,
      csrf,
      allowedOrigins,
      dpop,
      issuer: config.issuer,
    }),
    sameOriginOnly: async (request) => assertSameOriginRequest(request, allowedOrigins),
    sameOriginCookieOnly: async (request) => assertSameOriginCookieRequest(request, allowedOrigins),
  };
}

/** Every route, in a child scope registered after the cookie plugin, so they all see its hooks. */
function registerRoutes(
  app: FastifyInstance,
  context: AppContext,
  options: BuildAppOptions,
  stats: AdminStatsOptions,
): void {
  app.register(async (scope) => {
    registerHealthRoutes(scope, context, options.readiness);
    registerRegisterRoute(scope, context);
    registerLoginRoute(scope, context);
    registerRefreshRoute(scope, context);
    registerRefreshCsrfRoute(scope, context);
    registerLogoutRoutes(scope, context);
    registerMeRoute(scope, context);
    registerSessionRoutes(scope, context);
    registerCsrfTokenRoute(scope, context);
    registerPasswordChangeRoute(scope, context);
    registerPasswordResetRoutes(scope, context);
    registerDiscoveryRoutes(scope, context);
    // RFC 7009, 7662 and 6749 §6 define form-encoded bodies for these: a scope of their own accepts them.
    scope.register(async (oauth) => {
      acceptFormBodies(oauth);
      registerRevokeRoute(oauth, context);
      registerIntrospectRoute(oauth, context);
      registerTokenRoute(oauth, context);
    });
    registerAdminRoutes(scope, context, stats);
    if (options.feed) registerRevocationRoutes(scope, context, options.feed, options.closing);
    registerUiRoutes(scope, { strategy: options.config.uiStrategy ?? 'session' });
  });
}

/**
 * Builds the Gatehouse HTTP app (routes, cookie, CSRF, errors) without listening.
 *
 * @example
 * const authDeps = createAuthDeps({ store });
 * const auth = createAuthFromDeps(authDeps);
 * const app = buildApp({ auth, authDeps, accessTokens, keyring, csrf, config: loadConfig(process.env) });
 * const response = await app.inject({ method: 'GET', url: '/healthz' });
 */
export function buildApp(options: BuildAppOptions): FastifyInstance {
  const app = createFastify(options);
  const context = createAppContext(options);

  app.register(fastifyCookie);
  acceptJsonBodiesOnly(app);
  app.addHook('onRequest', setSecurityHeaders);
  app.addHook('onRequest', exposeRequestId);
  if (options.logger) logEachRequest(app);
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send({ error: 'not_found' });
  });

  const stats = registerMetrics(app, context, options.metrics);
  registerRoutes(app, context, options, stats);
  return app;
}
