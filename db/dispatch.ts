/** Dispatch rounds (R4, R33): one technician holds each round of a request; the first claim wins. */
import type { Pool } from 'pg';

export interface Claim {
  /** null: the request closed before anyone claimed the round (claimedBy `closed`). */
  technicianId: string | null;
  claimedBy: string;
}

export const CLOSED = 'closed';

/** Claims the round for the technician unless someone claimed it first; returns the holder either way. */
export async function claimRound(pool: Pool, requestId: string, round: number, technicianId: string | null, claimedBy: string): Promise<Claim> {
  const { rows } = await pool.query<Claim>(
    `WITH ins AS (
       INSERT INTO dispatch_claims (request_id, round, technician_id, claimed_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (request_id, round) DO NOTHING
       RETURNING technician_id AS "technicianId", claimed_by AS "claimedBy")
     SELECT * FROM ins
     UNION ALL
     SELECT technician_id, claimed_by FROM dispatch_claims WHERE request_id = $1 AND round = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
    [requestId, round, technicianId, claimedBy],
  );
  return rows[0];
}

export async function currentClaim(pool: Pool, requestId: string, round: number): Promise<Claim | undefined> {
  const { rows } = await pool.query<Claim>(
    'SELECT technician_id AS "technicianId", claimed_by AS "claimedBy" FROM dispatch_claims WHERE request_id = $1 AND round = $2',
    [requestId, round],
  );
  return rows[0];
}

/** Gives a round back when its job SMS could never be delivered, so another dispatch can claim it. */
export async function releaseRound(pool: Pool, requestId: string, round: number, technicianId: string, claimedBy: string): Promise<void> {
  await pool.query('DELETE FROM dispatch_claims WHERE request_id = $1 AND round = $2 AND technician_id = $3 AND claimed_by = $4', [requestId, round, technicianId, claimedBy]);
}

/** Claims the round for nobody as the request closes; returns whoever claimed it first, if anyone did. */
export const closeRound = (pool: Pool, requestId: string, round: number): Promise<Claim> => claimRound(pool, requestId, round, null, CLOSED);
