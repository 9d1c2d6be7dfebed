import type { Pool } from 'pg';
import type { KeyStore } from '@gatehouse/core';
import { toSigningKeyRecord } from '../lib/rows.ts';
import { runInTransaction } from './transaction.ts';

export function createPostgresKeyStore(pool: Pool): KeyStore {
  return {
    async list() {
      const { rows } = await pool.query('SELECT * FROM signing_keys ORDER BY created_at DESC, kid');
      return rows.map(toSigningKeyRecord);
    },
    async rotate(key, now) {
      await runInTransaction(pool, async (client) => {
        // Row locks are not enough: a second rotation would find the old key already retired,
        // skip it, and insert a second active key. This mode admits readers but one rotation at a time.
        await client.query('LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE');
        await client.query(
          "UPDATE signing_keys SET status = 'retired', retired_at = $1 WHERE status = 'active'",
          [now],
        );
        await client.query(
          `INSERT INTO signing_keys (kid, alg, public_jwk, private_key_cipher, status, created_at, retired_at)
           VALUES ($1, $2, $3, $4, 'active', $5, NULL)`,
          [key.kid, key.alg, key.publicJwk, key.privateKeyCipher, key.createdAt],
        );
      });
    },
    async remove(kid) {
      const result = await pool.query('DELETE FROM signing_keys WHERE kid = $1', [kid]);
      return result.rowCount === 1;
    },
    async pruneRetired(before) {
      const { rows } = await pool.query(
        "DELETE FROM signing_keys WHERE status = 'retired' AND retired_at < $1 RETURNING kid",
        [before],
      );
      return rows.map((row) => row.kid as string);
    },
  };
}
