/**
 * Helpers for the stage engine's time-skipping tests: one test server per file, the workflow
 * bundle, inputs of every kind (with the intake working-day deadlines the API would compute),
 * and fake activities that record every call. Activities are the only thing mocked.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach, expect, vi } from 'vitest';
import type { DispatchAsk, DispatchOutcome, OutgoingMessage, RecordStep, ServiceActivities, StepOutcome } from '../../activities/types';
import { loadCalendar, loadPolicy } from '../../config/policy';
import { intakeWorkingDayClocks } from '../../domain/clocks';
import type { RequestKind, StaffRole } from '../../domain/kinds';
import { snapshotFor, type Policy } from '../../domain/policy';
import type { Actor, AssignedTechnician, RequestInput, RequestStatus, TimelineEvent } from '../../domain/request';
import { addWorkingDays } from '../../domain/working-days';
import { ensureTemporalBinaries } from '../../scripts/temporal-binaries';
import { registerSearchAttributes } from '../../worker/search-attributes';
import { WORKFLOWS_PATH } from '../../worker/workflows-path';
import { statusQuery } from '../../workflows/messages';
import { serviceRequest } from '../../workflows/service-request';
import { testServerExecutable } from './temporal';
import { historyToJson } from './histories';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
/**
 * The shipped calendar plus test-only years (weekends only) after it: the time-skipping server's
 * clock moves months ahead over a file, and a deadline in a year without data would be
 * provisional (rechecked daily), which these tests do not mean to exercise.
 */
const shipped = loadCalendar();
export const calendar = {
  ...shipped,
  years: { ...shipped.years, ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => 2027 + i).map((y) => [String(y), { source: 'test-only: weekends only', holidays: [], makeUpWorkdays: [] }])) },
};
export const defaultPolicy: Policy = loadPolicy();
/** A copy of the policy to change for one test. */
export const policyCopy = (): Policy => structuredClone(defaultPolicy);

export const TECH: AssignedTechnician = { staffId: 'tech-north-1', name: 'Zhang San', phone: '13900000001' };
export const OTHER_TECH: AssignedTechnician = { staffId: 'tech-north-2', name: 'Wang Wu', phone: '13900000002' };
export const TECHS: Record<string, AssignedTechnician> = { [TECH.staffId]: TECH, [OTHER_TECH.staffId]: OTHER_TECH };

/** Staff as the API authenticates them. */
const person = (id: string, role: StaffRole, regionId: string | null, leads: Actor['leads'] = []): Actor => ({ id, role, regionId, branchId: 'city', leads });
export const staff = {
  agent: person('agent-1', 'agent', null),
  agent2: person('agent-2', 'agent', null),
  ccLeader: person('cc-leader-1', 'call_centre_leader', null),
  tech: person('tech-north-1', 'technician', 'north'),
  tech2: person('tech-north-2', 'technician', 'north'),
  cmNorth: person('cm-north', 'customer_manager', 'north', ['north']),
  cmSouth: person('cm-south', 'customer_manager', 'south', ['south']),
  branchLeader: person('leader-city', 'branch_leader', null, ['north', 'south']),
  companyLeader: person('leader-company', 'company_leader', null, 'all'),
};

let counter = 0;
export function uniqueRequestId(): string {
  counter += 1;
  return `SR-20261121-${String(process.pid % 1000).padStart(3, '0')}${String(counter).padStart(3, '0')}`;
}

// ---- The environment: one time-skipping server and one bundle per test file.
export interface Engine {
  env: TestWorkflowEnvironment;
  bundle: WorkflowBundleWithSourceMap;
  /** A fresh time-skipping server for the next test (call in beforeEach); the bundle is kept. */
  renew(): Promise<void>;
}
export const quietLogger = () => {
  const noop = () => undefined;
  return { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
};
export async function startEngine(): Promise<Engine> {
  ensureTemporalBinaries(() => undefined);
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed already in this process
  }
  const server = async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testServerExecutable() } });
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
    return env;
  };
  const engine: Engine = {
    env: await server(),
    bundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger() }),
    async renew() {
      await engine.env.teardown().catch(() => undefined);
      engine.env = await server();
    },
  };
  return engine;
}

/**
 * A test file's engine: one workflow bundle for the file, and each test on its own time-skipping
 * server, so no test's leftovers (a run ended while its worker held a task) can stop another's time.
 */
export function useEngine(): Engine {
  let inner: Engine;
  beforeAll(async () => {
    inner = await startEngine();
  });
  beforeEach(async () => {
    await inner.renew();
  });
  afterAll(async () => {
    await inner?.env.teardown();
  });
  return {
    get env() {
      return inner.env;
    },
    get bundle() {
      return inner.bundle;
    },
    renew: () => inner.renew(),
  };
}

