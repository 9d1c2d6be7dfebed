/**
 * `@gatehouse/verify/testing`: what your own test suite needs to exercise a service guarded by the
 * SDK without a running auth server. A local issuer (an ES256 key pair, its JWKS, and a signer of
 * Gatehouse-shaped access tokens) and an in-memory revocation feed to log users out with. It uses
 * WebCrypto only, so it runs wherever the verifier does (Node, Deno, Bun, workerd).
 *
 * @example
 * import { createVerifier } from '@gatehouse/verify';
 * import { createMemoryFeed, createTestIssuer } from '@gatehouse/verify/testing';
 *
 * const issuer = await createTestIssuer();
 * const feed = createMemoryFeed();
 * const verifier = createVerifier({ ...issuer.verifierOptions, feed });
 * await verifier.start();
 * const token = await issuer.sign({ sub: 'user-1', roles: ['admin'] });
 * (await verifier.verifyToken(token)).ok; // true
 * await feed.revokeSession(issuer.sessionOf(token));
 * (await verifier.verifyToken(token)).ok; // false: ERR_TOKEN_REVOKED
 */
import {
  createInProcessFeed,
  type FeedSource,
  MAX_ACCESS_TOKEN_TTL_MS,
  type RevocationEvent,
  revocationUntil,
  systemClock,
} from '@gatehouse/core';
import type { JWK } from 'jose';

export interface TestIssuerOptions {
  /** Default `https://auth.test`. */
  issuer?: string;
  /** Default `test-api`. */
  audience?: string;
  /** Default `test-key-1`. */
  kid?: string;
  /** Lifetime of the tokens `sign` makes, in seconds. Default 600 (Gatehouse's default). */
  ttlSeconds?: number;
  /** `{ now(): number }` in milliseconds, shared with the verifier to test expiry. Default `Date.now`. */
  clock?: { now(): number };
}

export interface TestTokenInput {
  sub: string;
  /** Default: a new random session id per token. */
  sid?: string;
  roles?: string[];
  /** Default: a new random id. */
  jti?: string;
  /** Seconds since the epoch; default now + ttlSeconds. */
  exp?: number;
  /** Seconds since the epoch; default now. */
  iat?: number;
}

export interface TestIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly kid: string;
  /** The public key set, as the auth server's `/.well-known/jwks.json` serves it. */
  readonly jwks: { keys: JWK[] };
  /** Spread into `createVerifier`: issuer, audience, `algorithms: ['ES256']` and the static `jwks`. */
  readonly verifierOptions: {
    issuer: string;
    audience: string;
    algorithms: ['ES256'];
    jwks: { keys: JWK[] };
  };
  /** Signs an access token exactly as the Gatehouse server does (RFC 9068 `at+jwt`, ES256). */
  sign(input: TestTokenInput): Promise<string>;
  /** The `{ sid, sub }` of a token this issuer signed, for `feed.revokeSession`. */
  sessionOf(token: string): { sid: string; sub: string };
}

const encoder = new TextEncoder();

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encodeJson = (value: unknown) => base64Url(encoder.encode(JSON.stringify(value)));
const randomId = () => base64Url(crypto.getRandomValues(new Uint8Array(16)));

/** Creates an issuer with a fresh ES256 key pair. Tokens it signs are valid for any verifier given its `jwks`. */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  if (typeof globalThis.crypto?.subtle?.generateKey !== 'function')
    throw new TypeError('createTestIssuer needs WebCrypto (globalThis.crypto.subtle)');
  const issuer = options.issuer ?? 'https://auth.test';
  const audience = options.audience ?? 'test-api';
  const kid = options.kid ?? 'test-key-1';
  const ttlSeconds = options.ttlSeconds ?? 600;
  const clock = options.clock ?? { now: () => Date.now() };
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const { kty, crv, x, y } = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JWK;
  const jwks = { keys: [{ kty, crv, x, y, kid, alg: 'ES256', use: 'sig' } as JWK] };
  const header = encodeJson({ alg: 'ES256', kid, typ: 'at+jwt' });

  return {
    issuer,
    audience,
    kid,
    jwks,
    verifierOptions: { issuer, audience, algorithms: ['ES256'], jwks },
    async sign(input) {
      const iat = input.iat ?? Math.floor(clock.now() / 1000);
      const claims = {
        iss: issuer,
        aud: audience,
        sub: input.sub,
        sid: input.sid ?? randomId(),
        jti: input.jti ?? randomId(),
        roles: input.roles ?? [],
        iat,
        exp: input.exp ?? iat + ttlSeconds,
      };
      const signingInput = `${header}.${encodeJson(claims)}`;
      const signature = await crypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        pair.privateKey,
        encoder.encode(signingInput),
      );
      return `${signingInput}.${base64Url(new Uint8Array(signature))}`;
    },
    sessionOf(token) {
      const payload = token.split('.')[1] ?? '';
      const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
      const { sid, sub } = JSON.parse(json) as { sid: string; sub: string };
      return { sid, sub };
    },
  };
}

export interface MemoryFeed extends FeedSource {
  /** Revokes one session (a logout): every token with this `sid` is refused. */
  revokeSession(session: { sid: string; sub: string }): Promise<void>;
  /** Revokes every session of a user issued before now (a password change, "sign out everywhere"). */
  revokeUser(sub: string): Promise<void>;
  /** Revokes one token by `jti`. */
  revokeToken(jti: string): Promise<void>;
  /** Publishes raw events, as the auth server would. */
  publish(events: RevocationEvent[]): Promise<void>;
  /** Ends every follower's connection and the heartbeat timer: call it when your tests are done. */
  close(): void;
}

/**
 * An in-memory revocation feed for tests: pass it as `feed` to `createVerifier`; a revocation
 * reaches the verifier before the `revoke…` promise resolves. Heartbeats every `heartbeatMs`
 * (default 1000) keep the verifier fresh.
 */
export function createMemoryFeed(
  options: { heartbeatMs?: number; clock?: { now(): number } } = {},
): MemoryFeed {
  const clock = options.clock ?? systemClock;
  const feed = createInProcessFeed({ clock, heartbeatMs: options.heartbeatMs ?? 1000 });
  // The latest `until` the server ever sets: a key event over the longest token it can issue.
  const until = () => revocationUntil('key', clock.now(), MAX_ACCESS_TOKEN_TTL_MS);
  return {
    snapshot: () => feed.snapshot(),
    follow: (cursor, onMessage, signal) => feed.follow(cursor, onMessage, signal),
    publish: (events) => feed.publish(events),
    revokeSession: ({ sid, sub }) => feed.publish([{ type: 'session', sid, sub, until: until() }]),
    revokeUser: (sub) => feed.publish([{ type: 'user', sub, before: clock.now() + 1, until: until() }]),
    revokeToken: (jti) => feed.publish([{ type: 'token', jti, until: until() }]),
    close: () => feed.close(),
  };
}
