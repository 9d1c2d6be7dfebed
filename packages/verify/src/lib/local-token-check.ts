import {
  type AccessTokenClaims,
  type Clock,
  createAccessTokenVerifier,
  type ErrorCode,
  type RevocationQuery,
  type RevocationSet,
  TokenError,
} from '@gatehouse/core';
import type { JwksKeys } from './jwks-keys.ts';
import type { ValidatedOptions } from './validate-options.ts';

export type LocalResult =
  | { ok: true; claims: AccessTokenClaims; kid: string }
  | { ok: false; code: ErrorCode; kidMissed: boolean };

export interface LocalTokenCheck {
  /**
   * The core verifier's answer, after the keys' `prepare` step where there is one: the WebCrypto
   * build checks the signature there, asynchronously (src/web/README.md). On Node there is none,
   * and the answer is returned synchronously.
   */
  check(token: string): LocalResult | Promise<LocalResult>;
  /**
   * `check(header.slice(start))` where the keys have no `prepare` step (Node): the core verifier
   * reads the token from the header itself (a write of the whole header string takes node's fast
   * path, a write of a slice of it does not).
   */
  checkAt(header: string, start: number): LocalResult;
  /** The revocation set's answer for a verified token's identifiers (`revocationKeys`). */
  isRevoked(keys: RevocationQuery): boolean;
}

/**
 * What a revocation event can name in a verified token: asked of the revocation set, then kept as
 * the token's cache index (verification-cache.ts), one object for both.
 */
export function revocationKeys({ claims, kid }: { claims: AccessTokenClaims; kid: string }) {
  return { sid: claims.sid, sub: claims.sub, jti: claims.jti, kid, iat: claims.iat };
}

/** The local half of a token's verification: signature, claims and the revocation set. */
export function createLocalTokenCheck(
  config: ValidatedOptions,
  clock: Clock,
  keys: JwksKeys,
  revoked: RevocationSet,
): LocalTokenCheck {
  // The core verifier is synchronous, so this records the kid of the token being verified right now.
  let usedKid = '';
  let kidMissed = false;
  const tokens = createAccessTokenVerifier({
    issuer: config.issuer,
    audience: config.audience,
    algorithms: config.algorithms,
    leewaySeconds: config.leewaySeconds,
    clock,
    getKey(kid) {
      usedKid = kid;
      const key = keys.get(kid);
      kidMissed = key === undefined;
      return key;
    },
  });

  function verifyLocally(text: string, start: number): LocalResult {
    usedKid = '';
    kidMissed = false;
    try {
      return { ok: true, claims: tokens.verify(text, start), kid: usedKid };
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      return { ok: false, code: error.code, kidMissed };
    }
  }

  return {
    check(token) {
      const prepared = keys.prepare?.(token);
      return prepared ? prepared.then(() => verifyLocally(token, 0)) : verifyLocally(token, 0);
    },
    checkAt(header, start) {
      return verifyLocally(header, start);
    },
    isRevoked(keys) {
      return revoked.isRevoked(keys);
    },
  };
}
