/** Request numbers and intake idempotency: a retried POST with the same key gets the same request. */
import type { Pool } from 'pg';
import { businessDay, formatRequestNumber } from '../domain/request-number';
import { inTransaction } from './pool';

/** The request number, and when it was first claimed (the request's intake time, the same on every retry). */
export type IntakeClaim =
  | { outcome: 'new'; requestId: string; claimedAt: string }
  | { outcome: 'replay'; requestId: string; claimedAt: string }
  | { outcome: 'key-reused'; requestId: string; claimedAt: string };

async function nextRequestNumber(client: { query: Pool['query'] }, at: Date): Promise<string> {
  const day = businessDay(at);
  const { rows } = await client.query<{ last_value: number }>(
    `INSERT INTO request_counters (day, last_value) VALUES ($1, 1)
     ON CONFLICT (day) DO UPDATE SET last_value = request_counters.last_value + 1 RETURNING last_value`,
    [day],
  );
  return formatRequestNumber(day, rows[0].last_value);
}

/**
 * Gives a new request number, or, when `idempotencyKey` was seen before, the number it got then
 * (`key-reused` when the key came with a different request body).
 */
export async function claimRequestNumber(pool: Pool, at: Date, bodyHash: string, idempotencyKey?: string): Promise<IntakeClaim> {
  if (!idempotencyKey) return { outcome: 'new', requestId: await nextRequestNumber(pool, at), claimedAt: at.toISOString() };
  return inTransaction(pool, async (client) => {
    // Serialise concurrent retries of one key so only one number is drawn for it.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [idempotencyKey]);
    const seen = await client.query<{ request_id: string; body_hash: string; created_at: Date }>(
      'SELECT request_id, body_hash, created_at FROM intake_keys WHERE idempotency_key = $1',
      [idempotencyKey],
    );
    if (seen.rows[0]) {
      const { request_id: requestId, body_hash: previousHash, created_at: createdAt } = seen.rows[0];
      return { outcome: previousHash === bodyHash ? 'replay' : 'key-reused', requestId, claimedAt: createdAt.toISOString() };
    }
    const requestId = await nextRequestNumber(client, at);
    await client.query('INSERT INTO intake_keys (idempotency_key, request_id, body_hash, created_at) VALUES ($1, $2, $3, $4)', [
      idempotencyKey,
      requestId,
      bodyHash,
      at,
    ]);
    return { outcome: 'new', requestId, claimedAt: at.toISOString() };
  });
}
