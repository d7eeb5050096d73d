/**
 * `npm start`: the whole service on one machine with embedded defaults — Temporal dev server with
 * its Web UI (state in .data/temporal.db), an embedded PostgreSQL (.data/pg), migrations, demo
 * organisation data, the worker and the API. TEMPORAL_ADDRESS / DATABASE_URL switch to external
 * servers. Ctrl-C stops everything in order: API, worker, then the servers it started.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { buildApp } from '../api/app';
import { DEFAULTS } from '../config';
import { createLogger } from '../config/logger';
import { loadPolicy } from '../config/policy';
import { DEMO_REGIONS, DEMO_STAFF, demoApiKey, loadDemoData } from '../db/demo-data';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { repairPolicyOf } from '../domain/service-policy';
import { activityDeps } from '../worker/activity-deps';
import { createServiceWorker } from '../worker/create-worker';
import { installTemporalRuntime } from '../worker/runtime';
import { registerSearchAttributes } from '../worker/search-attributes';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { startEmbeddedPostgres } from './embedded-postgres';
import { ensureTemporalBinaries, PROJECT_ROOT } from './temporal-binaries';
import { startDevServer } from './temporal-dev-server';

const DATA_DIR = path.join(PROJECT_ROOT, '.data');
const TEMPORAL_PORT = 7233;
const TEMPORAL_UI_PORT = 8233;
const EMBEDDED_PG_PORT = 54329;

async function main(): Promise<void> {
  const logger = createLogger(process.env.LOG_LEVEL ?? DEFAULTS.logLevel, 'service-clock');
  const say = (line: string) => console.log(`[start] ${line}`);
  const stops: Array<() => Promise<unknown>> = []; // run in reverse on shutdown
  mkdirSync(DATA_DIR, { recursive: true });
  const servicePolicy = loadPolicy(); // an invalid policy file stops start-up here, naming the entry

  // ---- Temporal
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  let temporalUi = '(external server: see its own UI)';
  if (!temporalAddress) {
    const { cli } = ensureTemporalBinaries(say);
    const dbFile = path.join(DATA_DIR, 'temporal.db');
    say(`starting the Temporal dev server on :${TEMPORAL_PORT}, UI on :${TEMPORAL_UI_PORT}, state in ${path.relative(PROJECT_ROOT, dbFile)}`);
    if (cli) {
      const server = await startDevServer({ cli, port: TEMPORAL_PORT, uiPort: TEMPORAL_UI_PORT, dbFile });
      stops.push(() => server.stop());
      temporalAddress = server.address;
    } else {
      const env = await TestWorkflowEnvironment.createLocal({
        server: { port: TEMPORAL_PORT, ui: true, uiPort: TEMPORAL_UI_PORT, dbFilename: dbFile, searchAttributes: ALL_SEARCH_ATTRIBUTES },
      });
      stops.push(() => env.teardown());
      temporalAddress = env.address;
    }
    temporalUi = `http://localhost:${TEMPORAL_UI_PORT}`;
  }

  // ---- PostgreSQL
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    say(`starting the embedded PostgreSQL on :${EMBEDDED_PG_PORT}, data in .data/pg`);
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(DATA_DIR, 'pg'),
      port: EMBEDDED_PG_PORT,
      database: 'service_clock',
      persistent: true,
    });
    stops.push(() => pg.stop());
    databaseUrl = pg.url;
  }
  const pool = createPool(databaseUrl, (err) => logger.warn({ err: err.message }, 'idle database connection lost'));
  stops.push(() => pool.end());
  const applied = await migrate(pool);
  say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema up to date');
  await loadDemoData(pool);

  // ---- Worker
  const namespace = process.env.TEMPORAL_NAMESPACE ?? DEFAULTS.temporalNamespace;
  const taskQueue = process.env.TEMPORAL_TASK_QUEUE ?? DEFAULTS.taskQueue;
  installTemporalRuntime(logger, 'WARN', false);
  const connection = await Connection.connect({ address: temporalAddress });
  stops.push(() => connection.close());
  await registerSearchAttributes(connection, namespace);
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  stops.push(() => nativeConnection.close());
  const worker = await createServiceWorker({
    connection: nativeConnection,
    namespace,
    taskQueue,
    deps: activityDeps(pool, logger),
  });
  const workerRun = worker.run();
  stops.push(async () => {
    worker.shutdown();
    await workerRun;
  });

  // ---- API
  const app = await buildApp({
    pool,
    temporal: new Client({ connection, namespace }),
    taskQueue,
    logger,
    policy: repairPolicyOf(servicePolicy),
    servicePolicy,
  });
  const port = Number(process.env.PORT ?? DEFAULTS.port);
  await app.listen({ host: process.env.HOST ?? DEFAULTS.host, port });
  stops.push(() => app.close());

  const api = `http://localhost:${port}`;
  console.log(`
Service Clock is running.
  API            ${api}
  API docs       ${api}/docs   (OpenAPI JSON at ${api}/docs/json)
  Temporal UI    ${temporalUi}
  Temporal       ${temporalAddress}   namespace ${namespace}, task queue ${taskQueue}
  PostgreSQL     ${databaseUrl.replace(/:[^:@/]+@/, ':****@')}

Demo organisation: regions ${DEMO_REGIONS.map((r) => `${r.id} (on duty: ${r.onDuty}, manager: ${r.manager})`).join('; ')}
Demo credentials (send as "Authorization: Bearer <key>"; demo only — issue real ones with POST /staff/{id}/api-keys):
${DEMO_STAFF.map((s) => `  ${s.role.padEnd(20)} ${s.id.padEnd(16)} ${demoApiKey(s.id)}`).join('\n')}

Try:  curl -s -X POST ${api}/requests -H 'content-type: application/json' -H 'Authorization: Bearer ${demoApiKey('agent-1')}' \\
        -H 'Idempotency-Key: demo-1' \\
        -d '{"customer":{"name":"Li Wei","phone":"13800000001","address":"12 Renmin Road"},"regionId":"north","faultDescription":"No signal","severity":"general"}'
Press Ctrl-C to stop everything.
`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping the API, the worker and the servers …`);
    for (const stop of stops.reverse()) {
      await stop().catch((err) => logger.warn({ err }, 'while stopping'));
    }
    say('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  // Configuration errors (an invalid policy file, a busy port) read best as their message alone.
  console.error('[start] failed:', process.env.LOG_LEVEL === 'debug' ? err : (err as Error).message ?? err);
  process.exit(1);
});
