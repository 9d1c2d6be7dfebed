import type { AccessTokenClaims } from '@gatehouse/core';
import type { Principal } from '../types.ts';

/** The role lists handed out, frozen, by their first role: principals with the same roles share one. */
const roleLists = new Map<string, (readonly string[])[]>();
let roleListsKept = 0;
/** Beyond this many distinct role lists, a new one is frozen for its principal alone. */
const MAX_ROLE_LISTS = 256;
const NO_ROLES: readonly string[] = Object.freeze([]);

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/**
 * `roles` as a frozen list: the one already handed out for the same roles in the same order
 * (freezing a fresh array is a runtime call, and a cached entry then holds no list of its own),
 * else `roles` itself frozen when the caller gives it up (`owned`), else a frozen copy.
 */
function frozenRoles(roles: readonly string[], owned: boolean): readonly string[] {
  if (roles.length === 0) return NO_ROLES;
  const first = roles[0]!;
  const known = roleLists.get(first);
  if (known !== undefined) for (const list of known) if (sameRoles(list, roles)) return list;
  const frozen = Object.freeze(owned ? roles : [...roles]);
  if (roleListsKept < MAX_ROLE_LISTS) {
    roleListsKept++;
    if (known === undefined) roleLists.set(first, [frozen]);
    else known.push(frozen);
  }
  return frozen;
}

/**
 * A frozen principal, its fields always set in the same order (one object shape for every
 * principal), without a spread; the optional fields only when present.
 */
function frozenPrincipal(
  sub: string,
  sid: string,
  roles: readonly string[],
  strategy: Principal['strategy'],
  exp: number,
  clientId: string | undefined,
  jkt: string | undefined,
): Principal {
  const principal: Principal = { sub, sid, roles, strategy, exp };
  if (clientId !== undefined) principal.clientId = clientId;
  if (jkt !== undefined) principal.jkt = jkt;
  return Object.freeze(principal);
}

/** Cached principals are shared between requests, so no handler may change one. */
export function freezePrincipal(principal: Principal): Principal {
  const { sub, sid, roles, strategy, exp, clientId, jkt } = principal;
  return frozenPrincipal(sub, sid, frozenRoles(roles, false), strategy, exp, clientId, jkt);
}

/**
 * A verified access token's principal, frozen. `claims` is the core verifier's answer for this one
 * call (its `roles` is the array of that call's own parse of the payload): nothing else holds it,
 * so a new role list is frozen in place, not copied again.
 */
export function tokenPrincipal(claims: AccessTokenClaims): Principal {
  const { sub, sid, roles, exp, client_id, cnf } = claims;
  return frozenPrincipal(sub, sid, frozenRoles(roles, true), 'jwt', exp, client_id, cnf?.jkt);
}

export function isPrincipalShaped(value: Principal): boolean {
  return (
    typeof value === 'object' &&
    typeof value.sub === 'string' &&
    typeof value.sid === 'string' &&
    Array.isArray(value.roles) &&
    value.roles.every((role) => typeof role === 'string') &&
    Number.isFinite(value.exp)
  );
}
