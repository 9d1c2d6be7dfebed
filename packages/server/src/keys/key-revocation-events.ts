import {
  type Auth,
  type Clock,
  type Keyring,
  type KeyStore,
  type RevocationEvent,
  revocationUntil,
} from '@gatehouse/core';

type MaintainedKeyring = Pick<Keyring, 'ensureActiveKey' | 'pruneRetired' | 'refreshIfStale' | 'jwks'>;

const publishedKids = (keyring: Pick<Keyring, 'jwks'>) => new Set(keyring.jwks().keys.map((key) => key.kid));

export interface DroppedKeys {
  /**
   * Publishes a `key` event for each kid this server's JWKS listed at an earlier call (or when this
   * was made) and no longer lists, whatever dropped it: a revocation by the CLI or another instance,
   * pruning, or a store that lost its keys (a Redis store restarted empty), which every reload
   * follows. Verifiers cache JWKS, so without the event they would keep accepting that kid. A
   * publish that fails is tried again at the next call.
   */
  announce(): Promise<void>;
  /**
   * `key` events for every kid this server has published that the key store no longer holds: what
   * a feed seeded again must carry. A Redis store restarted empty lost its keys along with the
   * feed, and a verifier that fetched the JWKS before this server reloaded would otherwise accept
   * any token of an old key, even one revoked before the loss, from a feed seeded without it.
   */
  lostFromStore(): Promise<RevocationEvent[]>;
}

export function trackDroppedKeys(
  keyring: Pick<Keyring, 'jwks'>,
  keyStore: Pick<KeyStore, 'list'>,
  { auth, clock }: { auth: Pick<Auth, 'publishRevocations'>; clock: Clock },
  accessTokenTtlMs: number,
): DroppedKeys {
  let known = publishedKids(keyring);
  // A key event outlives every token that kid could still pass (core protocol/revocation-until.ts).
  const eventsFor = (kids: Iterable<string>): RevocationEvent[] => {
    const until = revocationUntil('key', clock.now(), accessTokenTtlMs);
    return [...kids].map((kid) => ({ type: 'key', kid, until }));
  };
  return {
    async announce() {
      const now = publishedKids(keyring);
      const dropped = [...known].filter((kid) => !now.has(kid));
      if (dropped.length > 0) await auth.publishRevocations(eventsFor(dropped));
      known = now;
    },
    async lostFromStore() {
      const stored = new Set((await keyStore.list()).map((key) => key.kid));
      const kids = new Set([...known, ...publishedKids(keyring)]);
      return eventsFor([...kids].filter((kid) => !stored.has(kid)));
    },
  };
}

/** The keyring's background upkeep, each operation followed by `dropped.announce()`. */
export function publishDroppedKeys(keyring: MaintainedKeyring, dropped: Pick<DroppedKeys, 'announce'>) {
  const watch = async <T>(task: () => Promise<T>): Promise<T> => {
    const result = await task();
    await dropped.announce();
    return result;
  };
  return {
    ensureActiveKey: () => watch(() => keyring.ensureActiveKey()),
    pruneRetired: () => watch(() => keyring.pruneRetired()),
    refreshIfStale: () => watch(() => keyring.refreshIfStale()),
  };
}
