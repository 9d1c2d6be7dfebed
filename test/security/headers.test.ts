/**
 * OWASP HTTP Headers and REST Security cheat sheets, ASVS 5 V3.4 (browser security headers), V4.1
 * (generic web service security) and RFC 9112 §6.3/§11.2 (message framing, request smuggling):
 * what every answer carries or leaves out, what is never reflected, and what the parser refuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertError,
  assertNoCredentials,
  bearer,
  type HttpAnswer,
  me,
  newAdmin,
  newCookieUser,
  ORIGIN,
  type SecurityServer,
  sendRaw,
  startSecurityServer,
} from './support.ts';

/** A raw response split into status, lower-cased headers and body. */
function parseRaw(text: string) {
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...lines] = head!.split('\r\n');
  const headers = new Map(
    lines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  return { status: Number(statusLine!.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

describe('headers every answer carries, and what none of them reveals', () => {
  let target: SecurityServer;
  let answers: HttpAnswer[];
  before(async () => {
    target = await startSecurityServer();
    answers = [
      await target.send('GET', '/healthz'),
      await target.send('GET', '/.well-known/jwks.json'),
      await target.send('GET', '/no/such/route'),
      await target.send('GET', '/auth/me'),
      await target.send('POST', '/auth/login', { headers: { 'content-type': 'text/plain' }, body: 'x' }),
      await target.send('GET', '/admin/users'),
    ];
  });
  after(() => target.close());

  it('never names the server software (no X-Powered-By, no Server header)', () => {
    for (const answer of answers) {
      assert.equal(answer.headers['x-powered-by'], undefined);
      assert.equal(answer.headers.server, undefined);
    }
  });

  it('sends nosniff and Referrer-Policy: no-referrer on every answer, errors and 404s included', () => {
    for (const answer of answers) {
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', String(answer.status));
      assert.equal(answer.headers['referrer-policy'], 'no-referrer', String(answer.status));
    }
  });

  it('marks admin answers no-store, even a refusal', () => {
    const admin = answers[5]!;
    assertNoCredentials(admin);
    assert.equal(admin.headers['cache-control'], 'no-store');
  });

  it('answers an unknown route with a generic JSON 404 that does not reflect the path', async () => {
    const answer = await target.send('GET', '/%3Cscript%3Ealert(1)%3C/script%3E?q=%3Cimg%20src=x%3E');
    assertError(answer, 404, 'not_found');
    assert.ok(!answer.body.includes('script') && !answer.body.includes('img'));
  });
});

describe('no reflection of input, in bodies or headers', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer();
  });
  after(() => target.close());

  it('never echoes input in an error body', async () => {
    const marker = 'MARKER<svg/onload=alert(1)>';
    const cases: [HttpAnswer, number, string][] = [
      [
        await target.send('POST', '/auth/login', {
          headers: { 'content-type': 'application/json' },
          body: `{"email":"${marker}`,
        }),
        400,
        'invalid_request',
      ],
      [
        await target.send('POST', '/auth/register', { json: { email: marker, password: marker } }),
        400,
        'invalid_request',
      ],
      [
        await target.send('POST', '/auth/login', { json: { email: marker, password: marker } }),
        401,
        'invalid_credentials',
      ],
      [
        await target.send('POST', '/auth/login', {
          headers: { 'content-type': `text/${marker}` },
          body: marker,
        }),
        415,
        'unsupported_media_type',
      ],
      [await target.send('GET', `/admin/users?limit=${encodeURIComponent(marker)}`), 401, 'invalid_token'],
    ];
    for (const [answer, status, error] of cases) {
      assertError(answer, status, error);
      assert.ok(!JSON.stringify(answer.headers).includes('MARKER'));
    }
  });

  it('refuses CR/LF smuggled in the email through JSON, and injects no header', async () => {
    const email = 'victim@example.com\r\nSet-Cookie: injected=1';
    const login = await target.send('POST', '/auth/login', {
      json: { email, password: 'a long enough passphrase' },
    });
    assertError(login, 401, 'invalid_credentials');
    assert.equal(login.headers['set-cookie'], undefined);
    assertError(
      await target.send('POST', '/auth/register', { json: { email, password: 'a long enough passphrase' } }),
      400,
      'invalid_request',
    );
  });

  it('answers a percent-encoded CRLF in the path with a plain 404 and no injected header', async () => {
    const answer = await target.send('GET', '/auth/%0d%0aSet-Cookie:%20injected=1');
    assertError(answer, 404, 'not_found');
    assert.equal(answer.headers['set-cookie'], undefined);
    assert.ok(!answer.rawHeaders.some((name) => name.toLowerCase().includes('injected')));
  });

  it('builds the discovery document from configuration, never from Host or X-Forwarded-* (host header injection)', async () => {
    const expected = (await target.send('GET', '/.well-known/openid-configuration')).body;
    const spoofed = await target.send('GET', '/.well-known/openid-configuration', {
      headers: {
        host: 'attacker.example',
        'x-forwarded-host': 'attacker.example',
        'x-forwarded-proto': 'https',
        'x-forwarded-prefix': '/evil',
      },
    });
    assert.equal(spoofed.status, 200);
    assert.equal(spoofed.body, expected);
    assert.ok(!spoofed.body.includes('attacker'));
    const absolute = parseRaw(
      (
        await sendRaw(
          target.port,
          'GET http://attacker.example/.well-known/openid-configuration HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n',
        )
      ).text,
    );
    assert.equal(absolute.status, 200);
    assert.equal(absolute.body, expected);
  });
});