// ---- Inputs
export function requestInput(kind: RequestKind, receivedMs: number, overrides: Partial<RequestInput> = {}, policy: Policy = defaultPolicy): RequestInput {
  const snapshot = snapshotFor(policy, kind);
  const paperwork = overrides.paperwork ?? { complete: true, missingItems: [] };
  const complete = !snapshot.kindPolicy.needsPaperwork || paperwork.complete;
  const intakeDeadlines = Object.fromEntries(
    intakeWorkingDayClocks(snapshot, complete).map((c) => {
      const limit = 'bySeverity' in c.limit ? c.limit.bySeverity.general : c.limit;
      const d = addWorkingDays(receivedMs, 'workingDays' in limit ? limit.workingDays : 1, calendar, { utcOffsetMinutes: policy.clock.utcOffsetMinutes, cutoff: policy.clock.workingDayCutoff });
      return [c.clock, { deadline: d.deadline, provisional: d.provisional }];
    }),
  );
  return {
    requestId: uniqueRequestId(),
    kind,
    ...(kind === 'fault_repair' && { severity: 'general' as const }),
    customer: { name: 'Li Wei', phone: '13800000001', address: '12 Renmin Road, Flat 301' },
    regionId: 'north',
    description: 'No signal on all channels',
    firstContactStaffId: 'agent-1',
    receivedAt: new Date(receivedMs).toISOString(),
    paperwork,
    policy: snapshot,
    intakeDeadlines,
    ...overrides,
  };
}

// ---- Fake activities
/** Who holds a role in a region, as the records activity would resolve them. */
export const ROLE_HOLDERS: Partial<Record<StaffRole, string[]>> = {
  call_centre_leader: ['cc-leader-1', 'cc-leader-2'],
  customer_manager: ['cm-north'],
  branch_leader: ['leader-city'],
  company_leader: ['leader-company'],
};
const phoneOf = (id: string) => `139${String(id.length).padStart(8, '0')}`;

export interface FakeOptions {
  /** The roster dispatch: the default claims TECH at once. */
  roster?: (ask: DispatchAsk) => Promise<DispatchOutcome>;
  /** A dispatch by a person: the default claims the named technician. */
  byHand?: (ask: DispatchAsk) => Promise<DispatchOutcome>;
  /** sendMessage fails without retry (BadRecipient) for these staff ids. */
  badRecipients?: string[];
}

export function fakeActivities(options: FakeOptions = {}) {
  const calls = {
    steps: [] as RecordStep[],
    events: [] as TimelineEvent[],
    messages: [] as OutgoingMessage[],
    failedMessages: [] as OutgoingMessage[],
    dispatches: [] as DispatchAsk[],
    workingDeadlines: 0,
    /** Rounds closed by the request closing (closeRound). */
    closedRounds: [] as number[],
  };
  // Dispatch rounds as the database keeps them: the first claim wins; a closed round is nobody's.
  const claims = new Map<number, { technician: AssignedTechnician | null; claimedBy: string }>();
  const claim = (ask: DispatchAsk): DispatchOutcome => {
    const technician = TECHS[ask.technicianId ?? TECH.staffId];
    if (!technician) throw ApplicationFailure.nonRetryable(`No technician with staff id ${ask.technicianId}`, 'UnknownTechnician');
    if (!claims.has(ask.round)) claims.set(ask.round, { technician, claimedBy: ask.actorId });
    const held = claims.get(ask.round)!;
    if (!held.technician) throw ApplicationFailure.nonRetryable(`request ${ask.requestId} closed before this dispatch`, 'RoundClosed');
    return { technician: held.technician, won: held.claimedBy === ask.actorId && held.technician.staffId === technician.staffId, claimedBy: held.claimedBy };
  };
  const activities: ServiceActivities = {
    async recordStep(step) {
      calls.steps.push(step);
      calls.events.push(...step.events);
      const ids = [...(step.notify?.roles ?? []).flatMap((r) => ROLE_HOLDERS[r] ?? [`${r}-north`]), ...(step.notify?.staffIds ?? [])];
      const out: StepOutcome = { recipients: ids.map((staffId) => ({ staffId, phone: phoneOf(staffId) })) };
      if (step.breach) {
        out.recordId = calls.steps.filter((s) => s.breach).length;
        out.responsibleStaffId = step.breach.responsibleStaffId ?? ROLE_HOLDERS[step.breach.responsibleRole!]?.[0];
      }
      return out;
    },
    async sendMessage(message) {
      if (options.badRecipients?.includes(message.to.staffId)) {
        calls.failedMessages.push(message);
        throw ApplicationFailure.nonRetryable(`The number of ${message.to.staffId} does not exist`, 'BadRecipient');
      }
      calls.messages.push(message);
    },
    async dispatchJob(ask) {
      calls.dispatches.push(ask);
      if (ask.actorId === 'roster') return options.roster ? options.roster(ask) : claim(ask);
      return options.byHand ? options.byHand(ask) : claim(ask);
    },
    async workingDeadline(ask) {
      calls.workingDeadlines += 1;
      return addWorkingDays(ask.startMs, ask.days, calendar, { utcOffsetMinutes: ask.utcOffsetMinutes, cutoff: ask.cutoff });
    },
    async closeRound({ round }) {
      calls.closedRounds.push(round);
      if (!claims.has(round)) claims.set(round, { technician: null, claimedBy: 'closed' });
      const held = claims.get(round)!;
      return held.technician ? { technician: held.technician, claimedBy: held.claimedBy } : {};
    },
  };
  return { activities, calls, claim };
}
export type Fake = ReturnType<typeof fakeActivities>;
export type Handle = WorkflowHandle<typeof serviceRequest>;

