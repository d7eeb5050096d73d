/**
 * Time-skipping tests of what people do to a running request: extensions (R13) and postponements
 * (R7) with their four-eyes refusals, force-majeure pauses, the unreachable customer and lapsed
 * paperwork (R12), cancel, reassign, corrections, and a manual dispatch racing the roster (R4, R33).
 * Every answer shows the new stage. Activities are mocked; time is skipped.
 */
import { describe, expect, it } from 'vitest';
import type { DispatchOutcome } from '../../activities/types';
import {
  cancelUpdate, completeStageUpdate, correctUpdate, decideExtensionUpdate, decidePauseUpdate, dispatchUpdate, fileUnreachableReportUpdate, postponeUpdate,
  reassignUpdate, reportUnreachableUpdate, requestExtensionUpdate, requestPauseUpdate, resumeUpdate,
} from '../../workflows/messages';
import {
  HOUR, MIN, OTHER_TECH, TECH, breachRecords, clock, fakeActivities, ladder, requestInput, refusal, scenario, sleepTo, useEngine, staff, status, timeline, until, untilStage, type Fake, type Handle,
} from '../support/engine';

const engine = useEngine();
const now = () => engine.env.currentTimeMs();
const iso = (ms: number) => new Date(ms).toISOString();
const done = (handle: Handle, actor: (typeof staff)[keyof typeof staff], stage: string, extra: Record<string, unknown> = {}) =>
  handle.executeUpdate(completeStageUpdate, { args: [{ actor, stage, ...extra }] });
async function expectLadder(fake: Fake, want: string[]) {
  await until(() => expect(ladder(fake)).toEqual(want));
}
const warningKeys = (fake: Fake) => fake.calls.messages.filter((m) => m.key.includes('/warning/')).map((m) => m.key.split('/').slice(1, 5).join('/'));

describe('extension (R13) and postponement (R7)', () => {
  it('R13: the assignee asks, a region leader other than the asker approves; refusals for another region and a technician who is not the assignee; a warning precedes the moved deadline', async () => {
    const fake = fakeActivities();
    const start = requestInput('reconnection', await now());
    const due = Date.parse(start.intakeDeadlines.completion.deadline);
    await scenario(engine, start, fake, async (handle) => {
      await untilStage(handle, 'completion');
      await sleepTo(engine.env, due - HOUR);
      await expectLadder(fake, ['completion:warning']);
      const newDeadline = iso(due + 48 * HOUR);
      const notYours = await refusal(handle.executeUpdate(requestExtensionUpdate, { args: [{ actor: staff.tech2, newDeadline, reason: 'Parts' }] }));
      expect(notYours.type).toBe('NotForYou');
      const asked = await handle.executeUpdate(requestExtensionUpdate, { args: [{ actor: staff.tech, newDeadline, reason: 'Waiting for parts' }] });
      expect(asked.status.stage).toBe('completion');
      expect(asked.status.pendingExtension).toMatchObject({ clock: 'completion', requestedBy: TECH.staffId });
      expect((await refusal(handle.executeUpdate(decideExtensionUpdate, { args: [{ actor: staff.cmSouth, approve: true }] }))).type).toBe('NotForYou');
      expect((await refusal(handle.executeUpdate(decideExtensionUpdate, { args: [{ actor: staff.tech, approve: true }] }))).type).toBe('NotForYou');
      const approved = await handle.executeUpdate(decideExtensionUpdate, { args: [{ actor: staff.cmNorth, approve: true }] });
      expect(approved.status.stage).toBe('completion');
      expect(clock(approved.status, 'completion')).toMatchObject({ deadline: newDeadline, version: 1 });
      expect(approved.events.map((e) => e.type)).toContain('extension_approved');
      // The old deadline passes without a breach; a new warning comes before the new one, then the breach.
      await sleepTo(engine.env, due + 2 * HOUR);
      expect(breachRecords(fake)).toEqual([]);
      await sleepTo(engine.env, due + 48 * HOUR + MIN);
      await expectLadder(fake, ['completion:warning', 'completion:warning', 'completion:L1']);
      const warnings = timeline(fake).filter((e) => e.type === 'warned');
      expect(warnings[1].detail).toMatchObject({ deadline: newDeadline });
      expect(Date.parse(warnings[1].at)).toBeLessThan(due + 48 * HOUR);
      expect(breachRecords(fake)[0]).toMatchObject({ deadline: newDeadline });
    }, 'extension-approved-then-breach');
  });

  it('R13 four eyes: a leader who asked cannot approve their own extension; another leader of the region can', async () => {
    const fake = fakeActivities();
    const start = requestInput('complaint', await now());
    await scenario(engine, start, fake, async (handle) => {
      await untilStage(handle, 'response');
      await done(handle, staff.agent, 'response');
      const due = Date.parse(clock(await status(handle), 'handling').deadline!);
      await handle.executeUpdate(requestExtensionUpdate, { args: [{ actor: staff.cmNorth, clock: 'handling', newDeadline: iso(due + 24 * HOUR), reason: 'Investigation' }] });
      const own = await refusal(handle.executeUpdate(decideExtensionUpdate, { args: [{ actor: staff.cmNorth, approve: true }] }));
      expect(own).toMatchObject({ type: 'NotForYou', message: expect.stringMatching(/four eyes/) });
      const r = await handle.executeUpdate(decideExtensionUpdate, { args: [{ actor: staff.branchLeader, approve: true }] });
      expect(clock(r.status, 'handling').deadline).toBe(iso(due + 24 * HOUR));
    });
  });

  it('R7: a postponed arrival gets a warning before its new deadline', async () => {
    const fake = fakeActivities();
    const start = requestInput('fault_repair', await now());
    await scenario(engine, start, fake, async (handle) => {
      await untilStage(handle, 'contact');
      const visitMs = (await now()) + HOUR;
      await done(handle, staff.tech, 'contact', { visitAt: iso(visitMs) });
      const until2 = iso(visitMs + 5 * HOUR);
      const r = await handle.executeUpdate(postponeUpdate, { args: [{ actor: staff.agent, clock: 'arrival', until: until2, reason: 'Customer away' }] });
      expect(r.status.stage).toBe('arrival');
      expect(clock(r.status, 'arrival')).toMatchObject({ deadline: until2, version: 1 });
      await sleepTo(engine.env, visitMs + 31 * MIN); // the old deadline: nothing
      expect(breachRecords(fake)).toEqual([]);
      await sleepTo(engine.env, visitMs + 5 * HOUR + MIN);
      await until(() => expect(ladder(fake).filter((x) => x.startsWith('arrival'))).toEqual(['arrival:warning', 'arrival:L1']));
      const warned = timeline(fake).find((e) => e.type === 'warned' && (e.detail as { clock: string }).clock === 'arrival')!;
      expect(warned.detail).toMatchObject({ deadline: until2 });
      expect(warningKeys(fake)).toContain('arrival/0/v1/warning');
    });
  });
});

