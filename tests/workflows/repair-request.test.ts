/**
 * Time-skipping tests of the repair-on-report workflow: every stage met in time and every stage
 * breached (R4, R6, R8, R16), extensions approved and rejected (R13), a callback that reopens
 * (R17), and refusals of actions the state does not allow. Activities are mocked here; the real
 * ones are tested against PostgreSQL in tests/integration.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BreachNotice, ClosingNotice, DispatchJob, RoleNotice, ServiceActivities } from '../../activities/types';
import { loadPolicy } from '../../config/policy';
import { HOUR_MS, MINUTE_MS } from '../../domain/policy';
import type { AssignedTechnician, RepairRequestInput, RequestStatus, TimelineEvent } from '../../domain/request';
import {
  decideExtensionUpdate,
  dispatchManuallyUpdate,
  postponeRepairUpdate,
  recordArrivalUpdate,
  recordCallbackUpdate,
  recordContactUpdate,
  recordResolutionUpdate,
  requestExtensionUpdate,
  statusQuery,
} from '../../workflows/messages';
import { repairRequest } from '../../workflows/repair-request';
import { repairInput } from '../support/fixtures';
import { historyToJson } from '../support/histories';
import { testServerExecutable } from '../support/temporal';
import { registerSearchAttributes } from '../../worker/search-attributes';
import { WORKFLOWS_PATH } from '../../worker/workflows-path';

const TECH: AssignedTechnician = { staffId: 'tech-north-1', name: 'Zhang San', phone: '13900000001' };
const OTHER_TECH: AssignedTechnician = { staffId: 'tech-north-2', name: 'Wang Wu', phone: '13900000002' };

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  // Retries of the mocked activities are expected here; keep the SDK's warnings out of the output.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testServerExecutable() } });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger() });
});

afterAll(async () => {
  await env?.teardown();
});

function quietLogger() {
  const noop = () => undefined;
  return { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
}

/** Mocked activities that record what the workflow asked for. */
function fakeActivities(options: { onDuty?: boolean } = {}) {
  const calls = {
    events: [] as TimelineEvent[],
    snapshots: [] as RequestStatus[],
    autoDispatches: [] as DispatchJob[],
    manualDispatches: [] as string[],
    escalations: [] as BreachNotice[],
    closingNotices: [] as ClosingNotice[],
    warnings: [] as RoleNotice[],
  };
  const activities: Omit<ServiceActivities, 'recordServiceProgress' | 'workingDeadline'> = {
    async recordProgress(snapshot, events) {
      calls.snapshots.push(snapshot);
      calls.events.push(...events);
    },
    async dispatchToOnDutyTechnician(job) {
      calls.autoDispatches.push(job);
      if (options.onDuty === false) {
        throw ApplicationFailure.retryable('No technician is on duty in region north', 'NoTechnicianOnDuty');
      }
      return TECH;
    },
    async dispatchToTechnician({ technicianId }) {
      calls.manualDispatches.push(technicianId);
      if (technicianId !== OTHER_TECH.staffId) {
        throw ApplicationFailure.nonRetryable(`No technician with staff id ${technicianId}`, 'UnknownTechnician');
      }
      return OTHER_TECH;
    },
    async escalateBreach(notice) {
      calls.escalations.push(notice);
      return { accountabilityRecordId: calls.escalations.length, responsibleStaffId: notice.technicianId ?? 'cm-north', alerted: ['leader'] };
    },
    async notifyFirstContact(notice) {
      calls.closingNotices.push(notice);
    },
    async notifyRoles(notice) {
      calls.warnings.push(notice);
      return notice.staffIds ?? notice.roles;
    },
  };
  return { activities, calls };
}

type Handle = WorkflowHandle<typeof repairRequest>;

/** Bump when the workflow changes behind a new patch; older recordings stay and keep replaying. */
const HISTORY_VERSION = 'v2';

