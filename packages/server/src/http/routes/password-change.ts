import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { getPrincipal } from '../auth/authenticate.ts';
import { readJsonObject } from '../plugins/json-body.ts';
import { deliverTokens } from '../login/deliver-tokens.ts';
import { refreshTokenOf } from '../login/login-responder.ts';
import { setSessionCookieFor } from '../login/session-login.ts';
import { DEFAULT_CLIENT_ID, refreshTokenBinding } from '../../oauth/clients.ts';
import { requestContext } from '../request-context.ts';
import { countedAs } from '../route-config.ts';

/**
 * `POST /auth/password/change {currentPassword, newPassword}`. Every other session of the user
 * ends, and the caller's own is replaced by a new one (a new id), so whatever credential was used
 * dies with the old password. The new credential goes where the strategy keeps it:
 * - session: a new session cookie, 204 (`GET /auth/csrf` gives the new session's CSRF token);
 * - hybrid: a new refresh cookie, 200 `{accessToken, expiresIn, csrfToken}`;
 * - token: 200 `{accessToken, refreshToken, expiresIn}`.
 */
export function registerPasswordChangeRoute(app: FastifyInstance, context: AppContext): void {
  const route = { ...countedAs('password_change'), onRequest: context.authenticate };
  app.post('/auth/password/change', route, async (request, reply) => {
    const body = readJsonObject(request.body);
    const { user, session, binding } = getPrincipal(request);
    // The new tokens keep the caller's client and DPoP key: a password change is no way to unbind
    // them. The new session's refresh token is stored with it, in one write.
    const jkt = session.strategy === 'token' ? binding?.jkt : undefined;
    const refreshToken =
      session.strategy === 'session'
        ? undefined
        : refreshTokenBinding(binding?.clientId ?? DEFAULT_CLIENT_ID, jkt);
    const result = await context.auth.changePassword(
      { user, session, currentPassword: body.currentPassword, newPassword: body.newPassword, refreshToken },
      requestContext(request),
    );
    if (result.session.strategy === 'session') {
      setSessionCookieFor(reply, result);
      return reply.code(204).send();
    }
    const { tokenType, ...tokens } = await deliverTokens(result, refreshTokenOf(result), reply, context);
    if (result.session.strategy === 'token')
      return { ...tokens, ...(tokenType === 'DPoP' ? { tokenType } : {}) };
    return { ...tokens, csrfToken: context.csrf.issue(result.session.id) };
  });
}
