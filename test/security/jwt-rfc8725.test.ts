/**
 * RFC 8725 (JWT Best Current Practices) and RFC 9068 (JWT access tokens) against the running
 * server. The tokens here are forged with the server's own signing key, read from the keyring
 * startServer returns: the signature then passes, so each refusal comes from the check under test
 * (typ, iat, the sid/sub binding, roles from the store), not from a bad signature.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  buildAttackCatalogue,
  createTokenForger,
  generateTestSigningKey,
  type TestSigningKey,
  type TokenForger,
} from '@gatehouse/core/testing';
import {
  assertError,
  assertInvalidToken,
  bearer,
  type CookieLogin,
  me,
  newCookieUser,
  newTokenUser,
  ORIGIN,
  type SecurityServer,
  startSecurityServer,
  type TokenLogin,
} from './support.ts';

const AUDIENCE = 'gatehouse';

/** The server's active signing key, as a forger needs it. */
function serverKey(target: SecurityServer): TestSigningKey {
  const { kid, alg, privateKey } = target.server.keyring.getSigningKey();
  const verificationKey = target.server.keyring.getVerificationKey(kid);
  assert.ok(verificationKey);
  return { kid, alg, privateKey, verificationKey };
}

describe('RFC 8725 / RFC 9068: validly signed tokens that must still be refused', () => {
  let target: SecurityServer;
  let forger: TokenForger;
  let victim: TokenLogin;
  let attacker: TokenLogin;
  let cookieUser: CookieLogin;
  const now = () => Math.floor(Date.now() / 1000);
  const claimsFor = (login: { userId: string; sessionId: string }, overrides: Record<string, unknown> = {}) =>
    forger.claims({ sub: login.userId, sid: login.sessionId, iat: now(), exp: now() + 600, ...overrides });

  before(async () => {
    target = await startSecurityServer();
    forger = createTokenForger({
      issuer: ORIGIN,
      audience: AUDIENCE,
      nowSeconds: now(),
      key: serverKey(target),
    });
    victim = await newTokenUser(target);
    attacker = await newTokenUser(target);
    cookieUser = await newCookieUser(target);
    // The control: a forged token with the right claims is accepted, so every refusal below is
    // down to the one thing the case changes.
    const control = await me(target, bearer(forger.token({ payload: claimsFor(victim) })));
    assert.equal(control.status, 200, control.body);
  });
  after(() => target.close());

  it('refuses a token issued in the future (iat an hour ahead)', async () => {
    const token = forger.token({ payload: claimsFor(victim, { iat: now() + 3600, exp: now() + 4200 }) });
    assertInvalidToken(await me(target, bearer(token)));
  });

  it('refuses explicit typing other than at+jwt (typ JWT: an ID token or any other JWT)', async () => {
    for (const typ of ['JWT', 'application/jwt', 'secevent+jwt', 'dpop+jwt']) {
      assertInvalidToken(
        await me(target, bearer(forger.token({ header: { typ }, payload: claimsFor(victim) }))),
      );
    }
  });

  it("refuses a token binding the victim's sub to the attacker's session (sid/sub mismatch)", async () => {
    const token = forger.token({
      payload: claimsFor({ userId: victim.userId, sessionId: attacker.sessionId }),
    });
    assertInvalidToken(await me(target, bearer(token)));
  });

  it('refuses a token naming a cookie session: a session-strategy login has no access tokens', async () => {
    assertInvalidToken(await me(target, bearer(forger.token({ payload: claimsFor(cookieUser) }))));
  });

  it('grants nothing for a roles claim: admin rights come from the store, not the token (403)', async () => {
    const token = forger.token({ payload: claimsFor(victim, { roles: ['admin'] }) });
    assert.equal((await me(target, bearer(token))).status, 200, 'the token itself is good');
    assertError(await target.send('GET', '/admin/users', { headers: bearer(token) }), 403, 'forbidden');
  });

  it('refuses a real token whose roles claim was edited (the signature no longer matches)', async () => {
    const [header, payload, signature] = victim.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const edited = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url');
    const token = `${header}.${edited}.${signature}`;
    assertInvalidToken(await target.send('GET', '/admin/users', { headers: bearer(token) }));
    assertInvalidToken(await me(target, bearer(token)));
  });

  it("refuses a token signed by another deployment's key under this server's kid", async () => {
    const impostor = generateTestSigningKey('ES256', forger.key.kid);
    const token = forger.token({ key: impostor, payload: claimsFor(victim) });
    assertInvalidToken(await me(target, bearer(token)));
  });

  it('pins the algorithm name exactly: es256 in lower case is refused', async () => {
    const token = forger.token({ header: { alg: 'es256' }, payload: claimsFor(victim) });
    assertInvalidToken(await me(target, bearer(token)));
  });

  it('refuses the whole attack catalogue over HTTP and never fetches a jku/x5u URL', async () => {
    let fetched = 0;
    const attackerSite: Server = createServer((_request, response) => {
      fetched++;
      response.end('{}');
    });
    await new Promise<void>((resolve) => attackerSite.listen(0, '127.0.0.1', resolve));
    const attackerOrigin = `http://127.0.0.1:${(attackerSite.address() as AddressInfo).port}`;
    try {
      const liveForger = createTokenForger({ ...forger, nowSeconds: now() });
      const cases = buildAttackCatalogue({
        forger: {
          ...liveForger,
          claims: (overrides) =>
            liveForger.claims({ sub: victim.userId, sid: victim.sessionId, ...overrides }),
        },
        victims: [generateTestSigningKey('RS256', 'rs-victim')],
        attackerOrigin,
      });
      assert.ok(cases.length > 100);
      for (const attack of cases) {
        // Header values cannot hold CR, LF or NUL; those cases are covered by the unit tests.
        if (/[\r\n\0]/.test(attack.token)) continue;
        const answer = await me(target, { authorization: `Bearer ${attack.token}` });
        assert.equal(answer.status, 401, `${attack.name}: ${answer.status} ${answer.body}`);
        assert.equal(answer.body, '{"error":"invalid_token"}', attack.name);
      }
      assert.equal(fetched, 0, 'no key URL was ever fetched');
    } finally {
      attackerSite.close();
    }
  });
});
