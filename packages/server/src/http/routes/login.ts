import { InvalidInputError } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { assertClientMayUse, refreshTokenBinding } from '../../oauth/clients.ts';
import { readTokenRequestProof } from '../oauth/token-request-proof.ts';
import type { AppContext } from '../app-context.ts';
import { readJsonObject } from '../plugins/json-body.ts';
import { loginResponders, parseStrategy } from '../login/login-strategies.ts';
import { requestContext } from '../request-context.ts';
import { countedAs } from '../route-config.ts';

/**
 * `POST /auth/login`. A presented session cookie is ignored: every login creates a new session id,
 * so a cookie planted before login (session fixation) never becomes authenticated.
 */
export function registerLoginRoute(app: FastifyInstance, context: AppContext): void {
  const route = { ...countedAs('login'), onRequest: context.sameOriginOnly };
  app.post('/auth/login', route, async (request, reply) => {
    const body = readJsonObject(request.body);
    const strategy = parseStrategy(body.strategy);
    const client = context.clients.resolve(body.client_id);
    assertClientMayUse(client, strategy);
    // Checked before the password, so a refused proof costs no hash and spends no attempt.
    const proof = readTokenRequestProof(request, context, strategy === 'token' && client.requireDpop);
    if (proof && strategy !== 'token') {
      // DPoP binds the token strategy only: hybrid and session credentials already live in HttpOnly cookies.
      throw new InvalidInputError('DPoP applies to the token strategy', 'DPoP');
    }
    const result = await context.auth.login(
      {
        email: body.email,
        password: body.password,
        strategy,
        // Hybrid and token sessions start their refresh family in the login's own write.
        ...(strategy === 'session' ? {} : { refreshToken: refreshTokenBinding(client.id, proof?.jkt) }),
      },
      requestContext(request),
    );
    return loginResponders[strategy](result, reply, context);
  });
}