describe('force-majeure pause', () => {
  it('anyone asks; the asker cannot approve or end it; longer than maxPauseHours escalates (pause_overdue); resume moves running deadlines by the paused time', async () => {
    const fake = fakeActivities();
    const start = requestInput('reconnection', await now());
    const due = Date.parse(start.intakeDeadlines.completion.deadline);
    await scenario(engine, start, fake, async (handle) => {
      await untilStage(handle, 'completion');
      const asked = await handle.executeUpdate(requestPauseUpdate, { args: [{ actor: staff.cmNorth, reason: 'Typhoon' }] });
      expect(asked.status.stage).toBe('completion');
      expect((await refusal(handle.executeUpdate(decidePauseUpdate, { args: [{ actor: staff.cmNorth, approve: true }] }))).type).toBe('NotForYou');
      expect((await refusal(handle.executeUpdate(decidePauseUpdate, { args: [{ actor: staff.tech, approve: true }] }))).type).toBe('NotForYou');
      const approved = await handle.executeUpdate(decidePauseUpdate, { args: [{ actor: staff.branchLeader, approve: true }] });
      expect(approved.status).toMatchObject({ stage: 'completion', waitingFor: 'resume' });
      const since = Date.parse(approved.status.pauses[0].since!);
      await sleepTo(engine.env, since + 73 * HOUR);
      await until(() => expect(timeline(fake).map((e) => e.type)).toContain('pause_overdue'));
      expect(fake.calls.steps.find((s) => s.events.some((e) => e.type === 'pause_overdue'))!.notify!.roles).toEqual(['branch_leader', 'company_leader']);
      expect(ladder(fake)).toEqual([]); // no clock step while paused
      expect((await refusal(handle.executeUpdate(resumeUpdate, { args: [{ actor: staff.cmNorth }] }))).type).toBe('NotForYou');
      const resumed = await handle.executeUpdate(resumeUpdate, { args: [{ actor: staff.branchLeader }] });
      const pausedMs = Date.parse(resumed.status.pauses[0].resumedAt!) - since;
      expect(resumed.status.waitingFor).toBeUndefined();
      expect(clock(resumed.status, 'completion').deadline).toBe(iso(due + pausedMs));
      expect(resumed.status.pauses[0]).toMatchObject({ overdueAlerted: true, resumedBy: 'leader-city' });
      const r = await done(handle, staff.tech, 'completion');
      expect(r.status.stage).toBe('closed');
    }, 'pause-overdue-then-resume');
  });
});

