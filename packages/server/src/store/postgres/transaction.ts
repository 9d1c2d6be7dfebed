import type { Pool, PoolClient } from 'pg';

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
    const rollbackError = await client.query('ROLLBACK').then(
      () => undefined,
      (failure: Error) => failure,
    );
    // A connection that cannot roll back is in an unknown state: destroy it, never reuse it.
    client.release(rollbackError);
    throw error;
  }
}
