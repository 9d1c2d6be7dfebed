import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createInProcessFeed, type ErrorCode } from '@gatehouse/core';
import {
  buildAttackCatalogue,
  createManualClock,
  createTokenForger,
  generateTestSigningKey,
  type TestSigningKey,
} from '@gatehouse/core/testing';
import type { JWK } from 'jose';
import { createVerifier as createSourceVerifier } from './create-verifier.ts';
import { JWKS_REFETCH_INTERVAL_MS } from './lib/jwks-keys.ts';
import { audience, issuer } from './testing/fixture.ts';
import type { Verifier, VerifyRequestInput } from './types.ts';

// GATEHOUSE_VERIFY_DIST=web (or node) holds a built bundle to the same catalogue: test/packages runs
// it against dist/web, where signatures go through WebCrypto (src/web/).
const dist = process.env.GATEHOUSE_VERIFY_DIST;
const createVerifier: typeof createSourceVerifier = dist
  ? (await import(new URL(`../dist/${dist}/index.js`, import.meta.url).href)).createVerifier
  : createSourceVerifier;

// The catalogue the server's verifier is held to (core's verify-access-token.test.ts runs the same
// list), here through the SDK's public API: a service must be exactly as strict on its own.

const refused = (code: ErrorCode) => ({ ok: false, status: 401, code });

const clock = createManualClock();
const esKey = generateTestSigningKey('ES256', 'es-key');
const rsKey = generateTestSigningKey('RS256', 'rs-key');
const toJwk = (key: TestSigningKey): JWK => ({
  ...key.verificationKey.export({ format: 'jwk' }),
  kid: key.kid,
  alg: key.alg,
  use: 'sig',
});
const keySet = { keys: [toJwk(esKey), toJwk(rsKey)] };
const forger = createTokenForger({
  issuer,
  audience,
  nowSeconds: Math.floor(clock.now() / 1000),
  key: esKey,
});

