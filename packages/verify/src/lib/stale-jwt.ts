import type { Principal, VerifyResult } from '../types.ts';
import type { JwtPathContext } from './jwt-path-context.ts';
import { revocationKeys } from './local-token-check.ts';
import { freezePrincipal, isPrincipalShaped } from './principal.ts';

/**
 * An access token while the feed is stale: refused with 503 (`fail-closed`), or checked locally
 * and then asked of the auth server (`introspect`), uncached.
 */
export async function verifyJwtWhileStale(ctx: JwtPathContext, token: string): Promise<VerifyResult> {
  const { config, keys, local, verdicts } = ctx;
  const { counts, reject, allow } = verdicts;
  counts.staleRequests++;
  if (config.onStale === 'fail-closed') return reject(503, 'ERR_FEED_STALE');
  // Verified locally first, so garbage never costs the auth server a lookup.
  let checked = await local.check(token);
  if (!checked.ok && checked.kidMissed && (await keys.refreshOnMiss())) checked = await local.check(token);
  if (!checked.ok) return reject(401, checked.code);
  if (local.isRevoked(revocationKeys(checked))) return reject(401, 'ERR_TOKEN_REVOKED');
  // Every request during an outage would otherwise be one introspection at once.
  const call = ctx.upstream.run(`token:${token}`, () => ctx.introspect!(token));
  if (call === null) return reject(503, 'ERR_FEED_STALE');
  if (!call.joined) counts.introspections++;
  let answer: Principal | null;
  try {
    answer = await call.answer;
  } catch (error) {
    ctx.onError(error);
    return reject(503, 'ERR_FEED_STALE');
  }
  if (!answer) return reject(401, 'ERR_TOKEN_REVOKED');
  if (!isPrincipalShaped(answer)) throw new TypeError('introspect must resolve to a Principal or null');
  // The binding comes from the verified token itself, never from the introspection answer.
  const { client_id: clientId, cnf } = checked.claims;
  return allow(
    freezePrincipal({
      ...answer,
      strategy: 'jwt',
      ...(clientId === undefined ? {} : { clientId }),
      ...(cnf === undefined ? {} : { jkt: cnf.jkt }),
    }),
  );
}
