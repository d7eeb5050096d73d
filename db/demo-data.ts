/**
 * Demo organisation for `npm start` and the integration tests: one branch with two regions, each
 * with a customer manager and an on-duty technician, plus agents, a call-centre shift leader,
 * leaders and a supervisor. Idempotent: running it again changes nothing.
 *
 * Demo API keys are random per installation: made once, kept in .data/demo-api-keys.json (mode
 * 600, next to the embedded database they open), printed by `npm start`. Loading the demo data
 * stores their hashes and revokes any other demo key of the same staff member, including the old
 * guessable `demo-<staff id>` ones.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { hashApiKey, storeApiKey } from './api-keys';
import { inTransaction } from './pool';

/** Where this installation's demo keys live (gitignored with the rest of .data/). */
export const DEMO_API_KEYS_FILE = path.resolve(__dirname, '..', '.data', 'demo-api-keys.json');
const DEMO_LABEL = 'demo';

const newDemoKey = () => `demo_${randomBytes(24).toString('base64url')}`;

function readKeys(file: string): Record<string, string> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (err) {
    throw new Error(`Cannot read the demo API keys in ${file} (${(err as Error).message}): delete the file and start again for new keys.`, { cause: err });
  }
}

/**
 * This installation's demo keys, staff id → key, made on first use. Safe when several processes
 * (test files, the launcher) ask at once: the file appears whole or not at all (written beside,
 * then hard-linked into place, which fails if another process got there first).
 */
export function demoApiKeys(file = DEMO_API_KEYS_FILE): Record<string, string> {
  let keys = readKeys(file);
  if (!keys) {
    mkdirSync(path.dirname(file), { recursive: true });
    const fresh = Object.fromEntries(DEMO_STAFF.map((s) => [s.id, newDemoKey()]));
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600 });
    try {
      linkSync(partial, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(partial);
    }
    keys = readKeys(file)!;
  }
  const missing = DEMO_STAFF.filter((s) => !keys[s.id]);
  if (missing.length > 0) {
    // Demo staff added since the file was made: give them keys too, keeping the others.
    for (const s of missing) keys[s.id] = newDemoKey();
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
    renameSync(partial, file);
  }
  return keys;
}

/** A demo staff member's API key on this installation (see demoApiKeys); for trying the product and for tests. */
export function demoApiKey(staffId: string): string {
  const key = demoApiKeys()[staffId];
  if (!key) throw new Error(`"${staffId}" is not a demo staff member`);
  return key;
}

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
  const keys = demoApiKeys();
  for (const s of DEMO_STAFF) {
    await storeApiKey(pool, s.id, keys[s.id], DEMO_LABEL);
    // Only this installation's key opens the demo account: earlier ones (and `demo-<id>`) stop working.
    await pool.query(
      `UPDATE api_keys SET revoked_at = now() WHERE staff_id = $1 AND label = $2 AND key_hash <> $3 AND revoked_at IS NULL`,
      [s.id, DEMO_LABEL, hashApiKey(keys[s.id])],
    );
  }
}
