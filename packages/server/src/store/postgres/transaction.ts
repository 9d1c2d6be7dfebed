import type { Pool, PoolClient } from 'pg';
import { isUnavailableError } from '../lib/unavailable-error.ts';

/** Runs `work` in one transaction on one pooled connection; rolls back on any error. */
export async function runInTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    // Cut off or timed out: a ROLLBACK would wait out its own timeout on the same dead link. The
    // server rolls back by itself when the connection goes (or after idle_in_transaction_session_timeout).
    if (isUnavailableError(error)) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
    const rollbackError = await client.query('ROLLBACK').then(
      () => undefined,
      (failure: Error) => failure,
    );
    // A connection that cannot roll back is in an unknown state: destroy it, never reuse it.
    client.release(rollbackError);
    throw error;
  }
}
