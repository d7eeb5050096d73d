/**
 * Every kind over HTTP (R2, R3, R7, R9–R12): the working-day calendar, intake refusals, and the
 * clock rules — force-majeure pause, customer postponement, unreachable customer — on the real
 * stack. Whole lifecycles of each kind are in engine.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { createActivities } from '../../activities';
import { activityDeps } from '../../worker/activity-deps';
import { http, startService, type RunningService } from '../support/service';

let service: RunningService;
const as = (staffId: string) => http(service.baseUrl, staffId);

beforeAll(async () => {
  service = await startService();
});
afterAll(async () => {
  await service?.close();
});

const customer = { name: 'Wang Fang', phone: '13800000002', address: '8 Binjiang Road' };

async function until(requestId: string, check: (s: Record<string, unknown>) => boolean) {
  return vi.waitFor(
    async () => {
      const res = await as('agent-1').get(`/requests/${requestId}`);
      if (!check(res.body)) throw new Error(`not yet: ${res.body.stage}/${res.body.waitingFor}`);
      return res.body;
    },
    { timeout: 30_000, interval: 100 },
  );
}

describe('the working-day calendar (R9, R10)', () => {
  it('lets admins add a local rest day that new working-day deadlines skip at once', async () => {
    const activities = createActivities(activityDeps(service.pool, pino({ level: 'silent' })));
    const ask = { startMs: Date.parse('2026-11-30T02:00:00Z'), days: 5, utcOffsetMinutes: 480, cutoff: '24:00' }; // Monday 10:00 in Shanghai
    expect((await activities.workingDeadline(ask)).deadline).toBe('2026-12-07T16:00:00.000Z'); // Tue 1 … Mon 7 December

    expect((await as('agent-1').put('/calendar/local-rest-days/2026-12-02', { reason: 'County festival' })).status).toBe(403);
    expect((await as('admin-1').put('/calendar/local-rest-days/2026-02-30', { reason: 'Not a day' })).status).toBe(400);
    const added = await as('admin-1').put('/calendar/local-rest-days/2026-12-02', { reason: 'County festival' });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ officialYears: ['2025', '2026'], localRestDays: [{ day: '2026-12-02', reason: 'County festival', addedBy: 'admin-1' }] });
    expect((await activities.workingDeadline(ask)).deadline).toBe('2026-12-08T16:00:00.000Z'); // Wednesday 2 skipped
  });
});

describe('intake refusals', () => {
  it('answers 400 for an unknown kind and 422 for a field the kind needs or does not take, naming it', async () => {
    const unknown = await as('agent-1').post('/requests', { kind: 'teleportation', customer, regionId: 'north', description: 'Beam me up' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/kind/);
    const noDescription = await as('agent-1').post('/requests', { kind: 'complaint', customer, regionId: 'north' });
    expect(noDescription.status).toBe(422);
    expect(noDescription.body.message).toMatch(/"description" is missing/);
    const severityOnComplaint = await as('agent-1').post('/requests', { kind: 'complaint', customer, regionId: 'north', description: 'Billed twice', severity: 'major' });
    expect(severityOnComplaint.status).toBe(422);
    expect(severityOnComplaint.body.message).toMatch(/"severity" applies to fault repairs only/);
    // A fault without a severity runs the stricter general limit (R8: 24 h).
    const noSeverity = await as('agent-1').post('/requests', { customer, regionId: 'north', faultDescription: 'No signal' });
    expect(noSeverity.status).toBe(201);
    expect(noSeverity.body.severity).toBe('general');
    await service.client.workflow.getHandle(noSeverity.body.requestId).terminate('test done');
  });

  it('closes a consultation answered on first contact at once', async () => {
    const created = await as('agent-1').post('/requests', { kind: 'consultation', customer, regionId: 'south', description: 'Price of the HD package', answeredOnFirstContact: true });
    expect(created.status).toBe(201);
    const closed = await until(created.body.requestId, (s) => Boolean(s.closedAt));
    expect(closed).toMatchObject({ stage: 'closed', outcome: 'completed', completed: [{ stage: 'response', by: 'agent-1' }], clocks: [{ clock: 'response', state: 'met', onTime: true }] });
  });
});

describe('clock rules over HTTP', () => {
  it('lets only the region’s manager approve a force-majeure pause and resume', async () => {
    const id = (await as('agent-1').post('/requests', { kind: 'reconnection', customer, regionId: 'north', description: 'Reconnect after payment', paperwork: { complete: true, missingItems: [] } })).body.requestId;
    const completion = (s: Record<string, unknown>) => (s.clocks as Array<{ clock: string; state: string; deadline: string }>).find((c) => c.clock === 'completion')!;
    const running = await until(id, (s) => completion(s).state === 'running');
    const due = Date.parse(completion(running).deadline);
    expect((await as('tech-north-1').post(`/requests/${id}/pause-requests`, { reason: 'Typhoon: lines down' })).status).toBe(200);
    expect((await as('tech-north-1').post(`/requests/${id}/pause-decision`, { approve: true })).status).toBe(403);
    expect((await as('cm-south').post(`/requests/${id}/pause-decision`, { approve: true })).status).toBe(403);
    const approved = await as('cm-north').post(`/requests/${id}/pause-decision`, { approve: true });
    expect(approved.status).toBe(200);
    expect(approved.body.waitingFor).toBe('resume');
    const resumed = await as('leader-city').post(`/requests/${id}/resume`, {});
    expect(resumed.status).toBe(200);
    expect(Date.parse(completion(resumed.body).deadline)).toBeGreaterThan(due);
    const postponed = await as('agent-1').post(`/requests/${id}/postponements`, { until: new Date(due + 7 * 86_400_000).toISOString(), reason: 'Customer away' });
    expect(postponed.status).toBe(200);
    expect(postponed.body.postponements).toHaveLength(1);
    await service.client.workflow.getHandle(id).terminate('test done');
  });

  it('records an unreachable complainant as done on time and takes the written report (R12)', async () => {
    const id = (await as('agent-1').post('/requests', { kind: 'complaint', customer, regionId: 'north', description: 'Billed twice' })).body.requestId;
    await until(id, (s) => (s.clocks as Array<{ clock: string; state: string }>).some((c) => c.clock === 'first_response' && c.state === 'running'));
    const attempts = [new Date(Date.now() - 600_000).toISOString(), new Date(Date.now() - 60_000).toISOString()];
    const one = await as('agent-1').post(`/requests/${id}/unreachable`, { attempts: attempts.slice(1), reason: 'No answer' });
    expect(one.status).toBe(409);
    expect(one.body.message).toMatch(/at least 2 separate attempts/);
    const done = await as('agent-1').post(`/requests/${id}/unreachable`, { attempts, reason: 'Phone switched off' });
    expect(done.status).toBe(200);
    // R12: counts as done on time for the customer's reason; the request closes with the report due.
    expect(done.body).toMatchObject({ stage: 'closed', outcome: 'customer_unreachable', completed: [{ stage: 'response', excused: 'customer_unreachable' }] });
    expect(done.body.clocks.every((c: { state: string }) => c.state === 'excused')).toBe(true);
    expect((await as('agent-2').post(`/requests/${id}/unreachable-report`, { report: 'Not mine to file, trying anyway.' })).status).toBe(409);
    const filed = await as('agent-1').post(`/requests/${id}/unreachable-report`, { report: 'Called twice at 10:00 and 10:09, phone off.' });
    expect(filed.status).toBe(200);
    expect(filed.body.unreachable[0].reportFiledAt).toBeDefined();
    const records = await service.pool.query('SELECT count(*)::int AS n FROM accountability_records WHERE request_id = $1', [id]);
    expect(records.rows[0].n).toBe(0);
    await service.client.workflow.getHandle(id).result(); // the report filed, the run ends
  });

  it('sends repair actions and other kinds’ actions each to their own kind', async () => {
    const repair = (await as('agent-1').post('/requests', { customer, regionId: 'north', faultDescription: 'No signal', severity: 'general' })).body.requestId;
    await until(repair, (s) => s.stage === 'contact');
    const wrong = await as('agent-1').post(`/requests/${repair}/paperwork`, { complete: true, missingItems: [] });
    expect(wrong.status).toBe(409);
    expect(wrong.body.message).toMatch(/needs no paperwork/);
    // R7: at contact no limit of the contact stage can move; the customer's delay moves R8's.
    const clock = (s: { clocks: Array<{ clock: string; deadline: string }> }, name: string) => s.clocks.find((c) => c.clock === name)!.deadline;
    const notContact = await as('agent-1').post(`/requests/${repair}/postponements`, { clock: 'contact', until: new Date(Date.now() + 86_400_000).toISOString(), reason: 'Customer away' });
    expect(notContact.status).toBe(409);
    expect(notContact.body.message).toMatch(/cannot take a postponement \(R7\) now; clocks that can: resolution/);
    const r8Later = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const early = await as('agent-1').post(`/requests/${repair}/postponements`, { until: r8Later, reason: 'Customer away until Tuesday' });
    expect(early.status).toBe(200);
    expect(clock(early.body, 'resolution')).toBe(r8Later);
    await as('tech-north-1').post(`/requests/${repair}/contact`, { visitAt: new Date(Date.now() + 3_600_000).toISOString() });
    const later = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const moved = await as('agent-1').post(`/requests/${repair}/postponements`, { until: later, reason: 'Customer asks for Sunday' });
    expect(moved.status).toBe(200);
    expect(clock(moved.body, 'arrival')).toBe(later);
    expect(moved.body.postponements).toMatchObject([{ clock: 'resolution' }, { clock: 'arrival', requestedBy: 'agent-1', to: later }]);
    expect((await as('tech-north-1').post(`/requests/${repair}/postponements`, { until: later, reason: 'Not the customer' })).status).toBe(403);
    await service.client.workflow.getHandle(repair).terminate('test done');
  });
});
