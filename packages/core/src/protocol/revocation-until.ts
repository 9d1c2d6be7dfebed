// A leaf module (no node:*): the verifier SDK's WebCrypto build imports it.
import type { RevocationEvent } from '../revocation/revocation-event.ts';

/** The longest access-token lifetime a server can be configured with (900 s). */
export const MAX_ACCESS_TOKEN_TTL_MS = 15 * 60_000;

/**
 * How long past the access-token lifetime a `key` event stays in force: the verifiers' `exp`
 * leeway (30 s) plus clock skew between servers. A key's tokens are only known by their kid, so its
 * event is kept a margin longer than one naming a session, user or token.
 */
export const KEY_EVENT_MARGIN_MS = 60_000;

/**
 * An event's `until`: the latest `exp` a token it covers can carry, so the event expires by itself.
 * Every token it covers was issued by `now`, so it expires by `now + accessTokenTtlMs`; `key`
 * events add `KEY_EVENT_MARGIN_MS`. (Verifiers keep each entry a further leeway past `until`.)
 *
 * @example
 * const until = revocationUntil('session', clock.now(), policy.accessTokenTtlMs);
 */
export function revocationUntil(
  type: RevocationEvent['type'],
  now: number,
  accessTokenTtlMs: number,
): number {
  return now + accessTokenTtlMs + (type === 'key' ? KEY_EVENT_MARGIN_MS : 0);
}
