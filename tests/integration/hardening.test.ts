/**
 * The hardened API (issues 8 and 10): every 4xx says what to fix; 405 with Allow; NUL characters,
 * huge numbers and impossible dates are 400, never 500; 5xx never echo internals and carry a
 * request id; repeated wrong keys are limited (429 + Retry-After); a PostgreSQL or Temporal outage
 * answers 503 within seconds with what is down; /health reports each dependency; the handler has
 * a deadline (504).
 *
 * The run's PostgreSQL and Temporal are shared by every suite, so outages are made with app
 * instances of their own pointed at a closed port or at a port that accepts and never answers.
 */
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { buildApp, type AppDeps } from '../../api/app';
import { demoApiKey, loadDemoData } from '../../db/demo-data';
import { createPool, type Pool } from '../../db/pool';
import { loadPolicy } from '../../config/policy';

interface TestApp {
  app: FastifyInstance;
  pool: Pool;
  close(): Promise<void>;
}

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const opened: TestApp[] = [];
const servers: net.Server[] = [];

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A port that accepts connections and never says a word (a hung server, a black-holed route). */
async function silentPort(): Promise<number> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return (server.address() as net.AddressInfo).port;
}

/** An app on the run's servers, or with PostgreSQL and/or Temporal pointed elsewhere; env set while it is built. */
async function appWith(
  options: { databaseUrl?: string; temporalAddress?: string; env?: Record<string, string>; ready?: boolean } = {},
): Promise<TestApp> {
  const saved = Object.fromEntries(Object.keys(options.env ?? {}).map((k) => [k, process.env[k]]));
  Object.assign(process.env, options.env);
  try {
    const pool = createPool(options.databaseUrl ?? inject('databaseUrl'));
    const connection = options.temporalAddress
      ? Connection.lazy({ address: options.temporalAddress })
      : await Connection.connect({ address: inject('temporalAddress') });
    const deps = {
      pool,
      temporal: new Client({ connection, namespace: 'default' }),
      taskQueue: `hardening-${process.pid}`,
      logger,
      policy: loadPolicy(),
      healIntake: false,
    };
    const app = await buildApp(deps as AppDeps);
    if (options.ready !== false) await app.ready(); // schemas compile here, not in a timed request
    const testApp: TestApp = {
      app,
      pool,
      async close() {
        await app.close();
        await connection.close().catch(() => undefined);
        await pool.end().catch(() => undefined);
      },
    };
    opened.push(testApp);
    return testApp;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const as = (staffId: string) => ({ authorization: `Bearer ${demoApiKey(staffId)}` });
const json = (res: LightMyRequestResponse) => res.json() as { statusCode: number; error: string; message: string; requestId?: string };

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

let main: TestApp;

beforeAll(async () => {
  main = await appWith({ ready: false });
  await loadDemoData(main.pool);
  // Extra routes that fail on purpose, registered before the app is ready.
  main.app.get('/test/boom', async () => {
    throw Object.assign(new Error('relation "secret_table" does not exist at character 15'), { code: '42P01', detail: 'internal detail' });
  });
  main.app.get('/test/data-exception', async () => {
    throw Object.assign(new Error('invalid input syntax for type bigint: "1e+30"'), { code: '22P02' });
  });
  await main.app.ready();
});

afterAll(async () => {
  for (const app of opened.reverse()) await app.close();
  for (const server of servers) server.close();
});

describe('4xx answers say what to fix', () => {
  it('names the allowed values of an enum once, not "must be equal to constant" per value', async () => {
    const res = await main.app.inject({
      method: 'PUT',
      url: '/staff/new-agent',
      headers: as('admin-1'),
      payload: { name: 'New Agent', role: 'chef', phone: '13700000099', regionId: null, branchId: 'city' },
    });
    expect(res.statusCode).toBe(400);
    const { message } = json(res);
    expect(message).toMatch(/^"role" must be one of: agent, technician, customer_manager, /);
    expect(message).not.toMatch(/equal to constant/);
  });

  it('says a criticism notice needs its sanction, and which outcomes there are (R22)', async () => {
    const decide = (payload: object) =>
      main.app.inject({ method: 'POST', url: '/accountability/1/decision', headers: as('supervisor-1'), payload });
    const noSanction = await decide({ outcome: 'criticism_notice' });
    expect(noSanction.statusCode).toBe(400);
    expect(json(noSanction).message).toBe('"sanction" is missing: add it.');
    expect(json(await decide({ outcome: 'criticism_notice', sanction: '' })).message).toBe('"sanction" must not be empty.');
    const unknown = await decide({ outcome: 'fine' });
    expect(json(unknown).message).toMatch(/^"outcome" must be one of: (criticism_notice|warning|best_in_class_revoked|exempt)(, (criticism_notice|warning|best_in_class_revoked|exempt)){3}\.$/);
  });

  it('names a missing field, an unknown field, a wrong type, a date without time zone and a mistyped query parameter', async () => {
    const put = (payload: object) => main.app.inject({ method: 'PUT', url: '/branches/hq-test', headers: as('admin-1'), payload });
    expect(json(await put({ leaderId: null })).message).toBe('"name" is missing: add it.');
    const extra = json(await put({ name: 'HQ', leaderId: null, colour: 'red' }));
    expect(extra.message).toMatch(/"colour" is not a field this action takes \(no additional properties are allowed\): remove it\./);
    expect(json(await put({ name: 42, leaderId: null })).message).toBe('"name" must be text.');
    const shift = await main.app.inject({
      method: 'POST',
      url: '/roster/shifts',
      headers: as('admin-1'),
      payload: { staffId: 'tech-north-1', regionId: 'north', startsAt: 'tomorrow', endsAt: '2026-11-22T08:00:00+08:00' },
    });
    expect(json(shift).message).toBe('"startsAt" must be a date and time with its time zone, e.g. 2026-11-21T15:00:00+08:00.');
    const typo = await main.app.inject({ method: 'GET', url: '/roster?regoinId=north', headers: as('agent-1') });
    expect(typo.statusCode).toBe(400);
    expect(json(typo).message).toMatch(/Query parameter "regoinId" is not a field this action takes/);
    const pattern = await main.app.inject({ method: 'GET', url: '/regions/North!/history', headers: as('agent-1') });
    expect(json(pattern).message).toBe('"id" in the address is not in the expected form: lower-case letters, digits and dashes, up to 64, e.g. north or tech-north-1.');
  });

  it('does not turn a JSON false or "" into text or null: the body is taken as sent', async () => {
    const label = await main.app.inject({ method: 'POST', url: '/staff/agent-1/api-keys', headers: as('admin-1'), payload: { label: false } });
    expect(label.statusCode).toBe(400);
    expect(json(label).message).toBe('"label" must be text.');
    const leader = await main.app.inject({ method: 'PUT', url: '/branches/hq-test', headers: as('admin-1'), payload: { name: 'HQ', leaderId: '' } });
    expect(leader.statusCode).toBe(400);
    expect(json(leader).message).toMatch(/"leaderId" must/);
  });

  it('explains a body that is not JSON, or not sent as JSON', async () => {
    const broken = await main.app.inject({
      method: 'PUT',
      url: '/branches/hq-test',
      headers: { ...as('admin-1'), 'content-type': 'application/json' },
      payload: '{"name": "HQ",',
    });
    expect(broken.statusCode).toBe(400);
    expect(json(broken).message).toMatch(/^The body is not valid JSON/);
    const text = await main.app.inject({
      method: 'PUT',
      url: '/branches/hq-test',
      headers: { ...as('admin-1'), 'content-type': 'text/plain' },
      payload: 'name=HQ',
    });
    expect(text.statusCode).toBe(400);
    expect(json(text).message).toBe('The body must be a JSON object, e.g. {} — send it with content-type: application/json.');
    const xml = await main.app.inject({
      method: 'PUT',
      url: '/branches/hq-test',
      headers: { ...as('admin-1'), 'content-type': 'application/xml' },
      payload: '<branch name="HQ"/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(json(xml).message).toBe('This action reads JSON: send the body with content-type: application/json (got "application/xml").');
  });

  it('answers 400, never 500, for numbers past what the database counts, impossible dates and NUL characters', async () => {
    const get = (url: string) => main.app.inject({ method: 'GET', url, headers: as('supervisor-1') });
    for (const url of ['/accountability/99999999999999999999999', '/accountability?offset=1e30', '/accountability/1e400']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(json(res).message, url).toMatch(/^("id" in the address|Query parameter "offset") (must be at most|is too large a number)/);
    }
    const day = (d: string) => main.app.inject({ method: 'PUT', url: `/calendar/local-rest-days/${d}`, headers: as('admin-1'), payload: { reason: 'Test day' } });
    expect((await day('0000-00-00')).statusCode).toBe(400);
    expect((await day('2026-02-30')).statusCode).toBe(400);
    expect(json(await day('0000-00-00')).message).toMatch(/"day" in the address must be a date, e\.g\. 2026-11-21/);
    const year = await day('1999-10-01');
    expect(year.statusCode).toBe(422);
    expect(json(year).message).toMatch(/outside the years deadlines are counted in/);

    for (const [url, field] of [
      ['/regions/north%00/history', '"id" in the address'],
      ['/roster?at=%00', 'Query parameter "at"'],
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(json(res).message).toBe(`${field} contains a NUL character (\\u0000), which cannot be stored: remove it and send again.`);
    }
    const label = await main.app.inject({ method: 'POST', url: '/staff/agent-1/api-keys', headers: as('admin-1'), payload: { label: 'pho\u0000ne' } });
    expect(label.statusCode).toBe(400);
    expect(json(label).message).toMatch(/^"label" contains a NUL character/);
  });

  it('answers 405 with Allow for a method the address does not take, 404 for an unknown address', async () => {
    const trace = await main.app.inject({ method: 'TRACE', url: '/org', headers: as('agent-1') });
    expect(trace.statusCode).toBe(405);
    expect(trace.headers.allow).toBe('GET, HEAD');
    expect(json(trace).message).toBe('TRACE is not possible on /org; it takes GET. See /docs.');
    // QUERY carries a body: it used to fail on its missing content-type with a 400.
    const query = await main.app.inject({ method: 'QUERY' as 'GET', url: '/roster/shifts/1', headers: as('agent-1') });
    expect(query.statusCode).toBe(405);
    expect(query.headers.allow).toBe('DELETE');
    const del = await main.app.inject({ method: 'DELETE', url: '/calendar', headers: as('admin-1') });
    expect(del.statusCode).toBe(405);
    expect(del.headers.allow).toBe('GET, HEAD');
    const nowhere = await main.app.inject({ method: 'GET', url: '/nowhere' });
    expect(nowhere.statusCode).toBe(404);
    expect(json(nowhere).message).toBe('There is no GET /nowhere; check the address against the API documentation at /docs.');
  });

  it('answers an unexpected failure 500 with a generic message and the request id, never the internal text', async () => {
    const res = await main.app.inject({ method: 'GET', url: '/test/boom', headers: { ...as('agent-1'), 'x-request-id': 'call-42' } });
    expect(res.statusCode).toBe(500);
    const body = json(res);
    expect(body.requestId).toBe('call-42');
    expect(res.headers['x-request-id']).toBe('call-42');
    expect(body.message).toMatch(/Something went wrong on our side; .* quote reference call-42/);
    expect(res.body).not.toMatch(/secret_table|relation|42P01|internal detail/);
    expect(Object.keys(body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
    // A value the database could not read that the schema let through is the input's fault: 400, no internals.
    const data = await main.app.inject({ method: 'GET', url: '/test/data-exception', headers: as('agent-1') });
    expect(data.statusCode).toBe(400);
    expect(data.body).not.toMatch(/bigint|22P02/);
    // Without a usable X-Request-Id the server makes one.
    const fresh = await main.app.inject({ method: 'GET', url: '/test/boom', headers: { ...as('agent-1'), 'x-request-id': 'no spaces allowed' } });
    expect(json(fresh).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('repeated wrong API keys', () => {
  it('are limited per client address: 429 with Retry-After once the limit is reached, other addresses unaffected', async () => {
    const { app } = await appWith({ env: { SIGN_IN_MAX_FAILURES: '3', SIGN_IN_WINDOW_SECONDS: '120' } });
    const attempt = (key: string, remoteAddress = '10.0.0.7') =>
      app.inject({ method: 'GET', url: '/org', headers: { authorization: `Bearer ${key}` }, remoteAddress });
    for (let i = 0; i < 3; i += 1) expect((await attempt(`guess-${i}`)).statusCode).toBe(401);
    const limited = await attempt('guess-4');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(100);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(120);
    expect(json(limited).message).toMatch(/^Too many sign-ins with a wrong API key from your address; wait \d+ s/);
    // While limited, the address is refused before any key is looked up, a right one included.
    expect((await attempt(demoApiKey('agent-1'))).statusCode).toBe(429);
    // Another address, and a missing key (not a guess), are not limited.
    expect((await attempt(demoApiKey('agent-1'), '10.0.0.8')).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/org', remoteAddress: '10.0.0.7' })).statusCode).toBe(401);
    // Public routes never are.
    expect((await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.0.0.7' })).statusCode).toBe(200);
  });
});

describe('outages answer 503 within seconds, saying what is down', () => {
  it('PostgreSQL and Temporal refusing connections: 503 in well under a second, /health 503 with both down', async () => {
    const { app } = await appWith({
      databaseUrl: `postgres://postgres:x@127.0.0.1:${await closedPort()}/service_clock`,
      temporalAddress: `127.0.0.1:${await closedPort()}`,
    });
    const { result: org, ms } = await timed(() => app.inject({ method: 'GET', url: '/org', headers: as('agent-1') }));
    expect(org.statusCode).toBe(503);
    expect(ms).toBeLessThan(2000);
    expect(org.headers['retry-after']).toBe('5');
    const body = json(org);
    expect(body.message).toBe(
      'The database is not answering right now (PostgreSQL unreachable or too slow); nothing was saved or changed. Try again in a minute; if it keeps happening, tell the duty engineer.',
    );
    expect(body.requestId).toBe(org.headers['x-request-id']);
    expect(org.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);

    const { result: health, ms: healthMs } = await timed(() => app.inject({ method: 'GET', url: '/health' }));
    expect(healthMs).toBeLessThan(2500);
    expect(health.statusCode).toBe(503);
    const state = health.json();
    expect(state.status).toBe('degraded');
    expect(state.postgres).toMatchObject({ status: 'down', error: 'PostgreSQL is unreachable' });
    expect(state.temporal.status).toBe('down');
    expect(state.postgres.latencyMs).toBeLessThan(2000);
  });

  it('PostgreSQL accepting connections and never answering: 503 within the 3 s connect limit; /health within 2 s', async () => {
    const { app } = await appWith({ databaseUrl: `postgres://postgres:x@127.0.0.1:${await silentPort()}/service_clock` });
    const { result, ms } = await timed(() => app.inject({ method: 'GET', url: '/roster', headers: as('agent-1') }));
    expect(result.statusCode).toBe(503);
    expect(json(result).message).toMatch(/^The database is not answering right now/);
    expect(ms).toBeGreaterThan(2500);
    expect(ms).toBeLessThan(4500);
    const { result: health, ms: healthMs } = await timed(() => app.inject({ method: 'GET', url: '/health' }));
    expect(health.statusCode).toBe(503);
    expect(healthMs).toBeLessThan(2500);
    expect(health.json()).toMatchObject({
      status: 'degraded',
      postgres: { status: 'down', error: 'PostgreSQL did not answer within 1500 ms' },
      temporal: { status: 'up' },
    });
  });

  it('Temporal down while PostgreSQL answers: reads answer 503 within the Temporal deadline; intake takes the request (202) for the healer to start', async () => {
    const { app } = await appWith({ temporalAddress: `127.0.0.1:${await silentPort()}` });
    const { result: read, ms } = await timed(() => app.inject({ method: 'GET', url: '/requests/SR-20261121-999991', headers: as('agent-1') }));
    expect(read.statusCode).toBe(503);
    expect(json(read).message).toMatch(/^The workflow service \(Temporal\) (is not answering right now|did not answer in time)/);
    expect(ms).toBeLessThan(6000);

    const { result: intake, ms: intakeMs } = await timed(() =>
      app.inject({
        method: 'POST',
        url: '/requests',
        headers: { ...as('agent-1'), 'idempotency-key': `outage-${process.pid}` },
        payload: {
          customer: { name: 'Li Wei', phone: '13800000001', address: '12 Renmin Road, Flat 301' },
          regionId: 'north',
          faultDescription: 'No signal on all channels',
          severity: 'general',
        },
      }),
    );
    // Intake takes the request anyway: 202 with its number and clocks; the intake healer starts
    // its workflow once Temporal answers (it is kept with its input until then).
    expect(intake.statusCode).toBe(202);
    expect(intakeMs).toBeLessThan(6000);
    const taken = intake.json() as { requestId: string; clocks: Array<{ clock: string; state: string }> };
    expect(taken.requestId).toMatch(/^SR-\d{8}-\d{6,}$/);
    expect(taken.clocks.filter((c: { state: string }) => c.state === 'running').map((c: { clock: string }) => c.clock).sort()).toEqual(['dispatch', 'resolution']);
    expect(intake.body).not.toMatch(/DEADLINE_EXCEEDED|Deadline exceeded|grpc|No connection/);
    const kept = await main.pool.query('SELECT workflow_started_at, intake_input IS NOT NULL AS has_input FROM service_requests WHERE id = $1', [taken.requestId]);
    expect(kept.rows).toEqual([{ workflow_started_at: null, has_input: true }]);
    await main.pool.query('UPDATE service_requests SET intake_input = NULL WHERE id = $1', [taken.requestId]); // not for other suites' healers

    const { result: health, ms: healthMs } = await timed(() => app.inject({ method: 'GET', url: '/health' }));
    expect(health.statusCode).toBe(503);
    expect(healthMs).toBeLessThan(2500);
    expect(health.json()).toMatchObject({ postgres: { status: 'up' }, temporal: { status: 'down' } });
  }, 30_000);

  it('/health answers 200 with each dependency up and its latency when both answer', async () => {
    const res = await main.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const state = res.json();
    expect(state).toMatchObject({ status: 'ok', postgres: { status: 'up' }, temporal: { status: 'up' } });
    expect(state.postgres.latencyMs).toBeGreaterThanOrEqual(0);
    expect(state.temporal.latencyMs).toBeLessThan(1500);
  });
});

describe('the handler deadline', () => {
  it('answers 504 when a handler runs past it, saying nothing is lost and to check before retrying', async () => {
    const { app } = await appWith({ env: { API_HANDLER_TIMEOUT_MS: '300' }, ready: false });
    app.get('/test/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      return { late: true };
    });
    await app.ready();
    const { result, ms } = await timed(() => app.inject({ method: 'GET', url: '/test/slow', headers: as('agent-1') }));
    expect(result.statusCode).toBe(504);
    expect(ms).toBeLessThan(3000); // the deadline (0.3 s), not the handler (5 s)
    expect(json(result).message).toMatch(/took longer than 1 s to answer; nothing is lost\. Read the request again/);
    expect(json(result).requestId).toBe(result.headers['x-request-id']);
  });
});
