/**
 * Organisation changes (R5): branches, regions and staff, each change appended to org_changes and
 * a region's managers kept with their periods, so who covered what, and when, stays answerable.
 * New work reads the current rows, so a change applies at once.
 */
import type { PoolClient } from 'pg';
import type { Pool } from './pool';
import { inTransaction } from './pool';

type Entity = 'company' | 'branch' | 'region' | 'staff' | 'shift';

export async function audit(db: PoolClient, entity: Entity, id: string, by: string, before: object | null, after: object | null) {
  await db.query('INSERT INTO org_changes (entity, entity_id, changed_by, before, after) VALUES ($1,$2,$3,$4,$5)', [
    entity, id, by, before && JSON.stringify(before), after && JSON.stringify(after),
  ]);
}

export interface Branch { id: string; name: string; leaderId: string | null }
export interface Region { id: string; name: string; branchId: string; customerManagerId: string | null; households: number | null }
export interface Staff { id: string; name: string; role: string; phone: string; regionId: string | null; branchId: string | null; active: boolean }

const BRANCH = 'SELECT id, name, leader_id AS "leaderId" FROM branches';
const REGION = 'SELECT id, name, branch_id AS "branchId", customer_manager_id AS "customerManagerId", households FROM regions';
const STAFF = 'SELECT id, name, role, phone, region_id AS "regionId", branch_id AS "branchId", active FROM staff';

export async function organisation(pool: Pool) {
  const [company, branches, regions, staff] = await Promise.all([
    pool.query<{ id: string; name: string }>('SELECT id, name FROM companies ORDER BY id LIMIT 1'),
    pool.query<Branch>(`${BRANCH} ORDER BY id`),
    pool.query<Region>(`${REGION} ORDER BY id`),
    pool.query<Staff>(`${STAFF} ORDER BY id`),
  ]);
  return { company: company.rows[0], branches: branches.rows, regions: regions.rows, staff: staff.rows };
}

/** Inserts or updates one row and records the change; returns the row after. */
async function upsertWithAudit<T extends { id: string }>(
  pool: Pool,
  entity: Entity,
  select: string,
  id: string,
  by: string,
  write: (db: PoolClient, before: T | undefined) => Promise<void>,
): Promise<T> {
  return inTransaction(pool, async (db) => {
    const before = (await db.query<T>(`${select} WHERE id = $1 FOR UPDATE`, [id])).rows[0];
    await write(db, before);
    const after = (await db.query<T>(`${select} WHERE id = $1`, [id])).rows[0];
    await audit(db, entity, id, by, before ?? null, after);
    return after;
  });
}

export function saveBranch(pool: Pool, by: string, branch: Branch): Promise<Branch> {
  return upsertWithAudit<Branch>(pool, 'branch', BRANCH, branch.id, by, async (db) => {
    await db.query(
      `INSERT INTO branches (id, name, leader_id, company_id) VALUES ($1, $2, $3, (SELECT id FROM companies ORDER BY id LIMIT 1))
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, leader_id = EXCLUDED.leader_id`,
      [branch.id, branch.name, branch.leaderId],
    );
  });
}

/** Creates or changes a region; a new customer manager closes the old manager's period and opens theirs. */
export function saveRegion(pool: Pool, by: string, region: Region, at = new Date()): Promise<Region> {
  return upsertWithAudit<Region>(pool, 'region', REGION, region.id, by, async (db, before) => {
    await db.query(
      `INSERT INTO regions (id, name, branch_id, customer_manager_id, households) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, branch_id = EXCLUDED.branch_id,
         customer_manager_id = EXCLUDED.customer_manager_id, households = EXCLUDED.households`,
      [region.id, region.name, region.branchId, region.customerManagerId, region.households],
    );
    if (before?.customerManagerId !== region.customerManagerId) {
      await db.query('UPDATE region_managers SET valid_to = $2 WHERE region_id = $1 AND valid_to IS NULL', [region.id, at]);
      if (region.customerManagerId) {
        await db.query('INSERT INTO region_managers (region_id, staff_id, valid_from) VALUES ($1,$2,$3)', [region.id, region.customerManagerId, at]);
      }
    }
  });
}

export function saveStaff(pool: Pool, by: string, staff: Staff): Promise<Staff> {
  return upsertWithAudit<Staff>(pool, 'staff', STAFF, staff.id, by, async (db) => {
    await db.query(
      `INSERT INTO staff (id, name, role, phone, region_id, branch_id, active) VALUES ($1,$2,$3,$4,$5,$6,$7)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role, phone = EXCLUDED.phone,
         region_id = EXCLUDED.region_id, branch_id = EXCLUDED.branch_id, active = EXCLUDED.active`,
      [staff.id, staff.name, staff.role, staff.phone, staff.regionId, staff.branchId, staff.active],
    );
  });
}

export async function findBranch(pool: Pool, id: string) {
  return (await pool.query<Branch>(`${BRANCH} WHERE id = $1`, [id])).rows[0];
}
export async function findRegion(pool: Pool, id: string) {
  return (await pool.query<Region>(`${REGION} WHERE id = $1`, [id])).rows[0];
}
export async function findStaffRow(pool: Pool, id: string) {
  return (await pool.query<Staff>(`${STAFF} WHERE id = $1`, [id])).rows[0];
}

/** A region's history: its managers with their periods, and every change to it or to staff posted there. */
export async function regionHistory(pool: Pool, regionId: string) {
  const managers = await pool.query(
    `SELECT staff_id, valid_from, valid_to FROM region_managers WHERE region_id = $1 ORDER BY valid_from`,
    [regionId],
  );
  const changes = await pool.query(
    `SELECT entity, entity_id, changed_at, changed_by, before, after FROM org_changes
      WHERE (entity = 'region' AND entity_id = $1)
         OR (entity = 'staff' AND (before->>'regionId' = $1 OR after->>'regionId' = $1))
         OR (entity = 'shift' AND (before->>'regionId' = $1 OR after->>'regionId' = $1))
      ORDER BY id`,
    [regionId],
  );
  return {
    managers: managers.rows.map((r) => ({ staffId: r.staff_id, from: r.valid_from.toISOString(), to: r.valid_to ? r.valid_to.toISOString() : null })),
    changes: changes.rows.map((r) => ({
      entity: r.entity,
      entityId: r.entity_id,
      changedAt: r.changed_at.toISOString(),
      changedBy: r.changed_by,
      before: r.before,
      after: r.after,
    })),
  };
}
