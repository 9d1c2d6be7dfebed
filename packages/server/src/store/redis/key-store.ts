import type { KeyStore, SigningKeyRecord } from '@gatehouse/core';
import { type RedisStoreContext, execTransaction } from './context.ts';

/** The parts of a key that never change; status and retiredAt live beside them. */
type StoredKey = Pick<SigningKeyRecord, 'kid' | 'alg' | 'publicJwk' | 'privateKeyCipher' | 'createdAt'>;

const byNewest = (a: SigningKeyRecord, b: SigningKeyRecord) =>
  b.createdAt - a.createdAt || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0);

/**
 * Keys share the `{keys}` slot: records (kid → JSON), retired (kid → retiredAt) and the one active
 * kid. Status is derived from the active kid, so "exactly one active key" holds by construction.
 */
export function createRedisKeyStore({ client, keys, scripts }: RedisStoreContext): KeyStore {
  const slotKeys = [keys.keyRecords, keys.retiredKeys, keys.activeKey];

  return {
    async list() {
      const [records, retired, active] = (await execTransaction(
        client.multi().hgetall(keys.keyRecords).hgetall(keys.retiredKeys).get(keys.activeKey),
      )) as [Record<string, string>, Record<string, string>, string | null];
      return Object.entries(records)
        .map(([kid, json]): SigningKeyRecord => {
          const stored = JSON.parse(json) as StoredKey;
          const retiredAt = retired[kid];
          return {
            kid,
            alg: stored.alg,
            publicJwk: stored.publicJwk,
            privateKeyCipher: stored.privateKeyCipher,
            status: kid === active ? 'active' : 'retired',
            createdAt: stored.createdAt,
            retiredAt: kid === active || retiredAt === undefined ? null : Number(retiredAt),
          };
        })
        .sort(byNewest);
    },

    async rotate(key, now) {
      const stored: StoredKey = {
        kid: key.kid,
        alg: key.alg,
        publicJwk: key.publicJwk,
        privateKeyCipher: key.privateKeyCipher,
        createdAt: key.createdAt,
      };
      await scripts.rotateSigningKey(slotKeys, [key.kid, JSON.stringify(stored), String(now)]);
    },

    async remove(kid) {
      return (await scripts.removeSigningKey(slotKeys, [kid])) === 1;
    },

    async pruneRetired(before) {
      return (await scripts.pruneSigningKeys(slotKeys, [String(before)])) as string[];
    },
  };
}
