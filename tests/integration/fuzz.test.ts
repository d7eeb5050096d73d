/**
 * OpenAPI fuzzing with schemathesis (issue 10): every operation of /docs/json, every check, a
 * bounded number of examples. Fails on any 5xx, any status or body the document does not declare,
 * any accepted invalid input, any method answered other than 405.
 *
 * The API runs in this process on a real port, against the run's Temporal dev server and its own
 * database (created on the run's PostgreSQL and dropped afterwards), so whatever the fuzzer
 * creates or changes as an admin never reaches the other suites' demo data.
 *
 * FUZZ_MAX_EXAMPLES, FUZZ_SEED and FUZZ_AS (a demo staff id to act as) tune a run by hand.
 *
 * schemathesis comes from PyPI: SCHEMATHESIS_PATH, else .tools/schemathesis (a venv), else it is
 * installed there now, as scripts/temporal-binaries.ts does for the Temporal binaries.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { buildApp } from '../../api/app';
import { recordBreach } from '../../db/accountability';
import { issueApiKey } from '../../db/api-keys';
import { demoApiKey, loadDemoData } from '../../db/demo-data';
import { migrate } from '../../db/migrate';
import { createPool, type Pool } from '../../db/pool';
import { loadPolicy } from '../../config/policy';
import { createServiceWorker } from '../../worker/create-worker';
import { activityDeps } from '../../worker/activity-deps';
import { installTemporalRuntime } from '../../worker/runtime';

const ROOT = path.resolve(__dirname, '..', '..');
const VENV = path.join(ROOT, '.tools', 'schemathesis');
const OUT = path.join(ROOT, '.data', 'fuzz');
/** Test cases per operation and phase: enough to reach every check, small enough for ~1–2 minutes. */
const MAX_EXAMPLES = Number(process.env.FUZZ_MAX_EXAMPLES ?? 12);

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

