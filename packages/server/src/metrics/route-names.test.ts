import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestServer } from '../testing/index.ts';

describe('auth attempts are named by route config', () => {
  it('names exactly the auth endpoints, each once, by the route that serves it', async () => {
    const { app } = createTestServer({ serviceToken: 's'.repeat(40) });
    const counted: string[] = [];
    // Routes are added when the app's plugins load, after this hook.
    app.addHook('onRoute', (route) => {
      const endpoint = route.config?.authEndpoint;
      if (endpoint !== undefined) counted.push(`${route.method} ${route.url} ${endpoint}`);
    });
    await app.ready();
    assert.deepEqual(counted.sort(), [
      'POST /auth/login login',
      'POST /auth/logout logout',
      'POST /auth/logout-all logout_all',
      'POST /auth/password/change password_change',
      'POST /auth/password/reset/confirm password_reset_confirm',
      'POST /auth/password/reset/request password_reset_request',
      'POST /auth/refresh refresh',
      'POST /auth/register register',
      'POST /oauth/introspect introspect',
      'POST /oauth/revoke revoke',
      'POST /oauth/token token',
    ]);
    await app.close();
  });
});
