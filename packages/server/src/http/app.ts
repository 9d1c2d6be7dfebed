import fastifyCookie from '@fastify/cookie';
import type { Auth, CsrfTokens } from '@gatehouse/core';
import Fastify, { type FastifyInstance } from 'fastify';
import type { GatehouseConfig, LogLevel } from '../config.ts';
import type { AppContext } from './app-context.ts';
import { createAuthenticator } from './auth/authenticate.ts';
import { assertSameOriginRequest } from './csrf-guard.ts';
import { sendError } from './error-handler.ts';
import { acceptJsonBodiesOnly } from './json-body.ts';
import { registerCsrfTokenRoute } from './routes/csrf-token.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerLoginRoute } from './routes/login.ts';
import { registerLogoutRoutes } from './routes/logout.ts';
import { registerMeRoute } from './routes/me.ts';
import { registerRegisterRoute } from './routes/register.ts';
import { registerSessionRoutes } from './routes/sessions.ts';
import { applySecurityHeaders, setSecurityHeaders } from './security-headers.ts';

/** DESIGN §7: bodies and headers are capped at 16 KiB. */
export const BODY_LIMIT_BYTES = 16 * 1024;
export const MAX_HEADER_BYTES = 16 * 1024;

/** The part of the configuration the HTTP layer reads. */
export type HttpConfig = Pick<GatehouseConfig, 'allowedOrigins' | 'trustProxy'>;

export interface AppLoggerOptions {
  level: LogLevel;
  /** Where log lines go (default stdout); tests pass a collector. */
  stream?: { write(line: string): void };
}

export interface BuildAppOptions {
  auth: Auth;
  csrf: CsrfTokens;
  config: HttpConfig;
  /** Omitted or false: no logging (the default in tests). */
  logger?: AppLoggerOptions | false;
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

/**
 * Builds the Gatehouse HTTP app (routes, cookie, CSRF, errors) without listening.
 *
 * @example
 * const app = buildApp({ auth, csrf, config: { allowedOrigins: ['http://localhost:3000'], trustProxy: false } });
 * const response = await app.inject({ method: 'GET', url: '/healthz' });
 */
export function buildApp(options: BuildAppOptions): FastifyInstance {
  const { auth, csrf } = options;
  const app = Fastify({
    logger: options.logger
      ? {
          level: options.logger.level,
          ...(options.logger.stream ? { stream: options.logger.stream } : {}),
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        }
      : false,
    trustProxy: options.config.trustProxy,
    bodyLimit: BODY_LIMIT_BYTES,
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    // A client that trickles a request in (slowloris) is cut off instead of holding a socket forever.
    requestTimeout: 30_000,
    // Malformed URLs and the like: answered by the same table as everything else, never as a 5xx.
    frameworkErrors: (error, request, reply) => {
      // Raised before any hook runs, so the headers the hook would set are added here.
      applySecurityHeaders(request, reply);
      sendError(error, request, reply);
    },
  });

  const allowedOrigins: ReadonlySet<string> = new Set(options.config.allowedOrigins);
  const context: AppContext = {
    auth,
    csrf,
    authenticate: createAuthenticator({ auth, csrf, allowedOrigins }),
    sameOriginOnly: async (request) => assertSameOriginRequest(request, allowedOrigins),
  };

  app.register(fastifyCookie);
  acceptJsonBodiesOnly(app);
  app.addHook('onRequest', setSecurityHeaders);
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send({ error: 'not_found' });
  });

  // Routes go in a child scope registered after the cookie plugin, so they all see its hooks.
  app.register(async (scope) => {
    registerHealthRoutes(scope, context);
    registerRegisterRoute(scope, context);
    registerLoginRoute(scope, context);
    registerLogoutRoutes(scope, context);
    registerMeRoute(scope, context);
    registerSessionRoutes(scope, context);
    registerCsrfTokenRoute(scope, context);
  });

  return app;
}
