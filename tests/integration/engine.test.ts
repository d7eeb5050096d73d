/**
 * One whole lifecycle of each kind on the real stack (HTTP → Fastify → Temporal dev server →
 * worker → PostgreSQL), and the authorization rules the workflow decides, allowed and refused.
 * No real deadline is awaited: every action follows the previous one at once.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordIntake, registryRow } from '../../db/requests';
import { initialStatus, intakeEvents } from '../../domain/clocks';
import { requestInput } from '../support/fixtures';
import { http, startService, untilStage as untilStageOver, type RunningService } from '../support/service';

let service: RunningService;
let agent: ReturnType<typeof http>;
let agent2: ReturnType<typeof http>;
let tech: ReturnType<typeof http>;
let otherTech: ReturnType<typeof http>;
let southTech: ReturnType<typeof http>;
let cm: ReturnType<typeof http>;
let southCm: ReturnType<typeof http>;
let branch: ReturnType<typeof http>;

beforeAll(async () => {
  service = await startService();
  agent = http(service.baseUrl, 'agent-1');
  agent2 = http(service.baseUrl, 'agent-2');
  tech = http(service.baseUrl, 'tech-north-1');
  otherTech = http(service.baseUrl, 'tech-north-2');
  southTech = http(service.baseUrl, 'tech-south-1');
  cm = http(service.baseUrl, 'cm-north');
  southCm = http(service.baseUrl, 'cm-south');
  branch = http(service.baseUrl, 'leader-city');
});
afterAll(async () => {
  await service?.close();
});

const customer = { name: '李伟', phone: '13800000001', address: '人民路 12 号 301 室' };
const untilStage = (id: string, stage: string) => untilStageOver(agent, id, stage);
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

async function timelineTypes(id: string): Promise<string[]> {
  return vi.waitFor(
    async () => {
      const res = await agent.get(`/requests/${id}/timeline`);
      expect(res.status).toBe(200);
      const types = (res.body.events as Array<{ type: string }>).map((e) => e.type);
      expect(types).toContain('closed');
      return types;
    },
    { timeout: 20_000, interval: 200 },
  );
}

describe('fault repair, whole lifecycle (R1, R4, R6, R8, R16)', () => {
  it('runs from intake to closed; every answer shows the new stage; the timeline says what happened', async () => {
    const created = await agent.post('/requests', { customer, regionId: 'north', description: '所有频道无信号', severity: 'general' });
    expect(created.status).toBe(201);
    const id: string = created.body.requestId;
    // Every running clock is in the intake answer, in one shape: dispatch 3 min and R8 24 h from intake.
    const running = Object.fromEntries((created.body.clocks as Array<{ clock: string; state: string; deadline?: string }>).filter((c) => c.state === 'running').map((c) => [c.clock, c.deadline]));
    expect(Object.keys(running).sort()).toEqual(['dispatch', 'resolution']);
    expect(Date.parse(running.dispatch!) - Date.parse(created.body.receivedAt)).toBe(3 * 60_000);
    expect(Date.parse(running.resolution!) - Date.parse(created.body.receivedAt)).toBe(24 * 3_600_000);
    expect(created.body.firstContactStaffId).toBe('agent-1');

    const dispatched = await untilStage(id, 'contact');
    expect(dispatched.assignee.staffId).toBe('tech-north-1');

    const contacted = await tech.post(`/requests/${id}/contact`, { visitAt: inAnHour() });
    expect(contacted.status).toBe(200);
    expect(contacted.body.stage).toBe('arrival');
    const arrived = await tech.post(`/requests/${id}/arrival`, {});
    expect(arrived.body.stage).toBe('resolution');
    const resolved = await tech.post(`/requests/${id}/resolution`, { note: '更换分支器' });
    expect(resolved.body.stage).toBe('callback');
    const called = await agent2.post(`/requests/${id}/callback`, { satisfaction: 5, faultResolved: true });
    expect(called.status).toBe(200);
    expect(called.body.stage).toBe('closed');
    expect(called.body.outcome).toBe('completed');
    expect(called.body.clocks.every((c: { state: string; onTime?: boolean }) => c.state === 'met' && c.onTime !== false)).toBe(true);

    const live = await agent.get(`/requests/${id}`);
    expect(live.body.stage).toBe('closed');
    const types = await timelineTypes(id);
    expect(types.slice(0, 2)).toEqual(['received', 'dispatched']);
    expect(types.filter((t) => t === 'stage_done')).toHaveLength(5);
    // R1: the first-contact owner is told once; R4: the job SMS went once, to the holder.
    await vi.waitFor(async () => {
      const { rows } = await service.pool.query("SELECT purpose, recipient_staff_id FROM sms_outbox WHERE request_id = $1 AND status = 'sent' ORDER BY id", [id]);
      expect(rows).toEqual([
        { purpose: 'job', recipient_staff_id: 'tech-north-1' },
        { purpose: 'notice', recipient_staff_id: 'agent-1' },
      ]);
    });
    const listed = await tech.get('/requests?mine=true&stage=closed');
    expect(listed.body.requests.map((r: { requestId: string }) => r.requestId)).toContain(id);
  });
});

describe('the other kinds, whole lifecycles', () => {
  it.each(['installation_city', 'installation_rural'])('%s (R9, R11, R32): waits for paperwork, is dispatched, visited, completed and called back', async (kind) => {
    const created = await agent.post('/requests', { kind, customer, regionId: 'north', description: '新装有线电视', paperwork: { complete: false, missingItems: ['身份证复印件'] } });
    expect(created.status).toBe(201);
    expect(created.body.waitingFor).toBe('paperwork');
    const id = created.body.requestId;
    const paper = await agent.post(`/requests/${id}/paperwork`, { complete: true, missingItems: [] });
    expect(paper.status).toBe(200);
    await untilStage(id, 'contact');
    const completion = (await agent.get(`/requests/${id}`)).body.clocks.find((c: { clock: string }) => c.clock === 'completion');
    expect(completion.state).toBe('running');
    expect((await tech.post(`/requests/${id}/contact`, { visitAt: inAnHour() })).body.stage).toBe('arrival');
    expect((await tech.post(`/requests/${id}/arrival`, {})).body.stage).toBe('completion');
    expect((await tech.post(`/requests/${id}/stages/completion/done`, { note: '已开通' })).body.stage).toBe('callback');
    const closed = await agent.post(`/requests/${id}/callback`, { satisfaction: 4, faultResolved: true });
    expect(closed.body.stage).toBe('closed');
    expect(await timelineTypes(id)).toContain('paperwork_complete');
  });

  it('reconnection (R10): dispatched and completed by the technician', async () => {
    const created = await agent.post('/requests', { kind: 'reconnection', customer, regionId: 'north', description: '欠费停机后复通', paperwork: { complete: true, missingItems: [] } });
    const id = created.body.requestId;
    await untilStage(id, 'completion');
    const done = await tech.post(`/requests/${id}/stages/completion/done`, {});
    expect(done.status).toBe(200);
    expect(done.body.stage).toBe('closed');
  });

  it('complaint (R10, R16): first response and handling clocks run side by side from intake', async () => {
    const created = await agent.post('/requests', { kind: 'complaint', customer, regionId: 'north', description: '重复扣费' });
    const running = (created.body.clocks as Array<{ clock: string; state: string }>).filter((c) => c.state === 'running').map((c) => c.clock).sort();
    expect(running).toEqual(['first_response', 'handling']);
    const id = created.body.requestId;
    expect((await agent.post(`/requests/${id}/stages/response/done`, { note: '已致电客户' })).body.stage).toBe('handling');
    expect((await cm.post(`/requests/${id}/stages/handling/done`, { note: '已退款' })).body.stage).toBe('callback');
    expect((await agent.post(`/requests/${id}/callback`, { satisfaction: 5, faultResolved: true })).body.stage).toBe('closed');
  });

  it('consultation answered on first contact closes at once', async () => {
    const created = await agent.post('/requests', { kind: 'consultation', customer, regionId: 'north', description: '咨询套餐价格', answeredOnFirstContact: true });
    expect(created.status).toBe(201);
    const id = created.body.requestId;
    await untilStage(id, 'closed');
  });
});

describe('authorization is decided by the request itself (R13, four eyes, region, assignee)', () => {
  async function repairAtResolution(): Promise<string> {
    const id = (await agent.post('/requests', { customer, regionId: 'north', description: '图像马赛克', severity: 'major' })).body.requestId;
    await untilStage(id, 'contact');
    await tech.post(`/requests/${id}/contact`, { visitAt: inAnHour() });
    await tech.post(`/requests/${id}/arrival`, {});
    return id;
  }

  it('only the assigned technician records their job; another technician gets 403', async () => {
    const id = (await agent.post('/requests', { customer, regionId: 'north', description: '无信号', severity: 'general' })).body.requestId;
    await untilStage(id, 'contact');
    const refused = await otherTech.post(`/requests/${id}/contact`, { visitAt: inAnHour() });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('tech-north-1');
    const outsider = await southTech.post(`/requests/${id}/contact`, { visitAt: inAnHour() });
    expect(outsider.status).toBe(403);
    expect((await agent.get(`/requests/${id}`)).body.stage).toBe('contact'); // a refused action changes nothing
    const early = await tech.post(`/requests/${id}/arrival`, {});
    expect(early.status).toBe(409);
  });

  it('an extension is asked by the assignee and decided by a leader of the region, never another region’s', async () => {
    const id = await repairAtResolution();
    const asked = await tech.post(`/requests/${id}/extension-requests`, { newDeadline: new Date(Date.now() + 96 * 3_600_000).toISOString(), reason: '等待放大器配件' });
    expect(asked.status).toBe(200);
    expect(asked.body.pendingExtension.clock).toBe('resolution');
    expect((await otherTech.post(`/requests/${id}/extension-requests`, { newDeadline: inAnHour(), reason: 'x y z' })).status).toBe(409); // one pending at a time
    const wrongRegion = await southCm.post(`/requests/${id}/extension-decision`, { approve: true });
    expect(wrongRegion.status).toBe(403);
    const agentDecides = await agent.post(`/requests/${id}/extension-decision`, { approve: true });
    expect(agentDecides.status).toBe(403);
    const approved = await cm.post(`/requests/${id}/extension-decision`, { approve: true, note: '配件已确认' });
    expect(approved.status).toBe(200);
    const r8 = approved.body.clocks.find((c: { clock: string }) => c.clock === 'resolution');
    expect(r8.version).toBe(1);
    expect(approved.body.extensions[0].decidedBy).toBe('cm-north');
  });

  it('a pause is approved and ended only by a region leader who did not ask for it', async () => {
    const id = await repairAtResolution();
    expect((await cm.post(`/requests/${id}/pause-requests`, { reason: '台风导致线路中断' })).status).toBe(200);
    const own = await cm.post(`/requests/${id}/pause-decision`, { approve: true });
    expect(own.status).toBe(403);
    expect(own.body.message).toContain('four eyes');
    expect((await southCm.post(`/requests/${id}/pause-decision`, { approve: true })).status).toBe(403);
    const approved = await branch.post(`/requests/${id}/pause-decision`, { approve: true });
    expect(approved.status).toBe(200);
    expect(approved.body.waitingFor).toBe('resume');
    expect((await cm.post(`/requests/${id}/resume`, {})).status).toBe(403);
    const resumed = await branch.post(`/requests/${id}/resume`, {});
    expect(resumed.status).toBe(200);
    expect(resumed.body.waitingFor).toBeUndefined();
  });

  it('corrections, reassignment and cancellation are recorded; the old technician is told', async () => {
    const id = await repairAtResolution();
    expect((await agent.post(`/requests/${id}/reassign`, { technicianId: 'tech-north-2', reason: '原人员请假' })).status).toBe(403);
    const moved = await cm.post(`/requests/${id}/reassign`, { technicianId: 'tech-north-2', reason: '原人员请假' });
    expect(moved.status).toBe(200);
    expect(moved.body.assignee.staffId).toBe('tech-north-2');
    expect((await tech.post(`/requests/${id}/resolution`, {})).status).toBe(403);
    const corrected = await cm.post(`/requests/${id}/corrections`, { severity: 'general', reason: '误判为重大故障' });
    expect(corrected.status).toBe(200);
    expect(corrected.body.severity).toBe('general');
    expect((await cm.post(`/requests/${id}/corrections`, { regionId: 'nowhere', reason: '地址错误' })).status).toBe(422);
    const cancelled = await agent.post(`/requests/${id}/cancel`, { reason: '客户撤回' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.stage).toBe('closed');
    expect(cancelled.body.outcome).toBe('cancelled');
    const types = await timelineTypes(id);
    expect(types).toEqual(expect.arrayContaining(['reassigned', 'corrected', 'cancelled', 'closed']));
    await vi.waitFor(async () => {
      const { rows } = await service.pool.query("SELECT recipient_staff_id, purpose FROM sms_outbox WHERE request_id = $1 AND purpose = 'job' ORDER BY id", [id]);
      expect(rows.map((r) => r.recipient_staff_id)).toEqual(['tech-north-1', 'tech-north-2']);
    });
    expect((await agent.post(`/requests/${id}/cancel`, { reason: '再次撤回' })).status).toBe(409);
  });
});

describe('a request whose intake was cut short (issue: nothing lost when processes crash)', () => {
  it('is started by the intake healer without waiting for the client', async () => {
    const healing = await startService({ healIntake: { afterMs: 500, everyMs: 300 } });
    try {
      // What POST /requests records before starting the workflow, then "crashes".
      const input = requestInput({ receivedAt: new Date(Date.now() - 1000).toISOString() });
      await recordIntake(healing.pool, registryRow(initialStatus(input)), intakeEvents(input), input);
      const started = await vi.waitFor(
        async () => {
          const { rows } = await healing.pool.query('SELECT workflow_started_at, intake_input FROM service_requests WHERE id = $1', [input.requestId]);
          expect(rows[0].workflow_started_at).not.toBeNull();
          return rows[0];
        },
        { timeout: 15_000, interval: 200 },
      );
      expect(started.intake_input).toBeNull();
      const described = await healing.client.workflow.getHandle(input.requestId).describe();
      expect(described.type).toBe('serviceRequest');
      await vi.waitFor(async () => expect((await http(healing.baseUrl, 'agent-1').get(`/requests/${input.requestId}`)).body.stage).toBe('contact'), { timeout: 15_000, interval: 200 });
      await healing.client.workflow.getHandle(input.requestId).terminate('test done');
    } finally {
      await healing.close();
    }
  });
});

describe('a retried action (after a 503 or 504) with the same Idempotency-Key', () => {
  it('is recorded once and answered again', async () => {
    const id = (await agent.post('/requests', { customer, regionId: 'north', description: '无信号', severity: 'general' })).body.requestId;
    await untilStage(id, 'contact');
    const key = { 'idempotency-key': `contact-${id}` };
    const body = { visitAt: inAnHour() };
    const first = await tech.post(`/requests/${id}/contact`, body, key);
    const again = await tech.post(`/requests/${id}/contact`, body, key);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.stage).toBe('arrival');
    expect(again.body.completed.filter((c: { stage: string }) => c.stage === 'contact')).toHaveLength(1);
    // Without the key the same action is a new one, refused by the state.
    expect((await tech.post(`/requests/${id}/contact`, body)).status).toBe(409);
    await service.client.workflow.getHandle(id).terminate('test done');
  });

  it('that closed the request is answered with its outcome again, not "closed"; a new cancel is refused (409)', async () => {
    const id = (await agent.post('/requests', { customer, regionId: 'north', description: '无信号', severity: 'general' })).body.requestId;
    await untilStage(id, 'contact');
    const key = { 'idempotency-key': `cancel-${id}` };
    const first = await agent.post(`/requests/${id}/cancel`, { reason: '客户撤回' }, key);
    expect(first.status).toBe(200);
    await service.client.workflow.getHandle(id).result(); // the run has ended
    const again = await agent.post(`/requests/${id}/cancel`, { reason: '客户撤回' }, key);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ stage: 'closed', outcome: 'cancelled', closedAt: first.body.closedAt });
    const other = await agent.post(`/requests/${id}/cancel`, { reason: '客户撤回' }, { 'idempotency-key': `other-${id}` });
    expect(other.status).toBe(409);
    expect(other.body.message).toMatch(/is closed/);
  });
});

describe('an action on a request taken while its workflow is not started yet', () => {
  it('answers 503 (retry shortly, nothing lost), not 404; an unknown number stays 404', async () => {
    const input = requestInput({ receivedAt: new Date(Date.now() - 1000).toISOString() });
    await recordIntake(service.pool, registryRow(initialStatus(input)), intakeEvents(input), input); // this service runs no healer
    const early = await agent.post(`/requests/${input.requestId}/cancel`, { reason: '客户撤回' });
    expect(early.status).toBe(503);
    expect(early.body.message).toMatch(/being started; nothing was lost/);
    expect((await agent.post('/requests/SR-20000101-999999/cancel', { reason: '客户撤回' })).status).toBe(404);
  });
});
