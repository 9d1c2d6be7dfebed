import type { Auth } from '../auth.ts';
import type { Authenticated } from '../auth-types.ts';
import type { Clock } from '../clock.ts';
import { TokenError } from '../errors.ts';
import type { Keyring } from '../keys/keyring.ts';
import type { RandomSource } from '../random.ts';
import type { SessionRecord, SigningAlgorithm, UserRecord } from '../store/types.ts';
import type { AccessTokenClaims } from './access-token-claims.ts';
import { createAccessTokenSigner } from './sign-access-token.ts';
import { createAccessTokenVerifier } from './verify-access-token.ts';

export interface AccessTokensOptions {
  /** Where sessions are checked: a token is good only while its session lives. */
  auth: Pick<Auth, 'getLiveSession'>;
  keyring: Pick<Keyring, 'getSigningKey' | 'getVerificationKey' | 'refreshIfStale'>;
  issuer: string;
  audience: string;
  /** Accepted algorithms, pinned (see `createAccessTokenVerifier`). */
  algorithms: readonly SigningAlgorithm[];
  /** Default 600 s, at most 900 s. */
  ttlSeconds?: number;
  clock?: Clock;
  random?: RandomSource;
}

export interface IssuedAccessToken {
  accessToken: string;
  /** Seconds until `exp`: the OAuth `expires_in`. Shorter than the TTL near the session's end. */
  expiresIn: number;
  claims: AccessTokenClaims;
}

/** A caller authenticated by an access token: the live user and session, and the token's claims. */
export interface AccessTokenPrincipal extends Authenticated {
  claims: AccessTokenClaims;
}

/** Who a token is for beyond the user: the OAuth client, and the DPoP key it is bound to. */
export interface AccessTokenBinding {
  clientId?: string;
  /** RFC 7638 thumbprint of the client's DPoP key. */
  jkt?: string;
}

export interface AccessTokens {
  /** Signs a token for a hybrid or token session; `exp` never passes the session's absolute expiry. */
  issue(user: UserRecord, session: SessionRecord, binding?: AccessTokenBinding): Promise<IssuedAccessToken>;
  /** Signature and claims only (no store read); throws TokenError. */
  verify(token: string): Promise<AccessTokenClaims>;
  /** `verify`, then the session named by `sid` must be live, the user's, and a token strategy. */
  authenticate(token: string): Promise<AccessTokenPrincipal>;
}

const TOKEN_STRATEGIES: ReadonlySet<SessionRecord['strategy']> = new Set(['hybrid', 'token']);

/**
 * Access tokens as the auth server itself uses them: issued for a session, and accepted only while
 * that session lives. Downstream services verify locally and learn of revocations from the feed;
 * the server that holds the sessions checks them directly, so a logged-out token is refused at once.
 *
 * @example
 * const accessTokens = createAccessTokens({ auth, keyring, issuer, audience, algorithms: ['ES256'] });
 * const { accessToken, expiresIn } = await accessTokens.issue(user, session);
 * const { user: caller } = await accessTokens.authenticate(accessToken); // throws TokenError
 */
export function createAccessTokens(options: AccessTokensOptions): AccessTokens {
  const { auth, keyring, issuer, audience, clock, random } = options;
  if (typeof auth?.getLiveSession !== 'function') throw new TypeError('auth is required');
  if (typeof keyring?.refreshIfStale !== 'function') throw new TypeError('keyring is required');
  const signer = createAccessTokenSigner({
    issuer,
    audience,
    keys: keyring,
    ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
    ...(clock ? { clock } : {}),
    ...(random ? { random } : {}),
  });
  const verifier = createAccessTokenVerifier({
    issuer,
    audience,
    algorithms: options.algorithms,
    getKey: keyring.getVerificationKey,
    ...(clock ? { clock } : {}),
  });

  async function verify(token: string): Promise<AccessTokenClaims> {
    try {
      return verifier.verify(token);
    } catch (error) {
      // Another instance may have rotated to a key this one has not loaded yet. The keyring
      // rate-limits the reload, so a flood of made-up kids costs one store read per interval.
      if (error instanceof TokenError && error.code === 'ERR_TOKEN_KID' && (await keyring.refreshIfStale())) {
        return verifier.verify(token);
      }
      throw error;
    }
  }

  return {
    async issue(user, session, binding = {}) {
      if (!TOKEN_STRATEGIES.has(session.strategy) || session.userId !== user.id) {
        throw new TypeError('access tokens are issued for a hybrid or token session of the same user');
      }
      const { token, claims } = await signer.sign({
        sub: user.id,
        sid: session.id,
        roles: user.roles,
        notAfter: session.absoluteExpiresAt,
        issuedAt: Math.max(session.lastSeenAt, session.createdAt),
        ...(binding.clientId === undefined ? {} : { clientId: binding.clientId }),
        ...(binding.jkt === undefined ? {} : { jkt: binding.jkt }),
      });
      return { accessToken: token, expiresIn: claims.exp - claims.iat, claims };
    },
    verify,
    async authenticate(token) {
      const claims = await verify(token);
      const live = await auth.getLiveSession(claims.sid);
      if (!live) throw new TokenError('ERR_TOKEN_REVOKED', 'session revoked or expired');
      // Tokens are only ever signed for the session's own user and a token strategy; anything else
      // means a key was misused, so it is refused rather than trusted.
      if (live.user.id !== claims.sub || !TOKEN_STRATEGIES.has(live.session.strategy)) {
        throw new TokenError('ERR_TOKEN_CLAIMS', 'sid does not match sub or strategy');
      }
      return { ...live, claims };
    },
  };
}
