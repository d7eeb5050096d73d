/**
 * The real path: HTTP → Fastify → Temporal dev server → worker → PostgreSQL, over a whole
 * on-time repair lifecycle (R1, R4, R6, R8, R16), checked in the database and over HTTP.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { http, startService, untilStage as untilStageOver, type RunningService } from '../support/service';

let service: RunningService;
let api: ReturnType<typeof http>; // agent-1, who takes the calls
let technician: ReturnType<typeof http>;
let callCentre: ReturnType<typeof http>;
let anonymous: ReturnType<typeof http>;

beforeAll(async () => {
  service = await startService();
  api = http(service.baseUrl, 'agent-1');
  technician = http(service.baseUrl, 'tech-north-1');
  callCentre = http(service.baseUrl, 'agent-2');
  anonymous = http(service.baseUrl);
});
afterAll(async () => {
  await service?.close();
});

const newRequest = {
  customer: { name: 'Li Wei', phone: '13800000001', address: '12 Renmin Road, Flat 301' },
  regionId: 'north',
  faultDescription: 'No signal on all channels',
  severity: 'general',
};

const untilStage = (requestId: string, stage: string) => untilStageOver(api, requestId, stage);

describe('a whole repair lifecycle over HTTP', () => {
  it('runs from intake to close, records every stage, and a retried create starts no second workflow', async () => {
    const key = `lifecycle-${Date.now()}`;
    const created = await api.post('/requests', newRequest, { 'idempotency-key': key });
    expect(created.status).toBe(201);
    const requestId: string = created.body.requestId;
    expect(requestId).toMatch(/^SR-\d{8}-\d{6}$/);
    expect(created.body.firstContactStaffId).toBe('agent-1'); // R1
    const deadline = (clock: string) => Date.parse(created.body.clocks.find((c: { clock: string }) => c.clock === clock).deadline);
    expect(deadline('dispatch') - Date.parse(created.body.receivedAt)).toBe(3 * 60_000); // R4
    expect(deadline('resolution') - Date.parse(created.body.receivedAt)).toBe(24 * 3_600_000); // R8

    // Exactly once: the same key returns the same request and starts nothing new.
    const again = await api.post('/requests', newRequest, { 'idempotency-key': key });
    expect(again.status).toBe(200);
    expect(again.body.requestId).toBe(requestId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const runs = [];
    for await (const run of service.client.workflow.list({ query: `WorkflowId = '${requestId}'` })) runs.push(run.runId);
    expect(runs).toHaveLength(1);

    // R4: the job SMS went to the on-duty technician of the region, with what they need.
    const dispatched = await untilStage(requestId, 'contact');
    expect(dispatched.assignee.staffId).toBe('tech-north-1');
    // The registry row that lists read follows the stage.
    await vi.waitFor(
      async () => {
        const { rows } = await service.pool.query('SELECT stage FROM service_requests WHERE id = $1', [requestId]);
        expect(rows[0]?.stage).toBe('contact');
      },
      { timeout: 10_000, interval: 100 },
    );
    const jobs = await service.pool.query(`SELECT recipient_staff_id, body, status FROM sms_outbox WHERE request_id = $1 AND purpose = 'job'`, [
      requestId,
    ]);
    expect(jobs.rows).toHaveLength(1);
    expect(jobs.rows[0]).toMatchObject({ recipient_staff_id: 'tech-north-1', status: 'sent' });
    expect(jobs.rows[0].body).toContain('12 Renmin Road');
    expect(jobs.rows[0].body).toContain('13800000001');
    expect(jobs.rows[0].body).toContain('No signal');

    const visitAt = new Date(Date.now() + 3_600_000).toISOString();
    const contacted = await technician.post(`/requests/${requestId}/contact`, { visitAt });
    expect(contacted.status).toBe(200);
    expect(contacted.body.stage).toBe('arrival'); // the answer shows the request moved on
    expect(contacted.body.visitAt).toBe(visitAt);
    await untilStage(requestId, 'arrival');
    expect((await technician.post(`/requests/${requestId}/arrival`, {})).status).toBe(200);
    await untilStage(requestId, 'resolution');
    expect((await technician.post(`/requests/${requestId}/resolution`, { note: 'Replaced the splitter' })).status).toBe(200);
    await untilStage(requestId, 'callback');
    const callback = await callCentre.post(`/requests/${requestId}/callback`, { satisfaction: 5, faultResolved: true });
    expect(callback.status).toBe(200);
    await untilStage(requestId, 'closed');

    // The timeline over HTTP: every stage, who, when, on time.
    const timeline = await vi.waitFor(
      async () => {
        const res = await api.get(`/requests/${requestId}/timeline`);
        if (res.body.events.at(-1)?.type !== 'closed') throw new Error('timeline not complete yet');
        return res.body;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(timeline.events.map((e: { type: string; stage: string }) => `${e.type}@${e.stage}`)).toEqual([
      'received@dispatch', 'dispatched@dispatch', 'stage_done@dispatch', 'stage_done@contact', 'stage_done@arrival',
      'stage_done@resolution', 'callback_recorded@callback', 'stage_done@callback', 'closed@closed',
    ]);
    expect(timeline.events.map((e: { actor?: string }) => e.actor)).toEqual([
      'agent-1', 'roster', 'roster', 'tech-north-1', 'tech-north-1', 'tech-north-1', 'agent-2', 'agent-2', 'agent-2',
    ]);
    expect(timeline.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const e of timeline.events) if (e.onTime !== undefined) expect(e.onTime).toBe(true);

    // The records in PostgreSQL.
    const row = await service.pool.query('SELECT stage, technician_id, breached, closed_at FROM service_requests WHERE id = $1', [requestId]);
    expect(row.rows[0]).toMatchObject({ stage: 'closed', technician_id: 'tech-north-1', breached: false });
    expect(row.rows[0].closed_at).toBeInstanceOf(Date);
    const records = await service.pool.query('SELECT count(*)::int AS n FROM accountability_records WHERE request_id = $1', [requestId]);
    expect(records.rows[0].n).toBe(0);
    // R1: the agent who took the call is told it closed, once.
    const notices = await service.pool.query(`SELECT recipient_staff_id, body FROM sms_outbox WHERE request_id = $1 AND purpose = 'notice'`, [requestId]);
    expect(notices.rows).toHaveLength(1);
    expect(notices.rows[0].recipient_staff_id).toBe('agent-1');
    expect(notices.rows[0].body).toContain('各项时限均已达成');
    // R1: the owner sees it in their own list; another agent does not.
    const mine = await api.get('/requests?mine=true&stage=closed');
    expect(mine.body.requests.map((r: { requestId: string }) => r.requestId)).toContain(requestId);
    const theirs = await callCentre.get('/requests?mine=true');
    expect(theirs.body.requests.map((r: { requestId: string }) => r.requestId)).not.toContain(requestId);

    // Lists read the registry.
    const list = await api.get(`/requests?stage=closed&regionId=north`);
    expect(list.status).toBe(200);
    expect(list.body.requests.map((r: { requestId: string }) => r.requestId)).toContain(requestId);

    // In the Temporal UI every timer says which limit it enforces.
    const history = await service.client.workflow.getHandle(requestId).fetchHistory();
    const timerSummaries = (history.events ?? [])
      .filter((e) => e.timerStartedEventAttributes)
      .map((e) => defaultPayloadConverter.fromPayload<string>(e.userMetadata!.summary!));
    expect(timerSummaries).toEqual([
      // Each clock's first step is its warning at 80 % of the limit; R8 runs from intake beside the others.
      'R4 dispatch: warning (派工短信发给值班装维人员)',
      'R8 resolution: warning (故障修复)',
      'R6 contact: warning (装维人员联系客户)',
      'R6 arrival: warning (按约定时间上门)',
      'R16 callback: warning (回访客户)',
    ]);

    // The closed request still answers with its final state.
    const final = await api.get(`/requests/${requestId}`);
    expect(final.body).toMatchObject({ stage: 'closed', callback: { satisfaction: 5, faultResolved: true } });
  });
});

describe('operations', () => {
  it('publishes the OpenAPI document generated from the route schemas at /docs/json and a UI at /docs', async () => {
    const doc = await anonymous.get('/docs/json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/requests',
        '/requests/{id}',
        '/requests/{id}/timeline',
        '/requests/{id}/dispatch',
        '/requests/{id}/contact',
        '/requests/{id}/arrival',
        '/requests/{id}/resolution',
        '/requests/{id}/extension-requests',
        '/requests/{id}/extension-decision',
        '/requests/{id}/callback',
        '/requests/{id}/stages/{stage}/done',
        '/requests/{id}/cancel',
        '/requests/{id}/reassign',
        '/requests/{id}/corrections',
      ]),
    );
    const createBody = doc.body.paths['/requests'].post.requestBody.content['application/json'].schema;
    expect(createBody.required).toEqual(expect.arrayContaining(['customer', 'regionId']));
    expect(createBody.properties.kind.anyOf.map((k: { const?: string; enum?: string[] }) => k.const ?? k.enum?.[0])).toEqual([
      'fault_repair', 'installation_city', 'installation_rural', 'reconnection', 'complaint', 'consultation',
    ]);
    expect(doc.body.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    const ui = await fetch(`${service.baseUrl}/docs`, { redirect: 'follow' });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('reports health of PostgreSQL and Temporal', async () => {
    const health = await anonymous.get('/health');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', postgres: { status: 'up' }, temporal: { status: 'up' } } });
  });

  it('lets operations find runs by typed search attributes', async () => {
    const created = await api.post('/requests', { ...newRequest, regionId: 'south', severity: 'major' });
    const requestId = created.body.requestId;
    await untilStage(requestId, 'contact');
    await vi.waitFor(
      async () => {
        const found = [];
        const query = `RequestKind = 'fault_repair' AND RegionId = 'south' AND RequestStage = 'contact' AND Breached = false AND NextDeadline > '2000-01-01T00:00:00Z'`;
        for await (const run of service.client.workflow.list({ query })) found.push(run.workflowId);
        expect(found).toContain(requestId);
      },
      { timeout: 15_000, interval: 250 },
    );
    await service.client.workflow.getHandle(requestId).terminate('test done');
  });
});
