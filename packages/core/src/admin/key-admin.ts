import { emptyContext, type RequestContext } from '../audit/audit-log.ts';
import type { Auth } from '../auth.ts';
import type { AuthDeps } from '../auth-deps.ts';
import type { Keyring } from '../keys/keyring.ts';
import { revocationUntil } from '../protocol/revocation-until.ts';
import { type AdminActor, recordAdminAction } from './admin-actor.ts';

/** Kids are base64url; anything else cannot name a key. */
const KID = /^[A-Za-z0-9_-]{1,128}$/;

/** The audit log, clock and session policy from the composition root, the keyring, and the publisher. */
export interface KeyAdminOptions extends Pick<AuthDeps, 'audit' | 'clock' | 'sessionPolicy'> {
  auth: Pick<Auth, 'publishRevocations'>;
  keyring: Pick<Keyring, 'rotate' | 'revoke' | 'getSigningKey'>;
}

/**
 * Signing-key administration, shared by the admin HTTP API and the CLI: on-demand rotation and
 * emergency revocation, both audited. A revoked kid is also announced on the revocation feed,
 * because verifiers cache the JWKS and would otherwise accept it until their next refetch.
 *
 * @example
 * const keys = createKeyAdmin({ auth, keyring, audit, clock, sessionPolicy });
 * await keys.revoke({ kind: 'user', id: admin.id }, 'compromised-kid', context);
 */
export function createKeyAdmin(options: KeyAdminOptions) {
  const { auth, keyring, audit, clock, sessionPolicy } = options;

  function activeKid(): string | null {
    try {
      return keyring.getSigningKey().kid;
    } catch {
      return null; // no active key loaded yet
    }
  }

  return {
    /** Makes a new key active (the previous one keeps verifying what it signed); returns its kid. */
    async rotate(actor: AdminActor, context: RequestContext = emptyContext): Promise<string> {
      const previous = activeKid();
      const kid = await keyring.rotate();
      await recordAdminAction(audit, actor, { type: 'key.rotated', data: { kid, previous } }, context);
      return kid;
    },

    /**
     * Drops a key at once: tokens it signed stop verifying here, and a `key` event tells every
     * verifier. Revoking the active key makes a new one. Resolves false for an unknown kid.
     */
    async revoke(actor: AdminActor, kid: string, context: RequestContext = emptyContext): Promise<boolean> {
      if (!KID.test(kid)) return false;
      const wasActive = activeKid() === kid;
      if (!(await keyring.revoke(kid))) return false;
      const until = revocationUntil('key', clock.now(), sessionPolicy.accessTokenTtlMs);
      await auth.publishRevocations([{ type: 'key', kid, until }]);
      await recordAdminAction(
        audit,
        actor,
        { type: 'key.revoked', data: { kid, wasActive, active: activeKid() } },
        context,
      );
      return true;
    },
  };
}

export type KeyAdmin = ReturnType<typeof createKeyAdmin>;
