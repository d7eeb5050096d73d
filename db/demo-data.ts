/**
 * Demo organisation for `npm start` and the integration tests: one branch with two regions, each
 * with a customer manager and an on-duty technician, plus agents, a call-centre shift leader,
 * leaders and a supervisor. Idempotent: running it again changes nothing.
 */
import type { Pool } from 'pg';
import { storeApiKey } from './api-keys';
import { inTransaction } from './pool';

/** Demo credentials, printed by `npm start`: for trying the product only; issue real keys with POST /staff/{id}/api-keys. */
export const demoApiKey = (staffId: string) => `demo-${staffId}`;

export const DEMO_STAFF = [
  { id: 'agent-1', name: 'Chen Jing', role: 'agent', phone: '13700000001', region: null },
  { id: 'agent-2', name: 'Liu Yang', role: 'agent', phone: '13700000002', region: null },
  { id: 'cc-leader-1', name: 'Zhao Min', role: 'call_centre_leader', phone: '13700000010', region: null },
  { id: 'cm-north', name: 'Sun Hui', role: 'customer_manager', phone: '13700000020', region: 'north' },
  { id: 'cm-south', name: 'Zhou Lan', role: 'customer_manager', phone: '13700000021', region: 'south' },
  { id: 'tech-north-1', name: 'Zhang San', role: 'technician', phone: '13900000001', region: 'north' },
  { id: 'tech-north-2', name: 'Wang Wu', role: 'technician', phone: '13900000002', region: 'north' },
  { id: 'tech-south-1', name: 'Li Si', role: 'technician', phone: '13900000003', region: 'south' },
  { id: 'leader-city', name: 'Wu Gang', role: 'branch_leader', phone: '13700000030', region: null },
  { id: 'leader-company', name: 'Huang Lei', role: 'company_leader', phone: '13700000040', region: null },
  { id: 'supervisor-1', name: 'Xu Fang', role: 'supervisor', phone: '13700000050', region: null },
  { id: 'admin-1', name: 'Ma Jun', role: 'admin', phone: '13700000060', region: null },
] as const;

export const DEMO_REGIONS = [
  { id: 'north', name: 'North district', manager: 'cm-north', households: 4500, onDuty: 'tech-north-1' },
  { id: 'south', name: 'South district', manager: 'cm-south', households: 4200, onDuty: 'tech-south-1' },
] as const;

export async function loadDemoData(pool: Pool, now = new Date()): Promise<void> {
  await inTransaction(pool, async (db) => {
    await db.query(`INSERT INTO branches (id, name, leader_id, company_id) VALUES ('city', 'City branch', 'leader-city', 'company') ON CONFLICT DO NOTHING`);
    for (const r of DEMO_REGIONS) {
      await db.query(
        'INSERT INTO regions (id, name, branch_id, customer_manager_id, households) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING',
        [r.id, r.name, 'city', r.manager, r.households],
      );
    }
    for (const s of DEMO_STAFF) {
      await db.query(
        'INSERT INTO staff (id, name, role, phone, region_id, branch_id) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING',
        [s.id, s.name, s.role, s.phone, s.region, 'city'],
      );
    }
    for (const r of DEMO_REGIONS) {
      await db.query(
        `INSERT INTO region_managers (region_id, staff_id, valid_from)
         SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM region_managers WHERE region_id = $1)`,
        [r.id, r.manager, now],
      );
    }
    // Round-the-clock demo shifts for a year from now, unless one already covers this moment.
    const shifts: Array<[string, string | null, 'primary' | 'backup']> = [
      ...DEMO_REGIONS.map((r) => [r.onDuty, r.id, 'primary'] as [string, string, 'primary']),
      ['tech-north-2', 'north', 'backup'],
      ['cc-leader-1', null, 'primary'],
    ];
    for (const [staffId, regionId, position] of shifts) {
      await db.query(
        `INSERT INTO duty_shifts (staff_id, region_id, position, starts_at, ends_at)
         SELECT $1, $2, $4, $3::timestamptz - interval '1 day', $3::timestamptz + interval '365 days'
          WHERE NOT EXISTS (SELECT 1 FROM duty_shifts WHERE staff_id = $1 AND starts_at <= $3 AND ends_at > $3 AND cancelled_at IS NULL)`,
        [staffId, regionId, now, position],
      );
    }
    await db.query(`UPDATE branches SET company_id = 'company' WHERE company_id IS NULL`);
  });
  for (const s of DEMO_STAFF) await storeApiKey(pool, s.id, demoApiKey(s.id), 'demo');
}
