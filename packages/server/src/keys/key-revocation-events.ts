import { type Auth, type Clock, type Keyring, type RevocationEvent, revocationUntil } from '@gatehouse/core';

type MaintainedKeyring = Pick<Keyring, 'ensureActiveKey' | 'pruneRetired' | 'refreshIfStale' | 'jwks'>;

const publishedKids = (keyring: MaintainedKeyring) => new Set(keyring.jwks().keys.map((key) => key.kid));

/**
 * Wraps the keyring's background upkeep so that a key which disappears from this server's view
 * (revoked by the CLI or another instance, or pruned) is announced on the revocation feed as a
 * `key` event. Verifiers cache JWKS, so without the event they would keep accepting a revoked kid
 * until their next refetch.
 */
export function publishDroppedKeys(
  keyring: MaintainedKeyring,
  { auth, clock }: { auth: Pick<Auth, 'publishRevocations'>; clock: Clock },
  accessTokenTtlMs: number,
) {
  const watch = async <T>(task: () => Promise<T>): Promise<T> => {
    const before = publishedKids(keyring);
    const result = await task();
    const after = publishedKids(keyring);
    // A key event outlives every token that kid could still pass (core protocol/revocation-until.ts).
    const until = revocationUntil('key', clock.now(), accessTokenTtlMs);
    const events: RevocationEvent[] = [...before]
      .filter((kid) => !after.has(kid))
      .map((kid) => ({ type: 'key', kid, until }));
    if (events.length > 0) await auth.publishRevocations(events);
    return result;
  };
  return {
    ensureActiveKey: () => watch(() => keyring.ensureActiveKey()),
    pruneRetired: () => watch(() => keyring.pruneRetired()),
    refreshIfStale: () => watch(() => keyring.refreshIfStale()),
  };
}
