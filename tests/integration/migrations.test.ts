/**
 * Migrations apply to an empty database and upgrade one holding data from before issue 4; applied
 * files are checksummed and an edited one is refused by name; `npm run migrate` applies and prints.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate, MigrationChecksumError, migrationChecksum, MIGRATIONS_DIR } from '../../db/migrate';
import { createPool, type Pool } from '../../db/pool';

const ROOT = path.resolve(__dirname, '../..');
const ALL_MIGRATIONS = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
const tempDirs: string[] = [];

const databases: string[] = [];
let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client(inject('databaseUrl'));
  await admin.connect();
});
afterAll(async () => {
  for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.end();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function freshDatabaseUrl(): string {
  const name = `migrations_${process.pid}_${databases.length}`;
  databases.push(name);
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}

async function freshDatabase(): Promise<Pool> {
  const url = freshDatabaseUrl();
  const name = new URL(url).pathname.slice(1);
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  return createPool(url);
}

/** A copy of db/migrations that a test may edit. */
function migrationsCopy(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'service-clock-migrations-'));
  tempDirs.push(dir);
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

const run = promisify(execFile);
/** `npm run migrate` as an operator runs it (the script's command, without npm's banner). */
async function migrateCli(databaseUrl: string | undefined, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  if (databaseUrl === undefined) delete env.DATABASE_URL;
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'db/migrate-cli.ts', ...args], { cwd: ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('migrations', () => {
  it('apply to an empty database, and a second run applies nothing', async () => {
    const pool = await freshDatabase();
    try {
      const applied = await migrate(pool);
      expect(applied.slice(0, 3)).toEqual(['001_repair_on_report.sql', '002_organisation_roster_ledger_access.sql', '003_local_rest_days.sql']);
      expect(applied).toEqual(ALL_MIGRATIONS);
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

      expect(await migrate(pool)).toEqual(ALL_MIGRATIONS.slice(1));

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

  it('keep a checksum of every applied file and refuse, by name, an applied migration edited afterwards', async () => {
    const pool = await freshDatabase();
    const dir = migrationsCopy();
    try {
      expect(await migrate(pool, { dir })).toEqual(ALL_MIGRATIONS);
      const recorded = await pool.query<{ version: string; checksum: string }>('SELECT version, checksum FROM schema_migrations ORDER BY version');
      expect(recorded.rows.map((r) => r.version)).toEqual(ALL_MIGRATIONS);
      for (const row of recorded.rows) expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);

      // A line-ending change is not an edit.
      const second = ALL_MIGRATIONS[1];
      const original = recorded.rows[1].checksum;
      const text = readFileSync(path.join(dir, second), 'utf8');
      writeFileSync(path.join(dir, second), text.replace(/\n/g, '\r\n'));
      expect(migrationChecksum(text.replace(/\n/g, '\r\n'))).toBe(original);
      expect(await migrate(pool, { dir })).toEqual([]);

      // An edit is refused before anything runs, even with a new migration waiting behind it.
      appendFileSync(path.join(dir, second), '\n-- tightened afterwards\nALTER TABLE staff ADD COLUMN nickname text;\n');
      writeFileSync(path.join(dir, '999_new.sql'), 'CREATE TABLE should_not_exist (id int);\n');
      const refused = await migrate(pool, { dir }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(MigrationChecksumError);
      expect((refused as MigrationChecksumError).migration).toBe(second);
      expect((refused as Error).message).toContain(`Migration ${second} was applied on`);
      expect((refused as Error).message).toContain('has been edited since');
      expect((refused as Error).message).toContain('new migration');
      const created = await pool.query(`SELECT to_regclass('should_not_exist') AS t`);
      expect(created.rows).toEqual([{ t: null }]);
      const nickname = await pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'staff' AND column_name = 'nickname'`);
      expect(nickname.rowCount).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('record a checksum for migrations applied before checksums were kept, then hold them to it', async () => {
    const pool = await freshDatabase();
    const dir = migrationsCopy();
    try {
      // The bookkeeping table as it was: no checksum column.
      await pool.query('CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      for (const file of ALL_MIGRATIONS) {
        await pool.query(readFileSync(path.join(dir, file), 'utf8'));
        await pool.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
      }
      expect(await migrate(pool, { dir })).toEqual([]);
      const rows = await pool.query<{ checksum: string | null }>('SELECT checksum FROM schema_migrations');
      expect(rows.rows.every((r) => r.checksum && /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);

      appendFileSync(path.join(dir, ALL_MIGRATIONS[0]), '\n-- edited\n');
      await expect(migrate(pool, { dir })).rejects.toThrow(`Migration ${ALL_MIGRATIONS[0]} was applied on`);
    } finally {
      await pool.end();
    }
  });

  it('leave alone an applied migration this code does not know (a newer release migrated the database)', async () => {
    const pool = await freshDatabase();
    try {
      await migrate(pool);
      await pool.query(`INSERT INTO schema_migrations (version, checksum) VALUES ('999_from_a_newer_release.sql', 'abc')`);
      expect(await migrate(pool)).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it('npm run migrate: applies and prints what it applied, then reports up to date; refuses an edited migration by name', async () => {
    const url = freshDatabaseUrl();
    const name = new URL(url).pathname.slice(1);
    await admin.query(`CREATE DATABASE ${name}`);

    const first = await migrateCli(url);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (const file of ALL_MIGRATIONS) expect(first.stdout).toContain(`applied  ${file}`);
    expect(first.stdout).toContain(`Applied ${ALL_MIGRATIONS.length} migrations`);
    expect(first.stdout).not.toContain(new URL(url).password || '\u0000'); // the password is never printed

    const second = await migrateCli(url);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Up to date: nothing to apply');

    const status = await migrateCli(url, '--status');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${ALL_MIGRATIONS.length} applied, 0 pending`);

    // What an edited file looks like to the database: the recorded checksum no longer matches.
    const pool = createPool(url);
    try {
      await pool.query(`UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version = $1`, [ALL_MIGRATIONS[0]]);
    } finally {
      await pool.end();
    }
    const refused = await migrateCli(url);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Migration ${ALL_MIGRATIONS[0]} was applied on`);

    const unset = await migrateCli(undefined);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('DATABASE_URL is not set');
  });
});
