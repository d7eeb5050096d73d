import pg from 'pg';

export interface PoolTimeouts {
  /** Opening a connection, or waiting for a free one, gives up after this (pg's connectionTimeoutMillis). */
  connectMs: number;
  /** The server cancels a statement running longer (statement_timeout; SQLSTATE 57014). */
  statementMs: number;
  /** The client gives up on an answer after this, should the server not answer at all (query_timeout). */
  queryMs: number;
}

const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

/**
 * Defaults keep an outage short for the caller: PostgreSQL down or unreachable fails a request
 * within ~3 s (the API answers 503), a stuck statement within 10 s. DB_CONNECT_TIMEOUT_MS,
 * DB_STATEMENT_TIMEOUT_MS and DB_QUERY_TIMEOUT_MS change them.
 */
export function poolTimeoutsFromEnv(env: NodeJS.ProcessEnv = process.env): PoolTimeouts {
  const statementMs = positive(env.DB_STATEMENT_TIMEOUT_MS, 10_000);
  return {
    connectMs: positive(env.DB_CONNECT_TIMEOUT_MS, 3_000),
    statementMs,
    queryMs: positive(env.DB_QUERY_TIMEOUT_MS, statementMs + 2_000),
  };
}

/**
 * A pool whose client errors (the server restarting or shutting down first on Ctrl-C) are
 * reported rather than crashing the process; the next query reconnects. Every connection and
 * statement has a time limit (PoolTimeouts), so callers fail fast instead of hanging.
 */
export function createPool(
  connectionString: string,
  onIdleError: (err: Error) => void = () => undefined,
  timeouts: Partial<PoolTimeouts> = {},
): pg.Pool {
  const t = { ...poolTimeoutsFromEnv(), ...timeouts };
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    connectionTimeoutMillis: t.connectMs,
    statement_timeout: t.statementMs,
    query_timeout: t.queryMs,
    idle_in_transaction_session_timeout: Math.max(t.statementMs * 3, 30_000),
    keepAlive: true,
  });
  pool.on('error', onIdleError);
  // A checked-out client whose connection drops between queries (the server shutting down, 57P01)
  // emits 'error' on itself, not on the pool: without a listener that would end the process.
  pool.on('connect', (client) => client.on('error', onIdleError));
  return pool;
}

export type { Pool, PoolClient } from 'pg';

/** Runs `work` in a transaction on one client; a client whose connection broke is discarded, not reused. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => {
      broken = rollbackErr;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
