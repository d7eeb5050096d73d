/** Organisation and on-duty roster reads (R4, R5), shared by activities and the API. */
import type { Pool } from 'pg';
import type { StaffRole } from '../domain/kinds';

export interface StaffMember {
  id: string;
  name: string;
  role: StaffRole;
  phone: string;
  regionId: string | null;
  branchId: string | null;
  active: boolean;
}

const staffColumns = (alias: string) =>
  `${alias}.id, ${alias}.name, ${alias}.role, ${alias}.phone, ${alias}.region_id AS "regionId", ${alias}.branch_id AS "branchId", ${alias}.active`;

export async function findStaff(pool: Pool, id: string): Promise<StaffMember | undefined> {
  const { rows } = await pool.query<StaffMember>(`SELECT ${staffColumns('s')} FROM staff s WHERE s.id = $1`, [id]);
  return rows[0];
}

export interface OnDuty {
  technician: StaffMember;
  position: 'primary' | 'backup';
}

/**
 * The technician who gets a job in a region at a moment (R4): the primary on duty, else the backup;
 * among overlapping shifts of one position the one that started last.
 */
export async function findOnDutyTechnician(pool: Pool, regionId: string, at: Date): Promise<OnDuty | undefined> {
  const { rows } = await pool.query<StaffMember & { position: 'primary' | 'backup' }>(
    `SELECT ${staffColumns('s')}, d.position
       FROM duty_shifts d JOIN staff s ON s.id = d.staff_id
      WHERE d.region_id = $1 AND d.starts_at <= $2 AND d.ends_at > $2 AND d.cancelled_at IS NULL
        AND s.role = 'technician' AND s.active
      ORDER BY d.position = 'primary' DESC, d.starts_at DESC LIMIT 1`,
    [regionId, at],
  );
  if (!rows[0]) return undefined;
  const { position, ...technician } = rows[0];
  return { technician, position };
}

export async function regionExists(pool: Pool, regionId: string): Promise<boolean> {
  const { rowCount } = await pool.query('SELECT 1 FROM regions WHERE id = $1', [regionId]);
  return (rowCount ?? 0) > 0;
}

/**
 * The holders of a role for a region at a moment: the region's customer manager, its branch's
 * leader, the call-centre leader on shift (every active one when nobody is rostered), the company.
 */
export async function staffInRoleFor(pool: Pool, role: StaffRole, regionId: string, at: Date): Promise<StaffMember[]> {
  const s = staffColumns('s');
  switch (role) {
    case 'customer_manager': {
      // The manager in charge at that moment (R5 history), so every retry of one breach names the same person.
      const atThatTime = await pool.query<StaffMember>(
        `SELECT ${s} FROM region_managers m JOIN staff s ON s.id = m.staff_id
          WHERE m.region_id = $1 AND m.valid_from <= $2 AND (m.valid_to IS NULL OR m.valid_to > $2)`,
        [regionId, at],
      );
      if (atThatTime.rows.length > 0) return atThatTime.rows;
      return (await pool.query<StaffMember>(`SELECT ${s} FROM regions r JOIN staff s ON s.id = r.customer_manager_id WHERE r.id = $1`, [regionId])).rows;
    }
    case 'branch_leader':
      return (
        await pool.query<StaffMember>(
          `SELECT ${s} FROM regions r JOIN branches b ON b.id = r.branch_id JOIN staff s ON s.id = b.leader_id WHERE r.id = $1`,
          [regionId],
        )
      ).rows;
    case 'call_centre_leader': {
      const onShift = await pool.query<StaffMember>(
        `SELECT ${s} FROM duty_shifts d JOIN staff s ON s.id = d.staff_id
          WHERE d.region_id IS NULL AND d.starts_at <= $1 AND d.ends_at > $1 AND d.cancelled_at IS NULL
            AND s.role = 'call_centre_leader' AND s.active`,
        [at],
      );
      if (onShift.rows.length > 0) return onShift.rows;
      return (await pool.query<StaffMember>(`SELECT ${s} FROM staff s WHERE s.role = 'call_centre_leader' AND s.active ORDER BY s.id`)).rows;
    }
    default:
      return (await pool.query<StaffMember>(`SELECT ${s} FROM staff s WHERE s.role = $1 AND s.active ORDER BY s.id`, [role])).rows;
  }
}
