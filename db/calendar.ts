/** Operators' local rest days, kept in the database so they apply to new deadlines at once. */
import type { Pool } from 'pg';

export async function localRestDays(pool: Pool): Promise<Array<{ day: string; reason: string; addedBy: string }>> {
  const { rows } = await pool.query<{ day: string; reason: string; addedBy: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, reason, added_by AS "addedBy" FROM local_rest_days ORDER BY day`,
  );
  return rows;
}

export async function addLocalRestDay(pool: Pool, day: string, reason: string, by: string): Promise<void> {
  await pool.query(
    `INSERT INTO local_rest_days (day, reason, added_by) VALUES ($1, $2, $3)
     ON CONFLICT (day) DO UPDATE SET reason = EXCLUDED.reason, added_by = EXCLUDED.added_by, added_at = now()`,
    [day, reason, by],
  );
}
