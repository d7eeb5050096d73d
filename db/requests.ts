/** The request registry and timeline: written by the workflow's activity, read by the API. */
import type { Pool, PoolClient } from 'pg';
import type { RequestStatus, TimelineEvent } from '../domain/request';

/** The registry's columns, from a request's live state; the whole state goes in `snapshot`. */
export interface RegistryRow {
  requestId: string;
  kind: string;
  severity: string | null;
  regionId: string;
  stage: string;
  cycle: number;
  customer: { name: string; phone: string; address: string };
  description: string;
  firstContactStaffId: string;
  technicianId: string | null;
  receivedAt: string;
  nextDeadline: string | null;
  breached: boolean;
  closedAt: string | null;
  snapshot: RequestStatus;
}

export const registryRow = (s: RequestStatus): RegistryRow => ({
  ...s,
  severity: s.severity ?? null,
  technicianId: s.assignee?.staffId ?? null,
  nextDeadline: s.nextDeadline ?? null,
  breached: s.breaches.length > 0,
  closedAt: s.closedAt ?? null,
  snapshot: s,
});

/** Upserts the registry row (never moving it backwards) and appends events once per (request, seq). */
export async function saveProgress(client: PoolClient | Pool, row: RegistryRow, events: TimelineEvent[]): Promise<void> {
  const lastSeq = events.reduce((max, e) => Math.max(max, e.seq), 0);
  await client.query(
    `INSERT INTO service_requests (id, kind, severity, region_id, stage, cycle, customer_name, customer_phone,
        customer_address, fault_description, first_contact_staff_id, technician_id, received_at, next_deadline,
        breached, closed_at, last_seq, snapshot, updated_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18, now())
     ON CONFLICT (id) DO UPDATE SET stage = EXCLUDED.stage, cycle = EXCLUDED.cycle, technician_id = EXCLUDED.technician_id,
        next_deadline = EXCLUDED.next_deadline, breached = EXCLUDED.breached, closed_at = EXCLUDED.closed_at,
        last_seq = EXCLUDED.last_seq, snapshot = EXCLUDED.snapshot, updated_at = now()
     WHERE service_requests.last_seq <= EXCLUDED.last_seq`,
    [
      row.requestId, row.kind, row.severity, row.regionId, row.stage, row.cycle, row.customer.name, row.customer.phone,
      row.customer.address, row.description, row.firstContactStaffId, row.technicianId, row.receivedAt, row.nextDeadline,
      row.breached, row.closedAt, lastSeq, JSON.stringify(row.snapshot),
    ],
  );
  for (const e of events) {
    await client.query(
      `INSERT INTO request_events (request_id, seq, type, stage, at, actor, on_time, detail)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (request_id, seq) DO NOTHING`,
      [row.requestId, e.seq, e.type, e.stage, e.at, e.actor ?? null, e.onTime ?? null, e.detail ? JSON.stringify(e.detail) : null],
    );
  }
}

export interface RequestListFilter {
  /** Only requests this staff member took (R1) or was dispatched. */
  staffId?: string;
  stage?: string;
  regionId?: string;
  breached?: boolean;
  limit: number;
  offset: number;
}

export interface RequestSummary {
  requestId: string;
  kind: string;
  severity: string | null;
  regionId: string;
  stage: string;
  customerName: string;
  firstContactStaffId: string;
  technicianId: string | null;
  receivedAt: string;
  nextDeadline: string | null;
  breached: boolean;
  closedAt: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function listRequests(pool: Pool, filter: RequestListFilter): Promise<RequestSummary[]> {
  const { rows } = await pool.query(
    `SELECT id, kind, severity, region_id, stage, customer_name, first_contact_staff_id, technician_id, received_at, next_deadline, breached, closed_at
       FROM service_requests
      WHERE ($1::text IS NULL OR stage = $1) AND ($2::text IS NULL OR region_id = $2) AND ($3::boolean IS NULL OR breached = $3)
        AND ($6::text IS NULL OR first_contact_staff_id = $6 OR technician_id = $6)
      ORDER BY received_at DESC LIMIT $4 OFFSET $5`,
    [filter.stage ?? null, filter.regionId ?? null, filter.breached ?? null, filter.limit, filter.offset, filter.staffId ?? null],
  );
  return rows.map((r) => ({
    requestId: r.id,
    kind: r.kind,
    severity: r.severity,
    regionId: r.region_id,
    stage: r.stage,
    customerName: r.customer_name,
    firstContactStaffId: r.first_contact_staff_id,
    technicianId: r.technician_id,
    receivedAt: r.received_at.toISOString(),
    nextDeadline: iso(r.next_deadline),
    breached: r.breached,
    closedAt: iso(r.closed_at),
  }));
}

export async function findSnapshot(pool: Pool, requestId: string): Promise<RequestStatus | undefined> {
  const { rows } = await pool.query<{ snapshot: RequestStatus; updated_at: Date }>('SELECT snapshot, updated_at FROM service_requests WHERE id = $1', [requestId]);
  return rows[0] && { ...rows[0].snapshot, asOf: rows[0].updated_at.toISOString() };
}

export async function timeline(pool: Pool, requestId: string): Promise<TimelineEvent[]> {
  const { rows } = await pool.query(
    'SELECT seq, type, stage, at, actor, on_time, detail FROM request_events WHERE request_id = $1 ORDER BY seq',
    [requestId],
  );
  return rows.map((r) => ({
    seq: r.seq,
    type: r.type,
    stage: r.stage,
    at: r.at.toISOString(),
    ...(r.actor !== null && { actor: r.actor }),
    ...(r.on_time !== null && { onTime: r.on_time }),
    ...(r.detail !== null && { detail: r.detail }),
  }));
}

/** Who a region answers to now: its customer manager and branch. */
export async function regionScope(pool: Pool, regionId: string): Promise<{ customerManagerId: string | null; branchId: string } | undefined> {
  const { rows } = await pool.query<{ customerManagerId: string | null; branchId: string }>(
    'SELECT customer_manager_id AS "customerManagerId", branch_id AS "branchId" FROM regions WHERE id = $1',
    [regionId],
  );
  return rows[0];
}

/** Intake: the registry row, the first events and the workflow input, before the workflow starts. */
export async function recordIntake(pool: Pool, row: RegistryRow, events: TimelineEvent[], input: unknown): Promise<void> {
  await saveProgress(pool, row, events);
  await pool.query('UPDATE service_requests SET intake_input = $2 WHERE id = $1 AND workflow_started_at IS NULL', [row.requestId, JSON.stringify(input)]);
}

export async function markWorkflowStarted(pool: Pool, requestId: string): Promise<void> {
  await pool.query('UPDATE service_requests SET workflow_started_at = now(), intake_input = NULL WHERE id = $1 AND workflow_started_at IS NULL', [requestId]);
}

/** Requests taken more than `olderThanMs` ago whose workflow was never confirmed started. */
export async function unstartedIntakes(pool: Pool, olderThanMs: number, limit = 50): Promise<Array<{ requestId: string; input: unknown }>> {
  const { rows } = await pool.query<{ id: string; intake_input: unknown }>(
    `SELECT id, intake_input FROM service_requests
      WHERE workflow_started_at IS NULL AND intake_input IS NOT NULL AND updated_at < now() - make_interval(secs => $1::double precision / 1000)
      ORDER BY updated_at LIMIT $2`,
    [olderThanMs, limit],
  );
  return rows.map((r) => ({ requestId: r.id, input: r.intake_input }));
}
