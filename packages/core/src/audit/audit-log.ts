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
}

export function createAuditLog(store: AuditStore, clock: Clock, random: RandomSource): AuditLog {
  return {
    async record(input, context = emptyContext) {
      await store.append({
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
    },
  };
}
