import assert from 'node:assert/strict';
import { createSecretKey, randomBytes, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { TokenError } from '../errors.ts';
import { createKeyring } from '../keys/keyring.ts';
import type { KeyStore } from '../store/types.ts';
import { buildAttackCatalogue } from '../testing/attack-tokens.ts';
import {
  createTokenForger,
  encodeSegment as encode,
  generateTestSigningKey,
  generateTestSigningKeys,
  type JsonObject as Json,
  signJwsInput as signInput,
} from '../testing/token-forger.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { createMemoryStore } from '../testing/memory-store.ts';
import { createAccessTokenSigner } from './sign-access-token.ts';
import { type AccessTokenVerifierOptions, createAccessTokenVerifier } from './verify-access-token.ts';

type Code = TokenError['code'];

const ISSUER = 'https://auth.example.com';
const AUDIENCE = 'api';
const clock = createManualClock();
const NOW = Math.floor(clock.now() / 1000);

const KEYS = generateTestSigningKeys();
const byKid = new Map(Object.values(KEYS).map((key) => [key.kid, key.verificationKey]));

function makeVerifier(options: Partial<AccessTokenVerifierOptions> = {}) {
  const calls = { getKey: 0 };
  const verifier = createAccessTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['ES256'],
    getKey: (kid) => {
      calls.getKey++;
      return byKid.get(kid);
    },
    clock,
    ...options,
  });
  return { verify: verifier.verify, calls };
}

const forger = createTokenForger({ issuer: ISSUER, audience: AUDIENCE, nowSeconds: NOW, key: KEYS.ES256 });
const { claims, token } = forger;

function rejects(verify: (token: string) => unknown, input: unknown, code: Code) {
  assert.throws(
    () => verify(input as string),
    (error) => error instanceof TokenError && error.code === code,
    `expected ${code}`,
  );
}

describe('verifyAccessToken: alg none and signature stripping', () => {
  const { verify, calls } = makeVerifier();
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    it(`rejects alg ${alg} with an empty and with a present signature segment`, () => {
      const unsigned = `${encode({ alg, kid: 'es-key', typ: 'at+jwt' })}.${encode(claims())}`;
      rejects(verify, `${unsigned}.`, 'ERR_TOKEN_ALG');
      rejects(verify, `${unsigned}.${signInput('ES256', KEYS.ES256.privateKey, unsigned)}`, 'ERR_TOKEN_ALG');
      assert.equal(calls.getKey, 0);
    });
  }

  it('rejects a stripped signature', () => {
    const [header, payload] = token().split('.');
    rejects(verify, `${header}.${payload}.`, 'ERR_TOKEN_SIGNATURE');
  });

  it('rejects an altered signature', () => {
    const [header, payload, signature] = token().split('.') as [string, string, string];
    const bytes = Buffer.from(signature, 'base64url');
    bytes[10]! ^= 0x01;
    rejects(verify, `${header}.${payload}.${bytes.toString('base64url')}`, 'ERR_TOKEN_SIGNATURE');
  });

  it('rejects an altered payload', () => {
    const [header, , signature] = token().split('.');
    rejects(verify, `${header}.${encode(claims({ sub: 'admin' }))}.${signature}`, 'ERR_TOKEN_SIGNATURE');
  });

  it('rejects an all-zero ES256 signature and a zero r or s', () => {
    const input = token().split('.').slice(0, 2).join('.');
    const random = randomBytes(32);
    for (const signature of [
      Buffer.alloc(64),
      Buffer.concat([Buffer.alloc(32), random]),
      Buffer.concat([random, Buffer.alloc(32)]),
    ]) {
      rejects(verify, `${input}.${signature.toString('base64url')}`, 'ERR_TOKEN_SIGNATURE');
    }
  });

  it('rejects a DER-encoded ES256 signature (wrong length)', () => {
    const input = token().split('.').slice(0, 2).join('.');
    const der = sign('sha256', Buffer.from(input), KEYS.ES256.privateKey).toString('base64url');
    rejects(verify, `${input}.${der}`, 'ERR_TOKEN_SIGNATURE');
  });
});

