/**
 * The on-duty roster (R4, R5): shifts per region (primary or backup technician) and call-centre
 * shifts (region NULL, shift leaders). A cancelled shift stays on record.
 */
import { audit } from './org';
import { inTransaction, type Pool } from './pool';

export interface Shift {
  id: number;
  staffId: string;
  regionId: string | null;
  position: 'primary' | 'backup';
  startsAt: string;
  endsAt: string;
  cancelledAt: string | null;
}

const SELECT_SHIFT =
  'SELECT id::int AS id, staff_id, region_id, position, starts_at, ends_at, cancelled_at FROM duty_shifts';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const toShift = (r: any): Shift => ({
  id: r.id,
  staffId: r.staff_id,
  regionId: r.region_id,
  position: r.position,
  startsAt: r.starts_at.toISOString(),
  endsAt: r.ends_at.toISOString(),
  cancelledAt: r.cancelled_at ? r.cancelled_at.toISOString() : null,
});

export async function addShift(pool: Pool, by: string, shift: Omit<Shift, 'id' | 'cancelledAt'>): Promise<Shift> {
  return inTransaction(pool, async (db) => {
    const { rows } = await db.query(
      `INSERT INTO duty_shifts (staff_id, region_id, position, starts_at, ends_at) VALUES ($1,$2,$3,$4,$5)
       RETURNING id::int AS id, staff_id, region_id, position, starts_at, ends_at, cancelled_at`,
      [shift.staffId, shift.regionId, shift.position, shift.startsAt, shift.endsAt],
    );
    const created = toShift(rows[0]);
    await audit(db, 'shift', String(created.id), by, null, created);
    return created;
  });
}

export async function cancelShift(pool: Pool, by: string, id: number): Promise<Shift | undefined> {
  return inTransaction(pool, async (db) => {
    const before = (await db.query(`${SELECT_SHIFT} WHERE id = $1 FOR UPDATE`, [id])).rows[0];
    if (!before) return undefined;
    if (before.cancelled_at) return toShift(before);
    const { rows } = await db.query(`UPDATE duty_shifts SET cancelled_at = now() WHERE id = $1 RETURNING *, id::int AS id`, [id]);
    await audit(db, 'shift', String(id), by, toShift(before), toShift(rows[0]));
    return toShift(rows[0]);
  });
}

/** Shifts covering a moment, optionally for one region (`null`: the call centre). */
export async function shiftsAt(pool: Pool, at: Date, regionId?: string | null): Promise<Shift[]> {
  const { rows } = await pool.query(
    `${SELECT_SHIFT} WHERE starts_at <= $1 AND ends_at > $1 AND cancelled_at IS NULL
        AND ($2::boolean IS FALSE OR region_id IS NOT DISTINCT FROM $3)
      ORDER BY region_id NULLS FIRST, position, starts_at DESC`,
    [at, regionId !== undefined, regionId ?? null],
  );
  return rows.map(toShift);
}
