/**
 * Who may do what: every endpoint but health and docs needs an API key tied to a staff member; each
 * rule is tested both allowed and refused (401 without or with a wrong key, 403 for the wrong role
 * or someone else's job or region).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBreachFor } from '../support/fixtures';
import { http, startService, untilStage as untilStageOver, type RunningService } from '../support/service';

let service: RunningService;
const as = (staffId?: string) => http(service.baseUrl, staffId);

beforeAll(async () => {
  service = await startService();
});
afterAll(async () => {
  await service?.close();
});

const request = {
  customer: { name: 'Li Wei', phone: '13800000001', address: '12 Renmin Road' },
  regionId: 'north',
  faultDescription: 'No signal',
  severity: 'general',
};

const untilStage = (requestId: string, stage: string) => untilStageOver(as('agent-1'), requestId, stage);

/** A north request walked to the resolution stage, with an extension pending. */
async function requestAwaitingExtensionDecision(): Promise<string> {
  const requestId = (await as('agent-1').post('/requests', request)).body.requestId;
  await untilStage(requestId, 'contact');
  const tech = as('tech-north-1');
  await tech.post(`/requests/${requestId}/contact`, { visitAt: new Date(Date.now() + 3_600_000).toISOString() });
  const atResolution = (await tech.post(`/requests/${requestId}/arrival`, {})).body;
  const r8 = atResolution.clocks.find((c: { clock: string }) => c.clock === 'resolution');
  const newDeadline = new Date(Date.parse(r8.deadline) + 3_600_000).toISOString();
  expect((await tech.post(`/requests/${requestId}/extension-requests`, { newDeadline, reason: 'Waiting for a part' })).status).toBe(200);
  return requestId;
}

