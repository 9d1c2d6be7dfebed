import type { DatabaseSync } from 'node:sqlite';
import type { KeyStore } from '@gatehouse/core';
import { toSigningKeyRecord } from '../lib/rows.ts';
import { runInImmediateTransaction } from './transaction.ts';

export function createSqliteKeyStore(db: DatabaseSync): KeyStore {
  const selectAll = db.prepare('SELECT * FROM signing_keys ORDER BY created_at DESC, kid');
  const retireActive = db.prepare(
    "UPDATE signing_keys SET status = 'retired', retired_at = ? WHERE status = 'active'",
  );
  const insertActive = db.prepare(`
    INSERT INTO signing_keys (kid, alg, public_jwk, private_key_cipher, status, created_at, retired_at)
    VALUES (?, ?, ?, ?, 'active', ?, NULL)
  `);
  const deleteByKid = db.prepare('DELETE FROM signing_keys WHERE kid = ?');
  const deleteRetired = db.prepare(
    "DELETE FROM signing_keys WHERE status = 'retired' AND retired_at < ? RETURNING kid",
  );

  return {
    async list() {
      return selectAll.all().map(toSigningKeyRecord);
    },
    async rotate(key, now) {
      runInImmediateTransaction(db, () => {
        retireActive.run(now);
        insertActive.run(key.kid, key.alg, key.publicJwk, key.privateKeyCipher, key.createdAt);
      });
    },
    async remove(kid) {
      return Number(deleteByKid.run(kid).changes) > 0;
    },
    async pruneRetired(before) {
      return deleteRetired.all(before).map((row) => row.kid as string);
    },
  };
}
