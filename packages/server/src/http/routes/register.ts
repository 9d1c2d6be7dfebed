import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { readJsonObject } from '../plugins/json-body.ts';
import { requestContext } from '../request-context.ts';
import { countedAs } from '../route-config.ts';

/** `POST /auth/register`: 202 whether or not the email is taken, so it cannot be used to probe accounts. */
export function registerRegisterRoute(app: FastifyInstance, context: AppContext): void {
  const route = { ...countedAs('register'), onRequest: context.sameOriginOnly };
  app.post('/auth/register', route, async (request, reply) => {
    const body = readJsonObject(request.body);
    // Only email and password: roles and anything else in the body are ignored, never trusted.
    await context.auth.register({ email: body.email, password: body.password }, requestContext(request));
    return reply.code(202).send({ status: 'ok' });
  });
}