/** A server on 127.0.0.1, port 0, that counts the requests it gets. */
async function listen(handler: RequestListener) {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    paths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const serveJwks: RequestListener = (_request, response) => {
  response.setHeader('content-type', 'application/jwk-set+json');
  response.end(JSON.stringify(keySet));
};

/** Every URL passed to the global fetch while installed; the verifier picks fetch up when created. */
function watchFetch() {
  const realFetch = globalThis.fetch;
  const urls: string[] = [];
  globalThis.fetch = (input, init) => {
    urls.push(input instanceof Request ? input.url : String(input));
    return realFetch(input, init);
  };
  return {
    urls,
    restore() {
      globalThis.fetch = realFetch;
    },
  };
}

async function startVerifier(keys: { jwks: typeof keySet } | { jwksUrl: string }): Promise<Verifier> {
  const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
  const verifier = createVerifier({ issuer, audience, algorithms: ['ES256', 'RS256'], feed, clock, ...keys });
  await verifier.start();
  return verifier;
}

const bearer = (token: string): VerifyRequestInput => ({ headers: { authorization: `Bearer ${token}` } });

// jku and x5u point here, so a verifier that followed one would show up as a request.
const attackerServer = await listen((_request, response) => {
  response.statusCode = 404;
  response.end();
});
after(() => attackerServer.close());
const catalogue = buildAttackCatalogue({ forger, victims: [rsKey], attackerOrigin: attackerServer.origin });

for (const jwksFromUrl of [false, true]) {
  describe(`SDK attack catalogue, keys ${jwksFromUrl ? 'fetched from jwksUrl' : 'given as a JWK set'}`, () => {
    let verifier: Verifier;
    let jwksServer: Awaited<ReturnType<typeof listen>>;
    let fetches: ReturnType<typeof watchFetch>;
    let jwksUrl: string;

    before(async () => {
      jwksServer = await listen(serveJwks);
      jwksUrl = `${jwksServer.origin}/.well-known/jwks.json`;
      fetches = watchFetch();
      verifier = await startVerifier(jwksFromUrl ? { jwksUrl } : { jwks: keySet });
    });

    after(async () => {
      fetches.restore();
      await verifier.stop();
      await jwksServer.close();
    });

    it('accepts the untouched token (the control), by verifyToken and by header', async () => {
      const valid = forger.token();
      assert.equal((await verifier.verifyToken(valid)).ok, true);
      assert.equal((await verifier.verifyRequest(bearer(valid))).ok, true);
    });

    for (const attack of catalogue) {
      it(`${attack.name} → 401 ${attack.code}`, async () => {
        const expected = refused(attack.code);
        assert.deepEqual(await verifier.verifyToken(attack.token), expected, 'verifyToken');
        // Spaces between "Bearer" and the token are the header's syntax (RFC 6750 §2.1), not the token's.
        if (attack.token.startsWith(' ')) return;
        assert.deepEqual(
          await verifier.verifyRequest(bearer(attack.token)),
          expected,
          'Authorization header',
        );
      });
    }

    it('accepted nothing but the control, and made no request beyond the JWKS URL', () => {
      assert.equal(verifier.metrics().accepted, 2);
      assert.deepEqual(attackerServer.paths, [], 'jku, x5u and embedded keys are never followed');
      if (jwksFromUrl) {
        assert.deepEqual(fetches.urls, [jwksUrl], 'the JWKS once, at start');
        assert.deepEqual(jwksServer.paths, ['/.well-known/jwks.json']);
      } else {
        assert.deepEqual(fetches.urls, []);
        assert.deepEqual(jwksServer.paths, []);
      }
    });
  });
}

describe('SDK attacks on the request', () => {
  let verifier: Verifier;
  before(async () => {
    verifier = await startVerifier({ jwks: keySet });
  });
  after(() => verifier.stop());

  const valid = forger.token();
  const cases: { name: string; request: VerifyRequestInput & Record<string, unknown>; code: ErrorCode }[] = [
    { name: 'no credential at all', request: { headers: {} }, code: 'ERR_UNAUTHENTICATED' },
    {
      // verifyRequest takes no URL, so a framework request handed over whole still has no way in.
      name: 'a valid token only in the query string',
      request: {
        headers: { host: 'api.test' },
        url: `/orders?access_token=${valid}`,
        originalUrl: `/orders?access_token=${valid}`,
        query: { access_token: valid },
      },
      code: 'ERR_UNAUTHENTICATED',
    },
    {
      name: 'a valid token in a form body',
      request: { headers: {}, body: { access_token: valid } },
      code: 'ERR_UNAUTHENTICATED',
    },
    {
      name: 'two Authorization headers',
      request: { headers: { authorization: [`Bearer ${valid}`, `Bearer ${valid}`] } },
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'two Bearer credentials joined by a comma',
      request: { headers: { authorization: `Bearer ${valid}, Bearer ${valid}` } },
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'the Basic scheme',
      request: { headers: { authorization: `Basic ${Buffer.from('user:password').toString('base64')}` } },
      code: 'ERR_UNAUTHENTICATED',
    },
    {
      name: 'the Basic scheme carrying a valid token',
      request: { headers: { authorization: `Basic ${valid}` } },
      code: 'ERR_UNAUTHENTICATED',
    },
    {
      name: 'a valid token without a scheme',
      request: { headers: { authorization: valid } },
      code: 'ERR_TOKEN_MALFORMED',
    },
    {
      name: 'a valid token in a cookie that is not the session cookie',
      request: { headers: { cookie: `access_token=${valid}` } },
      code: 'ERR_UNAUTHENTICATED',
    },
  ];
  for (const { name, request, code } of cases) {
    it(`${name} → 401 ${code}`, async () => {
      assert.deepEqual(await verifier.verifyRequest(request), refused(code));
    });
  }
});

describe('SDK attacks: unknown-kid flood against a jwksUrl', () => {
  it('refuses 1000 random kids and fetches the JWKS at most once per window', async () => {
    const clock = createManualClock();
    const jwksServer = await listen(serveJwks);
    const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
    const verifier = createVerifier({
      issuer,
      audience,
      algorithms: ['ES256'],
      jwksUrl: `${jwksServer.origin}/.well-known/jwks.json`,
      feed,
      clock,
    });
    await verifier.start();
    assert.equal(jwksServer.paths.length, 1, 'loaded at start');

    const attacker = generateTestSigningKey('ES256', 'attacker');
    const flood = (count = 1000) =>
      Array.from({ length: count }, () =>
        forger.token({ key: attacker, header: { kid: randomBytes(16).toString('base64url') } }),
      );
    const allRefused = async (tokens: string[]) => {
      const results = await Promise.all(tokens.map((token) => verifier.verifyRequest(bearer(token))));
      for (const result of results) assert.deepEqual(result, refused('ERR_TOKEN_KID'));
    };

    try {
      // Right after start the window is closed: no fetch at all.
      await allRefused(flood());
      assert.equal(jwksServer.paths.length, 1);

      // A window later, a concurrent flood shares one fetch; the rest of the window gets none.
      clock.advance(JWKS_REFETCH_INTERVAL_MS);
      feed.heartbeat();
      await allRefused(flood());
      assert.equal(jwksServer.paths.length, 2);
      for (const token of flood(100)) {
        assert.deepEqual(await verifier.verifyRequest(bearer(token)), refused('ERR_TOKEN_KID'));
      }
      assert.equal(jwksServer.paths.length, 2);

      // The next window allows exactly one more.
      clock.advance(JWKS_REFETCH_INTERVAL_MS);
      feed.heartbeat();
      await allRefused(flood());
      assert.equal(jwksServer.paths.length, 3);
      assert.equal(verifier.metrics().jwksFetches, 3);

      // The known key still works throughout.
      assert.equal((await verifier.verifyToken(forger.token())).ok, true);
    } finally {
      await verifier.stop();
      feed.close();
      await jwksServer.close();
    }
  });
});
