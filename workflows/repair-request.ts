/**
 * Repair on report (接报即修), one workflow per customer request: dispatch (R4), contact and
 * arrival (R6), resolution (R7, R8) with manager-approved extensions (R13), callback (R16) that
 * may reopen the request (R17). Every limit is a durable timer; a missed limit escalates once.
 *
 * Deterministic code only: no I/O, no Node built-ins. Records go through activities.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ServiceActivities } from '../activities/types';
import { STAGE_RULES } from '../domain/escalation';
import { jobSmsText } from '../domain/job-text';
import type { RepairStage, StaffRole } from '../domain/kinds';
import { HOUR_MS, MINUTE_MS } from '../domain/policy';
import type { AssignedTechnician, RepairRequestInput, RequestStatus } from '../domain/request';
import { isSampledForCallback } from '../domain/sampling';
import type { LadderLevel, LadderPlan } from '../domain/service-policy';
import { escalateBreach, notifyFirstContact, notifyRoles, records } from './activity-stubs';
import { runLadder } from './ladder';
import { startTimeline } from './timeline';
import {
  ACTION_NOT_ALLOWED,
  NOT_YOUR_JOB,
  decideExtensionUpdate,
  dispatchManuallyUpdate,
  postponeRepairUpdate,
  recordArrivalUpdate,
  recordCallbackUpdate,
  recordContactUpdate,
  recordResolutionUpdate,
  requestExtensionUpdate,
  statusQuery,
} from './messages';
import { BREACHED, NEXT_DEADLINE, REGION_ID, REQUEST_KIND, REQUEST_STAGE } from './search-attributes';

const { recordProgress } = records;

// R4: dispatch keeps trying (nobody on duty, gateway down) until it succeeds or an agent steps in.
const { dispatchToOnDutyTechnician } = proxyActivities<ServiceActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  summary: 'R4: job SMS to the on-duty technician',
});

// A manual dispatch answers the agent within seconds: a few attempts, then a clear refusal.
const { dispatchToTechnician } = proxyActivities<ServiceActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
  summary: 'Manual dispatch: job SMS to a named technician',
});

const iso = (ms: number) => new Date(ms).toISOString();

function notAllowed(message: string, type = ACTION_NOT_ALLOWED): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

export async function repairRequest(input: RepairRequestInput): Promise<RequestStatus> {
  const { policy, requestId } = input;
  const receivedAt = workflowInfo().startTime.getTime();
  const state: RequestStatus = {
    requestId,
    kind: 'fault_repair',
    severity: input.severity,
    regionId: input.regionId,
    customer: input.customer,
    faultDescription: input.faultDescription,
    firstContactStaffId: input.firstContactStaffId,
    policyVersion: policy.version,
    stage: 'dispatch',
    cycle: 0,
    receivedAt: iso(receivedAt),
    deadlines: {
      dispatch: iso(receivedAt + policy.dispatchLimitMinutes * MINUTE_MS),
      resolution: iso(receivedAt + policy.resolutionLimitHours[input.severity] * HOUR_MS),
    },
    breaches: [],
    extensions: [],
    callbackDue: isSampledForCallback(requestId, policy.callbackShare),
  };
  const deadlineOf = (stage: RepairStage) => Date.parse(state.deadlines[stage]!);

  // ---- Timeline: events queue up in order and one background loop writes them in batches.
  const timeline = startTimeline({ stage: () => state.stage, snapshot, save: recordProgress });
  const note = timeline.note;
  const onTime = (stage: RepairStage) => Date.now() <= deadlineOf(stage);

  function snapshot(): RequestStatus {
    const current = state.stage === 'closed' ? undefined : state.deadlines[state.stage];
    return { ...state, nextDeadline: current };
  }

  function publishSearchAttributes(): void {
    const next = state.stage === 'closed' ? undefined : state.deadlines[state.stage];
    upsertSearchAttributes([
      { key: REQUEST_KIND, value: state.kind },
      { key: REGION_ID, value: state.regionId },
      { key: REQUEST_STAGE, value: state.stage },
      { key: NEXT_DEADLINE, value: next ? new Date(next) : null },
      { key: BREACHED, value: state.breaches.length > 0 },
    ]);
  }

  // ---- Escalation: once per (stage, cycle); runs beside the stage so the next timer is not held up.
  const escalations: Promise<unknown>[] = [];
  function breach(stage: RepairStage, deadline: number, level1?: LadderLevel): void {
    const rule = STAGE_RULES[stage];
    const breachedAt = iso(Date.now());
    const cycle = state.cycle;
    state.breaches.push({ stage, cycle, rule: rule.rule, deadline: iso(deadline), breachedAt });
    note('breached', { stage, onTime: false, detail: { rule: rule.rule, deadline: iso(deadline) } });
    publishSearchAttributes();
    escalations.push(
      escalateBreach({
        requestId,
        regionId: state.regionId,
        stage,
        cycle,
        rule: rule.rule,
        limit: rule.limit,
        deadline: iso(deadline),
        breachedAt,
        technicianId: state.technician?.staffId,
        ...(level1 && { level: 1, alert: level1.alert }),
      }),
    );
  }

  /** When a stage's limit started to run, for the warning at a share of it. */
  function periodStart(stage: RepairStage): number {
    switch (stage) {
      case 'dispatch':
        return receivedAt;
      case 'contact':
        return deadlineOf('contact') - policy.contactLimitMinutes * MINUTE_MS;
      case 'arrival':
        return Date.parse(state.contactedAt!);
      case 'resolution':
        return deadlineOf('resolution') - policy.resolutionLimitHours[input.severity] * HOUR_MS;
      case 'callback':
        return Date.parse(state.resolvedAt!);
    }
  }

  /** One step of a stage's ladder: the warning (0), the breach (1), or a later level. */
  function ladderStep(stage: RepairStage, step: number, due: number, plan: LadderPlan): void {
    const rule = STAGE_RULES[stage];
    const technician = rule.responsible === 'technician' ? state.technician?.staffId : undefined;
    if (step === 0) {
      note('warned', { stage, detail: { rule: rule.rule, deadline: iso(due), to: technician ?? rule.responsible } });
      escalations.push(
        notifyRoles({
          requestId,
          regionId: state.regionId,
          key: `${requestId}/${stage}/${state.cycle}/warning`,
          roles: technician || rule.responsible === 'technician' ? [] : [rule.responsible as StaffRole],
          staffIds: technician ? [technician] : [],
          text: `[${requestId}] ${rule.limit} is due ${iso(due)} (${rule.rule}); ${Math.round(plan.warningAt * 100)}% of the time has gone.`,
        }),
      );
      return;
    }
    if (step === 1) return breach(stage, due, plan.ladder[0]);
    const level = plan.ladder[step - 1];
    note('escalated', { stage, detail: { level: step, alert: level.alert } });
    escalations.push(
      escalateBreach({
        requestId,
        regionId: state.regionId,
        stage,
        cycle: state.cycle,
        rule: rule.rule,
        limit: rule.limit,
        deadline: iso(due),
        breachedAt: iso(Date.now()),
        technicianId: state.technician?.staffId,
        level: step,
        alert: level.alert,
      }),
    );
  }

  /**
   * Supervises the current stage until a handler moves the request on: waits for its deadline,
   * re-arming when the deadline moves (an approved extension), and escalates once if it passes.
   */
  async function superviseStage(stage: RepairStage): Promise<void> {
    const cycle = state.cycle;
    const left = () => state.stage !== stage || state.cycle !== cycle;
    publishSearchAttributes();
    const rule = STAGE_RULES[stage];
    const plan = policy.ladders?.[stage];
    // Requests started before ladders existed keep escalating once, at breach (the loop below).
    if (plan && patched('repair-escalation-ladder')) {
      await runLadder({
        plan,
        startedAt: periodStart(stage),
        due: () => deadlineOf(stage),
        met: left,
        summary: (step) => `${rule.rule} ${stage}: ${step === 0 ? 'warning' : `escalation level ${step}`} (${rule.limit})`,
        onStep: (step, due) => ladderStep(stage, step, due, plan),
      });
      return;
    }
    while (!left()) {
      const due = deadlineOf(stage);
      const remaining = due - Date.now();
      if (remaining > 0) {
        await condition(() => left() || deadlineOf(stage) !== due, remaining, {
          summary: `${rule.rule} ${stage} deadline: ${rule.limit}`,
        });
      } else {
        breach(stage, due);
        await condition(left);
      }
    }
  }

  // ---- Transitions: a handler that completes a stage moves the request on at once, so the
  // answer to the caller, the recorded row and the search attributes all show the new stage.
  function close(): void {
    state.stage = 'closed';
    state.closedAt = iso(Date.now());
    note('closed', { actor: input.firstContactStaffId });
  }
  function reopen(): void {
    // R17: the fault is not gone; back to resolution with a fresh deadline.
    state.cycle += 1;
    state.stage = 'resolution';
    state.resolvedAt = undefined;
    state.callback = undefined;
    state.deadlines.resolution = iso(Date.now() + policy.resolutionLimitHours[input.severity] * HOUR_MS);
    delete state.deadlines.callback;
    note('reopened', { detail: { cycle: state.cycle, resolutionDeadline: state.deadlines.resolution } });
  }

  // ---- Guards shared by the update validators: each names what the state does not allow.
  function requireStage(stage: RepairStage, action: string): void {
    if (state.stage === 'closed') throw notAllowed(`Request ${requestId} is closed; ${action} is no longer possible.`);
    if (state.stage !== stage) {
      throw notAllowed(`Request ${requestId} is at stage "${state.stage}"; ${action} is only possible at stage "${stage}".`);
    }
  }
  function requireAssignedTechnician(technicianId: string): void {
    if (state.technician?.staffId !== technicianId) {
      throw notAllowed(
        `Technician ${technicianId} is not assigned to request ${requestId}; it was dispatched to ${state.technician?.staffId}.`,
        NOT_YOUR_JOB,
      );
    }
  }
  function requireTime(value: string, field: string): number {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw notAllowed(`${field} "${value}" is not a date-time.`);
    return ms;
  }

  // ---- Dispatch (R4)
  const job = { requestId, regionId: state.regionId, text: jobSmsText(input) };
  let autoDispatch = new CancellationScope();
  let manualDispatchInFlight = false;
  function assignTechnician(technician: AssignedTechnician, actor: string): void {
    if (state.technician) return; // a manual dispatch and the roster raced: the first one holds
    state.technician = technician;
    state.deadlines.contact = iso(Date.now() + policy.contactLimitMinutes * MINUTE_MS);
    note('dispatched', { actor, onTime: onTime('dispatch'), detail: { technician } });
    state.stage = 'contact';
  }
  function startAutoDispatch(): void {
    autoDispatch = new CancellationScope();
    autoDispatch
      .run(() => dispatchToOnDutyTechnician(job))
      .then(
        (technician) => assignTechnician(technician, 'on-duty roster'),
        (err) => {
          if (!isCancellation(err)) log.warn('Automatic dispatch gave up; an agent must dispatch by hand', { requestId, err });
        },
      );
  }

  setHandler(
    dispatchManuallyUpdate,
    async ({ agentId, technicianId }) => {
      manualDispatchInFlight = true;
      autoDispatch.cancel();
      try {
        assignTechnician(await dispatchToTechnician({ ...job, technicianId }), agentId);
      } catch (err) {
        startAutoDispatch(); // the roster keeps trying while the agent picks someone else
        const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
        throw notAllowed(`Could not dispatch request ${requestId} to technician ${technicianId}: ${cause}`);
      } finally {
        manualDispatchInFlight = false;
      }
      return snapshot();
    },
    {
      validator: (_action) => {
        requireStage('dispatch', 'a manual dispatch');
        if (manualDispatchInFlight) throw notAllowed(`Request ${requestId} is being dispatched by hand already.`);
      },
    },
  );

  // ---- Contact and arrival (R6)
  setHandler(
    recordContactUpdate,
    ({ technicianId, visitAt }) => {
      state.contactedAt = iso(Date.now());
      state.visitAt = new Date(visitAt).toISOString();
      state.deadlines.arrival = iso(Date.parse(visitAt) + policy.arrivalGraceMinutes * MINUTE_MS);
      note('contacted', { actor: technicianId, onTime: onTime('contact'), detail: { visitAt: state.visitAt } });
      state.stage = 'arrival';
      return snapshot();
    },
    {
      validator: ({ technicianId, visitAt }) => {
        if (state.stage === 'dispatch') {
          throw notAllowed(`Request ${requestId} has not been dispatched to a technician yet; contact can be recorded after dispatch.`);
        }
        requireStage('contact', 'recording the customer contact');
        requireAssignedTechnician(technicianId);
        if (requireTime(visitAt, 'visitAt') < Date.now() - 5 * MINUTE_MS) {
          throw notAllowed(`visitAt ${visitAt} is in the past; agree a visit time from now on.`);
        }
      },
    },
  );

  setHandler(
    recordArrivalUpdate,
    ({ technicianId }) => {
      state.arrivedAt = iso(Date.now());
      note('arrived', { actor: technicianId, onTime: onTime('arrival') });
      state.stage = 'resolution';
      return snapshot();
    },
    {
      validator: ({ technicianId }) => {
        requireStage('arrival', 'recording arrival');
        requireAssignedTechnician(technicianId);
      },
    },
  );

  // ---- Resolution (R7, R8) and extensions (R13)
  setHandler(
    recordResolutionUpdate,
    ({ technicianId, note: text }) => {
      state.resolvedAt = iso(Date.now());
      if (state.pendingExtension) {
        note('extension_rejected', { actor: 'system', detail: { reason: 'resolved before a decision' } });
        state.pendingExtension = undefined;
      }
      note('resolved', { actor: technicianId, onTime: onTime('resolution'), detail: text ? { note: text } : undefined });
      if (state.callbackDue) {
        state.deadlines.callback = iso(Date.now() + policy.callbackLimitHours * HOUR_MS);
        state.stage = 'callback';
      } else {
        close();
      }
      return snapshot();
    },
    {
      validator: ({ technicianId }) => {
        requireStage('resolution', 'recording the resolution');
        requireAssignedTechnician(technicianId);
      },
    },
  );

  setHandler(
    requestExtensionUpdate,
    ({ technicianId, newDeadline, reason }) => {
      state.pendingExtension = {
        requestedBy: technicianId,
        requestedAt: iso(Date.now()),
        newDeadline: new Date(newDeadline).toISOString(),
        reason,
      };
      note('extension_requested', { actor: technicianId, detail: { newDeadline: state.pendingExtension.newDeadline, reason } });
      return snapshot();
    },
    {
      validator: ({ technicianId, newDeadline }) => {
        requireStage('resolution', 'asking for an extension');
        requireAssignedTechnician(technicianId);
        if (state.pendingExtension) {
          throw notAllowed(`Request ${requestId} already has an extension request waiting for a manager's decision.`);
        }
        if (requireTime(newDeadline, 'newDeadline') <= deadlineOf('resolution')) {
          throw notAllowed(`newDeadline ${newDeadline} must be later than the current resolution deadline ${state.deadlines.resolution}.`);
        }
      },
    },
  );

  setHandler(
    decideExtensionUpdate,
    ({ managerId, approve, note: text }) => {
      const asked = state.pendingExtension!;
      state.pendingExtension = undefined;
      state.extensions.push({ ...asked, decidedBy: managerId, decidedAt: iso(Date.now()), approved: approve, note: text });
      if (approve) {
        const previous = state.deadlines.resolution!;
        // Never earlier than it is now: a customer's postponement (R7) since the ask still holds.
        state.deadlines.resolution = Date.parse(asked.newDeadline) > Date.parse(previous) ? asked.newDeadline : previous;
        publishSearchAttributes();
        note('extension_approved', { actor: managerId, detail: { from: previous, to: state.deadlines.resolution, note: text } });
      } else {
        note('extension_rejected', { actor: managerId, detail: { note: text } });
      }
      return snapshot();
    },
    {
      validator: (_action) => {
        if (state.stage === 'closed') throw notAllowed(`Request ${requestId} is closed; there is no extension to decide.`);
        if (!state.pendingExtension) throw notAllowed(`No extension has been requested for request ${requestId}; there is nothing to decide.`);
      },
    },
  );

  // ---- Callback (R16, R17)
  setHandler(
    recordCallbackUpdate,
    ({ agentId, satisfaction, faultResolved, note: text }) => {
      state.callback = { agentId, at: iso(Date.now()), satisfaction, faultResolved, note: text };
      note('callback_recorded', { actor: agentId, onTime: onTime('callback'), detail: { satisfaction, faultResolved, note: text } });
      if (faultResolved) close();
      else reopen();
      return snapshot();
    },
    { validator: (_action) => requireStage('callback', 'recording a callback') },
  );

  // ---- R7: a delay the customer asks for moves the arrival or resolution deadline, with no breach.
  setHandler(
    postponeRepairUpdate,
    ({ staffId, until, reason }) => {
      const stage = state.stage as 'arrival' | 'resolution';
      const from = state.deadlines[stage]!;
      state.deadlines[stage] = new Date(until).toISOString();
      state.postponements = [...(state.postponements ?? []), { stage, requestedBy: staffId, at: iso(Date.now()), reason, from, to: state.deadlines[stage]! }];
      note('postponed', { actor: staffId, detail: { reason, from, to: state.deadlines[stage], count: state.postponements.length } });
      publishSearchAttributes();
      return snapshot();
    },
    {
      validator: ({ until }) => {
        if (state.stage !== 'arrival' && state.stage !== 'resolution') {
          throw notAllowed(`Request ${requestId} is at stage "${state.stage}"; the customer can postpone the visit (arrival) or the repair (resolution) only.`);
        }
        if (requireTime(until, 'until') <= deadlineOf(state.stage)) {
          throw notAllowed(`until ${until} must be later than the current deadline ${state.deadlines[state.stage]} (R7).`);
        }
      },
    },
  );

  setHandler(statusQuery, snapshot);

  // ---- The request's course: each stage is supervised until a handler moves it on.
  note('received', { actor: input.firstContactStaffId, detail: { severity: input.severity, policyVersion: policy.version } });
  startAutoDispatch();
  while (state.stage !== 'closed') {
    await superviseStage(state.stage);
  }
  publishSearchAttributes();
  // Requests that started before this notice existed replay without it.
  if (patched('r1-notify-first-contact-on-close')) {
    const breached = state.breaches.map((b) => `${b.stage} (${b.rule})`).join(', ');
    await notifyFirstContact({
      requestId,
      firstContactStaffId: input.firstContactStaffId,
      summary: breached ? `limits missed: ${breached}` : 'every limit met',
    });
  }
  await Promise.all(escalations);
  await condition(() => timeline.drained() && allHandlersFinished());
  return snapshot();
}
