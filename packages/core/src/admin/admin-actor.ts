import type { AuditLog, RequestContext } from '../audit/audit-log.ts';

/**
 * Who performs an admin action: an admin account (over HTTP), or the operator at the command line,
 * who has shell access to the deployment rather than an account.
 */
export type AdminActor = { kind: 'user'; id: string } | { kind: 'cli' };

export const cliActor: AdminActor = Object.freeze({ kind: 'cli' });

export function actorIdOf(actor: AdminActor): string | null {
  return actor.kind === 'user' ? actor.id : null;
}

/** Audits an admin action: actor = the admin (none for the CLI), subject = the target, `data.via` = how. */
export function recordAdminAction(
  audit: AuditLog,
  actor: AdminActor,
  event: { type: string; subjectId?: string | null; data?: Record<string, unknown> },
  context: RequestContext,
): Promise<void> {
  return audit.record(
    {
      type: event.type,
      actorId: actorIdOf(actor),
      subjectId: event.subjectId ?? null,
      data: { ...event.data, via: actor.kind === 'user' ? 'http' : 'cli' },
    },
    context,
  );
}
