import { type AccessTokens, type Auth, InvalidInputError, parseSessionToken } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { createServiceTokenGuard } from '../service-token-guard.ts';
import { countedAs } from '../route-config.ts';

interface IntrospectBody {
  token?: unknown;
}

const inactive = Object.freeze({ active: false });
const toSeconds = (ms: number) => Math.floor(ms / 1000);

/** RFC 7662 answer for a session cookie value or an access token; `{active: false}` for anything else. */
async function introspect(auth: Auth, accessTokens: AccessTokens, token: string) {
  if (parseSessionToken(token)) {
    try {
      const { user, session } = await auth.validateSessionToken(token);
      return {
        active: true,
        token_type: 'session',
        sub: user.id,
        sid: session.id,
        roles: user.roles,
        iat: toSeconds(session.createdAt),
        exp: toSeconds(Math.min(session.idleExpiresAt, session.absoluteExpiresAt)),
      };
    } catch {
      return inactive;
    }
  }
  try {
    const { user, claims } = await accessTokens.authenticate(token);
    return {
      active: true,
      token_type: 'access_token',
      iss: claims.iss,
      aud: claims.aud,
      sub: claims.sub,
      sid: claims.sid,
      jti: claims.jti,
      roles: user.roles,
      iat: claims.iat,
      exp: claims.exp,
      ...(claims.client_id === undefined ? {} : { client_id: claims.client_id }),
      // RFC 9449 §6.2: a resource server that introspects learns the key the token is bound to.
      ...(claims.cnf === undefined ? {} : { cnf: { jkt: claims.cnf.jkt } }),
    };
  } catch {
    return inactive;
  }
}

/**
 * `POST /oauth/introspect {token}` (RFC 7662), form-encoded or JSON, for services that prefer a
 * lookup, and the verifier SDK's fallback while its feed is stale. Callers authenticate with the
 * service token, as `Authorization: Bearer <token>` or as client_secret_basic (client_id
 * `service`); without one configured the endpoint refuses everyone (401), since an open oracle would let
 * anyone test tokens.
 */
export function registerIntrospectRoute(app: FastifyInstance, context: AppContext): void {
  // After the body is parsed, as the check always ran: a malformed body is still 400 or 415 first.
  const preHandler = createServiceTokenGuard(context.config.serviceToken, { clientSecretBasic: true });
  app.post<{ Body: IntrospectBody }>(
    '/oauth/introspect',
    { ...countedAs('introspect'), preHandler },
    async (request) => {
      const token = request.body?.token;
      if (typeof token !== 'string' || token.length === 0 || token.length > 8192)
        throw new InvalidInputError('token must be a string of 1 to 8192 characters', 'token');
      return introspect(context.auth, context.accessTokens, token);
    },
  );
}
