/**
 * `npm run migrate`: applies db/migrations to the database named by DATABASE_URL and prints what
 * it applied. `npm run migrate -- --status` applies nothing and lists applied and pending files.
 * Exit code 1, with the reason, when a migration fails or an applied one was edited afterwards.
 */
import { readdirSync } from 'node:fs';
import { appliedMigrations, migrate, MIGRATIONS_DIR } from './migrate';
import { createPool } from './pool';

/** The URL without its password, for messages. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an unparsable DATABASE_URL)';
  }
}

async function main(argv: string[]): Promise<number> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('DATABASE_URL is not set: name the PostgreSQL database to migrate, e.g. DATABASE_URL=postgres://user:pass@host:5432/service_clock npm run migrate');
    return 2;
  }
  const unknown = argv.filter((a) => a !== '--status');
  if (unknown.length > 0) {
    console.error(`Unknown argument ${unknown.join(' ')}. Usage: npm run migrate [-- --status]`);
    return 2;
  }
  const pool = createPool(databaseUrl);
  try {
    console.log(`Database ${redacted(databaseUrl)}`);
    if (argv.includes('--status')) {
      const applied = await appliedMigrations(pool);
      const done = new Set(applied.map((m) => m.version));
      for (const m of applied) console.log(`  applied  ${m.version}  ${m.appliedAt.toISOString()}${m.checksum ? '' : '  (no checksum yet)'}`);
      const pending = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql') && !done.has(f)).sort();
      for (const f of pending) console.log(`  pending  ${f}`);
      console.log(`${applied.length} applied, ${pending.length} pending`);
      return 0;
    }
    const started = Date.now();
    const applied = await migrate(pool);
    for (const file of applied) console.log(`  applied  ${file}`);
    const total = (await appliedMigrations(pool)).length;
    console.log(
      applied.length === 0
        ? `Up to date: nothing to apply (${total} migrations applied earlier, checksums verified).`
        : `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'} in ${Date.now() - started} ms; ${total} applied in all.`,
    );
    return 0;
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
