/**
 * GET /metrics (Prometheus text, prom-client): request durations and counts by route pattern and
 * status; open requests by kind and stage from the request registry; the SMS outbox backlog.
 * Driven with app.inject; rows of its own (a kind and message keys no other suite uses) on the
 * run's shared PostgreSQL, removed afterwards.
 */
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { buildApp, type AppDeps } from '../../api/app';
import { demoApiKey, loadDemoData } from '../../db/demo-data';
import { createPool, type Pool } from '../../db/pool';
import { loadPolicy } from '../../config/policy';

const KIND = `metrics_test_${process.pid}`;
const KEY = `metrics-test-${process.pid}`;

let app: FastifyInstance;
let pool: Pool;
let connection: Connection;

async function insertRequest(id: string, stage: string, closed: boolean): Promise<void> {
  const snapshot = { requestId: id, kind: KIND, stage };
  await pool.query(
    `INSERT INTO service_requests (id, kind, region_id, stage, cycle, customer_name, customer_phone, customer_address,
        fault_description, first_contact_staff_id, received_at, breached, closed_at, last_seq, snapshot)
     VALUES ($1, $2, 'north', $3, 0, 'Li Wei', '13800000001', '12 Renmin Road', 'test', 'agent-1', now(), false, $4, 0, $5)`,
    [id, KIND, stage, closed ? new Date() : null, JSON.stringify(snapshot)],
  );
}

async function insertSms(suffix: string, status: 'pending' | 'sent' | 'failed', lastError: string | null, ageSeconds = 0): Promise<void> {
  await pool.query(
    `INSERT INTO sms_outbox (message_key, request_id, purpose, recipient_staff_id, recipient_phone, body, status, last_error, created_at)
     VALUES ($1, NULL, 'alert', 'cm-north', '13700000020', 'test', $2, $3, now() - make_interval(secs => $4))`,
    [`${KEY}/${suffix}`, status, lastError, ageSeconds],
  );
}

/** The value of one sample line, e.g. sample(text, 'service_clock_open_requests', { kind: 'x', stage: 'y' }). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^[^{\s]+(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) continue;
    const have = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[2]);
  }
  return undefined;
}

const scrape = async () => {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
};

beforeAll(async () => {
  pool = createPool(inject('databaseUrl'));
  await loadDemoData(pool);
  connection = await Connection.connect({ address: inject('temporalAddress') });
  const deps = {
    pool,
    temporal: new Client({ connection, namespace: 'default' }),
    taskQueue: `metrics-${process.pid}`,
    logger: pino({ level: 'silent' }),
    policy: loadPolicy(),
    healIntake: false,
  };
  app = await buildApp(deps as AppDeps);
  await app.ready();
});

afterAll(async () => {
  await pool?.query('DELETE FROM service_requests WHERE kind = $1', [KIND]);
  await pool?.query('DELETE FROM sms_outbox WHERE message_key LIKE $1', [`${KEY}/%`]);
  await app?.close();
  await connection?.close();
  await pool?.end();
});

describe('GET /metrics', () => {
  it('counts and times requests by route pattern and status code, never by raw URL', async () => {
    const agent = { authorization: `Bearer ${demoApiKey('agent-1')}` };
    for (let i = 0; i < 3; i += 1) await app.inject({ method: 'GET', url: '/org', headers: agent });
    await app.inject({ method: 'GET', url: '/regions/north/history', headers: agent });
    await app.inject({ method: 'GET', url: '/regions/south/history', headers: agent });
    await app.inject({ method: 'GET', url: '/regions/atlantis/history', headers: agent });
    await app.inject({ method: 'GET', url: '/no/such/address/123', headers: agent });

    const text = await scrape();
    expect(text).toMatch(/# TYPE http_request_duration_seconds histogram/);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/org', status_code: '200' })).toBe(3);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/regions/:id/history', status_code: '200' })).toBe(2);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/regions/:id/history', status_code: '404' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_bucket', { route: '/org', status_code: '200', le: '+Inf' })).toBe(3);
    expect(sample(text, 'http_request_duration_seconds_sum', { route: '/org', status_code: '200' })).toBeGreaterThan(0);
    expect(text).not.toMatch(/route="\/regions\/north|route="\/no\/such/);
  });

  it('reads open requests by kind and stage from the request registry at scrape time, closed ones left out', async () => {
    await insertRequest(`SR-20261121-9${process.pid}1`, 'dispatch', false);
    await insertRequest(`SR-20261121-9${process.pid}2`, 'dispatch', false);
    await insertRequest(`SR-20261121-9${process.pid}3`, 'completion', false);
    await insertRequest(`SR-20261121-9${process.pid}4`, 'closed', true);
    const text = await scrape();
    expect(sample(text, 'service_clock_open_requests', { kind: KIND, stage: 'dispatch' })).toBe(2);
    expect(sample(text, 'service_clock_open_requests', { kind: KIND, stage: 'completion' })).toBe(1);
    expect(sample(text, 'service_clock_open_requests', { kind: KIND, stage: 'closed' })).toBeUndefined();
    expect(sample(text, 'service_clock_metrics_database_up')).toBe(1);

    // A request that closes leaves the gauge at the next scrape.
    await pool.query(`UPDATE service_requests SET stage = 'closed', closed_at = now() WHERE kind = $1 AND stage = 'completion'`, [KIND]);
    expect(sample(await scrape(), 'service_clock_open_requests', { kind: KIND, stage: 'completion' })).toBeUndefined();
  });

  it('reports the SMS outbox backlog: pending, retrying and failed counts and the oldest unsent age', async () => {
    const before = await scrape();
    const base = (state: string) => sample(before, 'service_clock_sms_outbox_messages', { state }) ?? 0;
    await insertSms('a', 'pending', null, 120);
    await insertSms('b', 'pending', null);
    await insertSms('c', 'pending', 'gateway timeout');
    await insertSms('d', 'sent', null);
    await insertSms('e', 'failed', 'number does not exist');
    const text = await scrape();
    expect(sample(text, 'service_clock_sms_outbox_messages', { state: 'pending' })).toBe(base('pending') + 2);
    expect(sample(text, 'service_clock_sms_outbox_messages', { state: 'retrying' })).toBe(base('retrying') + 1);
    expect(sample(text, 'service_clock_sms_outbox_messages', { state: 'failed' })).toBe(base('failed') + 1);
    expect(sample(text, 'service_clock_sms_outbox_oldest_unsent_seconds')).toBeGreaterThanOrEqual(119);
  });

  it('is public, like /health, and documented as text/plain', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.paths['/metrics'].get.security).toEqual([]);
    expect(Object.keys(doc.paths['/metrics'].get.responses['200'].content)).toEqual(['text/plain']);
  });
});
