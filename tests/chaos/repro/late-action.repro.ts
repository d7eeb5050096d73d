/**
 * Actions that reach a request after one of its limits passed while no worker ran (found by the
 * chaos suite). The SDK applies an update before the timers that fired in the same workflow task,
 * and with no worker up the breach timer may not even be armed yet; the action must still count as
 * late (R14, R20): a stage done late is a breach with one record and its alerts, each ladder level
 * whose time passed is taken once, a postponement cannot move a passed limit (R7), an R12 report
 * filed late is a breach, and paperwork cannot revive a lapsed request (R12).
 *
 * Real dev server and real time (limits of seconds), because the gap needs a worker that is really
 * gone: the time-skipping server neither skips nor fires timers while a task waits for a worker.
 * Activities are fakes.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../../domain/policy';
import type { RequestInput, RequestStatus } from '../../../domain/request';
import { ensureTemporalBinaries } from '../../../scripts/temporal-binaries';
import { registerSearchAttributes } from '../../../worker/search-attributes';
import { WORKFLOWS_PATH } from '../../../worker/workflows-path';
import { completeStageUpdate, fileUnreachableReportUpdate, postponeUpdate, recordPaperworkUpdate, reportUnreachableUpdate, statusQuery } from '../../../workflows/messages';
import { serviceRequest } from '../../../workflows/service-request';
import { historyToJson } from '../../support/histories';
import { breachRecords, clock, fakeActivities, ladder, policyCopy, quietLogger, refusal, requestInput, staff, type Fake, type Handle } from '../../support/engine';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  const { cli } = ensureTemporalBinaries(() => undefined);
  env = await TestWorkflowEnvironment.createLocal({ server: { executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' } } });
  await registerSearchAttributes(env.connection, 'default');
  bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger() });
});
afterAll(async () => {
  await env?.teardown();
});
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (ms: number) => new Date(ms).toISOString();
const SECONDS = (s: number) => ({ minutes: s / 60 });

/** The request on its own task queue; each `run` is one worker's lifetime (no sticky cache, so the next worker takes over at once). */
async function startRequest(start: RequestInput, fake: Fake) {
  const taskQueue = `late-${start.requestId}`;
  const run = async <T>(work: () => Promise<T>): Promise<T> =>
    (await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities, maxCachedWorkflows: 0 })).runUntil(work);
  const handle: Handle = await env.client.workflow.start(serviceRequest, { workflowId: start.requestId, taskQueue, args: [start] });
  return { handle, run };
}
async function until<T>(check: () => Promise<T>, ms = 15_000): Promise<T> {
  for (let waited = 0; ; waited += 100) {
    try {
      return await check();
    } catch (err) {
      if (waited >= ms) throw err;
      await pause(100);
    }
  }
}
const at = async (handle: Handle, stage: string, waitingFor?: string): Promise<RequestStatus> =>
  until(async () => {
    const s = await handle.query(statusQuery);
    if (s.stage !== stage || s.waitingFor !== waitingFor) throw new Error(`at ${s.stage}/${s.waitingFor}, want ${stage}/${waitingFor}`);
    return s;
  });
/** An update sent while no worker runs: it joins the task of the timers that fired meanwhile. */
async function sentWhileDown<T>(send: () => Promise<T>): Promise<{ answer: Promise<T> }> {
  const answer = send();
  answer.catch(() => undefined);
  await pause(500);
  return { answer };
}
const drained = (handle: Handle) => until(async () => expect((await handle.describe()).raw.pendingActivities ?? []).toHaveLength(0));

function repairPolicy(change: (p: Policy) => void): Policy {
  const p = policyCopy();
  change(p);
  return p;
}
const contactPolicy = (p: Policy) => p.kinds.fault_repair.clocks.find((c) => c.clock === 'contact')!;

