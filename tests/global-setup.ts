/**
 * One PostgreSQL and one Temporal dev server for the whole run (integration suites); the workflow
 * suites start their own time-skipping server. Addresses reach the test files through `inject`.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { freePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../scripts/embedded-postgres';
import { ensureTemporalBinaries } from '../scripts/temporal-binaries';
import { startDevServer, type DevServerHandle } from '../scripts/temporal-dev-server';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
  }
}

export default async function setup(project: TestProject) {
  const binaries = ensureTemporalBinaries();
  if (!binaries.cli) throw new Error('The Temporal CLI is needed for the integration tests; see scripts/temporal-binaries.ts');

  let postgres: EmbeddedPostgresHandle | undefined;
  let workDir: string | undefined;
  let databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'service-clock-test-'));
    // The unprivileged postgres user must reach its data directory inside the temp folder.
    chmodSync(workDir, 0o755);
    postgres = await startEmbeddedPostgres({ dataDir: path.join(workDir, 'pg'), port: await freePort(), database: 'service_clock_test', persistent: false });
    databaseUrl = postgres.url;
  }
  const pool = createPool(databaseUrl);
  await migrate(pool);
  await pool.end();

  const temporal: DevServerHandle = await startDevServer({ cli: binaries.cli, port: await freePort() });
  project.provide('databaseUrl', databaseUrl);
  project.provide('temporalAddress', temporal.address);

  return async () => {
    await temporal.stop();
    await postgres?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  };
}