describe('caching of account data', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer();
  });
  after(() => target.close());

  it('sends no-store for a percent-encoded spelling of a route too (/%61uth/me, /%61dmin/users)', async () => {
    const admin = await newAdmin(target);
    const user = await newCookieUser(target);
    const answers = [
      await target.send('GET', '/%61uth/me', { headers: { cookie: user.cookie } }),
      await target.send('GET', '/%61dmin/users', { headers: bearer(admin.accessToken) }),
      await target.send('GET', '/admin/%75sers', { headers: bearer(admin.accessToken) }),
    ];
    for (const answer of answers) {
      assert.equal(answer.status, 200, answer.body);
      assert.equal(answer.headers['cache-control'], 'no-store');
    }
  });
});

describe('CORS: no cross-origin reads', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer();
  });
  after(() => target.close());

  it('grants a foreign origin no CORS headers on a credentialed request', async () => {
    const victim = await newCookieUser(target);
    const answer = await me(target, { cookie: victim.cookie, origin: 'https://attacker.example' });
    for (const name of Object.keys(answer.headers)) assert.ok(!name.startsWith('access-control-'), name);
  });

  it('answers a preflight from a foreign origin with a plain 404 and no Access-Control-* header', async () => {
    const answer = await target.send('OPTIONS', '/auth/login', {
      headers: {
        origin: 'https://attacker.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-csrf-token',
      },
    });
    assertError(answer, 404, 'not_found');
    for (const name of Object.keys(answer.headers)) assert.ok(!name.startsWith('access-control-'), name);
    assert.equal(answer.headers.allow, undefined);
  });

  it('does not support TRACE (cross-site tracing): 404, and the cookie is not echoed', async () => {
    const victim = await newCookieUser(target);
    const answer = await target.send('TRACE', '/auth/me', {
      headers: { cookie: victim.cookie, origin: ORIGIN },
    });
    assertError(answer, 404, 'not_found');
    assert.ok(!answer.body.includes(victim.token));
  });
});

describe('RFC 9112 framing: what the parser refuses, with the generic body', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer();
  });
  after(() => target.close());

  async function assertRefusedRaw(raw: string, status: number, error: string) {
    const answer = parseRaw((await sendRaw(target.port, raw)).text);
    assert.equal(answer.status, status, raw.slice(0, 60));
    assert.equal(answer.body, JSON.stringify({ error }));
    assert.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(answer.headers.get('connection'), 'close');
    const healthy = await target.send('GET', '/healthz');
    assert.equal(healthy.status, 200, 'still serving');
  }

  it('refuses Content-Length together with Transfer-Encoding (CL.TE / TE.CL smuggling)', async () => {
    await assertRefusedRaw(
      'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin/users HTTP/1.1\r\nHost: x\r\n\r\n',
      400,
      'invalid_request',
    );
  });

  it('refuses two different Content-Length headers', async () => {
    await assertRefusedRaw(
      'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}',
      400,
      'invalid_request',
    );
  });

  it('refuses an obfuscated Transfer-Encoding (chunked, identity) and a space before the colon', async () => {
    await assertRefusedRaw(
      'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
      400,
      'invalid_request',
    );
    await assertRefusedRaw(
      'GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n',
      400,
      'invalid_request',
    );
  });

  it('refuses obsolete line folding and bare-LF line endings', async () => {
    await assertRefusedRaw(
      'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n',
      400,
      'invalid_request',
    );
    await assertRefusedRaw('GET /healthz HTTP/1.1\nHost: x\n\n', 400, 'invalid_request');
  });

  it('refuses a request line over 16 KiB with 431 headers_too_large', async () => {
    await assertRefusedRaw(
      `GET /healthz?${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      431,
      'headers_too_large',
    );
  });
});
