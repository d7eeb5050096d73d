/**
 * Bad input gets a clear 4xx and loses nothing: malformed bodies (400 naming the field), unknown
 * regions, staff and requests, and actions the request's state does not allow (R13 managers only).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { demoApiKey } from '../../db/demo-data';
import { http, startService, untilStage as untilStageOver, type RunningService } from '../support/service';

let service: RunningService;
let api: ReturnType<typeof http>; // agent-1
let technician: ReturnType<typeof http>; // tech-north-1, on duty in north

beforeAll(async () => {
  service = await startService();
  api = http(service.baseUrl, 'agent-1');
  technician = http(service.baseUrl, 'tech-north-1');
  // A region whose roster is empty keeps its requests at the dispatch stage.
  await service.pool.query(`INSERT INTO regions (id, name, branch_id, customer_manager_id) VALUES ('empty', 'Nobody on duty', 'city', 'cm-north')
    ON CONFLICT DO NOTHING`);
});
afterAll(async () => {
  await service?.close();
});

const valid = {
  customer: { name: 'Li Wei', phone: '13800000001', address: '12 Renmin Road, Flat 301' },
  regionId: 'north',
  faultDescription: 'No signal on all channels',
  severity: 'general',
};

async function requestCount(): Promise<number> {
  return (await service.pool.query('SELECT coalesce(sum(last_value), 0)::int AS n FROM request_counters')).rows[0].n;
}

async function timelineLength(requestId: string): Promise<number> {
  return (await service.pool.query('SELECT count(*)::int AS n FROM request_events WHERE request_id = $1', [requestId])).rows[0].n;
}

const untilStage = (requestId: string, stage: string) => untilStageOver(api, requestId, stage);

describe('malformed or unknown input on intake', () => {
  it('answers 400 naming the missing or bad field, and draws no request number', async () => {
    const before = await requestCount();
    const missing = await api.post('/requests', { ...valid, customer: { name: 'Li Wei', address: 'x road 1' } });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('phone');

    const badSeverity = await api.post('/requests', { ...valid, severity: 'catastrophic' });
    expect(badSeverity.status).toBe(400);
    expect(badSeverity.body.message).toContain('severity');

    const badPhone = await api.post('/requests', { ...valid, customer: { ...valid.customer, phone: 'call me' } });
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.message).toContain('phone');

    const notJson = await fetch(`${service.baseUrl}/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demoApiKey('agent-1')}` },
      body: '{',
    });
    expect(notJson.status).toBe(400);
    expect(await requestCount()).toBe(before);
  });

  it('answers 422 for an unknown region, and 400 for a field the API does not take', async () => {
    const region = await api.post('/requests', { ...valid, regionId: 'atlantis' });
    expect(region.status).toBe(422);
    expect(region.body.message).toMatch(/Unknown region "atlantis"/);
    // The first-contact owner is whoever is signed in (R1), never a body field.
    const owner = await api.post('/requests', { ...valid, firstContactStaffId: 'agent-2' });
    expect(owner.status).toBe(400);
    expect(owner.body.message).toContain('additional properties');
  });

  it('refuses an Idempotency-Key reused for a different request', async () => {
    const key = `reuse-${Date.now()}`;
    const first = await api.post('/requests', valid, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const other = await api.post('/requests', { ...valid, faultDescription: 'Remote control broken' }, { 'idempotency-key': key });
    expect(other.status).toBe(409);
    expect(other.body.message).toContain(first.body.requestId);
  });
});

describe('actions the state does not allow', () => {
  it('refuses contact before dispatch and a decision nobody asked for, changing nothing', async () => {
    const created = await api.post('/requests', { ...valid, regionId: 'empty' });
    const requestId = created.body.requestId;
    const visitAt = new Date(Date.now() + 3_600_000).toISOString();
    await vi.waitFor(async () => expect(await timelineLength(requestId)).toBe(1), { timeout: 10_000 });

    const contact = await technician.post(`/requests/${requestId}/contact`, { visitAt });
    expect(contact.status).toBe(409);
    expect(contact.body.message).toMatch(/has not been dispatched/);

    const decision = await http(service.baseUrl, 'cm-north').post(`/requests/${requestId}/extension-decision`, { approve: true });
    expect(decision.status).toBe(409);
    expect(decision.body.message).toMatch(/No extension has been requested/);

    const status = await api.get(`/requests/${requestId}`);
    expect(status.body).toMatchObject({ stage: 'dispatch', extensions: [] });
    expect(status.body.visitAt).toBeUndefined();
    expect(await timelineLength(requestId)).toBe(1);
    await service.client.workflow.getHandle(requestId).terminate('test done');
  });

  it('lets only a manager of the region decide an extension (R13) and only the assigned technician report', async () => {
    const created = await api.post('/requests', valid);
    const requestId = created.body.requestId;
    await untilStage(requestId, 'contact');
    const stranger = await http(service.baseUrl, 'tech-south-1').post(`/requests/${requestId}/contact`, {
      visitAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(stranger.status).toBe(403);
    expect(stranger.body.message).toMatch(/dispatched to tech-north-1, not to you/);

    await technician.post(`/requests/${requestId}/contact`, { visitAt: new Date(Date.now() + 3_600_000).toISOString() });
    await technician.post(`/requests/${requestId}/arrival`, {});
    const atResolution = await untilStage(requestId, 'resolution');
    const r8 = (status: { clocks: Array<{ clock: string; deadline: string }> }) => status.clocks.find((c) => c.clock === 'resolution')!.deadline;
    const newDeadline = new Date(Date.parse(r8(atResolution)) + 86_400_000).toISOString();
    const asked = await technician.post(`/requests/${requestId}/extension-requests`, { newDeadline, reason: 'Amplifier on order' });
    expect(asked.status).toBe(200);
    expect(asked.body.pendingExtension).toMatchObject({ newDeadline, requestedBy: 'tech-north-1' });

    const byTechnician = await http(service.baseUrl, 'tech-north-2').post(`/requests/${requestId}/extension-decision`, { approve: true });
    expect(byTechnician.status).toBe(403);
    expect(byTechnician.body.message).toMatch(/decided by a leader of region north/);
    const otherRegion = await http(service.baseUrl, 'cm-south').post(`/requests/${requestId}/extension-decision`, { approve: true });
    expect(otherRegion.status).toBe(403);
    expect(otherRegion.body.message).toMatch(/you \(cm-south\) are not one/);
    expect(r8((await api.get(`/requests/${requestId}`)).body)).toBe(r8(atResolution));

    const byManager = await http(service.baseUrl, 'cm-north').post(`/requests/${requestId}/extension-decision`, { approve: true, note: 'OK' });
    expect(byManager.status).toBe(200);
    expect(r8(byManager.body)).toBe(newDeadline);
    expect(byManager.body.extensions).toMatchObject([{ decidedBy: 'cm-north', approved: true }]);
    await service.client.workflow.getHandle(requestId).terminate('test done');
  });

  it('answers 404 for an unknown request, 400 for a malformed number, and 409 for resolving a closed request', async () => {
    const unknown = await technician.post('/requests/SR-20000101-999999/resolution', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/No request SR-20000101-999999/);
    expect((await api.get('/requests/SR-20000101-999999')).status).toBe(404);
    const malformed = await api.get('/requests/12345');
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toContain('id');

    const created = await api.post('/requests', valid);
    const requestId = created.body.requestId;
    await untilStage(requestId, 'contact');
    await technician.post(`/requests/${requestId}/contact`, { visitAt: new Date(Date.now() + 60_000).toISOString() });
    await technician.post(`/requests/${requestId}/arrival`, {});
    await technician.post(`/requests/${requestId}/resolution`, {});
    await untilStage(requestId, 'callback');
    await api.post(`/requests/${requestId}/callback`, { satisfaction: 4, faultResolved: true });
    await untilStage(requestId, 'closed');
    await service.client.workflow.getHandle(requestId).result();
    const events = await timelineLength(requestId);

    const again = await technician.post(`/requests/${requestId}/resolution`, {});
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/closed/);
    expect(await timelineLength(requestId)).toBe(events);
  });
});
