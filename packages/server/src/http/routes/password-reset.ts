import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { readJsonObject } from '../plugins/json-body.ts';
import { requestContext } from '../request-context.ts';
import { countedAs } from '../route-config.ts';

/**
 * `POST /auth/password/reset/request {email}`: 202 `{status: "ok"}` for any well-formed email, known
 * or not (the link goes out only to an active account). `POST /auth/password/reset/confirm {token,
 * newPassword}`: 204; every session of the account ends. Neither needs a caller: the emailed token
 * is the credential, and a login lock does not block it (that is how a locked-out owner gets back in).
 */
export function registerPasswordResetRoutes(app: FastifyInstance, context: AppContext): void {
  const requestRoute = { ...countedAs('password_reset_request'), onRequest: context.sameOriginOnly };
  app.post('/auth/password/reset/request', requestRoute, async (request, reply) => {
    const body = readJsonObject(request.body);
    await context.auth.requestPasswordReset({ email: body.email }, requestContext(request));
    return reply.code(202).send({ status: 'ok' });
  });

  const confirmRoute = { ...countedAs('password_reset_confirm'), onRequest: context.sameOriginOnly };
  app.post('/auth/password/reset/confirm', confirmRoute, async (request, reply) => {
    const body = readJsonObject(request.body);
    await context.auth.confirmPasswordReset(
      { token: body.token, newPassword: body.newPassword },
      requestContext(request),
    );
    return reply.code(204).send();
  });
}