describe('verifyAccessToken: algorithm confusion', () => {
  for (const victim of [KEYS.ES256, KEYS.RS256]) {
    const publicKey = victim.verificationKey;
    const forms: Record<string, Buffer> = {
      'PEM (SPKI)': Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })),
      DER: publicKey.export({ type: 'spki', format: 'der' }),
      'JWK (JSON)': Buffer.from(JSON.stringify(publicKey.export({ format: 'jwk' }))),
    };
    for (const [form, bytes] of Object.entries(forms)) {
      it(`rejects ${victim.alg}→HS256 with the public key as ${form}`, () => {
        const forged = token({ key: { ...victim, alg: 'HS256', privateKey: createSecretKey(bytes) } });
        for (const algorithms of [['ES256'], ['RS256'], ['ES256', 'RS256']] as const) {
          rejects(makeVerifier({ algorithms }).verify, forged, 'ERR_TOKEN_ALG');
        }
        // A verifier wrongly pinned to HS256 but handed the public key still refuses: the key
        // is not a secret key, so it is never used as an HMAC secret.
        const misconfigured = makeVerifier({ algorithms: ['HS256'], getKey: () => publicKey });
        rejects(misconfigured.verify, forged, 'ERR_TOKEN_ALG');
      });
    }
  }

  it('refuses a key of another algorithm even when both algorithms are allowed', () => {
    const { verify } = makeVerifier({ algorithms: ['ES256', 'RS256', 'EdDSA'] });
    rejects(verify, token({ key: { ...KEYS.RS256, kid: 'es-key' } }), 'ERR_TOKEN_ALG');
    rejects(verify, token({ key: { ...KEYS.EdDSA, kid: 'rs-key' } }), 'ERR_TOKEN_ALG');
  });

  it('refuses an HMAC secret shorter than 256 bits', () => {
    const short = createSecretKey(randomBytes(16));
    const { verify } = makeVerifier({ algorithms: ['HS256'], getKey: () => short });
    rejects(verify, token({ key: { ...KEYS.HS256, privateKey: short } }), 'ERR_TOKEN_ALG');
  });

  it('refuses to build a verifier without pinned algorithms or mixing HS256 with asymmetric ones', () => {
    const base = { issuer: ISSUER, audience: AUDIENCE, getKey: () => null };
    for (const algorithms of [
      undefined,
      [],
      ['none'],
      ['RS512'],
      ['es256'],
      ['HS256', 'ES256'],
      ['RS256', 'HS256'],
    ]) {
      assert.throws(
        () => createAccessTokenVerifier({ ...base, algorithms } as unknown as AccessTokenVerifierOptions),
        TypeError,
      );
    }
  });
});

