import { type AccessTokens, type Keyring, type KeyStore, TokenError } from '@gatehouse/core';

/**
 * Checks the store before every token this server signs (issue 10): a kid revoked by the CLI, the
 * admin API or another instance is never used again from the moment the revocation returned, and a
 * key rotated elsewhere is used here at once. When the store holds no active key at all (a Redis
 * store restarted empty), one is created now rather than at the next hourly check. One small read
 * per issued token: tokens are issued on login and refresh, never per request.
 */
export function guardSigningKey(
  accessTokens: AccessTokens,
  keyring: Pick<Keyring, 'getSigningKey' | 'getVerificationKey' | 'reload' | 'ensureActiveKey'>,
  keyStore: Pick<KeyStore, 'list'>,
): AccessTokens {
  let lastLookAt = Number.NEGATIVE_INFINITY;

  /**
   * A token signed with a key another instance created a moment ago: reload when the store has
   * that kid. Looked up at most every KID_LOOKUP_MS, so a flood of made-up kids costs a few small
   * reads a second, never a reload each.
   */
  async function knowsKidAfterLookup(token: string): Promise<boolean> {
    const kid = readKid(token);
    if (kid === null || Date.now() - lastLookAt < KID_LOOKUP_MS) return false;
    lastLookAt = Date.now();
    if (!(await keyStore.list()).some((key) => key.kid === kid)) return false;
    await keyring.reload();
    return keyring.getVerificationKey(kid) !== null;
  }

  const retryOnUnknownKid =
    <T>(operation: (token: string) => Promise<T>) =>
    async (token: string): Promise<T> => {
      try {
        return await operation(token);
      } catch (error) {
        if (
          error instanceof TokenError &&
          error.code === 'ERR_TOKEN_KID' &&
          (await knowsKidAfterLookup(token))
        )
          return operation(token);
        throw error;
      }
    };

  return {
    async issue(user, session, binding) {
      await followStoredSigningKey(keyring, keyStore);
      return accessTokens.issue(user, session, binding);
    },
    verify: retryOnUnknownKid((token) => accessTokens.verify(token)),
    authenticate: retryOnUnknownKid((token) => accessTokens.authenticate(token)),
  };
}

const KID_LOOKUP_MS = 250;

function readKid(token: string): string | null {
  try {
    const header: unknown = JSON.parse(
      Buffer.from(token.split('.', 1)[0] ?? '', 'base64url').toString('utf8'),
    );
    const kid = (header as { kid?: unknown } | null)?.kid;
    return typeof kid === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(kid) ? kid : null;
  } catch {
    return null;
  }
}

/** Makes the keyring's signing key the store's active one; creates one when the store has none. */
export async function followStoredSigningKey(
  keyring: Pick<Keyring, 'getSigningKey' | 'reload' | 'ensureActiveKey'>,
  keyStore: Pick<KeyStore, 'list'>,
): Promise<void> {
  const stored = (await keyStore.list()).find((key) => key.status === 'active');
  if (stored && stored.kid === currentKid(keyring)) return;
  if (stored) await keyring.reload();
  // Reloaded and still nothing to sign with (no active key stored, or it vanished meanwhile).
  if (!stored || currentKid(keyring) === null) await keyring.ensureActiveKey();
}

function currentKid(keyring: Pick<Keyring, 'getSigningKey'>): string | null {
  try {
    return keyring.getSigningKey().kid;
  } catch {
    return null;
  }
}