describe('unreachable customer and lapsed paperwork (R12)', () => {
  it('R12: a repair at contact closes on time as customer_unreachable; the report is due in 24 h and not filing it is a breach against the reporter', async () => {
    const fake = fakeActivities();
    const start = requestInput('fault_repair', await now());
    await scenario(engine, start, fake, async (handle) => {
      await untilStage(handle, 'contact');
      const t = await now();
      const tooFew = await refusal(handle.executeUpdate(reportUnreachableUpdate, { args: [{ actor: staff.tech, attempts: [iso(t)], reason: 'No answer' }] }));
      expect(tooFew.message).toMatch(/at least 2/);
      const r = await handle.executeUpdate(reportUnreachableUpdate, { args: [{ actor: staff.tech, attempts: [iso(t - 10 * MIN), iso(t - 2 * MIN)], reason: 'No answer, door locked' }] });
      expect(r.status).toMatchObject({ stage: 'closed', outcome: 'customer_unreachable' });
      expect(clock(r.status, 'contact')).toMatchObject({ state: 'excused', onTime: true });
      const report = r.status.unreachable[0];
      expect(Date.parse(report.reportDueAt) - Date.parse(r.status.closedAt!)).toBe(24 * HOUR);
      await sleepTo(engine.env, Date.parse(report.reportDueAt) + MIN);
      const final = await handle.result();
      expect(final.breaches.map((b) => `${b.clock}/${b.rule}`)).toEqual(['unreachable_report/R12']);
      await until(() => expect(breachRecords(fake)).toEqual([expect.objectContaining({ clock: 'unreachable_report', rule: 'R12', responsibleStaffId: TECH.staffId })]));
    }, 'unreachable-report-missed');
  });

  it('R12: a complaint reported unreachable at first response with the report filed in time has no breach', async () => {
    const fake = fakeActivities();
    const start = requestInput('complaint', await now());
    await scenario(engine, start, fake, async (handle) => {
      await untilStage(handle, 'response');
      const t = await now();
      const r = await handle.executeUpdate(reportUnreachableUpdate, { args: [{ actor: staff.agent, attempts: [iso(t - 5 * MIN), iso(t)], reason: 'Phone off' }] });
      expect(r.status).toMatchObject({ stage: 'closed', outcome: 'customer_unreachable' });
      expect(r.status.clocks.filter((c) => c.state === 'running')).toEqual([]);
      await engine.env.sleep(3 * HOUR);
      const filed = await handle.executeUpdate(fileUnreachableReportUpdate, { args: [{ actor: staff.agent, report: 'Called twice, phone off' }] });
      expect(filed.status.stage).toBe('closed');
      const final = await handle.result();
      expect(final.breaches).toEqual([]);
      expect(final.unreachable[0].reportFiledAt).toBeDefined();
    });
  });

  it('R12: paperwork still incomplete after paperworkLimitHours ends the request as paperwork_lapsed with the report due', async () => {
    const fake = fakeActivities();
    const start = requestInput('reconnection', await now(), { paperwork: { complete: false, missingItems: ['Arrears receipt'] } });
    await scenario(engine, start, fake, async (handle) => {
      await untilStage(handle, 'dispatch', 'paperwork');
      await sleepTo(engine.env, Date.parse(start.receivedAt) + 168 * HOUR + MIN);
      const s = await until(async () => {
        const x = await status(handle);
        expect(x.stage).toBe('closed');
        return x;
      });
      expect(s.outcome).toBe('paperwork_lapsed');
      expect(s.unreachable[0]).toMatchObject({ reportedBy: 'agent-1' });
      expect(Date.parse(s.unreachable[0].reportDueAt) - Date.parse(s.closedAt!)).toBe(24 * HOUR);
      await engine.env.sleep(25 * HOUR);
      const final = await handle.result();
      expect(final.breaches.map((b) => b.rule)).toEqual(['R12']);
    });
  });
});

