import type { AccessTokenClaims } from '@gatehouse/core';
import type { Principal } from '../types.ts';

/** Cached principals are shared between requests, so no handler may change one. */
export function freezePrincipal(principal: Principal): Principal {
  const frozen: Principal = {
    sub: principal.sub,
    sid: principal.sid,
    roles: Object.freeze([...principal.roles]),
    strategy: principal.strategy,
    exp: principal.exp,
  };
  if (principal.clientId !== undefined) frozen.clientId = principal.clientId;
  if (principal.jkt !== undefined) frozen.jkt = principal.jkt;
  return Object.freeze(frozen);
}

/**
 * A verified access token's principal, frozen, built without a spread. `claims` is the core
 * verifier's answer for this one call (checkAccessTokenClaims copies `roles` out of the payload):
 * nothing else holds its roles array, so it is frozen in place rather than copied again.
 */
export function tokenPrincipal(claims: AccessTokenClaims): Principal {
  const principal: Principal = {
    sub: claims.sub,
    sid: claims.sid,
    roles: Object.freeze(claims.roles),
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
