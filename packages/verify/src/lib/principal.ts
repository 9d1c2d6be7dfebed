import type { Principal } from '../types.ts';

/** Cached principals are shared between requests, so no handler may change one. */
export function freezePrincipal(principal: Principal): Principal {
  return Object.freeze({
    sub: principal.sub,
    sid: principal.sid,
    roles: Object.freeze([...principal.roles]),
    strategy: principal.strategy,
    exp: principal.exp,
    ...(principal.clientId === undefined ? {} : { clientId: principal.clientId }),
    ...(principal.jkt === undefined ? {} : { jkt: principal.jkt }),
  });
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