describe('credentials (401)', () => {
  it('refuses a request without a key or with an unknown one, naming what to do', async () => {
    const none = await as().get('/requests');
    expect(none.status).toBe(401);
    expect(none.body.message).toMatch(/Authorization: Bearer/);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await fetch(`${service.baseUrl}/requests`, { headers: { authorization: 'Bearer not-a-key' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toMatch(/unknown or revoked/);
  });

  it('leaves health and the API docs open', async () => {
    expect((await as().get('/health')).status).toBe(200);
    expect((await as().get('/docs/json')).status).toBe(200);
  });

  it('stops a key working once its staff member is made inactive, and issues new keys to admins only', async () => {
    const admin = as('admin-1');
    const created = await admin.put('/staff/temp-agent', { name: 'Temp', role: 'agent', phone: '13700000077', regionId: null, branchId: 'city', active: true });
    expect(created.status).toBe(200);
    expect((await as('agent-1').post('/staff/temp-agent/api-keys', { label: 'phone' })).status).toBe(403);
    const issued = await admin.post('/staff/temp-agent/api-keys', { label: 'phone' });
    expect(issued.status).toBe(201);
    const withKey = (key: string) => fetch(`${service.baseUrl}/requests`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await withKey(issued.body.key)).toBe(200);
    await admin.put('/staff/temp-agent', { name: 'Temp', role: 'agent', phone: '13700000077', regionId: null, branchId: 'city', active: false });
    expect(await withKey(issued.body.key)).toBe(401);
  });
});

describe('requests and actions (403)', () => {
  it('lets agents take requests, not technicians', async () => {
    expect((await as('agent-1').post('/requests', request)).status).toBe(201);
    const refused = await as('tech-north-1').post('/requests', request);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/Only agent or call centre leader staff may take requests; you \(tech-north-1\) are a technician/);
  });

  it('lets only the technician the job was dispatched to record on it', async () => {
    const requestId = (await as('agent-1').post('/requests', request)).body.requestId;
    await untilStage(requestId, 'contact');
    const visitAt = new Date(Date.now() + 3_600_000).toISOString();
    expect((await as('tech-north-2').post(`/requests/${requestId}/contact`, { visitAt })).status).toBe(403);
    expect((await as('agent-1').post(`/requests/${requestId}/contact`, { visitAt })).status).toBe(403);
    expect((await as('tech-north-1').post(`/requests/${requestId}/contact`, { visitAt })).status).toBe(200);
    await service.client.workflow.getHandle(requestId).terminate('test done');
  });

  it('lets agents dispatch by hand and call back, not technicians', async () => {
    const requestId = (await as('agent-1').post('/requests', request)).body.requestId;
    await untilStage(requestId, 'contact');
    expect((await as('tech-north-1').post(`/requests/${requestId}/dispatch`, { technicianId: 'tech-north-2' })).status).toBe(403);
    // Allowed by role; refused by state (already dispatched), which shows the role check passed.
    expect((await as('agent-2').post(`/requests/${requestId}/dispatch`, { technicianId: 'tech-north-2' })).status).toBe(409);
    // Not at the callback stage yet: refused by state for everyone, the stage's roles checked once it is.
    expect((await as('agent-2').post(`/requests/${requestId}/callback`, { satisfaction: 5, faultResolved: true })).status).toBe(409);
    const tech = as('tech-north-1');
    await tech.post(`/requests/${requestId}/contact`, { visitAt: new Date(Date.now() + 3_600_000).toISOString() });
    await tech.post(`/requests/${requestId}/arrival`, {});
    expect((await tech.post(`/requests/${requestId}/resolution`, {})).body.stage).toBe('callback');
    expect((await tech.post(`/requests/${requestId}/callback`, { satisfaction: 5, faultResolved: true })).status).toBe(403);
    expect((await as('agent-2').post(`/requests/${requestId}/callback`, { satisfaction: 5, faultResolved: true })).status).toBe(200);
  });

  it("lets a region's customer manager, its branch leader or the company decide an extension; nobody else (R13)", async () => {
    const first = await requestAwaitingExtensionDecision();
    expect((await as('cm-south').post(`/requests/${first}/extension-decision`, { approve: true })).status).toBe(403);
    expect((await as('tech-north-1').post(`/requests/${first}/extension-decision`, { approve: true })).status).toBe(403);
    expect((await as('supervisor-1').post(`/requests/${first}/extension-decision`, { approve: true })).status).toBe(403);
    expect((await as('leader-city').post(`/requests/${first}/extension-decision`, { approve: true })).status).toBe(200);

    const second = await requestAwaitingExtensionDecision();
    expect((await as('leader-company').post(`/requests/${second}/extension-decision`, { approve: false })).status).toBe(200);
    const third = await requestAwaitingExtensionDecision();
    expect((await as('cm-north').post(`/requests/${third}/extension-decision`, { approve: true })).status).toBe(200);
    for (const id of [first, second, third]) await service.client.workflow.getHandle(id).terminate('test done');
  });
});

describe('organisation and roster (admins write)', () => {
  it('lets admins change regions and plan shifts, and refuses everyone else', async () => {
    const region = { name: 'North district', branchId: 'city', customerManagerId: 'cm-north', households: 4600 };
    expect((await as('cm-north').put('/regions/north', region)).status).toBe(403);
    expect((await as('admin-1').put('/regions/north', region)).status).toBe(200);
    const shift = { staffId: 'tech-north-2', regionId: 'north', position: 'backup', startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString() };
    expect((await as('leader-city').post('/roster/shifts', shift)).status).toBe(403);
    const planned = await as('admin-1').post('/roster/shifts', shift);
    expect(planned.status).toBe(201);
    expect((await as('tech-north-1').delete(`/roster/shifts/${planned.body.id}`)).status).toBe(403);
    expect((await as('admin-1').delete(`/roster/shifts/${planned.body.id}`)).status).toBe(200);
    expect((await as('tech-north-1').get('/roster?regionId=north')).status).toBe(200);
    expect((await as('tech-north-1').get('/org')).status).toBe(200);
  });
});

describe('accountability (only supervisors decide)', () => {
  it('lets the responsible person state their case, supervisors decide, and each read what they may', async () => {
    const { recordId: id } = await recordBreachFor(service.pool, { regionId: 'south', responsibleStaffId: 'tech-south-1' });

    expect((await as('tech-north-1').get(`/accountability/${id}`)).status).toBe(403);
    expect((await as('tech-south-1').get(`/accountability/${id}`)).status).toBe(200);
    expect((await as('tech-north-1').get('/accountability')).body.records.map((r: { id: number }) => r.id)).not.toContain(id);
    expect((await as('supervisor-1').get('/accountability')).body.records.map((r: { id: number }) => r.id)).toContain(id);

    const statement = { statement: 'The customer gave a wrong number; I tried twice.' };
    expect((await as('tech-north-1').post(`/accountability/${id}/statement`, statement)).status).toBe(403);
    expect((await as('supervisor-1').post(`/accountability/${id}/statement`, statement)).status).toBe(403);
    expect((await as('tech-south-1').post(`/accountability/${id}/statement`, statement)).status).toBe(200);

    const decision = { outcome: 'warning', mitigating: ['apology_accepted'] };
    const byLeader = await as('leader-company').post(`/accountability/${id}/decision`, decision);
    expect(byLeader.status).toBe(403);
    expect(byLeader.body.message).toMatch(/Only supervisor staff may decide accountability/);
    expect((await as('tech-south-1').post(`/accountability/${id}/decision`, decision)).status).toBe(403);
    expect((await as('supervisor-1').post(`/accountability/${id}/decision`, decision)).status).toBe(200);
  });
});
