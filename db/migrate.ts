/**
 * Applies db/migrations/*.sql in name order, each once and in its own transaction, and keeps a
 * checksum of each applied file: a migration edited after it was applied is refused, by name,
 * before anything else runs (the change belongs in a new migration).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool, PoolClient } from 'pg';

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
// Serialises concurrent starters (API and worker booting together) on one database.
const LOCK_ID = 0x5c10c;

export interface MigrateOptions {
  /** Stop after this file (tests migrate step by step to check upgrades over existing data). */
  upTo?: string;
  /** Where the .sql files are; db/migrations by default. */
  dir?: string;
}

/** An applied migration whose file no longer matches what was applied. */
export class MigrationChecksumError extends Error {
  constructor(
    readonly migration: string,
    readonly appliedAt: Date,
    readonly recorded: string,
    readonly actual: string,
  ) {
    super(
      `Migration ${migration} was applied on ${appliedAt.toISOString()} but its file has been edited since ` +
        `(checksum then ${recorded.slice(0, 12)}…, now ${actual.slice(0, 12)}…). An applied migration is never ` +
        `changed: restore ${migration} as it was and put the change in a new migration file.`,
    );
    this.name = 'MigrationChecksumError';
  }
}

/**
 * SHA-256 of a migration's text. Line endings are normalised, so a checkout with CRLF line endings
 * does not count as an edit.
 */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

interface AppliedRow {
  version: string;
  checksum: string | null;
  applied_at: Date;
}

/**
 * `upToOrOptions`: a file name to stop after (the historical signature), or options.
 * Returns the files applied by this call, in order.
 */
export async function migrate(pool: Pool, upToOrOptions?: string | MigrateOptions): Promise<string[]> {
  const options: MigrateOptions = typeof upToOrOptions === 'string' ? { upTo: upToOrOptions } : (upToOrOptions ?? {});
  const dir = options.dir ?? MIGRATIONS_DIR;
  if (!existsSync(dir)) throw new Error(`No migrations directory at ${dir}`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => {
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return { file, sql, checksum: migrationChecksum(sql) };
    });

  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await ensureBookkeeping(client);
    const applied = new Map(
      (await client.query<AppliedRow>('SELECT version, checksum, applied_at FROM schema_migrations')).rows.map((r) => [r.version, r]),
    );

    // Every applied file is checked before anything runs. A version this code does not know (a
    // newer release already migrated the database) is left alone: an older worker still rolling
    // out may start against it.
    for (const { file, checksum } of files) {
      const row = applied.get(file);
      if (!row) continue;
      if (row.checksum === null) {
        // Applied before checksums were kept: the file as it is now becomes the reference.
        await client.query('UPDATE schema_migrations SET checksum = $2 WHERE version = $1 AND checksum IS NULL', [file, checksum]);
      } else if (row.checksum !== checksum) {
        throw new MigrationChecksumError(file, row.applied_at, row.checksum, checksum);
      }
    }

    const done: string[] = [];
    for (const { file, sql, checksum } of files) {
      if (options.upTo && file > options.upTo) break;
      if (applied.has(file)) continue;
      await client.query('BEGIN');
      await client.query('SET LOCAL statement_timeout = 0'); // a long migration is not a stuck query
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [file, checksum]);
        await client.query('COMMIT');
        done.push(file);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined);
    client.release();
  }
}

/** The bookkeeping table, and its checksum column on a database migrated before checksums were kept. */
async function ensureBookkeeping(client: PoolClient): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version text PRIMARY KEY,
       applied_at timestamptz NOT NULL DEFAULT now(),
       checksum text
     )`,
  );
  await client.query('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text');
}

/** What has been applied, for the CLI's summary. */
export async function appliedMigrations(pool: Pool): Promise<Array<{ version: string; appliedAt: Date; checksum: string | null }>> {
  const exists = await pool.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (!exists.rows[0]?.t) return [];
  const { rows } = await pool.query<AppliedRow>('SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version');
  return rows.map((r) => ({ version: r.version, appliedAt: r.applied_at, checksum: r.checksum }));
}