describe('verifyAccessToken: header parameters', () => {
  const attackerKey = generateTestSigningKey('ES256', 'es-key');
  const attackerJwk = attackerKey.verificationKey.export({ format: 'jwk' });
  const embedded: Record<string, Json> = {
    jwk: { jwk: attackerJwk },
    x5c: { x5c: ['MIIBszCCAVmgAwIBAgIUQ'] },
    jku: { jku: 'https://attacker.example/jwks.json' },
    x5u: { x5u: 'https://attacker.example/cert.pem' },
    x5t: { x5t: 'dGh1bWJwcmludA' },
    crit: { crit: ['exp'], exp: NOW },
    'b64: false': { b64: false, crit: ['b64'] },
    zip: { zip: 'DEF' },
    enc: { enc: 'A256GCM' },
    // Computed key: an own "__proto__" member, as JSON.parse creates one, not a prototype.
    'own __proto__': { ['__proto__']: { alg: 'none' } },
  };
  for (const [name, header] of Object.entries(embedded)) {
    it(`rejects ${name} without any outbound request`, () => {
      const realFetch = globalThis.fetch;
      const fetched: unknown[] = [];
      globalThis.fetch = async (...args) => {
        fetched.push(args);
        throw new Error('no network in verification');
      };
      try {
        const { verify, calls } = makeVerifier();
        rejects(verify, token({ key: attackerKey, header }), 'ERR_TOKEN_HEADER');
        assert.equal(calls.getKey, 0);
      } finally {
        globalThis.fetch = realFetch;
      }
      assert.equal(fetched.length, 0);
    });
  }

  it('rejects typ JWT, a missing typ and other types; accepts at+jwt in any case and the media type', () => {
    const { verify } = makeVerifier();
    for (const typ of ['JWT', 'jwt', 'dpop+jwt', 'at+jwt ', '', 1, null]) {
      rejects(verify, token({ header: { typ } }), 'ERR_TOKEN_HEADER');
    }
    rejects(verify, token({ header: { typ: undefined } }), 'ERR_TOKEN_HEADER');
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+JWT']) {
      assert.equal(verify(token({ header: { typ } })).sub, 'user-1');
    }
  });

  it('rejects kid injection and malformed kids without looking them up', () => {
    const { verify, calls } = makeVerifier({ maxTokenBytes: 65_536 });
    for (const kid of [
      '../../etc/passwd',
      "' OR 1=1 --",
      'k'.repeat(10_240),
      'a.b',
      'é',
      7,
      { $ne: null },
      null,
    ]) {
      rejects(verify, token({ header: { kid } }), 'ERR_TOKEN_KID');
    }
    rejects(verify, token({ header: { kid: undefined } }), 'ERR_TOKEN_KID');
    assert.equal(calls.getKey, 0);
    // With the default size limit, the 10 KB kid is refused earlier still.
    rejects(makeVerifier().verify, token({ header: { kid: 'k'.repeat(10_240) } }), 'ERR_TOKEN_TOO_LARGE');
  });

  it('rejects an unknown kid', () => {
    rejects(makeVerifier().verify, token({ header: { kid: 'unknown' } }), 'ERR_TOKEN_KID');
  });
});

describe('verifyAccessToken: unknown-kid flood', () => {
  it('answers 1000 random kids from memory, reading the key store at most once', async () => {
    const store = createMemoryStore().keys;
    const lists = { count: 0 };
    const counted: KeyStore = {
      ...store,
      list() {
        lists.count++;
        return store.list();
      },
    };
    const floodClock = createManualClock(clock.now());
    const keyring = createKeyring({
      store: counted,
      kek: randomBytes(32),
      clock: floodClock,
      refreshIntervalMs: 60_000,
    });
    await keyring.ensureActiveKey();
    const getKey = { count: 0 };
    const { verify } = makeVerifier({
      clock: floodClock,
      getKey: (kid) => {
        getKey.count++;
        return keyring.getVerificationKey(kid);
      },
    });
    lists.count = 0;
    const pending: Promise<boolean>[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i === 500) floodClock.advance(61_000);
      const kid = randomBytes(16).toString('base64url');
      rejects(verify, token({ header: { kid } }), 'ERR_TOKEN_KID');
      // What a server does on an unknown kid: ask for a reload, which is rate-limited.
      pending.push(keyring.refreshIfStale());
    }
    await Promise.all(pending);
    assert.equal(getKey.count, 1000);
    assert.equal(lists.count, 1);
  });
});

