import pg from 'pg';

/**
 * A pool whose idle-client errors (the server restarting or shutting down first on Ctrl-C) are
 * reported rather than crashing the process; the next query reconnects.
 */
export function createPool(connectionString: string, onIdleError: (err: Error) => void = () => undefined): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 10 });
  pool.on('error', onIdleError);
  return pool;
}

export type { Pool, PoolClient } from 'pg';

/** Runs `work` in a transaction on one client. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}
