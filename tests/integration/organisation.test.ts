/**
 * Organisation, roster and ledger against a real PostgreSQL and Temporal: roster selection (on
 * duty, backup, nobody: R4, R5), a manager change over time (R5), the statement → decision
 * lifecycle (R21–R25), the aggravation flag (R23), and that an excused breach leaves no record.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadPolicy } from '../../config/policy';
import { recordBreachFor } from '../support/fixtures';
import { http, startService, type RunningService } from '../support/service';

let service: RunningService;
const as = (staffId: string) => http(service.baseUrl, staffId);
const admin = () => as('admin-1');
const suffix = `${process.pid % 10000}`;

beforeAll(async () => {
  // Short R8 limit (about 6 s) so an excused and an unexcused breach play out in real time.
  const policy = loadPolicy();
  const r8 = policy.kinds.fault_repair.clocks.find((c) => c.clock === 'resolution')!;
  r8.limit = { bySeverity: { general: { hours: 0.0017 }, major: { hours: 72 } } };
  service = await startService({ policy });
});
afterAll(async () => {
  await service?.close();
});

const hourFromNow = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

async function createRegion(id: string, managerId: string): Promise<void> {
  expect((await admin().put(`/staff/${managerId}`, { name: `Manager of ${id}`, role: 'customer_manager', phone: '13700001000', regionId: null, branchId: 'city', active: true })).status).toBe(200);
  const region = await admin().put(`/regions/${id}`, { name: `Region ${id}`, branchId: 'city', customerManagerId: managerId, households: 2000 });
  expect(region.status).toBe(200);
}

async function createTechnician(id: string, regionId: string): Promise<void> {
  const staff = await admin().put(`/staff/${id}`, { name: `Tech ${id}`, role: 'technician', phone: '13900001000', regionId, branchId: 'city', active: true });
  expect(staff.status).toBe(200);
}

async function jobRecipient(requestId: string): Promise<string> {
  return vi.waitFor(
    async () => {
      const { rows } = await service.pool.query(`SELECT recipient_staff_id FROM sms_outbox WHERE request_id = $1 AND purpose = 'job'`, [requestId]);
      expect(rows).toHaveLength(1);
      return rows[0].recipient_staff_id as string;
    },
    { timeout: 20_000, interval: 100 },
  );
}

const requestIn = (regionId: string) => ({
  customer: { name: 'Li Wei', phone: '13800000001', address: '12 Renmin Road' },
  regionId,
  faultDescription: 'No signal',
  severity: 'general',
});

describe('on-duty roster (R4, R5)', () => {
  it('gives the job to the primary on duty, else the backup, else alerts the customer manager at once', async () => {
    const region = `east-${suffix}`;
    await createRegion(region, `cm-${region}`);
    await createTechnician(`tech-${region}-a`, region);
    await createTechnician(`tech-${region}-b`, region);
    const primary = await admin().post('/roster/shifts', { staffId: `tech-${region}-a`, regionId: region, position: 'primary', startsAt: hourFromNow(-1), endsAt: hourFromNow(8) });
    await admin().post('/roster/shifts', { staffId: `tech-${region}-b`, regionId: region, position: 'backup', startsAt: hourFromNow(-1), endsAt: hourFromNow(8) });

    const roster = await as('agent-1').get(`/roster?regionId=${region}`);
    expect(roster.body.shifts.map((s: { staffId: string; position: string }) => [s.staffId, s.position])).toEqual([
      [`tech-${region}-b`, 'backup'],
      [`tech-${region}-a`, 'primary'],
    ]);

    const first = (await as('agent-1').post('/requests', requestIn(region))).body.requestId;
    expect(await jobRecipient(first)).toBe(`tech-${region}-a`);

    // The primary goes off duty: the backup gets the next job at once.
    expect((await admin().delete(`/roster/shifts/${primary.body.id}`)).body.cancelledAt).not.toBeNull();
    const second = (await as('agent-1').post('/requests', requestIn(region))).body.requestId;
    expect(await jobRecipient(second)).toBe(`tech-${region}-b`);

    // Nobody at all: the region's customer manager hears at once, long before the R4 deadline.
    const empty = `west-${suffix}`;
    await createRegion(empty, `cm-${empty}`);
    const third = (await as('agent-1').post('/requests', requestIn(empty))).body.requestId;
    await vi.waitFor(
      async () => {
        const { rows } = await service.pool.query(`SELECT recipient_staff_id, body FROM sms_outbox WHERE request_id = $1 AND purpose = 'alert'`, [third]);
        expect(rows).toHaveLength(1);
        expect(rows[0].recipient_staff_id).toBe(`cm-${empty}`);
        expect(rows[0].body).toMatch(/无人值班/);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect((await as('agent-1').get(`/requests/${third}`)).body.stage).toBe('dispatch');
    for (const id of [first, second, third]) await service.client.workflow.getHandle(id).terminate('test done');
  });
});

describe('organisation over time (R5)', () => {
  it("applies a region's new customer manager to new work at once and keeps who managed it, and when", async () => {
    const region = `harbour-${suffix}`;
    await createRegion(region, `cm-old-${suffix}`);
    await createTechnician(`tech-${region}`, region);
    await admin().put(`/staff/cm-new-${suffix}`, { name: 'New manager', role: 'customer_manager', phone: '13700002000', regionId: null, branchId: 'city', active: true });
    const changed = await admin().put(`/regions/${region}`, { name: `Region ${region}`, branchId: 'city', customerManagerId: `cm-new-${suffix}`, households: 2100 });
    expect(changed.body.customerManagerId).toBe(`cm-new-${suffix}`);

    const history = (await as('leader-city').get(`/regions/${region}/history`)).body;
    expect(history.managers.map((m: { staffId: string; to: string | null }) => [m.staffId, m.to === null])).toEqual([
      [`cm-old-${suffix}`, false],
      [`cm-new-${suffix}`, true],
    ]);
    expect(history.managers[0].to).toBe(history.managers[1].from);
    const regionChanges = history.changes.filter((c: { entity: string }) => c.entity === 'region');
    expect(regionChanges.map((c: { after: { customerManagerId: string } }) => c.after.customerManagerId)).toEqual([`cm-old-${suffix}`, `cm-new-${suffix}`]);
    expect(regionChanges.every((c: { changedBy: string }) => c.changedBy === 'admin-1')).toBe(true);
    expect(history.changes.some((c: { entity: string; entityId: string }) => c.entity === 'staff' && c.entityId === `tech-${region}`)).toBe(true);

    // A breach from now on alerts the new manager, not the old one.
    const outcome = await recordBreachFor(service.pool, { regionId: region, responsibleStaffId: `tech-${region}` });
    expect(outcome.recipients.map((r) => r.staffId)).toEqual([`cm-new-${suffix}`]);
    // A breach from before the change (an alert retried across it) names the manager in charge then.
    const before = new Date((Date.parse(history.managers[0].from) + Date.parse(history.managers[0].to)) / 2).toISOString();
    const earlier = await recordBreachFor(service.pool, { regionId: region, breachedAt: before, responsibleRole: 'customer_manager' });
    expect(earlier).toMatchObject({ recipients: [{ staffId: `cm-old-${suffix}` }], responsibleStaffId: `cm-old-${suffix}` });
  });
});


describe('accountability ledger (R20–R25)', () => {
  it('names the rule, stage, deadline and person; hears them; then a supervisor decides, and every change is kept', async () => {
    const breachedAt = new Date(Date.now() - 120_000).toISOString();
    const { recordId: id, requestId } = await recordBreachFor(service.pool, { breachedAt });
    const opened = (await as('supervisor-1').get(`/accountability/${id}`)).body;
    expect(opened).toMatchObject({ requestId, rule: 'R6', stage: 'contact', deadline: new Date(Date.parse(breachedAt) - 60_000).toISOString(), responsibleStaffId: 'tech-north-1', status: 'open' });
    expect(Date.parse(opened.statementDueAt) - Date.parse(breachedAt)).toBe(72 * 3_600_000);

    const tooEarly = await as('supervisor-1').post(`/accountability/${id}/decision`, { outcome: 'warning' });
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.body.message).toMatch(/has not been heard yet/);

    expect((await as('tech-north-1').post(`/accountability/${id}/statement`, { statement: 'The address was wrong.' })).body.status).toBe('statement_filed');
    const again = await as('tech-north-1').post(`/accountability/${id}/statement`, { statement: 'Once more.' });
    expect(again.status).toBe(409);

    const noSanction = await as('supervisor-1').post(`/accountability/${id}/decision`, { outcome: 'criticism_notice' });
    expect(noSanction.status).toBe(400);
    const decided = await as('supervisor-1').post(`/accountability/${id}/decision`, {
      outcome: 'criticism_notice',
      sanction: 'One month bonus withheld',
      mitigating: ['apology_accepted', 'loss_recovered'],
      note: 'Second late contact this quarter',
    });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'decided', outcome: 'criticism_notice', decidedBy: 'supervisor-1', mitigating: ['apology_accepted', 'loss_recovered'] });
    expect((await as('supervisor-1').post(`/accountability/${id}/decision`, { outcome: 'exempt' })).status).toBe(409);

    const history = (await as('tech-north-1').get(`/accountability/${id}`)).body.history;
    expect(history.map((e: { type: string; actor: string | null }) => [e.type, e.actor])).toEqual([
      ['opened', null],
      ['statement_filed', 'tech-north-1'],
      ['decided', 'supervisor-1'],
    ]);
  });

  it('flags as aggravated a record of someone held to account more than twice in twelve months (R23)', async () => {
    const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
    // Breaches old enough that the statement window (72 h) has passed, so a supervisor may decide at once.
    const decided = async (person: string, outcome: string, breachedDaysAgo = 5) => {
      const { recordId } = await recordBreachFor(service.pool, { responsibleStaffId: person, breachedAt: daysAgo(breachedDaysAgo) });
      const id = recordId!;
      expect((await as('supervisor-1').post(`/accountability/${id}/decision`, { outcome })).status).toBe(200);
      return id;
    };
    const flag = async (id: number) => (await as('supervisor-1').get(`/accountability/${id}`)).body.aggravated as boolean;

    const person = `tech-agg-${suffix}`;
    await createTechnician(person, 'north');
    // An exemption and an undecided record are not "held to account".
    await decided(person, 'exempt');
    await recordBreachFor(service.pool, { responsibleStaffId: person, breachedAt: daysAgo(5) });
    // "Held to account more than twice within a year": the third decided record is aggravated (policy default 3).
    const held = [await decided(person, 'warning'), await decided(person, 'best_in_class_revoked')];
    expect(await Promise.all(held.map(flag))).toEqual([false, false]);
    const { recordId: third } = await recordBreachFor(service.pool, { responsibleStaffId: person });
    expect(await flag(third!)).toBe(true);

    // Held to account twice before, but one of them more than a year before: not aggravated.
    const other = `tech-old-${suffix}`;
    await createTechnician(other, 'north');
    await decided(other, 'warning', 400);
    await decided(other, 'warning');
    const { recordId: latest } = await recordBreachFor(service.pool, { responsibleStaffId: other });
    expect(await flag(latest!)).toBe(false);
  });
});

describe('excused breaches', () => {
  it('an approved extension leaves no record, while the same wait without one is breached', async () => {
    const agent = as('agent-1');
    const tech = as('tech-north-1');
    const excused = (await agent.post('/requests', requestIn('north'))).body.requestId;
    const unexcused = (await agent.post('/requests', requestIn('north'))).body.requestId;
    for (const id of [excused, unexcused]) {
      await vi.waitFor(async () => expect((await agent.get(`/requests/${id}`)).body.stage).toBe('contact'), { timeout: 20_000, interval: 100 });
      await tech.post(`/requests/${id}/contact`, { visitAt: hourFromNow(1) });
      await tech.post(`/requests/${id}/arrival`, {});
    }
    const atResolution = (await agent.get(`/requests/${excused}`)).body;
    await tech.post(`/requests/${excused}/extension-requests`, { newDeadline: hourFromNow(2), reason: 'Amplifier on order' });
    expect((await as('cm-north').post(`/requests/${excused}/extension-decision`, { approve: true })).status).toBe(200);

    // Wait until the unexcused one has breached the ~6 s limit that both had.
    await vi.waitFor(
      async () => {
        const { rows } = await service.pool.query('SELECT stage FROM accountability_records WHERE request_id = $1', [unexcused]);
        expect(rows).toEqual([{ stage: 'resolution' }]); // the R8 clock's record
      },
      { timeout: 30_000, interval: 250 },
    );
    expect(Date.now()).toBeGreaterThan(Date.parse(atResolution.clocks.find((c: { clock: string }) => c.clock === 'resolution').deadline));
    const excusedRecords = await service.pool.query('SELECT count(*)::int AS n FROM accountability_records WHERE request_id = $1', [excused]);
    expect(excusedRecords.rows[0].n).toBe(0);
    expect((await agent.get(`/requests/${excused}`)).body.breaches).toEqual([]);
    for (const id of [excused, unexcused]) await service.client.workflow.getHandle(id).terminate('test done');
  });
});