describe('verifyAccessToken: structure and size', () => {
  const { verify } = makeVerifier();
  const valid = token();
  const [header, payload, signature] = valid.split('.') as [string, string, string];

  it('rejects 2, 4 and 5 segments (JWE-like)', () => {
    rejects(verify, `${header}.${payload}`, 'ERR_TOKEN_MALFORMED');
    rejects(verify, `${valid}.${signature}`, 'ERR_TOKEN_MALFORMED');
    const jweHeader = encode({ alg: 'dir', enc: 'A256GCM', kid: 'es-key', typ: 'at+jwt' });
    rejects(verify, `${jweHeader}..${encode('iv')}.${payload}.${encode('tag')}`, 'ERR_TOKEN_MALFORMED');
  });

  it('rejects the JSON serialization', () => {
    rejects(verify, JSON.stringify({ payload, protected: header, signature }), 'ERR_TOKEN_MALFORMED');
  });

  it('rejects padding, whitespace and non-canonical base64url', () => {
    const padded = (text: string) => text + '='.repeat((4 - (text.length % 4)) % 4 || 1);
    rejects(verify, `${padded(header)}.${payload}.${signature}`, 'ERR_TOKEN_MALFORMED');
    rejects(verify, `${header}.${payload}.${padded(signature)}`, 'ERR_TOKEN_MALFORMED');
    rejects(verify, `${header}.${payload}.${signature}=`, 'ERR_TOKEN_MALFORMED');
    rejects(verify, ` ${valid}`, 'ERR_TOKEN_MALFORMED');
    rejects(verify, `${valid}\n`, 'ERR_TOKEN_MALFORMED');
    rejects(
      verify,
      `${header}.${payload.slice(0, 10)} ${payload.slice(10)}.${signature}`,
      'ERR_TOKEN_MALFORMED',
    );
    rejects(
      verify,
      `${header}.${payload}.${signature.slice(0, 20)}\t${signature.slice(20)}`,
      'ERR_TOKEN_MALFORMED',
    );
    rejects(
      verify,
      `${header.replaceAll('-', '+').replaceAll('_', '/')}x+/.${payload}.${signature}`,
      'ERR_TOKEN_MALFORMED',
    );
    // 64 bytes take 86 characters, the last of which has 4 unused bits: setting one decodes to the
    // same bytes, a second spelling of the same token.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sloppy = alphabet[alphabet.indexOf(signature.at(-1)!) | 1]!;
    rejects(verify, `${header}.${payload}.${signature.slice(0, -1)}${sloppy}`, 'ERR_TOKEN_MALFORMED');
  });

  it('rejects characters beyond ASCII whose low byte is the base64url character they replace', () => {
    // U+0100 | c truncated to a byte (what a Latin-1 write does) is c again: a decoder that saw only
    // low bytes would take each of these for the valid token. U+FF00 | c likewise, in UTF-16 too.
    const widen = (text: string, at: number, high: number) =>
      `${text.slice(0, at)}${String.fromCharCode(high | text.charCodeAt(at))}${text.slice(at + 1)}`;
    for (const high of [0x100, 0xff00]) {
      for (const at of [0, 5, payload.length - 1]) {
        rejects(verify, `${header}.${widen(payload, at, high)}.${signature}`, 'ERR_TOKEN_MALFORMED');
      }
      for (const at of [0, 40, signature.length - 1]) {
        rejects(verify, `${header}.${payload}.${widen(signature, at, high)}`, 'ERR_TOKEN_MALFORMED');
      }
      rejects(verify, `${widen(header, 3, high)}.${payload}.${signature}`, 'ERR_TOKEN_MALFORMED');
    }
    rejects(verify, `${header}.${payload}.${signature}\u00e9`, 'ERR_TOKEN_MALFORMED');
    // The unchanged token passes: each refusal above is for the widened character.
    assert.equal(verify(valid).sid, claims().sid);
  });

  it('rejects segments that are not JSON objects or not UTF-8', () => {
    for (const bad of ['[]', 'null', '"text"', '1', '{"alg":', '\uFEFF{}']) {
      rejects(
        verify,
        `${Buffer.from(bad).toString('base64url')}.${payload}.${signature}`,
        'ERR_TOKEN_MALFORMED',
      );
      rejects(
        verify,
        `${header}.${Buffer.from(bad).toString('base64url')}.${signature}`,
        'ERR_TOKEN_MALFORMED',
      );
    }
    const invalidUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url');
    rejects(verify, `${invalidUtf8}.${payload}.${signature}`, 'ERR_TOKEN_MALFORMED');
  });

  it('refuses a header after a valid one of the same length that differs only in its last bytes', () => {
    // The last header is remembered and compared byte for byte, four at a time then the rest:
    // each alignment of the header's length puts the differing last byte in another part.
    for (let spaces = 0; spaces < 4; spaces++) {
      const json = `{${' '.repeat(spaces)}"alg":"ES256","kid":"${KEYS.ES256.kid}","typ":"at+jwt"}`;
      const signed = (headerJson: string) => {
        const input = `${Buffer.from(headerJson).toString('base64url')}.${payload}`;
        return `${input}.${signInput('ES256', KEYS.ES256.privateKey, input)}`;
      };
      assert.equal(verify(signed(`${json} `)).sid, claims().sid);
      rejects(verify, signed(`${json}x`), 'ERR_TOKEN_MALFORMED');
    }
  });

  it('reads a payload beyond ASCII as UTF-8, and refuses a signed one that is not UTF-8', () => {
    const name = 'Jos\u00e9 \u{1f600}';
    assert.equal(verify(forger.token({ payload: claims({ sub: name }) })).sub, name);
    // Validly signed, valid JSON read as Latin-1, but not UTF-8: refused as malformed, never
    // read byte for byte (a decoder that took these bytes for ASCII would reach the claims).
    const json = Buffer.from(JSON.stringify(claims({ sub: 'XX' })));
    const at = json.indexOf('XX');
    for (const bytes of [
      [0xc3, 0x28],
      [0xe9, 0x41],
      [0xff, 0xfe],
    ]) {
      json.set(bytes, at);
      const input = `${header}.${json.toString('base64url')}`;
      rejects(verify, `${input}.${signInput('ES256', KEYS.ES256.privateKey, input)}`, 'ERR_TOKEN_MALFORMED');
    }
  });

  it('rejects things that are not access tokens: a refresh token, a session cookie, non-strings', () => {
    rejects(verify, randomBytes(32).toString('base64url'), 'ERR_TOKEN_MALFORMED');
    const sessionCookie = `${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
    rejects(verify, sessionCookie, 'ERR_TOKEN_MALFORMED');
    for (const input of ['', '..', undefined, null, 42, {}, [valid], Buffer.from(valid)]) {
      rejects(verify, input, 'ERR_TOKEN_MALFORMED');
    }
  });

  it('rejects a 9 KB token before decoding it or touching a key', () => {
    const { verify, calls } = makeVerifier();
    const big = token({ payload: claims({ pad: 'x'.repeat(9 * 1024) }) });
    rejects(verify, big, 'ERR_TOKEN_TOO_LARGE');
    rejects(verify, 'x'.repeat(9 * 1024), 'ERR_TOKEN_TOO_LARGE');
    assert.equal(calls.getKey, 0);
  });

  it('throws only TokenError, whatever string it is given', () => {
    const pieces = [
      header,
      payload,
      signature,
      '.',
      '=',
      ' ',
      'e30',
      'W10',
      'bnVsbA',
      '\u0000',
      '\uD800',
      'é',
    ];
    for (let i = 0; i < 2000; i++) {
      let input = '';
      for (let n = Math.floor(Math.random() * 7); n >= 0; n--)
        input += pieces[Math.floor(Math.random() * pieces.length)];
      try {
        verify(input);
      } catch (error) {
        assert.ok(error instanceof TokenError, `non-TokenError for ${JSON.stringify(input)}`);
      }
    }
  });
});

describe('verifyAccessToken: claims', () => {
  const { verify } = makeVerifier();
  const check = (payload: Json) => verify(token({ payload }));

  it('rejects expired tokens, and tokens not yet valid', () => {
    rejects(verify, token({ payload: claims({ iat: NOW - 700, exp: NOW - 100 }) }), 'ERR_TOKEN_EXPIRED');
    rejects(verify, token({ payload: claims({ nbf: NOW + 120 }) }), 'ERR_TOKEN_NOT_YET_VALID');
    rejects(verify, token({ payload: claims({ iat: NOW + 120 }) }), 'ERR_TOKEN_NOT_YET_VALID');
  });

  it('requires exp and iat as finite numbers', () => {
    for (const overrides of [
      { exp: undefined },
      { iat: undefined },
      { exp: String(NOW + 600) },
      { iat: null },
      { nbf: 'soon' },
    ]) {
      rejects(verify, token({ payload: claims(overrides) }), 'ERR_TOKEN_CLAIMS');
    }
    // JSON.parse turns 1e400 into Infinity: a token that would never expire.
    const input = `${encode({ alg: 'ES256', kid: 'es-key', typ: 'at+jwt' })}.${Buffer.from(
      JSON.stringify(claims()).replace(/"exp":\d+/, '"exp":1e400'),
    ).toString('base64url')}`;
    rejects(verify, `${input}.${signInput('ES256', KEYS.ES256.privateKey, input)}`, 'ERR_TOKEN_CLAIMS');
  });

  it('rejects a wrong issuer and a wrong audience', () => {
    for (const iss of ['https://evil.example.com', 'https://auth.example.com/', undefined, [ISSUER]]) {
      rejects(verify, token({ payload: claims({ iss }) }), 'ERR_TOKEN_CLAIMS');
    }
    for (const aud of [
      'other',
      'API',
      undefined,
      [],
      ['other'],
      [['api']],
      [{ aud: 'api' }],
      ['api', { x: 1 }],
      ['api', 1],
    ]) {
      rejects(verify, token({ payload: claims({ aud }) }), 'ERR_TOKEN_CLAIMS');
    }
  });

  it('accepts an audience array that contains the audience', () => {
    assert.deepEqual(check(claims({ aud: ['other', 'api'] })).aud, ['other', 'api']);
  });

  it('requires sub, sid and jti as non-empty strings of at most 256 characters', () => {
    for (const name of ['sub', 'sid', 'jti']) {
      for (const value of [undefined, '', 12, ['x'], 'x'.repeat(257)]) {
        rejects(verify, token({ payload: claims({ [name]: value }) }), 'ERR_TOKEN_CLAIMS');
      }
    }
    assert.equal(check(claims({ sub: 'x'.repeat(256) })).sub.length, 256);
  });

  it('accepts roles only as an array of strings', () => {
    for (const roles of ['admin', null, [1], [['admin']], { 0: 'admin' }]) {
      rejects(verify, token({ payload: claims({ roles }) }), 'ERR_TOKEN_CLAIMS');
    }
    assert.deepEqual(check(claims({ roles: ['admin', 'ops'] })).roles, ['admin', 'ops']);
    assert.deepEqual(check(claims()).roles, []);
  });
});

describe('verifyAccessToken: round trips with createAccessTokenSigner', () => {
  for (const key of Object.values(KEYS)) {
    it(`signs and verifies ${key.alg}`, async () => {
      const signer = createAccessTokenSigner({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: { getSigningKey: () => key },
        clock,
      });
      const signed = await signer.sign({ sub: 'user-1', sid: 'session-1', roles: ['admin'] });
      const { verify } = makeVerifier({ algorithms: [key.alg] });
      assert.deepEqual(verify(signed.token), signed.claims);
      const header = JSON.parse(Buffer.from(signed.token.split('.')[0]!, 'base64url').toString());
      assert.deepEqual(header, { alg: key.alg, kid: key.kid, typ: 'at+jwt' });
    });
  }

  it('tolerates clock skew within the leeway only', async () => {
    const local = createManualClock(clock.now());
    const signer = createAccessTokenSigner({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { getSigningKey: () => KEYS.ES256 },
      clock: local,
    });
    const { token: signed, claims: issued } = await signer.sign({ sub: 'user-1', sid: 'session-1' });
    const verifier = (leewaySeconds: number) => makeVerifier({ clock: local, leewaySeconds }).verify;

    local.set((issued.exp + 29) * 1000);
    assert.equal(verifier(30)(signed).jti, issued.jti);
    local.set((issued.exp + 30) * 1000);
    rejects(verifier(30), signed, 'ERR_TOKEN_EXPIRED');
    local.set(issued.exp * 1000);
    rejects(verifier(0), signed, 'ERR_TOKEN_EXPIRED');
    local.set((issued.iat - 20) * 1000);
    assert.equal(verifier(30)(signed).jti, issued.jti);
    rejects(verifier(10), signed, 'ERR_TOKEN_NOT_YET_VALID');
  });

  it('caps exp at the session end (notAfter)', async () => {
    const signer = createAccessTokenSigner({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { getSigningKey: () => KEYS.EdDSA },
      clock,
    });
    const notAfter = clock.now() + 120_500;
    const signed = await signer.sign({ sub: 'user-1', sid: 'session-1', notAfter });
    assert.equal(signed.claims.exp, NOW + 120);
    assert.equal(makeVerifier({ algorithms: ['EdDSA'] }).verify(signed.token).exp, NOW + 120);
  });
});

describe('verifyAccessToken: the shared attack catalogue (also run by @gatehouse/verify)', () => {
  const { verify } = makeVerifier();
  for (const attack of buildAttackCatalogue({ forger, victims: [KEYS.RS256] })) {
    it(`${attack.name} → ${attack.code}`, () => rejects(verify, attack.token, attack.code));
  }
});

describe('verifyAccessToken: a getKey that verifies another token with the same verifier', () => {
  it('still judges the outer token on its own signature (the working buffer is refilled)', () => {
    const inner = token({ payload: claims({ jti: 'inner', sub: 'someone-else-with-a-longer-name' }) });
    const outer = token({ payload: claims({ jti: 'outer' }) });
    const outerSignature = outer.slice(outer.lastIndexOf('.') + 1);
    const forged = `${token({ payload: claims({ jti: 'forged' }) })
      .split('.')
      .slice(0, 2)
      .join('.')}.${outerSignature}`;
    let nested = true;
    const verifier = createAccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['ES256'],
      clock,
      getKey(kid) {
        if (nested) {
          nested = false;
          verifier.verify(inner);
          nested = true;
        }
        return byKid.get(kid);
      },
    });
    assert.equal(verifier.verify(outer).jti, 'outer');
    rejects(verifier.verify, forged, 'ERR_TOKEN_SIGNATURE');
  });
});

describe('verifyAccessToken: a token read from `start` on (an Authorization header)', () => {
  const valid = token();
  const prefixes = ['', 'B', 'Be', 'Bea', 'Bear', 'Beare', 'Bearer', 'Bearer ', 'Bearer  ', 'a.b.c. '];

  it('answers for text.slice(start) at every alignment, dots in the text before start ignored', () => {
    const { verify } = makeVerifier();
    for (const prefix of prefixes) {
      assert.deepEqual(verify(prefix + valid, prefix.length), verify(valid), JSON.stringify(prefix));
    }
  });

  it('checks the signature of the token only, whatever precedes it', () => {
    const { verify } = makeVerifier();
    const [head, body, signature] = valid.split('.') as [string, string, string];
    const otherBody = token({ payload: claims({ sub: 'user-2' }) }).split('.')[1]!;
    // ES256: 86 characters, the last one's low 4 bits unused: A and Q are both canonical, B is not.
    const lastFlipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'Q' : 'A'}`;
    const lastNonCanonical = `${signature.slice(0, -1)}B`;
    for (const prefix of prefixes) {
      const verifyFrom = (text: string) => verify(text, prefix.length);
      rejects(verifyFrom, `${prefix}${head}.${otherBody}.${signature}`, 'ERR_TOKEN_SIGNATURE');
      rejects(verifyFrom, `${prefix}${head}.${body}.${lastFlipped}`, 'ERR_TOKEN_SIGNATURE');
      rejects(verifyFrom, `${prefix}${head}.${body}.${lastNonCanonical}`, 'ERR_TOKEN_MALFORMED');
    }
  });

  it('judges a header anew when it differs from the last one only in its last characters', () => {
    // Same length, same first 40-odd characters: "typ":"at+jwt" against "at+jwu".
    const other = token({ header: { typ: 'at+jwu' } });
    assert.equal(other.indexOf('.'), valid.indexOf('.'));
    for (const [first, second] of [
      ['Bearer ', 'Bearer '],
      ['', 'Bearer '],
      ['Bearer ', ''],
      ['Bear', 'Be'],
    ] as const) {
      const { verify } = makeVerifier();
      assert.equal(verify(first + valid, first.length).sub, 'user-1');
      rejects((text) => verify(text, second.length), second + other, 'ERR_TOKEN_HEADER');
    }
  });

  it('refuses a start that is not a position of the text, and a text that is not ASCII', () => {
    const { verify, calls } = makeVerifier();
    for (const start of [-1, 0.5, Number.NaN, valid.length + 1, 2 ** 32]) {
      rejects((text) => verify(text, start), valid, 'ERR_TOKEN_MALFORMED');
    }
    rejects((text) => verify(text, 7), `Bearér${valid}`, 'ERR_TOKEN_MALFORMED');
    rejects((text) => verify(text, 7), `Bearer ${valid}`.slice(0, -1), 'ERR_TOKEN_MALFORMED');
    assert.equal(calls.getKey, 0);
  });
});
