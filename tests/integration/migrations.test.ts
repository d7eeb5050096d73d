/** Migrations apply to an empty database and upgrade one holding data from before issue 4. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../db/migrate';
import { createPool, type Pool } from '../../db/pool';

const databases: string[] = [];
let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client(inject('databaseUrl'));
  await admin.connect();
});
afterAll(async () => {
  for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.end();
});

async function freshDatabase(): Promise<Pool> {
  const name = `migrations_${process.pid}_${databases.length}`;
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  databases.push(name);
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${name}`;
  return createPool(url.toString());
}

describe('migrations', () => {
  it('apply to an empty database, and a second run applies nothing', async () => {
    const pool = await freshDatabase();
    try {
      const applied = await migrate(pool);
      expect(applied).toEqual(['001_repair_on_report.sql', '002_organisation_roster_ledger_access.sql', '003_local_rest_days.sql']);
      expect(await migrate(pool)).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it('upgrade a database holding data from before issue 4 without losing it', async () => {
    const pool = await freshDatabase();
    try {
      await migrate(pool, '001_repair_on_report.sql');
      await pool.query(`
        INSERT INTO branches (id, name) VALUES ('old-branch', 'Old branch');
        INSERT INTO staff (id, name, role, phone, branch_id) VALUES ('old-cm', 'Old manager', 'customer_manager', '13700000099', 'old-branch');
        INSERT INTO staff (id, name, role, phone, branch_id) VALUES ('old-tech', 'Old technician', 'technician', '13900000099', 'old-branch');
        INSERT INTO regions (id, name, branch_id, customer_manager_id) VALUES ('old-region', 'Old region', 'old-branch', 'old-cm');
        INSERT INTO duty_shifts (staff_id, region_id, starts_at, ends_at) VALUES ('old-tech', 'old-region', now() - interval '1 hour', now() + interval '1 hour');
        INSERT INTO accountability_records (request_id, stage, cycle, rule, deadline, breached_at, responsible_staff_id)
          VALUES ('SR-20261101-000001', 'contact', 0, 'R6', '2026-11-01T10:00:00Z', '2026-11-01T10:00:01Z', 'old-tech');
      `);

      expect(await migrate(pool)).toEqual(['002_organisation_roster_ledger_access.sql', '003_local_rest_days.sql']);

      const branch = await pool.query(`SELECT company_id FROM branches WHERE id = 'old-branch'`);
      expect(branch.rows).toEqual([{ company_id: 'company' }]);
      const managers = await pool.query(`SELECT staff_id, valid_to FROM region_managers WHERE region_id = 'old-region'`);
      expect(managers.rows).toEqual([{ staff_id: 'old-cm', valid_to: null }]);
      const shift = await pool.query(`SELECT position, cancelled_at FROM duty_shifts WHERE staff_id = 'old-tech'`);
      expect(shift.rows).toEqual([{ position: 'primary', cancelled_at: null }]);
      const record = await pool.query(`SELECT status, aggravated, statement_due_at, mitigating FROM accountability_records`);
      expect(record.rows).toEqual([
        { status: 'open', aggravated: false, statement_due_at: new Date('2026-11-04T10:00:01Z'), mitigating: [] },
      ]);
      const events = await pool.query(`SELECT type, detail->>'backfilled' AS backfilled FROM accountability_events`);
      expect(events.rows).toEqual([{ type: 'opened', backfilled: 'true' }]);
    } finally {
      await pool.end();
    }
  });
});