describe('a stage recorded after its limit while no worker ran (R14, R20)', () => {
  it('R6: contact recorded 4 s after its 3-second limit, in the task its timers fired in, is a breach with one record and its alert', async () => {
    const policy = repairPolicy((p) => (contactPolicy(p).limit = SECONDS(3)));
    const fake = fakeActivities();
    const start = requestInput('fault_repair', Date.now(), {}, policy);
    const { handle, run } = await startRequest(start, fake);
    const reached = await run(() => at(handle, 'contact'));
    const deadline = clock(reached, 'contact').deadline!;
    await pause(Date.parse(deadline) - Date.now() + 4_000); // no worker across the deadline
    const { answer: contact } = await sentWhileDown(() => handle.executeUpdate(completeStageUpdate, { args: [{ actor: staff.tech, stage: 'contact', visitAt: iso(Date.now() + 3_600_000) }] }));
    const answer = await run(async () => {
      const a = await contact;
      await until(async () => expect(fake.calls.messages.filter((m) => m.key.startsWith(`${start.requestId}/contact/0/alert/`))).toHaveLength(1));
      await drained(handle);
      return a;
    });
    const c = clock(answer.status, 'contact');
    expect(c).toMatchObject({ state: 'met', onTime: false, breachedAt: deadline });
    expect(Date.parse(c.endedAt!)).toBeGreaterThan(Date.parse(deadline));
    expect(answer.status.breaches.map((b) => `${b.clock}/${b.rule}`)).toEqual(['contact/R6']);
    expect(answer.events.filter((e) => e.stage === 'contact' && ['breached', 'stage_done'].includes(e.type)).map((e) => `${e.type}/${e.onTime}`)).toEqual(['breached/false', 'stage_done/false']);
    expect(breachRecords(fake).map((b) => `${b.clock}/${b.cycle}`)).toEqual(['contact/0']);
    expect(ladder(fake).filter((s) => s.startsWith('contact:L'))).toEqual(['contact:L1']);
    if (process.env.RECORD_HISTORIES === '1') {
      writeFileSync(path.join(__dirname, '..', '..', 'histories', 'contact-recorded-late-while-no-worker.json'), historyToJson(await handle.fetchHistory()));
    }
    await handle.terminate('test finished');
  });

  it('R6: contact recorded after its limit and its level-2 time takes both levels once, with one record', async () => {
    const policy = repairPolicy((p) => {
      contactPolicy(p).limit = SECONDS(2);
      contactPolicy(p).ladder[1].afterHours = 2 / 3600; // level 2 two seconds after the deadline
    });
    const fake = fakeActivities();
    const start = requestInput('fault_repair', Date.now(), {}, policy);
    const { handle, run } = await startRequest(start, fake);
    const reached = await run(() => at(handle, 'contact'));
    await pause(Date.parse(clock(reached, 'contact').deadline!) - Date.now() + 5_000);
    const { answer: contact } = await sentWhileDown(() => handle.executeUpdate(completeStageUpdate, { args: [{ actor: staff.tech, stage: 'contact', visitAt: iso(Date.now() + 3_600_000) }] }));
    await run(async () => {
      expect(clock((await contact).status, 'contact')).toMatchObject({ state: 'met', onTime: false });
      await until(async () => expect(fake.calls.messages.filter((m) => m.key.includes('/contact/0/L2/alert/'))).toHaveLength(1));
      await drained(handle);
    });
    expect(ladder(fake).filter((x) => x.startsWith('contact:L'))).toEqual(['contact:L1', 'contact:L2']);
    expect(breachRecords(fake)).toHaveLength(1);
    await handle.terminate('test finished');
  });

  it('R7: a postponement that reaches the request after its limit passed is refused, changes nothing, and the breach is recorded', async () => {
    const policy = repairPolicy((p) => (p.kinds.fault_repair.clocks.find((c) => c.clock === 'resolution')!.limit = SECONDS(3)));
    const fake = fakeActivities();
    const start = requestInput('fault_repair', Date.now(), {}, policy);
    const { handle, run } = await startRequest(start, fake);
    const reached = await run(() => at(handle, 'contact'));
    const deadline = clock(reached, 'resolution').deadline!;
    await pause(Date.parse(deadline) - Date.now() + 3_000);
    const { answer: asked } = await sentWhileDown(() => handle.executeUpdate(postponeUpdate, { args: [{ actor: staff.agent, clock: 'resolution', until: iso(Date.now() + 7_200_000), reason: 'Customer away' }] }));
    const [refused, after] = await run(async () => {
      const r = await refusal(asked);
      const s = await until(async () => {
        const x = await handle.query(statusQuery);
        expect(x.breaches.map((b) => b.clock)).toEqual(['resolution']);
        return x;
      });
      await drained(handle);
      return [r, s] as const;
    });
    expect(refused.type).toBe('ActionNotAllowed');
    expect(refused.message).toMatch(/resolution limit \(R8\) (passed|was already missed)/);
    expect(after.postponements).toEqual([]);
    expect(clock(after, 'resolution').deadline).toBe(deadline);
    expect(breachRecords(fake)).toHaveLength(1);
    await handle.terminate('test finished');
  });
});

