/**
 * The accountability ledger (R14, R20–R25): one record per breached stage and cycle of a request;
 * the responsible person's statement (R25), then a supervisor's decision (R21, R22, R24). Nothing is
 * deleted: every change is appended to accountability_events.
 */
import type { Pool, PoolClient } from 'pg';
import { AGGRAVATED_FROM_RECORD, STATEMENT_WINDOW_HOURS, type Outcome } from '../domain/accountability';
import { inTransaction } from './pool';


export interface NewAccountabilityRecord {
  requestId: string;
  stage: string;
  cycle: number;
  rule: string;
  deadline: string;
  breachedAt: string;
  responsibleStaffId: string | null;
  /** R23: this record within twelve months is aggravated (policy; the document: the third). */
  aggravatedFromRecord?: number;
  /** R25: hours to file a statement (policy). */
  statementWindowHours?: number;
}

export interface AccountabilityRecord extends Omit<NewAccountabilityRecord, 'aggravatedFromRecord' | 'statementWindowHours'> {
  id: number;
  status: 'open' | 'statement_filed' | 'decided';
  aggravated: boolean;
  statementDueAt: string;
  statement: string | null;
  statementAt: string | null;
  outcome: Outcome | null;
  sanction: string | null;
  mitigating: string[];
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
}

export interface LedgerEvent {
  at: string;
  actor: string | null;
  type: 'opened' | 'statement_filed' | 'decided';
  detail: Record<string, unknown> | null;
}

/**
 * Writes the record unless this breach has one already; returns its id either way. R23: a person
 * held to account (a supervisor's decision other than exemption) more than twice in the twelve
 * months before the breach gets it flagged aggravated.
 */
export async function recordBreach(pool: Pool, record: NewAccountabilityRecord): Promise<number> {
  return inTransaction(pool, async (db) => {
    const existing = await findId(db, record);
    if (existing !== undefined) return existing;
    const prior = record.responsibleStaffId
      ? (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM accountability_records
              WHERE responsible_staff_id = $1 AND breached_at > $2::timestamptz - interval '12 months' AND breached_at <= $2
                AND outcome IS NOT NULL AND outcome <> 'exempt' AND decided_at <= $2`,
            [record.responsibleStaffId, record.breachedAt],
          )
        ).rows[0].n
      : 0;
    const inserted = await db.query<{ id: number }>(
      `INSERT INTO accountability_records (request_id, stage, cycle, rule, deadline, breached_at, responsible_staff_id,
          aggravated, statement_due_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8, $6::timestamptz + make_interval(hours => $9))
       ON CONFLICT (request_id, stage, cycle) DO NOTHING RETURNING id::int AS id`,
      [record.requestId, record.stage, record.cycle, record.rule, record.deadline, record.breachedAt, record.responsibleStaffId,
        prior + 1 >= (record.aggravatedFromRecord ?? AGGRAVATED_FROM_RECORD), record.statementWindowHours ?? STATEMENT_WINDOW_HOURS],
    );
    const id = inserted.rows[0]?.id ?? (await findId(db, record))!;
    if (inserted.rows[0]) {
      await appendEvent(db, id, null, 'opened', { rule: record.rule, stage: record.stage, priorRecordsIn12Months: prior });
    }
    return id;
  });
}

async function findId(db: PoolClient, record: NewAccountabilityRecord): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(
    'SELECT id::int AS id FROM accountability_records WHERE request_id = $1 AND stage = $2 AND cycle = $3',
    [record.requestId, record.stage, record.cycle],
  );
  return rows[0]?.id;
}

async function appendEvent(db: PoolClient | Pool, recordId: number, actor: string | null, type: LedgerEvent['type'], detail: object) {
  await db.query('INSERT INTO accountability_events (record_id, actor, type, detail) VALUES ($1,$2,$3,$4)', [
    recordId, actor, type, JSON.stringify(detail),
  ]);
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toRecord(r: any): AccountabilityRecord {
  return {
    id: r.id,
    requestId: r.request_id,
    stage: r.stage,
    cycle: r.cycle,
    rule: r.rule,
    deadline: r.deadline.toISOString(),
    breachedAt: r.breached_at.toISOString(),
    responsibleStaffId: r.responsible_staff_id,
    status: r.status,
    aggravated: r.aggravated,
    statementDueAt: r.statement_due_at.toISOString(),
    statement: r.statement,
    statementAt: iso(r.statement_at),
    outcome: r.outcome,
    sanction: r.sanction,
    mitigating: r.mitigating,
    decidedBy: r.decided_by,
    decidedAt: iso(r.decided_at),
    decisionNote: r.decision_note,
  };
}

const SELECT_RECORD = `SELECT id::int AS id, request_id, stage, cycle, rule, deadline, breached_at, responsible_staff_id, status,
    aggravated, statement_due_at, statement, statement_at, outcome, sanction, mitigating, decided_by, decided_at, decision_note
  FROM accountability_records`;

export async function findRecord(pool: Pool, id: number): Promise<AccountabilityRecord | undefined> {
  const { rows } = await pool.query(`${SELECT_RECORD} WHERE id = $1`, [id]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

export async function listRecords(
  pool: Pool,
  filter: { requestId?: string; responsibleStaffId?: string; status?: string; limit: number; offset: number },
): Promise<AccountabilityRecord[]> {
  const { rows } = await pool.query(
    `${SELECT_RECORD}
      WHERE ($1::text IS NULL OR request_id = $1) AND ($2::text IS NULL OR responsible_staff_id = $2) AND ($3::text IS NULL OR status = $3)
      ORDER BY breached_at DESC, id DESC LIMIT $4 OFFSET $5`,
    [filter.requestId ?? null, filter.responsibleStaffId ?? null, filter.status ?? null, filter.limit, filter.offset],
  );
  return rows.map(toRecord);
}

export async function recordHistory(pool: Pool, id: number): Promise<LedgerEvent[]> {
  const { rows } = await pool.query('SELECT at, actor, type, detail FROM accountability_events WHERE record_id = $1 ORDER BY id', [id]);
  return rows.map((r) => ({ at: r.at.toISOString(), actor: r.actor, type: r.type, detail: r.detail }));
}

/** R25: the responsible person's statement; refused once decided or filed. Returns false if the state did not allow it. */
export async function fileStatement(pool: Pool, id: number, staffId: string, text: string): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    const updated = await db.query(
      `UPDATE accountability_records SET statement = $2, statement_at = now(), status = 'statement_filed'
        WHERE id = $1 AND status = 'open' AND statement_due_at > now()`,
      [id, text],
    );
    if (updated.rowCount === 0) return false;
    await appendEvent(db, id, staffId, 'statement_filed', { statement: text });
    return true;
  });
}

export interface Decision {
  outcome: Outcome;
  sanction?: string;
  mitigating: string[];
  note?: string;
}

/** R21, R22, R24: a supervisor's decision, once the person was heard or the statement window passed. */
export async function decide(pool: Pool, id: number, supervisorId: string, decision: Decision): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    const updated = await db.query(
      `UPDATE accountability_records
          SET outcome = $2, sanction = $3, mitigating = $4, decision_note = $5, decided_by = $6, decided_at = now(), status = 'decided'
        WHERE id = $1 AND (status = 'statement_filed' OR (status = 'open' AND statement_due_at <= now()))`,
      [id, decision.outcome, decision.sanction ?? null, decision.mitigating, decision.note ?? null, supervisorId],
    );
    if (updated.rowCount === 0) return false;
    await appendEvent(db, id, supervisorId, 'decided', { ...decision });
    return true;
  });
}
