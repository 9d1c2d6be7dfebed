import type { RevocationEvent } from './revocation-event.ts';

const MAX_ID_LENGTH = 512;

const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * Checks an event that arrived over a wire (SSE, Redis) and copies only the known fields, so a
 * malformed or hostile message can neither crash a verifier nor smuggle extra properties into its
 * state. Returns null for anything that is not exactly a `RevocationEvent`.
 */
export function parseRevocationEvent(value: unknown): RevocationEvent | null {
  if (typeof value !== 'object' || value === null) return null;
  const event = value as Record<string, unknown>;
  if (!isTime(event.until)) return null;
  switch (event.type) {
    case 'session':
      return isId(event.sid) && isId(event.sub)
        ? { type: 'session', sid: event.sid, sub: event.sub, until: event.until }
        : null;
    case 'user':
      return isId(event.sub) && isTime(event.before)
        ? { type: 'user', sub: event.sub, before: event.before, until: event.until }
        : null;
    case 'token':
      return isId(event.jti) ? { type: 'token', jti: event.jti, until: event.until } : null;
    case 'key':
      return isId(event.kid) ? { type: 'key', kid: event.kid, until: event.until } : null;
    default:
      return null;
  }
}