describe('R12 written report and lapsed paperwork', () => {
  it('R12: a report filed after it was due, while no worker ran, is a breach against the reporter, once', async () => {
    const policy = policyCopy();
    policy.clock.unreachableReportHours = 3 / 3600;
    const fake = fakeActivities();
    const start = requestInput('complaint', Date.now(), {}, policy);
    const { handle, run } = await startRequest(start, fake);
    const closed = await run(async () => {
      await at(handle, 'response');
      const t = Date.now();
      const r = await handle.executeUpdate(reportUnreachableUpdate, { args: [{ actor: staff.agent, attempts: [iso(t - 60_000), iso(t)], reason: 'Phone off' }] });
      await drained(handle);
      return r.status;
    });
    await pause(Date.parse(closed.unreachable[0].reportDueAt) - Date.now() + 3_000);
    const { answer: filed } = await sentWhileDown(() => handle.executeUpdate(fileUnreachableReportUpdate, { args: [{ actor: staff.agent, report: 'Called twice, phone off' }] }));
    const final = await run(async () => {
      await filed;
      return handle.result();
    });
    expect(final.breaches.map((b) => `${b.clock}/${b.rule}`)).toEqual(['unreachable_report/R12']);
    expect(final.unreachable[0].reportFiledAt).toBeDefined();
    expect(breachRecords(fake)).toEqual([expect.objectContaining({ clock: 'unreachable_report', responsibleStaffId: 'agent-1' })]);
  });

  it('R12: paperwork completed after paperworkLimitHours, while no worker ran, is refused; the request lapses', async () => {
    const policy = policyCopy();
    policy.kinds.reconnection.paperworkLimitHours = 3 / 3600;
    const fake = fakeActivities();
    const start = requestInput('reconnection', Date.now(), { paperwork: { complete: false, missingItems: ['Arrears receipt'] } }, policy);
    const { handle, run } = await startRequest(start, fake);
    await run(() => at(handle, 'dispatch', 'paperwork'));
    await pause(Date.parse(start.receivedAt) + 3_000 - Date.now() + 3_000);
    const { answer: late } = await sentWhileDown(() => handle.executeUpdate(recordPaperworkUpdate, { args: [{ actor: staff.agent, complete: true, missingItems: [] }] }));
    const [refused, after] = await run(async () => {
      const r = await refusal(late);
      const s = await until(async () => {
        const x = await handle.query(statusQuery);
        expect(x.outcome).toBe('paperwork_lapsed');
        return x;
      });
      await drained(handle);
      return [r, s] as const;
    });
    expect(refused.message).toMatch(/lapsed/);
    expect(after.paperwork.complete).toBe(false);
    expect(fake.calls.dispatches).toEqual([]);
    await handle.terminate('test finished').catch(() => undefined);
  });
});
