/** The accountability ledger (R14, R20): one record per breached stage and cycle of a request. */
import type { Pool } from 'pg';

export interface NewAccountabilityRecord {
  requestId: string;
  stage: string;
  cycle: number;
  rule: string;
  deadline: string;
  breachedAt: string;
  responsibleStaffId: string | null;
}

/** Writes the record unless this breach has one already; returns its id either way. */
export async function recordBreach(pool: Pool, record: NewAccountabilityRecord): Promise<number> {
  await pool.query(
    `INSERT INTO accountability_records (request_id, stage, cycle, rule, deadline, breached_at, responsible_staff_id)
     VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (request_id, stage, cycle) DO NOTHING`,
    [record.requestId, record.stage, record.cycle, record.rule, record.deadline, record.breachedAt, record.responsibleStaffId],
  );
  const { rows } = await pool.query<{ id: number }>(
    'SELECT id::int AS id FROM accountability_records WHERE request_id = $1 AND stage = $2 AND cycle = $3',
    [record.requestId, record.stage, record.cycle],
  );
  return rows[0].id;
}

export interface AccountabilityRecord extends NewAccountabilityRecord {
  id: number;
  status: string;
}

export async function recordsForRequest(pool: Pool, requestId: string): Promise<AccountabilityRecord[]> {
  const { rows } = await pool.query(
    `SELECT id::int AS id, request_id, stage, cycle, rule, deadline, breached_at, responsible_staff_id, status
       FROM accountability_records WHERE request_id = $1 ORDER BY id`,
    [requestId],
  );
  return rows.map((r) => ({
    id: r.id,
    requestId: r.request_id,
    stage: r.stage,
    cycle: r.cycle,
    rule: r.rule,
    deadline: r.deadline.toISOString(),
    breachedAt: r.breached_at.toISOString(),
    responsibleStaffId: r.responsible_staff_id,
    status: r.status,
  }));
}