interface Command {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

const TARGET = path.join(ROOT, '.tools', 'schemathesis-pip');
const CLI_FROM_TARGET = "import sys; from schemathesis.cli import schemathesis; sys.argv[0] = 'schemathesis'; sys.exit(schemathesis())";

/**
 * The schemathesis command: SCHEMATHESIS_PATH, the project's venv (.tools/schemathesis), a pip
 * --target install (.tools/schemathesis-pip, where python3 has no venv module), or a fresh install.
 */
function ensureSchemathesis(): Command {
  const fromEnv = process.env.SCHEMATHESIS_PATH;
  if (fromEnv) return { file: fromEnv, args: [], env: {} };
  const bin = path.join(VENV, 'bin', 'schemathesis');
  const fromTarget = (python: string): Command => ({ file: python, args: ['-c', CLI_FROM_TARGET], env: { PYTHONPATH: TARGET } });
  const targetWorks = (python: string) =>
    spawnSync(python, ['-c', 'import schemathesis.cli'], { env: { ...process.env, PYTHONPATH: TARGET }, stdio: 'ignore' }).status === 0;
  if (executable(bin)) return { file: bin, args: [], env: {} };
  for (const python of ['python3', 'python']) if (executable(path.join(TARGET, 'schemathesis')) || targetWorks(python)) return fromTarget(python);
  const spec = 'schemathesis>=4.32,<5';
  console.log(`[fuzz] Installing ${spec} from PyPI into .tools/ …`);
  for (const python of ['python3', 'python']) {
    if (spawnSync(python, ['-m', 'venv', VENV], { stdio: 'inherit' }).status === 0) {
      const pip = spawnSync(path.join(VENV, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', spec], {
        stdio: 'inherit',
      });
      if (pip.status === 0 && executable(bin)) return { file: bin, args: [], env: {} };
    }
    const pip = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', TARGET, spec], { stdio: 'inherit' });
    if (pip.status === 0 && targetWorks(python)) return fromTarget(python);
  }
  throw new Error('schemathesis is needed for the fuzz test: python3 with pip (and venv), or SCHEMATHESIS_PATH');
}

function run(command: Command, args: string[], logFile: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    // Asynchronous: the API answers from this same process while schemathesis runs.
    const child = spawn(command.file, [...command.args, ...args], {
      cwd: OUT,
      env: { ...process.env, ...command.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => {
      writeFileSync(logFile, output);
      resolve({ code: code ?? 1, output });
    });
  });
}

let databaseName: string;
let adminUrl: string;
let pool: Pool;
let worker: Worker;
let running: Promise<void>;
let nativeConnection: NativeConnection;
let connection: Connection;
let close: () => Promise<void>;
let baseUrl: string;
let apiKey: string;
let schemathesis: Command;
let config: string;

/** Real requests of several kinds (taken by a demo agent) and a breach record, so fuzzed calls reach past 404. */
async function seed(): Promise<{ requestIds: string[]; recordIds: number[] }> {
  const headers = { authorization: `Bearer ${demoApiKey('agent-1')}`, 'content-type': 'application/json' };
  const customer = { name: 'Li Wei', phone: '13800000001', address: '12 Renmin Road, Flat 301' };
  const bodies = [
    { customer, regionId: 'north', faultDescription: 'No signal on all channels', severity: 'general' },
    { kind: 'installation_city', customer, regionId: 'north', description: 'New cable TV', paperwork: { complete: false, missingItems: ['ID card copy'] } },
    { kind: 'complaint', customer, regionId: 'south', description: 'Billed twice' },
  ];
  const requestIds: string[] = [];
  for (const body of bodies) {
    const res = await fetch(`${baseUrl}/requests`, { method: 'POST', headers, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`seeding POST /requests answered ${res.status}: ${await res.text()}`);
    requestIds.push(((await res.json()) as { requestId: string }).requestId);
  }
  const now = Date.now();
  const recordId = await recordBreach(pool, {
    requestId: requestIds[0],
    stage: 'contact',
    cycle: 0,
    rule: 'R6',
    deadline: new Date(now - 60_000).toISOString(),
    breachedAt: new Date(now).toISOString(),
    responsibleStaffId: 'tech-north-1',
  });
  return { requestIds, recordIds: [recordId] };
}

/** tests/fuzz/schemathesis.toml plus dictionaries of the seeded ids, offered for the path ids most of the time. */
function writeConfig(ids: { requestIds: string[]; recordIds: number[] }): string {
  const file = path.join(OUT, 'schemathesis.toml');
  const values = (list: Array<string | number>) => `[${list.map((v) => JSON.stringify(v)).join(', ')}]`;
  writeFileSync(
    file,
    `${readFileSync(path.join(ROOT, 'tests', 'fuzz', 'schemathesis.toml'), 'utf8')}
# ---- written by fuzz.test.ts for this run
[dictionaries.requests]
values = ${values(ids.requestIds)}

[dictionaries.records]
values = ${values(ids.recordIds)}

[[operations]]
include-path-regex = '^/requests/\\{id\\}'
parameters = { "path.id" = { dictionary = "requests", probability = 0.8 } }

[[operations]]
include-path-regex = '^/accountability/\\{id\\}'
parameters = { "path.id" = { dictionary = "records", probability = 0.8 } }
`,
  );
  return file;
}

beforeAll(async () => {
  schemathesis = ensureSchemathesis();
  mkdirSync(OUT, { recursive: true });

  // A database of its own on the run's PostgreSQL.
  adminUrl = inject('databaseUrl');
  databaseName = `fuzz_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${databaseName}`;
  pool = createPool(url.toString());
  await migrate(pool);
  await loadDemoData(pool);
  // An admin of its own, so a fuzzed PUT /staff/{id} cannot take away the key the run uses.
  await pool.query(`INSERT INTO staff (id, name, role, phone, branch_id) VALUES ('fuzz-admin', 'Fuzz admin', 'admin', '13700009999', 'city')`);
  apiKey = (await issueApiKey(pool, 'fuzz-admin', 'schemathesis')).key;
  // FUZZ_AS=<demo staff id> fuzzes as that person instead (agent-1, tech-north-1 …) to reach other roles' paths.
  if (process.env.FUZZ_AS) apiKey = demoApiKey(process.env.FUZZ_AS);

  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'error' }, pino.destination({ dest: path.join(OUT, 'api.log'), sync: true }));
  installTemporalRuntime(logger, 'ERROR');
  const address = inject('temporalAddress');
  const taskQueue = `fuzz-${process.pid}`;
  nativeConnection = await NativeConnection.connect({ address });
  worker = await createServiceWorker({ connection: nativeConnection, namespace: 'default', taskQueue, deps: activityDeps(pool, logger) });
  running = worker.run();
  connection = await Connection.connect({ address });
  // schemathesis's ignored_auth check sends a wrong key for every operation from one address:
  // the failed sign-in limit (tested in hardening.test.ts) is raised for this run.
  process.env.SIGN_IN_MAX_FAILURES = '100000';
  const app = await buildApp({
    pool,
    temporal: new Client({ connection, namespace: 'default' }),
    taskQueue,
    logger,
    policy: loadPolicy(),
  });
  delete process.env.SIGN_IN_MAX_FAILURES;
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  close = async () => {
    await app.close();
  };
  config = writeConfig(await seed());
}, 300_000); // a first run installs schemathesis

afterAll(async () => {
  await close?.();
  if (worker) {
    worker.shutdown();
    await running;
  }
  await connection?.close();
  await nativeConnection?.close();
  await pool?.end();
  if (databaseName) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    await admin.end();
  }
});

describe('schemathesis over the OpenAPI document', () => {
  it(
    'finds no server error, undocumented status or response, accepted bad input, or missing 405',
    async () => {
      const { code, output } = await run(
        schemathesis,
        [
          '--config-file',
          config,
          'run',
          `${baseUrl}/docs/json`,
          '--url',
          baseUrl,
          '--checks',
          'all',
          '--header',
          `Authorization: Bearer ${apiKey}`,
          '--max-examples',
          String(MAX_EXAMPLES),
          '--phases',
          'examples,coverage,fuzzing,stateful',
          '--seed',
          process.env.FUZZ_SEED ?? '20261121',
          '--workers',
          '1',
          '--request-timeout',
          '20',
          '--suppress-health-check',
          'all',
          '--output-sanitize',
          'true',
          '--report',
          'junit',
          '--report-dir',
          OUT,
        ],
        path.join(OUT, 'schemathesis.log'),
      );
      const summary = output.split('\n').slice(-150).join('\n');
      const apiLog = readFileSync(path.join(OUT, 'api.log'), 'utf8').split('\n').filter(Boolean).slice(-20).join('\n');
      expect(code, `schemathesis failed (full output: .data/fuzz/schemathesis.log; API errors: .data/fuzz/api.log)\n${summary}\n${apiLog}`).toBe(0);
    },
    360_000,
  );
});
