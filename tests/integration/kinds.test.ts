/**
 * Every kind over HTTP (R2, R3, R9–R12, R16): intake by kind, paperwork, stage completion by the
 * roles the policy names, callback, force-majeure pause decided by the region's manager, and the
 * refusals a call-centre agent can act on.
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

describe('an installation over HTTP (R9, R11, R3, R16)', () => {
  it('waits for paperwork, runs 5 working days, is completed by the technician, then called back', async () => {
    const created = await as('agent-1').post('/requests', {
      kind: 'installation_city',
      customer,
      regionId: 'north',
      description: 'New cable TV and broadband',
      paperwork: { complete: false, missingItems: ['ID card copy'] },
    });
    expect(created.status).toBe(201);
    const id = created.body.requestId;
    expect(created.body).toMatchObject({ kind: 'installation_city', stage: 'completion', firstContactStaffId: 'agent-1' });
    await until(id, (s) => s.waitingFor === 'paperwork');

    const early = await as('tech-north-1').post(`/requests/${id}/stages/completion/done`, {});
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/paperwork is not complete \(R11\)/);

    const paperwork = await as('agent-1').post(`/requests/${id}/paperwork`, { complete: true, missingItems: [] });
    expect(paperwork.status).toBe(200);
    const running = await until(id, (s) => Boolean((s.deadlines as Record<string, unknown>).completion));
    const { deadline, provisional } = (running.deadlines as Record<string, { deadline: string; provisional: boolean }>).completion;
    expect(provisional).toBe(false);
    expect(Date.parse(deadline)).toBeGreaterThan(Date.now() + 5 * 86_400_000);

    const otherRegion = await as('tech-south-1').post(`/requests/${id}/stages/completion/done`, {});
    expect(otherRegion.status).toBe(403);
    expect(otherRegion.body.message).toMatch(/you \(tech-south-1\) work in south/);
    const otherManager = await as('cm-south').post(`/requests/${id}/stages/completion/done`, {});
    expect(otherManager.status).toBe(403);
    const byTechnicianPostponement = await as('tech-north-1').post(`/requests/${id}/postponements`, { until: new Date(Date.now() + 30 * 86_400_000).toISOString(), reason: 'My own delay' });
    expect(byTechnicianPostponement.status).toBe(403);
    const byAgent = await as('agent-1').post(`/requests/${id}/stages/completion/done`, {});
    expect(byAgent.status).toBe(403);
    expect(byAgent.body.message).toMatch(/Only technician or customer manager staff/);
    const wrongStage = await as('tech-north-1').post(`/requests/${id}/stages/callback/done`, {});
    expect(wrongStage.status).toBe(403); // callback is the call centre's, whatever the state
    expect((await as('tech-north-1').post(`/requests/${id}/stages/completion/done`, { note: 'Activated' })).status).toBe(200);
    await until(id, (s) => s.stage === 'callback');
    const callback = await as('agent-2').post(`/requests/${id}/callback`, { satisfaction: 5, faultResolved: true });
    expect(callback.status).toBe(200);
    await until(id, (s) => Boolean(s.closedAt));

    const timeline = await vi.waitFor(
      async () => {
        const res = await as('agent-1').get(`/requests/${id}/timeline`);
        if (res.body.events.at(-1)?.type !== 'closed') throw new Error('not complete');
        return res.body.events.map((e: { type: string }) => e.type);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(timeline).toEqual(['received', 'paperwork_missing', 'paperwork_complete', 'stage_done', 'callback_recorded', 'stage_done', 'closed']);
    const row = await service.pool.query('SELECT kind, stage, breached FROM service_requests WHERE id = $1', [id]);
    expect(row.rows[0]).toEqual({ kind: 'installation_city', stage: 'closed', breached: false });
    const list = await as('agent-1').get('/requests?mine=true');
    expect(list.body.requests.find((r: { requestId: string }) => r.requestId === id)?.kind).toBe('installation_city');
  });
});

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
  it('answers 400 for an unknown kind or a field the kind needs, naming it', async () => {
    const unknown = await as('agent-1').post('/requests', { kind: 'teleportation', customer, regionId: 'north', description: 'Beam me up' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/kind/);
    const noDescription = await as('agent-1').post('/requests', { kind: 'complaint', customer, regionId: 'north' });
    expect(noDescription.status).toBe(400);
    expect(noDescription.body.message).toBe("body must have required property 'description' for a complaint request");
    const noSeverity = await as('agent-1').post('/requests', { customer, regionId: 'north', faultDescription: 'No signal' });
    expect(noSeverity.status).toBe(400);
    expect(noSeverity.body.message).toBe("body must have required property 'severity' for a fault_repair request");
  });

  it('closes a consultation answered on first contact at once', async () => {
    const created = await as('agent-1').post('/requests', { kind: 'consultation', customer, regionId: 'south', description: 'Price of the HD package', answeredOnFirstContact: true });
    expect(created.status).toBe(201);
    const closed = await until(created.body.requestId, (s) => Boolean(s.closedAt));
    expect(closed.completed).toMatchObject([{ stage: 'response', onTime: true }]);
  });
});

describe('clock rules over HTTP', () => {
  it('lets only the region’s manager approve a force-majeure pause and resume', async () => {
    const id = (await as('agent-1').post('/requests', { kind: 'reconnection', customer, regionId: 'north', description: 'Reconnect after payment', paperwork: { complete: true, missingItems: [] } })).body.requestId;
    const running = await until(id, (s) => Boolean((s.deadlines as Record<string, unknown>).completion));
    const due = Date.parse((running.deadlines as Record<string, { deadline: string }>).completion.deadline);
    expect((await as('tech-north-1').post(`/requests/${id}/pause-requests`, { reason: 'Typhoon: lines down' })).status).toBe(200);
    expect((await as('tech-north-1').post(`/requests/${id}/pause-decision`, { approve: true })).status).toBe(403);
    expect((await as('cm-south').post(`/requests/${id}/pause-decision`, { approve: true })).status).toBe(403);
    const approved = await as('cm-north').post(`/requests/${id}/pause-decision`, { approve: true });
    expect(approved.status).toBe(200);
    expect(approved.body.waitingFor).toBe('resume');
    const resumed = await as('leader-city').post(`/requests/${id}/resume`, {});
    expect(resumed.status).toBe(200);
    expect(Date.parse(resumed.body.deadlines.completion.deadline)).toBeGreaterThan(due);
    const postponed = await as('agent-1').post(`/requests/${id}/postponements`, { until: new Date(due + 7 * 86_400_000).toISOString(), reason: 'Customer away' });
    expect(postponed.status).toBe(200);
    expect(postponed.body.postponements).toHaveLength(1);
    await service.client.workflow.getHandle(id).terminate('test done');
  });

  it('records an unreachable complainant as done on time and takes the written report (R12)', async () => {
    const id = (await as('agent-1').post('/requests', { kind: 'complaint', customer, regionId: 'north', description: 'Billed twice' })).body.requestId;
    await until(id, (s) => Boolean((s.deadlines as Record<string, unknown>).first_response));
    const attempts = [new Date(Date.now() - 600_000).toISOString(), new Date(Date.now() - 60_000).toISOString()];
    const one = await as('agent-1').post(`/requests/${id}/unreachable`, { attempts: attempts.slice(1), reason: 'No answer' });
    expect(one.status).toBe(409);
    expect(one.body.message).toMatch(/at least 2 separate attempts/);
    const done = await as('agent-1').post(`/requests/${id}/unreachable`, { attempts, reason: 'Phone switched off' });
    expect(done.status).toBe(200);
    expect(done.body.completed).toMatchObject([{ stage: 'first_response', onTime: true, excused: 'customer_unreachable' }]);
    expect((await as('agent-2').post(`/requests/${id}/unreachable-report`, { report: 'Not mine to file, trying anyway.' })).status).toBe(409);
    const filed = await as('agent-1').post(`/requests/${id}/unreachable-report`, { report: 'Called twice at 10:00 and 10:09, phone off.' });
    expect(filed.status).toBe(200);
    expect(filed.body.unreachable[0].reportFiledAt).toBeDefined();
    const records = await service.pool.query('SELECT count(*)::int AS n FROM accountability_records WHERE request_id = $1', [id]);
    expect(records.rows[0].n).toBe(0);
    await service.client.workflow.getHandle(id).terminate('test done');
  });

  it('sends repair actions and other kinds’ actions each to their own kind', async () => {
    const repair = (await as('agent-1').post('/requests', { customer, regionId: 'north', faultDescription: 'No signal', severity: 'general' })).body.requestId;
    await until(repair, (s) => s.stage === 'contact');
    const wrong = await as('agent-1').post(`/requests/${repair}/paperwork`, { complete: true, missingItems: [] });
    expect(wrong.status).toBe(409);
    expect(wrong.body.message).toMatch(/is a fault repair; use its own actions/);
    // R7 postponement serves every kind; a repair allows it once a visit is agreed.
    const early = await as('agent-1').post(`/requests/${repair}/postponements`, { until: new Date(Date.now() + 86_400_000).toISOString(), reason: 'Customer away' });
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/can postpone the visit \(arrival\) or the repair \(resolution\) only/);
    await as('tech-north-1').post(`/requests/${repair}/contact`, { visitAt: new Date(Date.now() + 3_600_000).toISOString() });
    const later = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const moved = await as('agent-1').post(`/requests/${repair}/postponements`, { until: later, reason: 'Customer asks for Sunday' });
    expect(moved.status).toBe(200);
    expect(moved.body.deadlines.arrival).toBe(later);
    expect(moved.body.postponements).toMatchObject([{ stage: 'arrival', requestedBy: 'agent-1', to: later }]);
    await service.client.workflow.getHandle(repair).terminate('test done');
  });
});