describe('cancel, reassign, correct', () => {
  it('cancel: the request closes as cancelled and the technician is told', async () => {
    const fake = fakeActivities();
    const start = requestInput('fault_repair', await now());
    await scenario(engine, start, fake, async (handle) => {
      await untilStage(handle, 'contact');
      const r = await handle.executeUpdate(cancelUpdate, { args: [{ actor: staff.agent, reason: 'Customer fixed it' }] });
      expect(r.status).toMatchObject({ stage: 'closed', outcome: 'cancelled' });
      expect(r.status.clocks.filter((c) => c.state === 'running')).toEqual([]);
      await handle.result();
      await until(() => expect(fake.calls.messages.some((m) => m.to.staffId === TECH.staffId && m.key.includes('/cancelled/'))).toBe(true));
    }, 'cancel-at-contact');
  });

  it('reassign: the new technician gets the job in round 1, the old one a withdrawal', async () => {
    const fake = fakeActivities();
    const start = requestInput('fault_repair', await now());
    await scenario(engine, start, fake, async (handle) => {
      await untilStage(handle, 'contact');
      expect((await refusal(handle.executeUpdate(reassignUpdate, { args: [{ actor: staff.agent, technicianId: OTHER_TECH.staffId, reason: 'x' }] }))).type).toBe('NotForYou');
      const r = await handle.executeUpdate(reassignUpdate, { args: [{ actor: staff.cmNorth, technicianId: OTHER_TECH.staffId, reason: 'Sick' }] });
      expect(r.status.stage).toBe('contact');
      expect(r.status.assignee).toEqual(OTHER_TECH);
      expect(fake.calls.dispatches.at(-1)).toMatchObject({ round: 1, technicianId: OTHER_TECH.staffId, actorId: 'cm-north' });
      await until(() => expect(fake.calls.messages.filter((m) => m.to.staffId === TECH.staffId && m.key.includes('/withdrawn/'))).toHaveLength(1));
      // The new technician now owns the stage; the old one is refused.
      expect((await refusal(done(handle, staff.tech, 'contact', { visitAt: iso((await now()) + HOUR) }))).type).toBe('NotForYou');
      const c = await done(handle, staff.tech2, 'contact', { visitAt: iso((await now()) + HOUR) });
      expect(c.status.stage).toBe('arrival');
    }, 'reassign-at-contact');
  });

  it('correct severity major → general shortens R8 from its start; correct region', async () => {
    const fake = fakeActivities();
    const start = requestInput('fault_repair', await now(), { severity: 'major' });
    await scenario(engine, start, fake, async (handle) => {
      const s = await untilStage(handle, 'contact');
      expect(Date.parse(clock(s, 'resolution').deadline!) - Date.parse(start.receivedAt)).toBe(72 * HOUR);
      expect((await refusal(handle.executeUpdate(correctUpdate, { args: [{ actor: staff.cmSouth, severity: 'general', reason: 'x' }] }))).type).toBe('NotForYou');
      const r = await handle.executeUpdate(correctUpdate, { args: [{ actor: staff.cmNorth, severity: 'general', reason: 'Only one TV affected' }] });
      expect(r.status.stage).toBe('contact');
      expect(r.status.severity).toBe('general');
      expect(clock(r.status, 'resolution').deadline).toBe(iso(Date.parse(start.receivedAt) + 24 * HOUR));
      const moved = await handle.executeUpdate(correctUpdate, { args: [{ actor: staff.branchLeader, regionId: 'south', reason: 'Wrong district' }] });
      expect(moved.status).toMatchObject({ stage: 'contact', regionId: 'south' });
      await sleepTo(engine.env, Date.parse(start.receivedAt) + 24 * HOUR + MIN);
      await until(() => expect(ladder(fake)).toEqual(expect.arrayContaining(['resolution:L1'])));
    });
  });
});