/** A roster that finds nobody on duty: retried by Temporal until `onDuty()` is called. */
export function nobodyOnDuty() {
  let available = false;
  return {
    onDuty: () => (available = true),
    roster: async (ask: DispatchAsk): Promise<DispatchOutcome> => {
      if (!available) throw ApplicationFailure.retryable(`Nobody on duty in region ${ask.regionId}`, 'NobodyOnDuty');
      return { technician: TECH, won: true, claimedBy: 'roster' };
    },
  };
}

// ---- Running a scenario
/** Starts the request on a fresh worker, runs the body, records the history with RECORD_HISTORIES=1. */
export async function scenario(
  { env, bundle }: Engine,
  start: RequestInput,
  fake: Fake,
  body: (handle: Handle) => Promise<void>,
  recordAs?: string,
): Promise<void> {
  const taskQueue = `engine-${start.requestId}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(serviceRequest, { workflowId: start.requestId, taskQueue, args: [start] });
    let failed = false;
    try {
      await body(handle);
      if (recordAs && process.env.RECORD_HISTORIES === '1') {
        writeFileSync(path.join(__dirname, '..', 'histories', `${recordAs}.json`), historyToJson(await handle.fetchHistory()));
      }
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      await endQuietly(handle).catch((err: unknown) => {
        if (!failed) throw err; // else the body's own failure is the one to report
      });
    }
  });
}

/**
 * Ends a test's run, with its worker still up: once it has no pending activity or workflow task,
 * it is terminated if still running (waiting on timers). Each test has its own time-skipping server
 * (`engine.renew()`), because one run terminated while its worker held a task can keep that
 * server's time from skipping ever again.
 */
export async function endQuietly(handle: Handle): Promise<void> {
  await vi
    .waitFor(
      async () => {
        const d = await handle.describe();
        if (d.status.name !== 'RUNNING') return;
        expect(d.raw.pendingActivities ?? []).toHaveLength(0);
        expect(d.raw.pendingWorkflowTask ?? null).toBeNull();
      },
      { timeout: 10_000, interval: 50 },
    )
    .catch(() => undefined);
  // It may complete between the two calls: only a run still going needs ending.
  if ((await handle.describe()).status.name === 'RUNNING') {
    await handle.terminate('scenario finished').catch((err: Error) => expect(err.name).toBe('WorkflowNotFoundError'));
  }
}

export const status = (handle: Handle) => handle.query(statusQuery);
export const until = <T>(check: () => Promise<T> | T) => vi.waitFor(check, { timeout: 20_000, interval: 50 });

/** Waits until the request is at `stage` with every clock that stage stops running (or the stage closed). */
export async function untilStage(handle: Handle, stage: string, waitingFor?: RequestStatus['waitingFor']): Promise<RequestStatus> {
  return until(async () => {
    const s = await status(handle);
    if (s.stage !== stage || s.waitingFor !== waitingFor) throw new Error(`at ${s.stage}/${s.waitingFor}, want ${stage}/${waitingFor}`);
    if (s.clocks.some((c) => c.state === 'starting')) throw new Error('a clock is starting');
    return s;
  });
}

export const clock = (s: RequestStatus, name: string) => {
  const c = s.clocks.find((x) => x.clock === name);
  if (!c) throw new Error(`no clock ${name} in ${s.clocks.map((x) => x.clock).join(', ')}`);
  return c;
};

/** The steps the ladder took, as `clock:warning`, `clock:L1` (breach with a record), `clock:L2`… */
export function ladder(fake: Fake): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  for (const step of fake.calls.steps) {
    for (const e of step.events) {
      if (seen.has(e.seq)) continue;
      seen.add(e.seq);
      const c = (e.detail as { clock?: string } | undefined)?.clock;
      if (e.type === 'warned') out.push(`${c}:warning`);
      if (e.type === 'breached') out.push(`${c}:L1`);
      if (e.type === 'escalated') out.push(`${c}:L${(e.detail as { level: number }).level}`);
    }
  }
  return out;
}
/** Breach records written (recordStep called with `breach`). */
/** Every timeline event the activities were given, once each, in seq order. */
export function timeline(fake: Fake): TimelineEvent[] {
  const bySeq = new Map<number, TimelineEvent>();
  for (const e of fake.calls.events) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
export const breachRecords = (fake: Fake) => fake.calls.steps.filter((s) => s.breach).map((s) => s.breach!);

/** Sleeps until `ms` after the test server's now; then lets the effects run. */
export async function sleepTo(env: TestWorkflowEnvironment, atMs: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (atMs > now) await env.sleep(atMs - now);
}

/** The refusal's ApplicationFailure type and message. */
export async function refusal(promise: Promise<unknown>): Promise<{ type?: string; message: string }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
  return { type: cause.type ?? undefined, message: cause.message };
}
