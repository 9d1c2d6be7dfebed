import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessTokenClaims } from '@gatehouse/core';
import { freezePrincipal, tokenPrincipal } from './principal.ts';

const claims = (roles: string[], extra: Partial<AccessTokenClaims> = {}): AccessTokenClaims => ({
  iss: 'https://auth.test',
  aud: 'api',
  sub: 'u1',
  sid: 's1',
  jti: 'j1',
  iat: 1,
  exp: 2,
  roles,
  ...extra,
});

describe('principals', () => {
  it('never freezes a role list the caller keeps (session answers)', () => {
    const roles = ['reader', 'writer'];
    const principal = freezePrincipal({ sub: 'u1', sid: 's1', roles, strategy: 'session', exp: 2 });
    assert.equal(Object.isFrozen(roles), false);
    roles.push('admin');
    assert.deepEqual(principal.roles, ['reader', 'writer']);
    assert.ok(Object.isFrozen(principal) && Object.isFrozen(principal.roles));
  });

  it('shares one frozen list between principals with the same roles in the same order, only those', () => {
    const a = tokenPrincipal(claims(['p-reader', 'p-writer']));
    const b = tokenPrincipal(claims(['p-reader', 'p-writer'], { sub: 'u2', client_id: 'app' }));
    const c = freezePrincipal({
      sub: 'u3',
      sid: 's3',
      roles: ['p-reader', 'p-writer'],
      strategy: 'session',
      exp: 2,
    });
    assert.equal(a.roles, b.roles);
    assert.equal(a.roles, c.roles);
    assert.ok(Object.isFrozen(a.roles));
    assert.deepEqual(tokenPrincipal(claims(['p-writer', 'p-reader'])).roles, ['p-writer', 'p-reader']);
    assert.deepEqual(tokenPrincipal(claims(['p-reader', 'p-other'])).roles, ['p-reader', 'p-other']);
    assert.deepEqual(tokenPrincipal(claims(['p-reader'])).roles, ['p-reader']);
    assert.deepEqual(tokenPrincipal(claims(['p-reader', 'p-writer', 'x'])).roles, [
      'p-reader',
      'p-writer',
      'x',
    ]);
    assert.deepEqual(tokenPrincipal(claims([])).roles, []);
    assert.deepEqual(b, {
      sub: 'u2',
      sid: 's1',
      roles: ['p-reader', 'p-writer'],
      strategy: 'jwt',
      exp: 2,
      clientId: 'app',
    });
  });

  it('still gives the right frozen roles past the number of lists it shares', () => {
    for (let index = 0; index < 600; index++) {
      const roles = [`many-${index}`, 'shared'];
      const principal = tokenPrincipal(claims(roles));
      assert.deepEqual(principal.roles, [`many-${index}`, 'shared']);
      assert.ok(Object.isFrozen(principal.roles));
    }
  });
});