describe('manual dispatch racing the roster (R4, R33)', () => {
  it('the roster loses to an agent (won:false): exactly one technician, the answer names the holder', async () => {
    let manualAsked!: () => void;
    const asked = new Promise<void>((r) => (manualAsked = r));
    let rosterAnswered!: () => void;
    const answered = new Promise<void>((r) => (rosterAnswered = r));
    const fake = fakeActivities({
      roster: async (): Promise<DispatchOutcome> => {
        await asked;
        setTimeout(rosterAnswered, 200);
        return { technician: OTHER_TECH, won: false, claimedBy: 'agent-1' };
      },
      byHand: async (ask): Promise<DispatchOutcome> => {
        manualAsked();
        await answered;
        return { technician: OTHER_TECH, won: true, claimedBy: ask.actorId };
      },
    });
    const start = requestInput('fault_repair', await now());
    await scenario(engine, start, fake, async (handle) => {
      await untilStage(handle, 'dispatch', 'dispatch');
      const r = await handle.executeUpdate(dispatchUpdate, { args: [{ actor: staff.agent, technicianId: OTHER_TECH.staffId }] });
      expect(r.status.stage).toBe('contact');
      expect(r.status.assignee).toEqual(OTHER_TECH);
      await until(() => expect(timeline(fake).some((e) => e.type === 'dispatched')).toBe(true));
      const s = await status(handle);
      expect(s.assignee).toEqual(OTHER_TECH);
      expect(timeline(fake).filter((e) => e.type === 'dispatched')).toHaveLength(1);
    });
  });

  it('the agent loses to the roster (won:false): the answer names the roster technician', async () => {
    const fake = fakeActivities({
      roster: async () => {
        await new Promise((r) => setTimeout(r, 1500));
        return { technician: TECH, won: true, claimedBy: 'roster' };
      },
      byHand: async () => ({ technician: TECH, won: false, claimedBy: 'roster' }),
    });
    const start = requestInput('fault_repair', await now());
    await scenario(engine, start, fake, async (handle) => {
      await untilStage(handle, 'dispatch', 'dispatch');
      const r = await handle.executeUpdate(dispatchUpdate, { args: [{ actor: staff.agent, technicianId: OTHER_TECH.staffId }] });
      expect(r.status.stage).toBe('contact');
      expect(r.status.assignee).toEqual(TECH);
      const dispatched = r.events.filter((e) => e.type === 'dispatched');
      expect(dispatched).toHaveLength(1);
      expect(dispatched[0].actor).toBe('roster');
      await new Promise((res) => setTimeout(res, 1800));
      expect((await status(handle)).assignee).toEqual(TECH);
    });
  });
});

describe('an update in the request’s first workflow task (sent before any worker ran it)', () => {
  /** Starts the request with no worker polling, sends the update, then lets a worker run the first task with both. */
  async function firstTask(start: ReturnType<typeof requestInput>, fake: Fake, update: (handle: Handle) => Promise<unknown>, then: (handle: Handle) => Promise<void>) {
    const { env, bundle } = engine;
    const taskQueue = `first-task-${start.requestId}`;
    const handle = (await env.client.workflow.start('serviceRequest', { workflowId: start.requestId, taskQueue, args: [start] })) as unknown as Handle;
    const answered = update(handle); // delivered with the start, in the same first workflow task
    const { Worker } = await import('@temporalio/worker');
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities });
    await worker.runUntil(async () => {
      await answered;
      await then(handle);
      await handle.terminate('test done').catch(() => undefined);
    });
  }
  const scheduled = async (handle: Handle, type: string) =>
    ((await handle.fetchHistory()).events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).length;

  it('complete paperwork begins the request once: one roster dispatch, each clock watched once', async () => {
    const fake = fakeActivities();
    const start = requestInput('installation_city', await now(), { paperwork: { complete: false, missingItems: ['身份证复印件'] } });
    await firstTask(
      start,
      fake,
      (handle) => handle.executeUpdate('recordPaperwork', { args: [{ actor: staff.agent, complete: true, missingItems: [] }] }),
      async (handle) => {
        await untilStage(handle, 'contact');
        expect(await scheduled(handle, 'dispatchJob')).toBe(1);
        expect(await scheduled(handle, 'workingDeadline')).toBe(1);
      },
    );
  });

  it('a cancellation closes it before it begins: no dispatch, the state stays closed', async () => {
    const fake = fakeActivities();
    const start = requestInput('fault_repair', await now());
    let answer: { status: { stage: string; outcome?: string } } | undefined;
    await firstTask(
      start,
      fake,
      async (handle) => (answer = (await handle.executeUpdate(cancelUpdate, { args: [{ actor: staff.agent, reason: '重复报修' }] })) as typeof answer),
      async (handle) => {
        expect(answer?.status).toMatchObject({ stage: 'closed', outcome: 'cancelled' });
        expect((await status(handle)).stage).toBe('closed');
        expect(await scheduled(handle, 'dispatchJob')).toBe(0);
      },
    );
  });
});
