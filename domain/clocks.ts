/**
 * Clocks, separate from stages: a limit, an anchor and the stage that stops it. Several run at
 * once (R8's 24/72 h beside contact and arrival; a complaint's 3 working days beside its 4-hour
 * first response). Pure functions shared by the workflow and the API, so the intake answer shows
 * exactly the state the workflow starts from.
 */
import { HOUR_MS, limitFor, limitMs, type ClockPolicy, type KindPolicy, type LadderLevelPolicy, type PolicySnapshot } from './policy';
import type { ClockStatus, Deadline, RequestInput, RequestStatus, TimelineEvent } from './request';
import { isSampledForCallback } from './sampling';

export const iso = (ms: number) => new Date(ms).toISOString();

/** Whether a clock runs from the moment of intake: anchored there, at complete paperwork, or at the first stage's start. */
function startsAtIntake(c: ClockPolicy, k: KindPolicy, paperworkComplete: boolean): boolean {
  const complete = !k.needsPaperwork || paperworkComplete;
  return c.anchor === 'intake' || (c.anchor === 'paperwork_complete' && complete) || (c.anchor === 'stage_start' && c.stops === k.stages[0].stage && complete);
}

/**
 * The clocks that run from intake and may need the calendar (working days for some severity): the
 * API computes these for the request's severity, so the intake answer matches the workflow's start.
 */
export function intakeWorkingDayClocks(policy: PolicySnapshot, paperworkComplete: boolean): ClockPolicy[] {
  const k = policy.kindPolicy;
  const inWorkingDays = (c: ClockPolicy) => ('bySeverity' in c.limit ? Object.values(c.limit.bySeverity) : [c.limit]).some((l) => 'workingDays' in l);
  return k.clocks.filter((c) => inWorkingDays(c) && startsAtIntake(c, k, paperworkComplete));
}

/** A clock-time deadline from an anchor; undefined for working days. */
export function clockDeadline(c: ClockPolicy, severity: RequestInput['severity'], fromMs: number): Deadline | undefined {
  const ms = limitMs(limitFor(c.limit, severity));
  return ms === undefined ? undefined : { deadline: iso(fromMs + ms), provisional: false };
}

/** The state a request starts in; the workflow starts from it and the API answers intake with it. */
export function initialStatus(input: RequestInput): RequestStatus {
  const { policy } = input;
  const k = policy.kindPolicy;
  const receivedMs = Date.parse(input.receivedAt);
  const paperworkComplete = !k.needsPaperwork || input.paperwork.complete;
  const firstStage = k.stages[0].stage;
  const clocks: ClockStatus[] = k.clocks.map((c) => {
    const base: ClockStatus = { clock: c.clock, rule: c.rule, description: c.description, stops: c.stops, state: 'pending', cycle: 0, version: 0 };
    if (!startsAtIntake(c, k, paperworkComplete)) return base;
    const deadline = clockDeadline(c, input.severity, receivedMs) ?? input.intakeDeadlines[c.clock];
    if (!deadline) return base;
    return { ...base, state: 'running', startedAt: input.receivedAt, deadline: deadline.deadline, provisional: deadline.provisional };
  });
  const status: RequestStatus = {
    requestId: input.requestId,
    kind: input.kind,
    label: k.label,
    ...(input.severity && { severity: input.severity }),
    regionId: input.regionId,
    customer: input.customer,
    description: input.description,
    firstContactStaffId: input.firstContactStaffId,
    policyVersion: policy.version,
    stage: firstStage,
    stages: k.stages.map((s) => s.stage),
    ...(!paperworkComplete ? { waitingFor: 'paperwork' as const } : k.stages[0].behaviour === 'assign' ? { waitingFor: 'dispatch' as const } : {}),
    cycle: 0,
    receivedAt: input.receivedAt,
    paperwork: {
      required: k.needsPaperwork,
      complete: paperworkComplete,
      ...(paperworkComplete && { completedAt: input.receivedAt }),
      missingItems: paperworkComplete ? [] : input.paperwork.missingItems,
    },
    clocks,
    breaches: [],
    warnings: [],
    completed: [],
    extensions: [],
    postponements: [],
    unreachable: [],
    pauses: [],
    callbackDue: isSampledForCallback(input.requestId, k.callbackShare),
    failedAlerts: [],
    corrections: [],
  };
  status.nextDeadline = nextDeadline(status);
  return status;
}

export function nextDeadline(status: Pick<RequestStatus, 'clocks' | 'closedAt'>): string | undefined {
  if (status.closedAt) return undefined;
  const running = status.clocks.filter((c) => c.state === 'running' && c.deadline).map((c) => c.deadline!);
  return running.sort()[0];
}

/**
 * A clock's ladder as steps: 0 is the warning at a share of the period, n ≥ 1 is ladder level n
 * (1 at the deadline: the breach). Each step is its own timer in the workflow.
 */
export function stepTimes(c: ClockPolicy, startedMs: number, deadlineMs: number): Array<{ step: number; at: number; level?: LadderLevelPolicy }> {
  const steps: Array<{ step: number; at: number; level?: LadderLevelPolicy }> = [];
  if (c.warningAt > 0 && deadlineMs > startedMs) steps.push({ step: 0, at: startedMs + c.warningAt * (deadlineMs - startedMs) });
  c.ladder.forEach((level, i) => steps.push({ step: i + 1, at: deadlineMs + level.afterHours * HOUR_MS, level }));
  return steps;
}

/** The first timeline events, the same whether the API or the workflow writes them (same keys, same content). */
export function intakeEvents(input: RequestInput): TimelineEvent[] {
  const stage = input.policy.kindPolicy.stages[0].stage;
  const events: TimelineEvent[] = [
    {
      seq: 1,
      type: 'received',
      stage,
      at: input.receivedAt,
      actor: input.firstContactStaffId,
      detail: { kind: input.kind, ...(input.severity && { severity: input.severity }), policyVersion: input.policy.version },
    },
  ];
  if (input.policy.kindPolicy.needsPaperwork && !input.paperwork.complete) {
    events.push({ seq: 2, type: 'paperwork_missing', stage, at: input.receivedAt, actor: input.firstContactStaffId, detail: { missingItems: input.paperwork.missingItems } });
  }
  return events;
}
