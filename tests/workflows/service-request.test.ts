/**
 * Time-skipping tests of every other kind's path (R9, R10, R16), each clock rule (R3/R11 paperwork,
 * R7 postponement, R12 unreachable customer, force majeure) and the escalation ladder (warning,
 * each level, stopping on completion). Activities are mocked; working days use the real calendar.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BreachNotice, RoleNotice, ServiceActivities } from '../../activities/types';
import { loadCalendar, loadPolicy } from '../../config/policy';
import { HOUR_MS } from '../../domain/policy';
import type { TimelineEvent } from '../../domain/request';
import { snapshotFor, type ServiceKind, type ServicePolicy } from '../../domain/service-policy';
import type { ServiceRequestInput, ServiceStatus } from '../../domain/service-request';
import { addWorkingDays, type HolidayCalendar } from '../../domain/working-days';
import { registerSearchAttributes } from '../../worker/search-attributes';
import { WORKFLOWS_PATH } from '../../worker/workflows-path';
import {
  completeStageUpdate,
  decidePauseUpdate,
  fileUnreachableReportUpdate,
  postponeUpdate,
  recordPaperworkUpdate,
  recordServiceCallbackUpdate,
  reportUnreachableUpdate,
  requestPauseUpdate,
  resumeUpdate,
  serviceStatusQuery,
} from '../../workflows/messages';
import { serviceRequest } from '../../workflows/service-request';
import { uniqueRequestId } from '../support/fixtures';
import { historyToJson } from '../support/histories';
import { testServerExecutable } from '../support/temporal';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
const policy: ServicePolicy = loadPolicy();

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testServerExecutable() } });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  const noop = () => undefined;
  bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop } });
});
afterAll(async () => {
  await env?.teardown();
});

function fakeActivities(calendar: HolidayCalendar = loadCalendar()) {
  const calls = { events: [] as TimelineEvent[], escalations: [] as BreachNotice[], notices: [] as RoleNotice[], closings: [] as string[], calendar };
  const activities: Pick<ServiceActivities, 'recordServiceProgress' | 'workingDeadline' | 'escalateBreach' | 'notifyRoles' | 'notifyFirstContact'> = {
    async recordServiceProgress(_snapshot, events) {
      calls.events.push(...events);
    },
    async workingDeadline(ask) {
      return addWorkingDays(ask.startMs, ask.days, calls.calendar, { utcOffsetMinutes: ask.utcOffsetMinutes, cutoff: ask.cutoff });
    },
    async escalateBreach(notice) {
      calls.escalations.push(notice);
      return { accountabilityRecordId: calls.escalations.length, responsibleStaffId: 'someone', alerted: notice.alert ?? [] };
    },
    async notifyRoles(notice) {
      calls.notices.push(notice);
      return notice.roles;
    },
    async notifyFirstContact(notice) {
      calls.closings.push(notice.summary);
    },
  };
  return { activities, calls };
}
type Fake = ReturnType<typeof fakeActivities>;
type Handle = WorkflowHandle<typeof serviceRequest>;

function input(kind: ServiceKind, overrides: Partial<ServiceRequestInput> = {}, servicePolicy = policy): ServiceRequestInput {
  return {
    requestId: uniqueRequestId(),
    kind,
    customer: { name: 'Wang Fang', phone: '13800000002', address: '8 Binjiang Road' },
    regionId: 'north',
    description: 'New cable TV connection',
    firstContactStaffId: 'agent-1',
    paperwork: { complete: true, missingItems: [] },
    policy: snapshotFor(servicePolicy, kind),
    ...overrides,
  };
}

async function scenario(start: ServiceRequestInput, fake: Fake, body: (handle: Handle) => Promise<void>, recordAs?: string): Promise<void> {
  const taskQueue = `svc-${start.requestId}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(serviceRequest, { workflowId: start.requestId, taskQueue, args: [start] });
    try {
      await body(handle);
      if (recordAs && process.env.RECORD_HISTORIES === '1') {
        writeFileSync(path.join(__dirname, '..', 'histories', `v2-${recordAs}.json`), historyToJson(await handle.fetchHistory()));
      }
    } finally {
      // The test server does not skip time while a task waits for a worker: let in-flight activities
      // finish while this worker still runs, then end the run so later tests can skip time.
      await vi
        .waitFor(async () => expect((await handle.describe()).raw.pendingActivities ?? []).toHaveLength(0), { timeout: 5_000, interval: 50 })
        .catch(() => undefined);
      if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('scenario finished');
    }
  });
}

const status = (handle: Handle) => handle.query(serviceStatusQuery);
const until = <T>(check: () => Promise<T>) => vi.waitFor(check, { timeout: 20_000, interval: 50 });
async function untilStage(handle: Handle, stage: string, waitingFor?: string): Promise<ServiceStatus> {
  return until(async () => {
    const s = await status(handle);
    if (s.stage !== stage || !s.deadlines[stage] && !waitingFor || s.waitingFor !== waitingFor) throw new Error(`at ${s.stage}/${s.waitingFor}`);
    return s;
  });
}
const levels = (fake: Fake) => fake.calls.escalations.map((e) => `${e.stage}:L${e.level}`);
async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((err as WorkflowUpdateFailedError).cause as Error).message;
}

describe('installation (R9, R11, R3, R16)', () => {
  it('waits for complete paperwork, then runs 5 working days with a warning, then the 72-hour callback', async () => {
    const fake = fakeActivities();
    const start = input('installation_city', { paperwork: { complete: false, missingItems: ['ID card copy'] } });
    await scenario(start, fake, async (handle) => {
      const waiting = await untilStage(handle, 'completion', 'paperwork');
      expect(waiting.deadlines).toEqual({});
      expect(waiting.paperwork).toMatchObject({ complete: false, missingItems: ['ID card copy'] });
      await env.sleep(20 * 24 * HOUR_MS); // no clock runs while paperwork is missing (R11)
      expect(fake.calls.escalations).toEqual([]);
      expect(await refusal(handle.executeUpdate(completeStageUpdate, { args: [{ staffId: 'tech-north-1', stage: 'completion' }] }))).toMatch(/paperwork is not complete/);

      await handle.executeUpdate(recordPaperworkUpdate, { args: [{ staffId: 'agent-1', complete: false, missingItems: ['ID card copy', 'Signed contract'] }] });
      const complete = await handle.executeUpdate(recordPaperworkUpdate, { args: [{ staffId: 'agent-1', complete: true, missingItems: [] }] });
      const completedAt = Date.parse(complete.paperwork.completedAt!);
      const running = await untilStage(handle, 'completion');
      const expected = addWorkingDays(completedAt, 5, fake.calls.calendar);
      expect(running.deadlines.completion).toEqual({ deadline: expected.deadline, provisional: false });

      // The warning at 80 % of the period goes to the responsible customer manager, once.
      await env.sleep(0.85 * (expected.deadlineMs - completedAt));
      await until(async () => expect(fake.calls.notices.map((n) => n.key)).toEqual([`${start.requestId}/completion/0/warning`]));
      expect(fake.calls.notices[0].roles).toEqual(['customer_manager']);
      await handle.executeUpdate(completeStageUpdate, { args: [{ staffId: 'tech-north-1', stage: 'completion', note: 'Activated' }] });
      const atCallback = await untilStage(handle, 'callback');
      expect(Date.parse(atCallback.deadlines.callback.deadline) - Date.parse(atCallback.completed[0].at)).toBe(72 * HOUR_MS);
      await env.sleep(30 * 24 * HOUR_MS);
      expect(levels(fake)).toEqual(['callback:L1', 'callback:L2']); // the callback was missed; the installation was not
      await handle.executeUpdate(recordServiceCallbackUpdate, { args: [{ agentId: 'agent-2', satisfaction: 4, faultResolved: true }] });
      const final = await handle.result();
      expect(final.completed.map((c) => [c.stage, c.onTime])).toEqual([['completion', true], ['callback', false]]);
      expect(fake.calls.events.map((e) => e.type)).toEqual([
        'received', 'paperwork_missing', 'paperwork_missing', 'paperwork_complete', 'warned', 'stage_done', 'warned',
        'breached', 'escalated', 'callback_recorded', 'stage_done', 'closed',
      ]);
      expect(fake.calls.closings).toEqual(['limits missed: callback (R16)']);
    }, 'installation-paperwork-then-callback');
  });

  it('refuses completion while the paperwork is missing, even after a force-majeure pause came and went', async () => {
    const fake = fakeActivities();
    await scenario(input('installation_city', { paperwork: { complete: false, missingItems: ['Contract'] } }), fake, async (handle) => {
      await untilStage(handle, 'completion', 'paperwork');
      await handle.executeUpdate(requestPauseUpdate, { args: [{ staffId: 'tech-north-1', reason: 'Flood' }] });
      expect((await handle.executeUpdate(decidePauseUpdate, { args: [{ managerId: 'cm-north', approve: true }] })).waitingFor).toBe('resume');
      expect((await handle.executeUpdate(resumeUpdate, { args: [{ managerId: 'cm-north' }] })).waitingFor).toBe('paperwork');
      expect(await refusal(handle.executeUpdate(completeStageUpdate, { args: [{ staffId: 'tech-north-1', stage: 'completion' }] }))).toMatch(/paperwork is not complete/);
      // The workflow is still healthy: paperwork completes, the clock runs, the stage completes.
      await handle.executeUpdate(recordPaperworkUpdate, { args: [{ staffId: 'agent-1', complete: true, missingItems: [] }] });
      await untilStage(handle, 'completion');
      await handle.executeUpdate(completeStageUpdate, { args: [{ staffId: 'tech-north-1', stage: 'completion' }] });
      await untilStage(handle, 'callback');
    });
  });

  it('counts 10 working days in rural areas', async () => {
    const fake = fakeActivities();
    await scenario(input('installation_rural'), fake, async (handle) => {
      const s = await untilStage(handle, 'completion');
      expect(s.deadlines.completion.deadline).toBe(addWorkingDays(Date.parse(s.receivedAt), 10, fake.calls.calendar).deadline);
    });
  });
});

describe('the escalation ladder', () => {
  it('warns, escalates level 1 at breach, level 2 and 3 later, each once, for a reconnection (R10)', async () => {
    const fake = fakeActivities();
    await scenario(input('reconnection'), fake, async (handle) => {
      const s = await untilStage(handle, 'completion');
      const due = Date.parse(s.deadlines.completion.deadline);
      await env.sleep(due - (await env.currentTimeMs()) - HOUR_MS);
      expect(fake.calls.notices.map((n) => n.key.split('/').pop())).toEqual(['warning']);
      expect(levels(fake)).toEqual([]);
      await env.sleep(2 * HOUR_MS);
      await until(async () => expect(levels(fake)).toEqual(['completion:L1']));
      expect(fake.calls.escalations[0]).toMatchObject({ rule: 'R10', alert: ['customer_manager'], responsible: 'customer_manager' });
      await env.sleep(24 * HOUR_MS);
      await until(async () => expect(levels(fake)).toEqual(['completion:L1', 'completion:L2']));
      expect(fake.calls.escalations[1].alert).toEqual(['branch_leader']);
      await env.sleep(48 * HOUR_MS);
      await until(async () => expect(levels(fake)).toEqual(['completion:L1', 'completion:L2', 'completion:L3']));
      expect(fake.calls.escalations[2].alert).toEqual(['company_leader']);
      await env.sleep(30 * 24 * HOUR_MS);
      expect(fake.calls.escalations).toHaveLength(3);
    });
  });

  it('stops as soon as the stage is met', async () => {
    const fake = fakeActivities();
    await scenario(input('reconnection'), fake, async (handle) => {
      const s = await untilStage(handle, 'completion');
      await env.sleep(Date.parse(s.deadlines.completion.deadline) - (await env.currentTimeMs()) + HOUR_MS);
      await until(async () => expect(levels(fake)).toEqual(['completion:L1']));
      await handle.executeUpdate(completeStageUpdate, { args: [{ staffId: 'tech-north-1', stage: 'completion' }] });
      const final = await handle.result();
      expect(final.completed).toMatchObject([{ stage: 'completion', onTime: false }]);
      expect(levels(fake)).toEqual(['completion:L1']);
    });
  });
});

describe('complaint (R10, R16) and consultation', () => {
  it('answers a complaint within 4 hours, handles it within 3 working days, then calls back', async () => {
    const fake = fakeActivities();
    await scenario(input('complaint', { description: 'Technician was rude' }), fake, async (handle) => {
      const s = await untilStage(handle, 'first_response');
      expect(Date.parse(s.deadlines.first_response.deadline) - Date.parse(s.receivedAt)).toBe(4 * HOUR_MS);
      await env.sleep(2 * HOUR_MS);
      await handle.executeUpdate(completeStageUpdate, { args: [{ staffId: 'agent-1', stage: 'first_response' }] });
      const handling = await untilStage(handle, 'handling');
      // Handling runs from intake, not from the first response.
      expect(handling.deadlines.handling.deadline).toBe(addWorkingDays(Date.parse(s.receivedAt), 3, fake.calls.calendar).deadline);
      await handle.executeUpdate(completeStageUpdate, { args: [{ staffId: 'cm-north', stage: 'handling', note: 'Apologised' }] });
      await untilStage(handle, 'callback');
      await handle.executeUpdate(recordServiceCallbackUpdate, { args: [{ agentId: 'agent-2', satisfaction: 5, faultResolved: true }] });
      const final = await handle.result();
      expect(final.breaches).toEqual([]);
      expect(final.completed.map((c) => c.stage)).toEqual(['first_response', 'handling', 'callback']);
    }, 'complaint-on-time');
  });

  it('breaches a complaint not answered within 4 hours', async () => {
    const fake = fakeActivities();
    await scenario(input('complaint'), fake, async (handle) => {
      await untilStage(handle, 'first_response');
      await env.sleep(5 * HOUR_MS);
      await until(async () => expect(levels(fake)).toEqual(['first_response:L1']));
      expect(fake.calls.escalations[0]).toMatchObject({ rule: 'R10', alert: ['call_centre_leader'] });
    });
  });

  it('closes a consultation answered on first contact at once, and holds an open one to 4 hours', async () => {
    const answered = fakeActivities();
    await scenario(input('consultation', { answeredOnFirstContact: true }), answered, async (handle) => {
      const final = await handle.result();
      expect(final.closedAt).toBeDefined();
      expect(final.completed).toMatchObject([{ stage: 'response', onTime: true, note: 'answered on first contact' }]);
    });
    const handedOn = fakeActivities();
    await scenario(input('consultation'), handedOn, async (handle) => {
      const s = await untilStage(handle, 'response');
      expect(Date.parse(s.deadlines.response.deadline) - Date.parse(s.receivedAt)).toBe(4 * HOUR_MS);
      await env.sleep(4 * HOUR_MS + 60_000);
      await until(async () => expect(levels(handedOn)).toEqual(['response:L1']));
    });
  });
});

describe('clock rules', () => {
  it('R7: a postponement the customer asks for moves the deadline with no breach, and is counted', async () => {
    const fake = fakeActivities();
    await scenario(input('reconnection'), fake, async (handle) => {
      const s = await untilStage(handle, 'completion');
      const later = new Date(Date.parse(s.deadlines.completion.deadline) + 7 * 24 * HOUR_MS).toISOString();
      expect(await refusal(handle.executeUpdate(postponeUpdate, { args: [{ staffId: 'agent-1', until: s.receivedAt, reason: 'Customer away' }] }))).toMatch(/must be later/);
      const moved = await handle.executeUpdate(postponeUpdate, { args: [{ staffId: 'agent-1', until: later, reason: 'Customer travelling' }] });
      expect(moved.deadlines.completion.deadline).toBe(later);
      expect(moved.postponements).toMatchObject([{ from: s.deadlines.completion.deadline, to: later, reason: 'Customer travelling' }]);
      await env.sleep(Date.parse(s.deadlines.completion.deadline) - (await env.currentTimeMs()) + 48 * HOUR_MS);
      expect(levels(fake)).toEqual([]);
      await handle.executeUpdate(completeStageUpdate, { args: [{ staffId: 'tech-north-1', stage: 'completion' }] });
      const final = await handle.result();
      expect(final.breaches).toEqual([]);
      expect(final.completed[0].onTime).toBe(true);
    }, 'reconnection-postponed');
  });

  it('R12: an unreachable customer counts as done on time; the written report is tracked and its absence is a breach', async () => {
    const fake = fakeActivities();
    await scenario(input('complaint'), fake, async (handle) => {
      await untilStage(handle, 'first_response');
      const now = await env.currentTimeMs();
      const attempts = [new Date(now - HOUR_MS).toISOString(), new Date(now - 60_000).toISOString()];
      expect(await refusal(handle.executeUpdate(reportUnreachableUpdate, { args: [{ staffId: 'agent-1', attempts: attempts.slice(0, 1), reason: 'No answer' }] }))).toMatch(
        /at least 2 separate attempts/,
      );
      const done = await handle.executeUpdate(reportUnreachableUpdate, { args: [{ staffId: 'agent-1', attempts, reason: 'Phone switched off' }] });
      expect(done.completed).toMatchObject([{ stage: 'first_response', onTime: true, excused: 'customer_unreachable' }]);
      expect(Date.parse(done.unreachable[0].reportDueAt) - Date.parse(done.completed[0].at)).toBe(24 * HOUR_MS);
      await env.sleep(25 * HOUR_MS);
      await until(async () => expect(fake.calls.escalations.map((e) => [e.stage, e.rule, e.responsibleStaffId])).toEqual([
        ['first_response_unreachable_report', 'R12', 'agent-1'],
      ]));
      expect(fake.calls.escalations[0].alert).toEqual(['branch_leader']);
      // Filed late, it is still recorded, and the stage itself was never breached.
      const filed = await handle.executeUpdate(fileUnreachableReportUpdate, { args: [{ staffId: 'agent-1', report: 'Called twice, phone off; letter sent.' }] });
      expect(filed.unreachable[0].reportFiledAt).toBeDefined();
      expect(filed.breaches.map((b) => b.stage)).toEqual(['first_response_unreachable_report']);
    });
  });

  it('R12: a report filed in time leaves no breach at all', async () => {
    const fake = fakeActivities();
    await scenario(input('reconnection'), fake, async (handle) => {
      await untilStage(handle, 'completion');
      const now = await env.currentTimeMs();
      const attempts = [new Date(now - 2 * HOUR_MS).toISOString(), new Date(now - HOUR_MS).toISOString()];
      await handle.executeUpdate(reportUnreachableUpdate, { args: [{ staffId: 'tech-north-1', attempts, reason: 'Nobody home twice' }] });
      await env.sleep(2 * HOUR_MS);
      await handle.executeUpdate(fileUnreachableReportUpdate, { args: [{ staffId: 'tech-north-1', report: 'Visited twice, nobody home; card left.' }] });
      const final = await handle.result();
      expect(final.breaches).toEqual([]);
      expect(fake.calls.escalations).toEqual([]);
    }, 'reconnection-unreachable-reported');
  });

  it('force majeure: a manager-approved pause stops the clock, and the deadline moves by the time paused', async () => {
    const fake = fakeActivities();
    await scenario(input('reconnection'), fake, async (handle) => {
      const s = await untilStage(handle, 'completion');
      const due = Date.parse(s.deadlines.completion.deadline);
      expect(await refusal(handle.executeUpdate(decidePauseUpdate, { args: [{ managerId: 'cm-north', approve: true }] }))).toMatch(/No force-majeure pause/);
      await handle.executeUpdate(requestPauseUpdate, { args: [{ staffId: 'tech-north-1', reason: 'Typhoon: lines down' }] });
      await env.sleep(HOUR_MS); // requested, not yet approved: the clock still runs
      const approved = await handle.executeUpdate(decidePauseUpdate, { args: [{ managerId: 'cm-north', approve: true }] });
      expect(approved.waitingFor).toBe('resume');
      const pausedAt = await env.currentTimeMs();
      await env.sleep(due - pausedAt + 10 * 24 * HOUR_MS); // far past the old deadline while paused
      expect(levels(fake)).toEqual([]);
      const resumed = await handle.executeUpdate(resumeUpdate, { args: [{ managerId: 'cm-north' }] });
      const pausedFor = Date.parse(resumed.pauses[0].resumedAt!) - Date.parse(resumed.pauses[0].since!);
      expect(Date.parse(resumed.deadlines.completion.deadline)).toBe(due + pausedFor);
      await env.sleep(Date.parse(resumed.deadlines.completion.deadline) - (await env.currentTimeMs()) + HOUR_MS);
      await until(async () => expect(levels(fake)).toEqual(['completion:L1']));
    });
  });

  it('a working-day deadline in a year without calendar data is provisional, then recomputed when the data arrives', async () => {
    const fake = fakeActivities(loadCalendar()); // the shipped calendar: 2025 and 2026 only
    await scenario(input('installation_rural', { paperwork: { complete: false, missingItems: ['Contract'] } }), fake, async (handle) => {
      await untilStage(handle, 'completion', 'paperwork');
      // Complete the paperwork on 24 December (10:00 in Shanghai) so ten working days run into a year the calendar lacks.
      const now = await env.currentTimeMs();
      const year = new Date(now).getUTCFullYear();
      const christmasEve = Date.UTC(year, 11, 24, 2, 0) > now ? Date.UTC(year, 11, 24, 2, 0) : Date.UTC(year + 1, 11, 24, 2, 0);
      await env.sleep(christmasEve - now);
      await handle.executeUpdate(recordPaperworkUpdate, { args: [{ staffId: 'agent-1', complete: true, missingItems: [] }] });
      const s = await untilStage(handle, 'completion');
      const nextYear = String(new Date(christmasEve).getUTCFullYear() + 1);
      expect(s.deadlines.completion.deadline.slice(0, 4)).toBe(nextYear);
      expect(s.deadlines.completion.provisional).toBe(true);

      // The next year's calendar arrives (a New Year holiday, as an example): the next recheck picks it up.
      const years = { ...fake.calls.calendar.years };
      for (const y of [String(new Date(christmasEve).getUTCFullYear()), nextYear]) years[y] ??= { holidays: [], makeUpWorkdays: [] };
      years[nextYear] = { holidays: [`${nextYear}-01-01`, `${nextYear}-01-02`, `${nextYear}-01-03`], makeUpWorkdays: [] };
      fake.calls.calendar = { years, localRestDays: [] };
      await env.sleep(25 * HOUR_MS);
      const confirmed = await until(async () => {
        const current = await status(handle);
        if (current.deadlines.completion.provisional) throw new Error('still provisional');
        return current;
      });
      const completedAt = Date.parse(confirmed.paperwork.completedAt!);
      expect(confirmed.deadlines.completion.deadline).toBe(addWorkingDays(completedAt, 10, fake.calls.calendar).deadline);
      expect(fake.calls.events.map((e) => e.type)).toContain('deadline_confirmed');
    });
  });
});
