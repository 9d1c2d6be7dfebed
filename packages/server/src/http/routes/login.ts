import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { readJsonObject } from '../json-body.ts';
import { loginResponders, parseStrategy } from '../login/login-strategies.ts';
import { requestContext } from '../request-context.ts';

/**
 * `POST /auth/login`. A presented session cookie is ignored: every login creates a new session id,
 * so a cookie planted before login (session fixation) never becomes authenticated.
 */
export function registerLoginRoute(app: FastifyInstance, context: AppContext): void {
  app.post('/auth/login', { onRequest: context.sameOriginOnly }, async (request, reply) => {
    const body = readJsonObject(request.body);
    const strategy = parseStrategy(body.strategy);
    const result = await context.auth.login(
      { email: body.email, password: body.password, strategy },
      requestContext(request),
    );
    return loginResponders[strategy](result, reply, context);
  });
}
