import type { VerifyRequestInput, VerifyResult } from '../types.ts';
import type { JwtPathContext } from './jwt-path-context.ts';
import { readCredential } from './read-credential.ts';
import { type LocalResult, revocationKeys } from './local-token-check.ts';
import { tokenPrincipal } from './principal.ts';
import { verifyJwtWhileStale } from './stale-jwt.ts';
import type { CacheIndexKeys } from './verification-cache.ts';
import type { Verdict } from './verifier-counts.ts';

/**
 * The access-token path: cache, local check, revocation set, then the token's binding. Synchronous
 * up to the first step that needs I/O (a JWKS refetch, introspection, WebCrypto), so a cache hit
 * (and, on Node, a first sight) is answered without a promise.
 */
export function createJwtPath(ctx: JwtPathContext) {
  const { clock, keys, local, cache, verdicts } = ctx;
  const { counts, allow, reject } = verdicts;

  /**
   * A tombstone: this exact token string was verified, then named by an event that revokes it
   * (verification-cache.ts), so the full path would pass its signature and claims and refuse it
   * at the revocation set with this very answer. Answered without the signature check.
   */
  function refuseRevoked(): Verdict {
    counts.cacheRefusals++;
    return reject(401, 'ERR_TOKEN_REVOKED');
  }

  function judge(token: string, result: LocalResult, now: number, afterRefetch: boolean): Verdict {
    if (!result.ok) {
      // Rate-limited inside: a flood of made-up kids costs at most one fetch per window.
      if (!result.kidMissed || afterRefetch) return reject(401, result.code);
      const code = result.code;
      return keys
        .refreshOnMiss()
        .then((refetched) => (refetched ? verifyJwt(token, true) : reject(401, code)));
    }
    const named = revocationKeys(result);
    if (local.isRevoked(named)) return reject(401, 'ERR_TOKEN_REVOKED');
    return rememberToken(ctx, token, result, named, now);
  }

  function verifyJwt(token: string, afterRefetch = false): Verdict {
    const now = clock.now();
    if (ctx.isStale(now)) return verifyJwtWhileStale(ctx, token);
    const cached = cache.get(token, 'jwt', now);
    if (cached) {
      counts.cacheHits++;
      return allow(cached);
    }
    if (cached === null) return refuseRevoked();
    counts.cacheMisses++;
    const checked = local.check(token);
    return checked instanceof Promise
      ? checked.then((result) => judge(token, result, now, afterRefetch))
      : judge(token, checked, now, afterRefetch);
  }

  return {
    /**
     * A header starting with `Bearer `, its token judged before the header's full syntax check, which only a
     * refused token then needs: undefined means "judge the header the ordinary way" (stale feed,
     * WebCrypto, or a header whose token is not this one). A token that reaches the signature
     * check is all base64url and dots, so its header parses to this very token: the answer is the
     * ordinary path's, without a regex over the header on every request.
     */
    verifyBearer(request: VerifyRequestInput, header: string): Verdict | undefined {
      const now = clock.now();
      if (ctx.isStale(now)) return undefined;
      // The header itself is looked up (the cache matches its token exactly): no slice of it.
      const cached = cache.getBearer(header, now);
      if (cached) {
        counts.cacheHits++;
        return bindBearer(ctx, allow(cached));
      }
      // A refusal is answered under the Bearer scheme as it is: nothing for bindToken to add.
      if (cached === null) return refuseRevoked();
      if (keys.prepare) return undefined;
      const token = header.slice(7);
      // From the header itself, as `local.check(token)` would (no `prepare` step here).
      const checked = local.checkAt(header, 7);
      if (!checked.ok) {
        const credential = readCredential(request);
        if (credential.kind !== 'jwt' || credential.value !== token) return undefined;
      }
      counts.cacheMisses++;
      const verdict = judge(token, checked, now, false);
      return verdict instanceof Promise
        ? verdict.then((settled) => bindBearer(ctx, settled))
        : bindBearer(ctx, verdict);
    },

    /** A token under the scheme it came with: verified, then its binding checked (bindToken). */
    verifyBinding(request: VerifyRequestInput, token: string, scheme: 'Bearer' | 'DPoP'): Verdict {
      const result = verifyJwt(token);
      return result instanceof Promise
        ? result.then((settled) => bindToken(ctx, request, token, scheme, settled))
        : bindToken(ctx, request, token, scheme, result);
    },
  };
}

/** A verified token's principal, remembered until its exp under the identifiers it was checked by. */
function rememberToken(
  ctx: JwtPathContext,
  token: string,
  result: LocalResult & { ok: true },
  named: CacheIndexKeys,
  now: number,
): VerifyResult {
  const principal = tokenPrincipal(result.claims);
  // Cached until exp, not exp + leeway: past exp the core verifier re-judges each request.
  const expiresAtMs = result.claims.exp * 1000;
  if (expiresAtMs > now) ctx.cache.set(token, principal, expiresAtMs, named);
  return ctx.verdicts.allow(principal);
}

/** bindToken under the Bearer scheme, which needs no token: a bound token is refused (RFC 9449 §7). */
function bindBearer(ctx: JwtPathContext, result: VerifyResult): VerifyResult {
  if (!result.ok) return result;
  if (result.principal.jkt === undefined) return ctx.verdicts.countAccepted(result);
  return ctx.verdicts.reject(401, 'ERR_TOKEN_BINDING', {});
}

/**
 * RFC 9449 §7: a bound token needs the DPoP scheme and a proof by its key; an unbound token under
 * the DPoP scheme is refused too. The proof is checked on every request, cached token or not.
 */
function bindToken(
  ctx: JwtPathContext,
  request: VerifyRequestInput,
  token: string,
  scheme: 'Bearer' | 'DPoP',
  result: VerifyResult,
): VerifyResult {
  const { reject, countAccepted } = ctx.verdicts;
  if (scheme === 'Bearer') return bindBearer(ctx, result);
  if (!result.ok) {
    if (result.status === 503) return result;
    // The same refusal, under the scheme the client used.
    return { ...result, scheme: 'DPoP' };
  }
  const { jkt } = result.principal;
  if (jkt === undefined || !ctx.dpop) return reject(401, 'ERR_TOKEN_BINDING', {});
  const outcome = ctx.dpop.check(request, token, jkt);
  if (outcome.ok) return countAccepted(result);
  return reject(401, outcome.code, outcome.nonce === undefined ? {} : { nonce: outcome.nonce });
}