/** Starts a request on a fresh worker and runs the scenario while the worker runs. */
async function scenario(
  input: RepairRequestInput,
  fake: ReturnType<typeof fakeActivities>,
  body: (handle: Handle) => Promise<void>,
  /** With RECORD_HISTORIES=1, the run's history is saved as tests/histories/<name>.json for replay tests. */
  recordAs?: string,
): Promise<void> {
  const taskQueue = `test-${input.requestId}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: fake.activities,
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(repairRequest, { workflowId: input.requestId, taskQueue, args: [input] });
    try {
      await body(handle);
      if (recordAs && process.env.RECORD_HISTORIES === '1') {
        writeFileSync(path.join(__dirname, '..', 'histories', `${HISTORY_VERSION}-${recordAs}.json`), historyToJson(await handle.fetchHistory()));
      }
    } finally {
      // A run left open would fire timers with no worker polling, and the test server does not
      // skip time while a workflow task waits: end it so later tests can skip time.
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') await handle.terminate('scenario finished');
    }
  });
}

const status = (handle: Handle) => handle.query(statusQuery);
async function untilStage(handle: Handle, stage: RequestStatus['stage']): Promise<RequestStatus> {
  return vi.waitFor(
    async () => {
      const current = await status(handle);
      if (current.stage !== stage) throw new Error(`stage is ${current.stage}, waiting for ${stage}`);
      return current;
    },
    { timeout: 20_000, interval: 50 },
  );
}
async function untilEscalations(fake: ReturnType<typeof fakeActivities>, count: number): Promise<void> {
  await vi.waitFor(() => expect(fake.calls.escalations).toHaveLength(count), { timeout: 20_000, interval: 50 });
}

/** Walks a dispatched request through contact and arrival, on time. */
async function contactAndArrive(handle: Handle, visitInMs = HOUR_MS): Promise<void> {
  await untilStage(handle, 'contact');
  const now = await env.currentTimeMs();
  await handle.executeUpdate(recordContactUpdate, { args: [{ technicianId: TECH.staffId, visitAt: new Date(now + visitInMs).toISOString() }] });
  await handle.executeUpdate(recordArrivalUpdate, { args: [{ technicianId: TECH.staffId }] });
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((err as WorkflowUpdateFailedError).cause as Error).message;
}

describe('repair on report, every stage on time', () => {
  it('dispatches, records contact, arrival, resolution and callback, closes with no breach and a compact history', async () => {
    const fake = fakeActivities();
    const input = repairInput();
    await scenario(input, fake, async (handle) => {
      await contactAndArrive(handle);
      await env.sleep(2 * HOUR_MS);
      await handle.executeUpdate(recordResolutionUpdate, { args: [{ technicianId: TECH.staffId, note: 'Replaced the splitter' }] });
      const atCallback = await untilStage(handle, 'callback');
      expect(Date.parse(atCallback.deadlines.callback!) - Date.parse(atCallback.resolvedAt!)).toBe(72 * HOUR_MS);
      await handle.executeUpdate(recordCallbackUpdate, { args: [{ agentId: 'agent-2', satisfaction: 5, faultResolved: true }] });

      const final = await handle.result();
      expect(final.stage).toBe('closed');
      expect(final.breaches).toEqual([]);
      expect(fake.calls.escalations).toEqual([]);
      expect(fake.calls.autoDispatches).toHaveLength(1);
      expect(fake.calls.autoDispatches[0].text).toContain(input.customer.address);
      expect(fake.calls.autoDispatches[0].text).toContain(input.customer.phone);
      expect(fake.calls.autoDispatches[0].text).toContain(input.faultDescription);

      const types = fake.calls.events.map((e) => e.type);
      expect(types).toEqual(['received', 'dispatched', 'contacted', 'arrived', 'resolved', 'callback_recorded', 'closed']);
      expect(fake.calls.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(fake.calls.events.filter((e) => e.onTime !== undefined).every((e) => e.onTime)).toBe(true);
      expect(fake.calls.snapshots.at(-1)?.stage).toBe('closed');
      // R1: the agent who took the call is told it closed.
      expect(fake.calls.closingNotices).toEqual([
        { requestId: input.requestId, firstContactStaffId: input.firstContactStaffId, summary: 'every limit met' },
      ]);

      const history = await handle.fetchHistory();
      const eventCount = history.events?.length ?? 0;
      console.log(`on-time lifecycle history: ${eventCount} events`);
      expect(eventCount).toBeLessThan(80);
    }, 'on-time-lifecycle');
  });

  it('starts the resolution clock at 72 hours for a major fault (R8)', async () => {
    const fake = fakeActivities();
    const input = repairInput({ severity: 'major' });
    await scenario(input, fake, async (handle) => {
      const s = await untilStage(handle, 'contact');
      expect(Date.parse(s.deadlines.resolution!) - Date.parse(s.receivedAt)).toBe(72 * HOUR_MS);
      await contactAndArrive(handle);
      await env.sleep(48 * HOUR_MS);
      expect((await status(handle)).breaches).toEqual([]);
      await env.sleep(25 * HOUR_MS);
      await untilEscalations(fake, 1);
      expect(fake.calls.escalations[0]).toMatchObject({ stage: 'resolution', rule: 'R8' });
    });
  });

  it('closes right after resolution when the request is not sampled for a callback (R16 share)', async () => {
    const fake = fakeActivities();
    await scenario(repairInput({}, { callbackShare: 0 }), fake, async (handle) => {
      await contactAndArrive(handle);
      await handle.executeUpdate(recordResolutionUpdate, { args: [{ technicianId: TECH.staffId }] });
      const final = await handle.result();
      expect(final.callbackDue).toBe(false);
      expect(fake.calls.events.map((e) => e.type)).not.toContain('callback_recorded');
    });
  });
});

describe('each stage breached', () => {
  it('dispatch (R4): nobody on duty for 3 minutes alerts once, then an agent dispatches by hand', async () => {
    const fake = fakeActivities({ onDuty: false });
    await scenario(repairInput(), fake, async (handle) => {
      await env.sleep(2 * MINUTE_MS);
      expect(fake.calls.escalations).toEqual([]);
      await env.sleep(MINUTE_MS + 1000);
      await untilEscalations(fake, 1);
      expect(fake.calls.escalations[0]).toMatchObject({ stage: 'dispatch', rule: 'R4', cycle: 0 });
      expect(fake.calls.autoDispatches.length).toBeGreaterThan(1); // dispatch keeps trying

      const message = await rejection(
        handle.executeUpdate(dispatchManuallyUpdate, { args: [{ agentId: 'agent-1', technicianId: 'nobody' }] }),
      );
      expect(message).toContain('No technician with staff id nobody');
      expect((await status(handle)).stage).toBe('dispatch');

      const after = await handle.executeUpdate(dispatchManuallyUpdate, { args: [{ agentId: 'agent-1', technicianId: OTHER_TECH.staffId }] });
      expect(after.technician).toEqual(OTHER_TECH);
      const s = await untilStage(handle, 'contact');
      expect(s.breaches.map((b) => b.stage)).toEqual(['dispatch']);
      await env.sleep(10 * MINUTE_MS);
      expect(fake.calls.escalations).toHaveLength(1);
      const dispatched = fake.calls.events.find((e) => e.type === 'dispatched');
      expect(dispatched).toMatchObject({ actor: 'agent-1', onTime: false });
    }, 'dispatch-breach-manual-dispatch');
  });

  it('contact (R6): no contact within 20 minutes of dispatch alerts against the technician', async () => {
    const fake = fakeActivities();
    await scenario(repairInput(), fake, async (handle) => {
      await untilStage(handle, 'contact');
      await env.sleep(19 * MINUTE_MS);
      expect(fake.calls.escalations).toEqual([]);
      await env.sleep(2 * MINUTE_MS);
      await untilEscalations(fake, 1);
      expect(fake.calls.escalations[0]).toMatchObject({ stage: 'contact', rule: 'R6', technicianId: TECH.staffId });
      const now = await env.currentTimeMs();
      const late = await handle.executeUpdate(recordContactUpdate, {
        args: [{ technicianId: TECH.staffId, visitAt: new Date(now + HOUR_MS).toISOString() }],
      });
      expect(late.stage).toBe('arrival'); // the update answers with the request already moved on
      await untilStage(handle, 'arrival');
      expect(fake.calls.events.find((e) => e.type === 'contacted')?.onTime).toBe(false);
    });
  });

  it('arrival (R6): not there by the visit time plus 30 minutes grace', async () => {
    const fake = fakeActivities();
    await scenario(repairInput(), fake, async (handle) => {
      await untilStage(handle, 'contact');
      const now = await env.currentTimeMs();
      await handle.executeUpdate(recordContactUpdate, { args: [{ technicianId: TECH.staffId, visitAt: new Date(now + HOUR_MS).toISOString() }] });
      await env.sleep(HOUR_MS + 29 * MINUTE_MS);
      expect(fake.calls.escalations).toEqual([]);
      await env.sleep(2 * MINUTE_MS);
      await untilEscalations(fake, 1);
      expect(fake.calls.escalations[0]).toMatchObject({ stage: 'arrival', rule: 'R6', technicianId: TECH.staffId });
    });
  });

  it('resolution (R8): a general fault still open after 24 hours alerts once', async () => {
    const fake = fakeActivities();
    await scenario(repairInput(), fake, async (handle) => {
      await contactAndArrive(handle);
      await env.sleep(23 * HOUR_MS);
      expect(fake.calls.escalations).toEqual([]);
      await env.sleep(2 * HOUR_MS);
      await untilEscalations(fake, 1);
      expect(fake.calls.escalations[0]).toMatchObject({ stage: 'resolution', rule: 'R8', cycle: 0 });
      const s = await status(handle);
      expect(s.breaches).toHaveLength(1);
      await env.sleep(48 * HOUR_MS);
      expect(fake.calls.escalations).toHaveLength(1);
    });
  });

  it('callback (R16): no callback within 72 hours of the resolution', async () => {
    const fake = fakeActivities();
    await scenario(repairInput(), fake, async (handle) => {
      await contactAndArrive(handle);
      await handle.executeUpdate(recordResolutionUpdate, { args: [{ technicianId: TECH.staffId }] });
      await untilStage(handle, 'callback');
      await env.sleep(71 * HOUR_MS);
      expect(fake.calls.escalations).toEqual([]);
      await env.sleep(2 * HOUR_MS);
      await untilEscalations(fake, 1);
      expect(fake.calls.escalations[0]).toMatchObject({ stage: 'callback', rule: 'R16' });
      await handle.executeUpdate(recordCallbackUpdate, { args: [{ agentId: 'agent-2', satisfaction: 3, faultResolved: true }] });
      const final = await handle.result();
      expect(final.breaches.map((b) => b.stage)).toEqual(['callback']);
      expect(fake.calls.closingNotices.map((n) => n.summary)).toEqual(['limits missed: callback (R16)']);
    });
  });
});

describe('extensions (R13)', () => {
  it('an approved extension moves the deadline and nothing is held against the old one', async () => {
    const fake = fakeActivities();
    await scenario(repairInput(), fake, async (handle) => {
      await contactAndArrive(handle);
      const s = await status(handle);
      const newDeadline = new Date(Date.parse(s.deadlines.resolution!) + 24 * HOUR_MS).toISOString();
      await handle.executeUpdate(requestExtensionUpdate, { args: [{ technicianId: TECH.staffId, newDeadline, reason: 'Part on order' }] });
      const approved = await handle.executeUpdate(decideExtensionUpdate, { args: [{ managerId: 'cm-north', approve: true }] });
      expect(approved.deadlines.resolution).toBe(newDeadline);
      expect(approved.nextDeadline).toBe(newDeadline);
      await env.sleep(30 * HOUR_MS); // past the old 24-hour deadline
      expect(fake.calls.escalations).toEqual([]);
      await env.sleep(20 * HOUR_MS); // past the new one
      await untilEscalations(fake, 1);
      expect(fake.calls.escalations[0]).toMatchObject({ stage: 'resolution', deadline: newDeadline });
    }, 'extension-approved-then-breach');
  });

  it('a rejected extension leaves the deadline, which then breaches', async () => {
    const fake = fakeActivities();
    await scenario(repairInput(), fake, async (handle) => {
      await contactAndArrive(handle);
      const s = await status(handle);
      const newDeadline = new Date(Date.parse(s.deadlines.resolution!) + 24 * HOUR_MS).toISOString();
      await handle.executeUpdate(requestExtensionUpdate, { args: [{ technicianId: TECH.staffId, newDeadline, reason: 'Busy' }] });
      const rejected = await handle.executeUpdate(decideExtensionUpdate, { args: [{ managerId: 'cm-north', approve: false, note: 'Not a reason' }] });
      expect(rejected.deadlines.resolution).toBe(s.deadlines.resolution);
      expect(rejected.extensions).toMatchObject([{ approved: false, decidedBy: 'cm-north' }]);
      await env.sleep(25 * HOUR_MS);
      await untilEscalations(fake, 1);
      expect(fake.calls.escalations[0]).toMatchObject({ stage: 'resolution', deadline: s.deadlines.resolution });
    });
  });
});

describe('customer postponement (R7)', () => {
  it('moves the resolution deadline with no breach, and counts it', async () => {
    const fake = fakeActivities();
    await scenario(repairInput(), fake, async (handle) => {
      await contactAndArrive(handle);
      const s = await status(handle);
      const until = new Date(Date.parse(s.deadlines.resolution!) + 48 * HOUR_MS).toISOString();
      const moved = await handle.executeUpdate(postponeRepairUpdate, { args: [{ staffId: 'agent-1', until, reason: 'Customer travelling' }] });
      expect(moved.deadlines.resolution).toBe(until);
      expect(moved.postponements).toMatchObject([{ stage: 'resolution', from: s.deadlines.resolution, to: until }]);
      await env.sleep(30 * HOUR_MS);
      expect(fake.calls.escalations).toEqual([]);
      await env.sleep(48 * HOUR_MS);
      await untilEscalations(fake, 1);
      expect(fake.calls.escalations[0]).toMatchObject({ stage: 'resolution', deadline: until });
    });
  });
});

describe('postponement and extension together', () => {
  it('an approved extension never brings a postponed deadline forward (R7, R13)', async () => {
    const fake = fakeActivities();
    await scenario(repairInput(), fake, async (handle) => {
      await contactAndArrive(handle);
      const s = await status(handle);
      const asked = new Date(Date.parse(s.deadlines.resolution!) + 24 * HOUR_MS).toISOString();
      const postponed = new Date(Date.parse(s.deadlines.resolution!) + 48 * HOUR_MS).toISOString();
      await handle.executeUpdate(requestExtensionUpdate, { args: [{ technicianId: TECH.staffId, newDeadline: asked, reason: 'Part on order' }] });
      await handle.executeUpdate(postponeRepairUpdate, { args: [{ staffId: 'agent-1', until: postponed, reason: 'Customer away' }] });
      const approved = await handle.executeUpdate(decideExtensionUpdate, { args: [{ managerId: 'cm-north', approve: true }] });
      expect(approved.deadlines.resolution).toBe(postponed);
    });
  });
});

describe('callback that reopens (R17)', () => {
  it('a fault that is not gone reopens resolution with a fresh deadline, then closes on a good callback', async () => {
    const fake = fakeActivities();
    await scenario(repairInput(), fake, async (handle) => {
      await contactAndArrive(handle);
      await handle.executeUpdate(recordResolutionUpdate, { args: [{ technicianId: TECH.staffId }] });
      await untilStage(handle, 'callback');
      await env.sleep(10 * HOUR_MS);
      await handle.executeUpdate(recordCallbackUpdate, { args: [{ agentId: 'agent-2', satisfaction: 1, faultResolved: false }] });
      const reopened = await untilStage(handle, 'resolution');
      const now = await env.currentTimeMs();
      expect(reopened.cycle).toBe(1);
      expect(Date.parse(reopened.deadlines.resolution!) - now).toBeGreaterThan(23 * HOUR_MS);
      expect(Date.parse(reopened.deadlines.resolution!) - now).toBeLessThanOrEqual(24 * HOUR_MS);

      await handle.executeUpdate(recordResolutionUpdate, { args: [{ technicianId: TECH.staffId, note: 'Amplifier replaced' }] });
      await untilStage(handle, 'callback');
      await handle.executeUpdate(recordCallbackUpdate, { args: [{ agentId: 'agent-2', satisfaction: 4, faultResolved: true }] });
      const final = await handle.result();
      expect(final.stage).toBe('closed');
      expect(final.breaches).toEqual([]);
      expect(fake.calls.events.map((e) => e.type)).toEqual([
        'received', 'dispatched', 'contacted', 'arrived', 'resolved', 'callback_recorded', 'reopened',
        'resolved', 'callback_recorded', 'closed',
      ]);
    }, 'callback-reopens');
  });
});

describe('actions the state does not allow', () => {
  it('refuses contact before dispatch, a stranger technician, an undecided-nothing and a closed request, changing nothing', async () => {
    const fake = fakeActivities({ onDuty: false });
    await scenario(repairInput({}, { callbackShare: 0 }), fake, async (handle) => {
      const visitAt = new Date((await env.currentTimeMs()) + HOUR_MS).toISOString();
      expect(await rejection(handle.executeUpdate(recordContactUpdate, { args: [{ technicianId: TECH.staffId, visitAt }] }))).toMatch(
        /has not been dispatched/,
      );
      expect(await rejection(handle.executeUpdate(decideExtensionUpdate, { args: [{ managerId: 'cm-north', approve: true }] }))).toMatch(
        /No extension has been requested/,
      );
      await handle.executeUpdate(dispatchManuallyUpdate, { args: [{ agentId: 'agent-1', technicianId: OTHER_TECH.staffId }] });
      await untilStage(handle, 'contact');
      expect(await rejection(handle.executeUpdate(recordContactUpdate, { args: [{ technicianId: TECH.staffId, visitAt }] }))).toMatch(
        /not assigned/,
      );
      expect(await rejection(handle.executeUpdate(recordArrivalUpdate, { args: [{ technicianId: OTHER_TECH.staffId }] }))).toMatch(
        /only possible at stage "arrival"/,
      );
      const before = await status(handle);
      expect(before.visitAt).toBeUndefined();
      expect(before.stage).toBe('contact');
      const eventsBefore = fake.calls.events.length;

      await handle.executeUpdate(recordContactUpdate, { args: [{ technicianId: OTHER_TECH.staffId, visitAt }] });
      await handle.executeUpdate(recordArrivalUpdate, { args: [{ technicianId: OTHER_TECH.staffId }] });
      await handle.executeUpdate(recordResolutionUpdate, { args: [{ technicianId: OTHER_TECH.staffId }] });
      await handle.result();
      expect(fake.calls.events.length).toBe(eventsBefore + 4);
      const closedResolve = handle.executeUpdate(recordResolutionUpdate, { args: [{ technicianId: OTHER_TECH.staffId }] });
      await expect(closedResolve).rejects.toThrow();
    });
  });
});

describe('the escalation ladder of each stage (policy file)', () => {
  const ladders = loadPolicy().faultRepair.ladders;

  it('warns the technician at 80 % of the contact limit, escalates at breach and an hour later, each once', async () => {
    const fake = fakeActivities();
    await scenario(repairInput({}, { ladders }), fake, async (handle) => {
      await untilStage(handle, 'contact');
      await env.sleep(15 * MINUTE_MS);
      expect(fake.calls.warnings).toEqual([]);
      await env.sleep(2 * MINUTE_MS); // 16 of 20 minutes
      await vi.waitFor(() => expect(fake.calls.warnings.map((w) => w.key.split('/').slice(1).join('/'))).toEqual(['contact/0/warning']), { timeout: 20_000, interval: 50 });
      expect(fake.calls.warnings[0]).toMatchObject({ roles: [], staffIds: [TECH.staffId] });
      expect(fake.calls.escalations).toEqual([]);
      await env.sleep(4 * MINUTE_MS);
      await untilEscalations(fake, 1);
      expect(fake.calls.escalations[0]).toMatchObject({ stage: 'contact', level: 1, alert: ['customer_manager'], technicianId: TECH.staffId });
      await env.sleep(HOUR_MS);
      await untilEscalations(fake, 2);
      expect(fake.calls.escalations[1]).toMatchObject({ stage: 'contact', level: 2, alert: ['branch_leader'] });
      await env.sleep(5 * HOUR_MS);
      expect(fake.calls.escalations).toHaveLength(2);
      expect((await status(handle)).breaches.map((b) => b.stage)).toEqual(['contact']);
    });
  });

  it('stops the ladder as soon as the stage is met', async () => {
    const fake = fakeActivities();
    await scenario(repairInput({}, { ladders }), fake, async (handle) => {
      await contactAndArrive(handle);
      await env.sleep(20 * HOUR_MS); // past the warning at 19.2 h of the 24-hour resolution limit
      await vi.waitFor(() => expect(fake.calls.warnings.map((w) => w.key.split('/')[1])).toContain('resolution'), { timeout: 20_000, interval: 50 });
      await handle.executeUpdate(recordResolutionUpdate, { args: [{ technicianId: TECH.staffId }] });
      await untilStage(handle, 'callback');
      await env.sleep(48 * HOUR_MS);
      expect(fake.calls.escalations).toEqual([]);
      await handle.executeUpdate(recordCallbackUpdate, { args: [{ agentId: 'agent-2', satisfaction: 5, faultResolved: true }] });
      const final = await handle.result();
      expect(final.breaches).toEqual([]);
      expect(fake.calls.events.filter((e) => e.type === 'warned').map((e) => e.stage)).toEqual(['resolution']); // the callback came before its 57.6-hour warning
    }, 'ladder-resolution-warning-then-met');
  });

  it('keeps the on-time lifecycle compact with ladders', async () => {
    const fake = fakeActivities();
    await scenario(repairInput({}, { ladders }), fake, async (handle) => {
      await contactAndArrive(handle);
      await handle.executeUpdate(recordResolutionUpdate, { args: [{ technicianId: TECH.staffId }] });
      await untilStage(handle, 'callback');
      await handle.executeUpdate(recordCallbackUpdate, { args: [{ agentId: 'agent-2', satisfaction: 5, faultResolved: true }] });
      await handle.result();
      const eventCount = (await handle.fetchHistory()).events?.length ?? 0;
      console.log(`on-time lifecycle history with ladders: ${eventCount} events`);
      expect(eventCount).toBeLessThan(80);
      expect(fake.calls.warnings).toEqual([]);
    }, 'ladder-on-time-lifecycle');
  });
});
