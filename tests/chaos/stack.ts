/**
 * The real stack of a chaos run, on free loopback ports: an embedded PostgreSQL (its data kept on
 * disk so it can be stopped and started again), a Temporal dev server with its state in a SQLite
 * file (so it can be restarted), the migrations and demo data, the chaos policy file, a prebuilt
 * workflow bundle (so a restarted worker starts in seconds), two worker processes on one task
 * queue and one API process.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadDemoData } from '../../db/demo-data';
import { migrate } from '../../db/migrate';
import { createPool, type Pool } from '../../db/pool';
import { freePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../scripts/embedded-postgres';
import { ensureTemporalBinaries, PROJECT_ROOT } from '../../scripts/temporal-binaries';
import { startDevServer, type DevServerHandle } from '../../scripts/temporal-dev-server';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../worker/workflows-path';
import { writeChaosPolicy } from './policy';
import { ProcessSlot } from './processes';

export const VACANT_REGION = 'vacant';

export interface Stack {
  dir: string;
  logDir: string;
  bundleFile: string;
  policyFile: string;
  databaseUrl: string;
  temporalAddress: string;
  apiUrl: string;
  taskQueue: string;
  pool: Pool;
  client: Client;
  workers: ProcessSlot[];
  api: ProcessSlot;
  /** Stops PostgreSQL (fast shutdown); the data stays. */
  stopPostgres(): Promise<void>;
  /** Starts PostgreSQL again on the same port and data directory. */
  startPostgres(): Promise<void>;
  stopTemporal(): Promise<void>;
  startTemporal(): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(dir: string, log: (line: string) => void): Promise<Stack> {
  const logDir = path.join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  // The unprivileged postgres user must reach its data directory (scripts/embedded-postgres.ts
  // relocates it when a parent folder is private).
  for (const d of [path.dirname(dir), dir]) chmodSync(d, 0o755);

  const binaries = ensureTemporalBinaries(log);
  if (!binaries.cli) throw new Error('The Temporal CLI is needed for the chaos run; see scripts/temporal-binaries.ts');
  const cli = binaries.cli;

  // The SDK's bundler (CPU for ~15 s) runs while the servers start; WORKFLOW_BUNDLE then makes
  // every worker start load it instead of running webpack.
  const bundleFile = path.join(dir, 'workflow-bundle.js');
  const quiet = () => undefined;
  const bundling = bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet } });
  bundling.catch(() => undefined);

  const pgPort = await freePort();
  const pgOptions = { dataDir: path.join(dir, 'pg'), port: pgPort, database: 'service_clock_chaos', persistent: true, log };
  const temporalPort = await freePort();
  const temporalOptions = { cli, port: temporalPort, dbFile: path.join(dir, 'temporal.db') };
  const servers = await Promise.all([startEmbeddedPostgres(pgOptions), startDevServer(temporalOptions)]);
  let postgres: EmbeddedPostgresHandle | undefined = servers[0];
  let temporal: DevServerHandle | undefined = servers[1];
  const databaseUrl = postgres.url;
  log(`PostgreSQL on 127.0.0.1:${pgPort} (data in ${postgres.dataDir})`);
  const temporalAddress = temporal.address;
  log(`Temporal dev server on ${temporalAddress} (state in ${temporalOptions.dbFile})`);

  const pool = createPool(databaseUrl, () => undefined);
  await migrate(pool);
  await loadDemoData(pool);
  // A region whose roster is empty: nobody is ever on duty there (R4 breach paths).
  await pool.query(`INSERT INTO regions (id, name, branch_id, customer_manager_id, households) VALUES ($1, 'Roster empty', 'city', 'cm-north', 10) ON CONFLICT DO NOTHING`, [VACANT_REGION]);
  await pool.query(
    `INSERT INTO region_managers (region_id, staff_id, valid_from) SELECT $1, 'cm-north', now() - interval '1 day'
      WHERE NOT EXISTS (SELECT 1 FROM region_managers WHERE region_id = $1)`,
    [VACANT_REGION],
  );

  const policyFile = path.join(dir, 'chaos-policy.json');
  writeChaosPolicy(policyFile);
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace: 'default' });

  const apiPort = await freePort();
  const taskQueue = `chaos-${path.basename(dir)}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_OPTIONS: process.env.NODE_OPTIONS,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    POLICY_FILE: policyFile,
    WORKFLOW_BUNDLE: bundleFile,
    WORKER_METRICS_ADDRESS: 'off',
    EXPECTED_OPEN_REQUESTS: '200',
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const workers = [1, 2].map((n) => new ProcessSlot(`worker-${n}`, 'worker/main.ts', { cwd: PROJECT_ROOT, env, logDir }));
  const api = new ProcessSlot('api', 'api/server.ts', { cwd: PROJECT_ROOT, env, logDir });
  api.up(); // the API needs no bundle: it starts while webpack finishes
  const { code } = await bundling;
  writeFileSync(bundleFile, code);
  log(`workflow bundle ${path.relative(PROJECT_ROOT, bundleFile)} (${(code.length / 1024 / 1024).toFixed(1)} MB) from ${path.relative(PROJECT_ROOT, WORKFLOWS_PATH)}`);

  for (const slot of workers) slot.up();
  const ready = await Promise.all([...workers, api].map((slot) => slot.waitReady(120_000)));
  if (ready.some((r) => !r)) {
    throw new Error(`Not ready within 120 s: ${[...workers, api].filter((_, i) => !ready[i]).map((s) => `${s.name} (see ${path.join(logDir, `${s.name}.log`)})`).join(', ')}`);
  }
  log(`two workers on task queue ${taskQueue}; API on http://127.0.0.1:${apiPort}`);

  return {
    dir,
    logDir,
    bundleFile,
    policyFile,
    databaseUrl,
    temporalAddress,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    taskQueue,
    pool,
    client,
    workers,
    api,
    async stopPostgres() {
      await postgres?.stop();
      postgres = undefined;
    },
    async startPostgres() {
      postgres = await startEmbeddedPostgres(pgOptions);
    },
    async stopTemporal() {
      await temporal?.stop();
      temporal = undefined;
    },
    async startTemporal() {
      temporal = await startDevServer(temporalOptions);
    },
    async close() {
      await api.close();
      await Promise.all(workers.map((w) => w.close()));
      await connection.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await temporal?.stop();
      await postgres?.stop();
    },
  };
}
