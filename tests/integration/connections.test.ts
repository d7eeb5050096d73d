/**
 * Outages the processes live through (issue: nothing stuck, lost or doubled when processes crash):
 * a connection that PostgreSQL drops while a client is checked out (its shutdown, 57P01) is reported,
 * not fatal; and at start-up a dependency still coming up is waited for, not a reason to exit.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool, type Pool } from '../../db/pool';
import { withStartRetry } from '../../worker/connections';

let admin: pg.Client;
beforeAll(async () => {
  admin = new pg.Client(inject('databaseUrl'));
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
});

describe('a dropped connection', () => {
  it('on a checked-out client is reported to the pool owner and the next query reconnects', async () => {
    const reported: string[] = [];
    const pool: Pool = createPool(inject('databaseUrl'), (err) => reported.push(err.message));
    try {
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // The server ends this backend while the client is checked out and idle (as on shutdown).
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      await expect.poll(() => reported.length, { timeout: 5_000 }).toBeGreaterThan(0);
      expect(reported[0]).toMatch(/terminat/i);
      client.release(new Error('connection lost'));
      const again = await pool.query<{ one: number }>('SELECT 1 AS one');
      expect(again.rows[0].one).toBe(1);
    } finally {
      await pool.end();
    }
  });
});

describe('start-up', () => {
  it('retries a dependency that is not up yet, then goes on', async () => {
    let attempts = 0;
    const warned: string[] = [];
    const value = await withStartRetry(
      'PostgreSQL',
      async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return 'connected';
      },
      { warn: (_obj: unknown, msg?: string) => void warned.push(String(msg)) },
      10,
    );
    expect(value).toBe('connected');
    expect(attempts).toBe(3);
    expect(warned).toEqual(['PostgreSQL not reachable yet; retrying', 'PostgreSQL not reachable yet; retrying']);
  });

  it('gives up after START_WAIT_SECONDS with the last error', async () => {
    let attempts = 0;
    const failing = withStartRetry(
      'Temporal',
      async () => {
        attempts += 1;
        throw new Error(`Cannot reach Temporal (attempt ${attempts})`);
      },
      undefined,
      0,
    );
    await expect(failing).rejects.toThrow('Cannot reach Temporal (attempt 1)');
  });
});
