import { toBase64Url } from '../lib/encoding.ts';
import type { Clock } from '../clock.ts';
import type { RandomSource } from '../random.ts';
import type { AuditEvent, AuditStore } from '../store/types.ts';

/** Request context carried into audit events. Never a token or secret. */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
}

export const emptyContext: RequestContext = { ip: null, userAgent: null };

export type AuditInput = Partial<Omit<AuditEvent, 'id' | 'at' | 'type'>> & { type: string };

export interface AuditLog {
  record(input: AuditInput, context?: RequestContext): Promise<void>;
  /**
   * The event `record` would append, for a store write that appends it with its change (one
   * transaction, one commit): `store.sessions.create(session, audit.event(...))`.
   */
  event(input: AuditInput, context?: RequestContext): AuditEvent;
}

export function createAuditLog(store: AuditStore, clock: Clock, random: RandomSource): AuditLog {
  const event = (input: AuditInput, context = emptyContext): AuditEvent => ({
    id: toBase64Url(random.bytes(12)),
    type: input.type,
    at: clock.now(),
    actorId: input.actorId ?? null,
    subjectId: input.subjectId ?? null,
    sessionId: input.sessionId ?? null,
    ip: input.ip ?? context.ip,
    userAgent: input.userAgent ?? context.userAgent,
    data: input.data ?? {},
  });
  return {
    async record(input, context) {
      await store.append(event(input, context));
    },
    event,
  };
}
