/**
 * One workflow per request of the other kinds — installation (R9), reconnection and complaints
 * (R10), consultation — run by the policy snapshot in its input: stages one after another, each
 * with its clock (hours, or working days by the holiday calendar), started at intake, on complete
 * paperwork (R3, R11) or when the stage starts, and an escalation ladder: a warning before the
 * deadline, level 1 at breach (with the accountability record), further levels later, each once,
 * stopping as soon as the stage is met. Clock rules: customer postponement (R7), unreachable
 * customer with its written report (R12), force-majeure pause approved by a manager.
 *
 * Deterministic code only: no I/O, no Node built-ins. Records go through activities.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ServiceActivities } from '../activities/types';
import { HOUR_MS } from '../domain/policy';
import type { StagePolicy } from '../domain/service-policy';
import type { ServiceRequestInput, ServiceStatus, StageDeadline } from '../domain/service-request';
import {
  ACTION_NOT_ALLOWED,
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
} from './messages';
import { escalateBreach, notifyFirstContact, notifyRoles, records } from './activity-stubs';
import { runLadder } from './ladder';
import { startTimeline } from './timeline';
import { BREACHED, NEXT_DEADLINE, REGION_ID, REQUEST_KIND, REQUEST_STAGE } from './search-attributes';

const { recordServiceProgress } = records;
const { workingDeadline } = proxyActivities<ServiceActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
  summary: 'R9–R11: deadline in working days by the holiday calendar',
});

const iso = (ms: number) => new Date(ms).toISOString();
const notAllowed = (message: string) => ApplicationFailure.create({ type: ACTION_NOT_ALLOWED, message, nonRetryable: true });

export async function serviceRequest(input: ServiceRequestInput): Promise<ServiceStatus> {
  const { requestId, policy } = input;
  const { clock, kindPolicy } = policy;
  const receivedAt = workflowInfo().startTime.getTime();
  const state: ServiceStatus = {
    requestId,
    kind: input.kind,
    regionId: input.regionId,
    customer: input.customer,
    description: input.description,
    firstContactStaffId: input.firstContactStaffId,
    policyVersion: policy.version,
    stage: kindPolicy.stages[0].stage,
    cycle: 0,
    receivedAt: iso(receivedAt),
    paperwork: { complete: !kindPolicy.needsPaperwork || input.paperwork.complete, missingItems: input.paperwork.missingItems },
    deadlines: {},
    breaches: [],
    warnings: [],
    completed: [],
    postponements: [],
    unreachable: [],
    pauses: [],
  };
  if (state.paperwork.complete) state.paperwork.completedAt = iso(receivedAt);
  let stageDone = false; // the current stage is met (or excused)
  let clockStartedAt: number | undefined; // set once the current stage's deadline is computed; unset between stages
  let awaitingPaperwork = false;
  let pausedMs = 0; // force-majeure time so far; clocks started at intake are moved by it

  // ---- Timeline: queued in order, written in batches by one loop.
  const timeline = startTimeline({ stage: () => state.stage, snapshot, save: recordServiceProgress });
  const note = timeline.note;

  function snapshot(): ServiceStatus {
    const current = state.closedAt ? undefined : state.deadlines[state.stage];
    const waitingFor = activePause() ? 'resume' : awaitingPaperwork ? 'paperwork' : undefined;
    return { ...state, waitingFor, nextDeadline: current && clockStartedAt !== undefined && !waitingFor ? current.deadline : undefined };
  }
  function publishSearchAttributes(): void {
    const next = snapshot().nextDeadline;
    upsertSearchAttributes([
      { key: REQUEST_KIND, value: state.kind },
      { key: REGION_ID, value: state.regionId },
      { key: REQUEST_STAGE, value: state.closedAt ? 'closed' : state.stage },
      { key: NEXT_DEADLINE, value: next ? new Date(next) : null },
      { key: BREACHED, value: state.breaches.length > 0 },
    ]);
  }

  const currentPolicy = () => kindPolicy.stages.find((s) => s.stage === state.stage)!;
  const pendingPause = () => state.pauses.find((p) => !p.approvedBy && !p.resumedAt);
  const activePause = () => state.pauses.find((p) => p.since && !p.resumedAt);
  const unfiledReports = () => state.unreachable.filter((u) => !u.reportFiledAt);
  const deadlineMs = () => Date.parse(state.deadlines[state.stage].deadline);

  // ---- Deadlines: hours are plain arithmetic; working days come from the calendar activity.
  async function computeDeadline(sp: StagePolicy, fromMs: number): Promise<StageDeadline> {
    if ('hours' in sp.limit) return { deadline: iso(fromMs + sp.limit.hours * HOUR_MS), provisional: false };
    const result = await workingDeadline({ startMs: fromMs, days: sp.limit.workingDays, utcOffsetMinutes: clock.utcOffsetMinutes, cutoff: clock.workingDayCutoff });
    return { deadline: result.deadline, provisional: result.provisional };
  }

  /**
   * A working-day deadline in a year without calendar data is recomputed until the data is there.
   * A postponement (R7) replaces the deadline and ends this; a pause's length is kept.
   */
  async function recomputeWhileProvisional(sp: StagePolicy, fromMs: number, cycle: number): Promise<void> {
    const stillCurrent = () => state.stage === sp.stage && state.cycle === cycle && !stageDone;
    const pausedBefore = pausedMs;
    while (stillCurrent() && state.deadlines[sp.stage]?.provisional) {
      if (await condition(() => !stillCurrent(), clock.provisionalRecheckHours * HOUR_MS, { summary: 'Recheck a provisional working-day deadline' })) return;
      const fresh = await computeDeadline(sp, fromMs);
      if (stillCurrent() && state.deadlines[sp.stage].provisional) {
        state.deadlines[sp.stage] = { ...fresh, deadline: iso(Date.parse(fresh.deadline) + pausedMs - pausedBefore) };
        if (!fresh.provisional) note('deadline_confirmed', { detail: { deadline: state.deadlines[sp.stage].deadline } });
        publishSearchAttributes();
      }
    }
  }

  // ---- The ladder: a warning before the deadline, level 1 at breach, later levels after it.
  async function supervise(sp: StagePolicy, startedAt: number): Promise<void> {
    const cycle = state.cycle;
    await runLadder({
      plan: sp,
      startedAt,
      due: deadlineMs,
      met: () => stageDone,
      paused: () => activePause() !== undefined,
      summary: (step) => `${sp.rule} ${sp.stage}: ${step === 0 ? 'warning' : `escalation level ${step}`} (${sp.description})`,
      onStep: async (step, due) => {
        if (step === 0) {
          state.warnings.push({ stage: sp.stage, at: iso(Date.now()) });
          note('warned', { detail: { rule: sp.rule, deadline: iso(due), to: sp.responsible } });
          await notifyRoles({
            requestId,
            regionId: state.regionId,
            key: `${requestId}/${sp.stage}/${cycle}/warning`,
            roles: [sp.responsible],
            text: `[${requestId}] ${sp.description} is due ${iso(due)} (${sp.rule}); ${Math.round(sp.warningAt * 100)}% of the time has gone.`,
          });
          return;
        }
        const level = sp.ladder[step - 1];
        if (step === 1) {
          state.breaches.push({ stage: sp.stage, cycle, rule: sp.rule, deadline: iso(due), breachedAt: iso(Date.now()) });
          note('breached', { onTime: false, detail: { rule: sp.rule, deadline: iso(due) } });
          publishSearchAttributes();
        } else {
          note('escalated', { detail: { level: step, alert: level.alert } });
        }
        await escalateBreach({
          requestId,
          regionId: state.regionId,
          stage: sp.stage,
          cycle,
          rule: sp.rule,
          limit: sp.description,
          deadline: iso(due),
          breachedAt: iso(Date.now()),
          level: step,
          alert: level.alert,
          responsible: sp.responsible,
        });
      },
    });
  }

  /** R12: the written report on an unreachable customer is due; missing it is a breach of its own. */
  async function superviseReport(report: ServiceStatus['unreachable'][number]): Promise<void> {
    const due = Date.parse(report.reportDueAt);
    if (await condition(() => report.reportFiledAt !== undefined, due - Date.now(), { summary: 'R12 written report to the business leader' })) return;
    const cycle = state.unreachable.indexOf(report);
    state.breaches.push({ stage: `${report.stage}_unreachable_report`, cycle, rule: 'R12', deadline: report.reportDueAt, breachedAt: iso(Date.now()) });
    note('breached', { onTime: false, detail: { rule: 'R12', deadline: report.reportDueAt, reportedBy: report.reportedBy } });
    publishSearchAttributes();
    await escalateBreach({
      requestId,
      regionId: state.regionId,
      stage: `${report.stage}_unreachable_report`,
      cycle,
      rule: 'R12',
      limit: 'written report on the unreachable customer to the business leader',
      deadline: report.reportDueAt,
      breachedAt: iso(Date.now()),
      level: 1,
      alert: ['branch_leader'],
      responsibleStaffId: report.reportedBy,
    });
  }
  const reportWatches: Promise<void>[] = [];

  // ---- Actions. Validators are synchronous and say what the state does not allow.
  function requireOpen(action: string): void {
    if (state.closedAt) throw notAllowed(`Request ${requestId} is closed; ${action} is no longer possible.`);
  }
  function requireTime(value: string, field: string): number {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw notAllowed(`${field} "${value}" is not a date-time.`);
    return ms;
  }
  /** The current stage's clock runs (paperwork complete, deadline computed, stage not yet met). */
  function requireRunningStage(action: string): void {
    requireOpen(action);
    if (awaitingPaperwork) throw notAllowed(`Stage "${state.stage}" has not started: the paperwork is not complete (R11).`);
    if (clockStartedAt === undefined) throw notAllowed(`Stage "${state.stage}" is starting; try again in a moment.`);
    if (stageDone) throw notAllowed(`Stage "${state.stage}" is already done.`);
  }
  function complete(by: string, extra: { excused?: 'customer_unreachable'; note?: string } = {}): void {
    const onTime = extra.excused !== undefined || Date.now() <= deadlineMs();
    state.completed.push({ stage: state.stage, cycle: state.cycle, by, at: iso(Date.now()), onTime, ...extra });
    note('stage_done', { actor: by, onTime, detail: extra.excused || extra.note ? { ...extra } : undefined });
    stageDone = true;
  }

  setHandler(
    recordPaperworkUpdate,
    ({ staffId, complete: done, missingItems }) => {
      state.paperwork.missingItems = done ? [] : missingItems;
      if (done) {
        state.paperwork.complete = true;
        state.paperwork.completedAt = iso(Date.now());
        note('paperwork_complete', { actor: staffId });
      } else {
        note('paperwork_missing', { actor: staffId, detail: { missingItems } }); // R3: everything missing, at once
      }
      return snapshot();
    },
    {
      validator: ({ complete: done, missingItems }) => {
        requireOpen('recording paperwork');
        if (!kindPolicy.needsPaperwork) throw notAllowed(`A ${input.kind} request needs no paperwork.`);
        if (state.paperwork.complete) throw notAllowed(`The paperwork of request ${requestId} is already complete.`);
        if (!done && missingItems.length === 0) throw notAllowed('List the missing items the customer still owes (R3).');
      },
    },
  );

  setHandler(
    completeStageUpdate,
    ({ staffId, note: text }) => {
      complete(staffId, { note: text });
      return snapshot();
    },
    {
      validator: ({ stage }) => {
        requireOpen('completing a stage');
        if (stage !== state.stage) throw notAllowed(`Request ${requestId} is at stage "${state.stage}", not "${stage}".`);
        if (stage === 'callback') throw notAllowed('Record the callback with its satisfaction instead (POST …/callback).');
        requireRunningStage('completing a stage');
      },
    },
  );

  setHandler(
    recordServiceCallbackUpdate,
    ({ agentId, satisfaction, faultResolved, note: text }) => {
      state.callback = { agentId, at: iso(Date.now()), satisfaction, faultResolved, note: text };
      note('callback_recorded', { actor: agentId, onTime: Date.now() <= deadlineMs(), detail: { satisfaction, faultResolved, note: text } });
      complete(agentId);
      return snapshot();
    },
    {
      validator: (_action) => {
        requireOpen('recording a callback');
        if (state.stage !== 'callback') throw notAllowed(`Request ${requestId} is at stage "${state.stage}"; a callback comes after it.`);
        requireRunningStage('recording a callback');
      },
    },
  );

  setHandler(
    postponeUpdate,
    ({ staffId, until, reason }) => {
      const from = state.deadlines[state.stage].deadline;
      state.deadlines[state.stage] = { deadline: new Date(until).toISOString(), provisional: false };
      state.postponements.push({ stage: state.stage, requestedBy: staffId, at: iso(Date.now()), reason, from, to: state.deadlines[state.stage].deadline });
      note('postponed', { actor: staffId, detail: { reason, from, to: state.deadlines[state.stage].deadline, count: state.postponements.length } });
      publishSearchAttributes();
      return snapshot();
    },
    {
      validator: ({ until }) => {
        requireRunningStage('a postponement');
        if (requireTime(until, 'until') <= deadlineMs()) {
          throw notAllowed(`until ${until} must be later than the current deadline ${state.deadlines[state.stage].deadline} (R7).`);
        }
      },
    },
  );

  setHandler(
    reportUnreachableUpdate,
    ({ staffId, attempts, reason }) => {
      const report = { stage: state.stage, reportedBy: staffId, attempts, reason, reportDueAt: iso(Date.now() + clock.unreachableReportHours * HOUR_MS) };
      state.unreachable.push(report);
      note('customer_unreachable', { actor: staffId, detail: { attempts, reason, reportDueAt: report.reportDueAt } });
      reportWatches.push(superviseReport(report));
      complete(staffId, { excused: 'customer_unreachable' }); // R12: counts as done on time
      return snapshot();
    },
    {
      validator: ({ attempts }) => {
        requireRunningStage('reporting an unreachable customer');
        attempts.forEach((a: string) => requireTime(a, 'attempts[]'));
        if (new Set(attempts).size < clock.unreachableMinAttempts) {
          throw notAllowed(`Record at least ${clock.unreachableMinAttempts} separate attempts to reach the customer (R12).`);
        }
      },
    },
  );

  setHandler(
    fileUnreachableReportUpdate,
    ({ staffId, report }) => {
      const open = unfiledReports().find((u) => u.reportedBy === staffId)!;
      open.reportFiledAt = iso(Date.now());
      open.report = report;
      note('unreachable_report_filed', { actor: staffId, onTime: Date.now() <= Date.parse(open.reportDueAt) });
      return snapshot();
    },
    {
      validator: ({ staffId }) => {
        if (!unfiledReports().some((u) => u.reportedBy === staffId)) {
          throw notAllowed(`There is no unreachable-customer report for ${staffId} to file on request ${requestId}.`);
        }
      },
    },
  );

  setHandler(
    requestPauseUpdate,
    ({ staffId, reason }) => {
      state.pauses.push({ requestedBy: staffId, requestedAt: iso(Date.now()), reason });
      note('pause_requested', { actor: staffId, detail: { reason } });
      return snapshot();
    },
    {
      validator: (_action) => {
        requireOpen('a pause');
        if (pendingPause() || activePause()) throw notAllowed(`Request ${requestId} already has a force-majeure pause requested or running.`);
      },
    },
  );

  setHandler(
    decidePauseUpdate,
    ({ managerId, approve }) => {
      const pause = pendingPause()!;
      if (approve) {
        pause.approvedBy = managerId;
        pause.since = iso(Date.now());
        note('pause_approved', { actor: managerId });
      } else {
        state.pauses.splice(state.pauses.indexOf(pause), 1, { ...pause, resumedAt: iso(Date.now()), approvedBy: undefined });
        note('pause_rejected', { actor: managerId });
      }
      publishSearchAttributes();
      return snapshot();
    },
    {
      validator: (_action) => {
        requireOpen('deciding a pause');
        if (!pendingPause()) throw notAllowed(`No force-majeure pause has been requested for request ${requestId}.`);
      },
    },
  );

  setHandler(
    resumeUpdate,
    ({ managerId }) => {
      const pause = activePause()!;
      pause.resumedAt = iso(Date.now());
      const length = Date.parse(pause.resumedAt) - Date.parse(pause.since!);
      pausedMs += length;
      // Only the paused time after the current stage's clock started moves its deadline.
      const current = state.deadlines[state.stage];
      const counted = clockStartedAt === undefined ? 0 : Date.parse(pause.resumedAt) - Math.max(Date.parse(pause.since!), clockStartedAt);
      if (current && counted > 0) state.deadlines[state.stage] = { ...current, deadline: iso(Date.parse(current.deadline) + counted) };
      note('resumed', { actor: managerId, detail: { pausedMinutes: Math.round(length / 60_000) } });
      publishSearchAttributes();
      return snapshot();
    },
    {
      validator: (_action) => {
        if (!activePause()) throw notAllowed(`Request ${requestId} is not paused.`);
      },
    },
  );

  setHandler(serviceStatusQuery, snapshot);

  // ---- The request's course
  note('received', { actor: input.firstContactStaffId, detail: { kind: input.kind, policyVersion: policy.version } });
  if (!state.paperwork.complete) note('paperwork_missing', { actor: input.firstContactStaffId, detail: { missingItems: state.paperwork.missingItems } });

  if (input.answeredOnFirstContact && kindPolicy.mayCloseOnFirstContact) {
    state.deadlines[state.stage] = await computeDeadline(kindPolicy.stages[0], receivedAt);
    complete(input.firstContactStaffId, { note: 'answered on first contact' });
  } else {
    let reopened = false;
    for (let i = 0; i < kindPolicy.stages.length; i++) {
      const sp = kindPolicy.stages[i];
      state.stage = sp.stage;
      stageDone = false;
      clockStartedAt = undefined;
      if (sp.clockStarts === 'paperwork_complete' && !state.paperwork.complete) {
        awaitingPaperwork = true; // R11: no clock until the customer's materials are complete
        publishSearchAttributes();
        await condition(() => state.paperwork.complete);
        awaitingPaperwork = false;
      }
      const startedAt = Date.now();
      // A reopened stage gets a fresh clock from now (R17).
      const anchor = reopened
        ? startedAt
        : sp.clockStarts === 'intake'
          ? receivedAt + pausedMs
          : sp.clockStarts === 'paperwork_complete'
            ? Date.parse(state.paperwork.completedAt!)
            : startedAt;
      reopened = false;
      state.deadlines[sp.stage] = await computeDeadline(sp, anchor);
      clockStartedAt = Date.now();
      publishSearchAttributes();
      void recomputeWhileProvisional(sp, anchor, state.cycle);
      await supervise(sp, startedAt);
      // R17: a callback that finds the problem not solved reopens the stage before it.
      if (sp.stage === 'callback' && state.callback && !state.callback.faultResolved && i > 0) {
        state.cycle += 1;
        state.callback = undefined;
        note('reopened', { detail: { cycle: state.cycle, stage: kindPolicy.stages[i - 1].stage } });
        reopened = true;
        i -= 2;
      }
    }
  }

  state.closedAt = iso(Date.now());
  note('closed', { stage: 'closed', actor: input.firstContactStaffId });
  publishSearchAttributes();
  const missed = state.breaches.map((b) => `${b.stage} (${b.rule})`).join(', ');
  await notifyFirstContact({ requestId, firstContactStaffId: input.firstContactStaffId, summary: missed ? `limits missed: ${missed}` : 'every limit met' });
  await Promise.all(reportWatches); // R12 reports stay tracked after the request closes
  await condition(() => timeline.drained() && allHandlersFinished());
  return snapshot();
}
