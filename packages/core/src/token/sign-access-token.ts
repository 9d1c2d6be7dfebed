import { type JWTPayload, SignJWT } from 'jose';
import { type Clock, systemClock } from '../clock.ts';
import { UnauthenticatedError } from '../errors.ts';
import type { SigningKey } from '../keys/keyring.ts';
import { toBase64Url } from '../lib/encoding.ts';
import { type RandomSource, systemRandom } from '../random.ts';
import {
  ACCESS_TOKEN_TYP,
  type AccessTokenClaims,
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  MAX_CLAIM_LENGTH,
} from './access-token-claims.ts';

export interface AccessTokenSignerOptions {
  issuer: string;
  audience: string;
  /** Where the active key comes from; a Keyring fits. Read on every call, so rotation applies at once. */
  keys: { getSigningKey(): SigningKey };
  /** Default 600 s; more than 900 s is refused. */
  ttlSeconds?: number;
  clock?: Clock;
  random?: RandomSource;
}

export interface AccessTokenInput {
  sub: string;
  sid: string;
  roles?: string[];
  /** Milliseconds since the epoch: the session's absolute expiry. `exp` never goes past it. */
  notAfter?: number;
  /**
   * Milliseconds: when the session was touched for this issuance. `iat` is taken from it (when it
   * is under ISSUED_AT_SLACK_MS old), so a token is never dated later than the touch that a
   * `user` revocation event compares with (core revocation/publish-revocations.ts).
   */
  issuedAt?: number;
  /** RFC 9068 `client_id`. */
  clientId?: string;
  /** DPoP key thumbprint: the token gets `cnf: { jkt }` (RFC 9449 §6.1). */
  jkt?: string;
}

export interface SignedAccessToken {
  token: string;
  claims: AccessTokenClaims;
}

export interface AccessTokenSigner {
  sign(input: AccessTokenInput): Promise<SignedAccessToken>;
}

/** How far back `issuedAt` may date a token; an older touch (never expected) dates it now. */
const ISSUED_AT_SLACK_MS = 60_000;

function requireText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CLAIM_LENGTH) {
    throw new TypeError(`${name} must be a non-empty string of at most ${MAX_CLAIM_LENGTH} characters`);
  }
  return value;
}

/**
 * Signs RFC 9068 access tokens: header `{ alg, kid, typ: 'at+jwt' }`, claims
 * `iss, aud, sub, sid, jti, iat, exp` and `roles` when given.
 *
 * @example
 * const signer = createAccessTokenSigner({ issuer, audience, keys: keyring });
 * const { token, claims } = await signer.sign({ sub: user.id, sid: session.id, notAfter: session.absoluteExpiresAt });
 */
export function createAccessTokenSigner(options: AccessTokenSignerOptions): AccessTokenSigner {
  const { keys, clock = systemClock, random = systemRandom } = options;
  const issuer = requireText(options.issuer, 'issuer');
  const audience = requireText(options.audience, 'audience');
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_ACCESS_TOKEN_TTL_SECONDS) {
    throw new TypeError(`ttlSeconds must be an integer from 1 to ${MAX_ACCESS_TOKEN_TTL_SECONDS}`);
  }
  if (typeof keys?.getSigningKey !== 'function') throw new TypeError('keys.getSigningKey is required');

  return {
    async sign(input) {
      const roles = input.roles ?? [];
      if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string')) {
        throw new TypeError('roles must be an array of strings');
      }
      if (input.notAfter !== undefined && !Number.isFinite(input.notAfter)) {
        throw new TypeError('notAfter must be a finite number of milliseconds');
      }
      const now = clock.now();
      const touched = input.issuedAt;
      const iat = Math.floor(
        touched !== undefined && touched <= now && now - touched <= ISSUED_AT_SLACK_MS
          ? touched / 1000
          : now / 1000,
      );
      // Floored so that exp (whole seconds) is never after the session's own expiry.
      const exp = Math.min(iat + ttlSeconds, Math.floor((input.notAfter ?? Number.POSITIVE_INFINITY) / 1000));
      if (exp <= iat) {
        throw new UnauthenticatedError('ERR_SESSION_EXPIRED', 'session ends before the token would');
      }
      const claims: AccessTokenClaims = {
        iss: issuer,
        aud: audience,
        sub: requireText(input.sub, 'sub'),
        sid: requireText(input.sid, 'sid'),
        jti: toBase64Url(random.bytes(16)),
        iat,
        exp,
        roles: [...roles],
      };
      if (input.clientId !== undefined) claims.client_id = requireText(input.clientId, 'clientId');
      if (input.jkt !== undefined) claims.cnf = { jkt: requireText(input.jkt, 'jkt') };
      const payload: JWTPayload = { ...claims };
      if (input.roles === undefined) delete payload.roles;
      const { kid, alg, privateKey } = keys.getSigningKey();
      const token = await new SignJWT(payload)
        .setProtectedHeader({ alg, kid, typ: ACCESS_TOKEN_TYP })
        .sign(privateKey);
      return { token, claims };
    },
  };
}
