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

/** Cached principals are shared between requests, so no handler may change one. */
export function freezePrincipal(principal: Principal): Principal {
  const frozen: Principal = {
    sub: principal.sub,
    sid: principal.sid,
    roles: frozenRoles(principal.roles, false),
    strategy: principal.strategy,
    exp: principal.exp,
  };
  if (principal.clientId !== undefined) frozen.clientId = principal.clientId;
  if (principal.jkt !== undefined) frozen.jkt = principal.jkt;
  return Object.freeze(frozen);
}

/**
 * A verified access token's principal, frozen, built without a spread. `claims` is the core
 * verifier's answer for this one call (its `roles` is the array of that call's own parse of the
 * payload): nothing else holds it, so a new role list is frozen in place, not copied again.
 */
export function tokenPrincipal(claims: AccessTokenClaims): Principal {
  const principal: Principal = {
    sub: claims.sub,
    sid: claims.sid,
    roles: frozenRoles(claims.roles, true),
    strategy: 'jwt',
    exp: claims.exp,
  };
  if (claims.client_id !== undefined) principal.clientId = claims.client_id;
  if (claims.cnf !== undefined) principal.jkt = claims.cnf.jkt;
  return Object.freeze(principal);
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
