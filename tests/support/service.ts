/**
 * The whole service in the test process, against the run's real Temporal dev server and
 * PostgreSQL: a worker with the real activities, and the API listening on a real port.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import pino from 'pino';
import { inject, vi } from 'vitest';
import type { SmsGateway } from '../../activities';
import { buildApp, type AppDeps } from '../../api/app';
import { demoApiKey, loadDemoData } from '../../db/demo-data';
import { createPool, type Pool } from '../../db/pool';
import { loadPolicy } from '../../config/policy';
import type { Policy } from '../../domain/policy';
import { createServiceWorker } from '../../worker/create-worker';
import { activityDeps } from '../../worker/activity-deps';
import { installTemporalRuntime } from '../../worker/runtime';

export interface RunningService {
  baseUrl: string;
  pool: Pool;
  client: Client;
  taskQueue: string;
  /** Stops the worker (as a crash or deploy would) and starts a fresh one on the same queue. */
  restartWorker(): Promise<void>;
  close(): Promise<void>;
}

export async function startService(
  options: { policy?: Policy; sms?: SmsGateway; healIntake?: AppDeps['healIntake'] } = {},
): Promise<RunningService> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  installTemporalRuntime(logger, 'ERROR');
  const pool = createPool(inject('databaseUrl'));
  await loadDemoData(pool);
  const address = inject('temporalAddress');
  const taskQueue = `it-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const deps = activityDeps(pool, logger, options.sms ? { sms: options.sms } : {});

  let worker: Worker;
  let running: Promise<void>;
  const startWorker = async () => {
    worker = await createServiceWorker({ connection: nativeConnection, namespace: 'default', taskQueue, deps });
    running = worker.run();
  };
  await startWorker();

  const policy = options.policy ?? loadPolicy();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const app = await buildApp({ pool, temporal: client, taskQueue, logger, policy, healIntake: options.healIntake ?? false });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });

  return {
    baseUrl,
    pool,
    client,
    taskQueue,
    async restartWorker() {
      worker.shutdown();
      await running;
      await startWorker();
    },
    async close() {
      await app.close();
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
      await pool.end();
    },
  };
}

/** A small JSON-over-HTTP client for the tests, acting as a demo staff member (their demo API key) or anonymously. */
export function http(baseUrl: string, staffId?: string) {
  const auth: Record<string, string> = staffId ? { authorization: `Bearer ${demoApiKey(staffId)}` } : {};
  async function call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
    const headers = { ...auth, ...extra };
    const res = await fetch(baseUrl + path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever JSON the route answers
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as any };
  }
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown, headers?: Record<string, string>) => call('POST', path, body, headers),
    put: (path: string, body: unknown) => call('PUT', path, body),
    delete: (path: string) => call('DELETE', path),
  };
}

/** Waits until a request reaches a stage, reading it over HTTP as the given client. */
export async function untilStage(client: ReturnType<typeof http>, requestId: string, stage: string) {
  return vi.waitFor(
    async () => {
      const res = await client.get(`/requests/${requestId}`);
      if (res.body.stage !== stage) throw new Error(`stage is ${res.body.stage}, waiting for ${stage}`);
      return res.body;
    },
    { timeout: 30_000, interval: 100 },
  );
}
