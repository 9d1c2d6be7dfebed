import type { KeyStore, SigningKeyRecord } from '@gatehouse/core';
import { toSigningKeyRecord } from './rows.ts';
import type { SqlDialect, SqlDriver } from './driver.ts';
import { changed, execute, rows, type SqlProgram, script } from './program.ts';

/** Run in a transaction: one rotation at a time, so there is never a second active key. */
function* rotate(dialect: SqlDialect, key: SigningKeyRecord, now: number): SqlProgram<void> {
  const lock = dialect.lockTable('signing_keys');
  if (lock) yield* script(lock);
  yield* execute("UPDATE signing_keys SET status = 'retired', retired_at = ? WHERE status = 'active'", now);
  yield* execute(
    `INSERT INTO signing_keys (kid, alg, public_jwk, private_key_cipher, status, created_at, retired_at)
     VALUES (?, ?, ?, ?, 'active', ?, NULL)`,
    key.kid,
    key.alg,
    key.publicJwk,
    key.privateKeyCipher,
    key.createdAt,
  );
}

function* list(): SqlProgram<SigningKeyRecord[]> {
  return (yield* rows('SELECT * FROM signing_keys ORDER BY created_at DESC, kid')).map(toSigningKeyRecord);
}

function* pruneRetired(before: number): SqlProgram<string[]> {
  const pruned = yield* rows(
    "DELETE FROM signing_keys WHERE status = 'retired' AND retired_at < ? RETURNING kid",
    before,
  );
  return pruned.map((found) => found.kid as string);
}

export function createSqlKeyStore({ run, transaction, dialect }: SqlDriver): KeyStore {
  return {
    list: () => run(list()),
    rotate: (key, now) => transaction(rotate(dialect, key, now)),
    remove: (kid) => run(changed('DELETE FROM signing_keys WHERE kid = ?', kid)),
    pruneRetired: (before) => run(pruneRetired(before)),
  };
}
