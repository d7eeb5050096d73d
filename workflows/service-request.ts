/**
 * The stage engine: one workflow per customer request, of every kind, run by the policy snapshot
 * in its input. Stages follow one another (a small closed set of behaviours: assign, appointment,
 * visit, work, callback); clocks run beside them from their own anchors, each step of each clock's
 * ladder (warning, breach, later levels) on its own timer, decided by that timer firing — never by
 * comparing the clock with a deadline. Effects (records, alerts) run beside the clocks and never
 * hold them up; each is keyed by what this committed workflow decided, so a retried or abandoned
 * task cannot leave anything behind. Authorization lives in the update validators.
 *
 * Deterministic code only: no I/O, no Node built-ins. Records go through activities.
 */
import { ApplicationFailure, CancellationScope, allHandlersFinished, condition, isCancellation, log, patched, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { OutgoingMessage, RecordStep, StepOutcome } from '../activities/types';
import { clockDeadline, initialStatus, intakeEvents, iso, nextDeadline, stepTimes } from '../domain/clocks';
import { breachText, cancelJobText, closingText, jobSmsText, pauseOverdueText, warningText } from '../domain/job-text';
import { CALL_CENTRE, REGION_LEADERS, type StaffRole } from '../domain/kinds';
import { HOUR_MS, MINUTE_MS, limitFor, type ClockPolicy, type LadderLevelPolicy, type StagePolicy } from '../domain/policy';
import type {
  ActionResult,
  Actor,
  AssignedTechnician,
  ClockStatus,
  Outcome,
  RequestInput,
  RequestStatus,
  TimelineEvent,
  TimelineEventType,
  UnreachableReport,
} from '../domain/request';
import { closeRound, dispatchByHand, dispatchByRoster, recordStep, sendMessage, workingDeadline } from './activity-stubs';
import { forbid, leadsRegion, refuse, requireRegionLeader, requireRole, roleList } from './authorize';
import {
  UNKNOWN_REFERENCE,
  cancelUpdate,
  completeStageUpdate,
  correctUpdate,
  decideExtensionUpdate,
  decidePauseUpdate,
  dispatchUpdate,
  fileUnreachableReportUpdate,
  postponeUpdate,
  reassignUpdate,
  recordPaperworkUpdate,
  reportUnreachableUpdate,
  requestExtensionUpdate,
  requestPauseUpdate,
  resumeUpdate,
  statusQuery,
} from './messages';
import { BREACHED, NEXT_DEADLINE, REGION_ID, REQUEST_KIND, REQUEST_STAGE } from './search-attributes';

const ANYONE: readonly StaffRole[] = ['agent', 'technician', 'customer_manager', 'call_centre_leader', 'branch_leader', 'company_leader', 'supervisor', 'admin'];
/** R7: the call centre or the region's customer manager speak for the customer. */
const SPEAK_FOR_CUSTOMER: readonly StaffRole[] = ['agent', 'call_centre_leader', 'customer_manager'];
const MAY_CANCEL: readonly StaffRole[] = [...CALL_CENTRE, ...REGION_LEADERS];
const MAY_DISPATCH: readonly StaffRole[] = [...CALL_CENTRE, 'customer_manager'];
/** Patch: an update handled in a request's first workflow task neither begins the request twice nor watches a clock twice. */
const FIRST_TASK_UPDATES = 'first-task-updates-begin-once';
/**
 * Patch: an action that ends a clock first takes the ladder steps whose time had passed when its
 * task started (the breach of a stage recorded late while no worker ran), and an R12 report filed
 * late is a breach; a close claims the dispatch round so a roster dispatch it overtook is withdrawn;
 * events written by no activity yet are written before the run ends.
 */
const LATE_ACTIONS = 'late-actions-take-passed-steps';

export async function serviceRequest(input: RequestInput): Promise<RequestStatus> {
  const { requestId, policy } = input;
  const kind = policy.kindPolicy;
  const rules = policy.clock;
  const receivedMs = Date.parse(input.receivedAt);
  const state = initialStatus(input);
  const now = () => Date.now();

  // ---- Timeline: every event gets its place (seq) as the workflow decides it. Activities write
  // the events they carry; the API also writes an update's events once the update is committed.
  const events: TimelineEvent[] = intakeEvents(input);
  let confirmedSeq = 0;
  function note(type: TimelineEventType, extra: Omit<Partial<TimelineEvent>, 'seq' | 'type'> = {}): void {
    events.push({ seq: events.length + 1, type, stage: state.stage, at: iso(now()), ...extra });
  }
  const tail = () => events.filter((e) => e.seq > confirmedSeq);

  const waitingFor = (): RequestStatus['waitingFor'] =>
    state.closedAt ? undefined : activePause() ? 'resume' : !state.paperwork.complete ? 'paperwork' : stagePolicy().behaviour === 'assign' ? 'dispatch' : undefined;
  function snapshot(): RequestStatus {
    const { waitingFor: _old, ...rest } = state;
    const waiting = waitingFor();
    return { ...rest, ...(waiting && { waitingFor: waiting }), nextDeadline: nextDeadline(state) };
  }
  const result = (): ActionResult => ({ status: snapshot(), events: tail() });

  // One upsert per activation, and none when nothing the search attributes show has changed:
  // each upsert is a history event, and a stage change often publishes twice in one step.
  let publishQueued = false;
  let published = '';
  function publish(): void {
    if (publishQueued) return;
    publishQueued = true;
    void Promise.resolve().then(() => {
      publishQueued = false;
      const next = nextDeadline(state) ?? null;
      const shown = JSON.stringify([state.kind, state.regionId, state.stage, next, state.breaches.length > 0]);
      if (shown === published) return;
      published = shown;
      upsertSearchAttributes([
        { key: REQUEST_KIND, value: state.kind },
        { key: REGION_ID, value: state.regionId },
        { key: REQUEST_STAGE, value: state.stage },
        { key: NEXT_DEADLINE, value: next ? new Date(next) : null },
        { key: BREACHED, value: state.breaches.length > 0 },
      ]);
    });
  }

  // ---- Effects run beside the request; the workflow finishes only when all have.
  let inFlight = 0;
  function track<T>(work: Promise<T>): void {
    inFlight += 1;
    void work
      .catch((err) => {
        if (!isCancellation(err)) log.error('request effect failed', { requestId, error: String(err) });
      })
      .finally(() => (inFlight -= 1));
  }

  /** Writes the records with every event not yet confirmed; those events count as written once it completes. */
  function persist(extra: Omit<RecordStep, 'status' | 'events'> = {}): Promise<StepOutcome> {
    const upTo = events.length;
    return recordStep({ status: snapshot(), events: tail(), ...extra }).then((outcome) => {
      confirmedSeq = Math.max(confirmedSeq, upTo);
      return outcome;
    });
  }
  const flush = () => track(persist());

  /** Sends one message per recipient; a recipient who cannot be reached is recorded and blocks nobody. */
  function deliver(
    key: string,
    recorded: Promise<StepOutcome>,
    text: (outcome: StepOutcome) => string,
    purpose: OutgoingMessage['purpose'] = 'alert',
    escalation?: OutgoingMessage['escalation'],
  ): void {
    track(
      recorded.then((outcome) =>
        Promise.all(
          outcome.recipients.map((to) =>
            sendMessage({ key: `${key}/${to.staffId}`, requestId, purpose, to, text: text(outcome), ...(escalation && { escalation }) }).catch((err) => alertFailed(key, to.staffId, err)),
          ),
        ),
      ),
    );
  }
  function alertFailed(key: string, staffId: string, err: unknown): void {
    const reason = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    state.failedAlerts.push({ key, staffId, reason, at: iso(now()) });
    note('alert_failed', { detail: { key, staffId, reason } });
    flush();
  }
  function tell(key: string, to: AssignedTechnician, text: string, purpose: OutgoingMessage['purpose']): void {
    track(sendMessage({ key: `${key}/${to.staffId}`, requestId, purpose, to: { staffId: to.staffId, phone: to.phone }, text }).catch((err) => alertFailed(key, to.staffId, err)));
  }

  // ---- Stages
  let stageIndex = 0;
  const stagePolicy = (): StagePolicy => kind.stages[stageIndex];
  const clockPolicy = (name: string): ClockPolicy => kind.clocks.find((c) => c.clock === name)!;
  const clockOf = (name: string): ClockStatus | undefined => state.clocks.find((c) => c.clock === name);
  const isOpen = () => state.closedAt === undefined;

  let begun = false;
  function enterStage(index: number): void {
    begun = true;
    stageIndex = index;
    const sp = stagePolicy();
    state.stage = sp.stage;
    if (sp.behaviour === 'callback' && !state.callbackDue) {
      completeStage('system', { note: 'not sampled for a callback (R16 share)' });
      return;
    }
    for (const cs of state.clocks) {
      const cp = clockPolicy(cs.clock);
      if (cp.stops === sp.stage && cp.anchor === 'stage_start' && cs.state === 'pending') startClock(cs, now());
    }
    if (sp.behaviour === 'assign') startRosterDispatch();
    publish();
  }

  /** A stage is done: the clocks it stops are met, and the request moves on at once. */
  function completeStage(by: string, extra: { excused?: 'customer_unreachable'; note?: string; detail?: Record<string, unknown> } = {}): void {
    const sp = stagePolicy();
    let onTime = true;
    for (const cs of state.clocks) {
      if (clockPolicy(cs.clock).stops !== sp.stage) continue;
      takePassedSteps(cs);
      if (cs.breachedAt && !extra.excused) onTime = false;
      endClock(cs, extra.excused ? 'excused' : 'met');
    }
    state.completed.push({ stage: sp.stage, cycle: state.cycle, by, at: iso(now()), ...(extra.excused && { excused: extra.excused }), ...(extra.note && { note: extra.note }) });
    note('stage_done', { actor: by, onTime, detail: { ...(extra.note && { note: extra.note }), ...(extra.excused && { excused: extra.excused }), ...extra.detail } });
    if (stageIndex + 1 < kind.stages.length) enterStage(stageIndex + 1);
    else close('completed', by);
  }

  function close(outcome: Outcome, by: string): void {
    for (const cs of state.clocks) if (cs.state !== 'met' && cs.state !== 'excused') endClock(cs, outcome === 'completed' ? 'met' : outcome === 'cancelled' ? 'stopped' : 'excused');
    // A dispatch still in flight may claim the round and text a technician after this close: the
    // close claims the round for nobody, and withdraws the job from whoever claimed it first.
    if ((rosterInFlight || dispatchingByHand) && patched(LATE_ACTIONS)) withdrawRound(round, outcome);
    rosterDispatch?.cancel();
    state.outcome = outcome;
    state.closedAt = iso(now());
    state.stage = 'closed';
    note('closed', { actor: by, detail: { outcome } });
    publish();
    // R1: the first-contact owner is told the result, to tell the customer.
    const missed = state.breaches.map((b) => `${b.clock} (${b.rule})`).join('、');
    const summary = outcome === 'cancelled' ? `已撤销：${state.cancellation?.reason ?? ''}` : missed ? `超时环节：${missed}` : '各项时限均已达成';
    track(
      persist({ notice: { key: `${requestId}/closed/${input.firstContactStaffId}`, staffId: input.firstContactStaffId, text: closingText(requestId, summary) } }).then((out) => {
        if (out.noticeFailed) alertFailed(`${requestId}/closed`, input.firstContactStaffId, new Error(out.noticeFailed));
      }),
    );
  }

  // ---- Clocks
  const paused = () => activePause() !== undefined;

  /** Starts a clock whose limit runs from `fromMs`; its warning counts from `warnFromMs` (when the visit was agreed). */
  function startClock(cs: ClockStatus, fromMs: number, warnFromMs = fromMs): void {
    const cp = clockPolicy(cs.clock);
    Object.assign(cs, { cycle: state.cycle, startedAt: iso(warnFromMs), breachedAt: undefined, endedAt: undefined, onTime: undefined, provisional: false });
    pauseShift.set(cs.clock, 0);
    const deadline = clockDeadline(cp, state.severity, fromMs);
    if (deadline) {
      cs.deadline = deadline.deadline;
      cs.state = 'running';
      watch(cs);
      return;
    }
    cs.state = 'starting';
    cs.deadline = undefined;
    const cycle = cs.cycle;
    track(
      computeWorkingDeadline(cp, fromMs).then((d) => {
        if (cs.state !== 'starting' || cs.cycle !== cycle) return;
        Object.assign(cs, { state: 'running', deadline: d.deadline, provisional: d.provisional });
        publish();
        watch(cs);
      }),
    );
  }

  async function computeWorkingDeadline(cp: ClockPolicy, fromMs: number): Promise<{ deadline: string; provisional: boolean }> {
    const limit = limitFor(cp.limit, state.severity);
    const days = 'workingDays' in limit ? limit.workingDays : 1;
    const r = await workingDeadline({ startMs: fromMs, days, utcOffsetMinutes: rules.utcOffsetMinutes, cutoff: rules.workingDayCutoff });
    return { deadline: r.deadline, provisional: r.provisional };
  }

  function endClock(cs: ClockStatus, how: 'met' | 'excused' | 'stopped'): void {
    if (cs.state === 'met' || cs.state === 'excused' || cs.state === 'stopped') return;
    takePassedSteps(cs);
    const started = cs.state === 'running' || cs.state === 'starting';
    cs.state = started || how !== 'met' ? how : 'stopped';
    cs.endedAt = iso(now());
    if (started) cs.onTime = how === 'excused' || !cs.breachedAt;
  }

  /** Moves a running clock's deadline; its ladder re-arms and a new warning precedes the new deadline. */
  function moveDeadline(cs: ClockStatus, to: number, keepProvisional = false): void {
    cs.deadline = iso(to);
    if (!keepProvisional) cs.provisional = false; // a date set by a person is no longer the calendar's
    cs.version += 1;
  }
  /** Force-majeure time added to each clock, kept when a provisional deadline is recomputed. */
  const pauseShift = new Map<string, number>();

  const watched = new Set<string>();
  function watch(cs: ClockStatus): void {
    const key = `${cs.clock}/${cs.cycle}`;
    // An update handled in the request's first workflow task runs while the handlers are being
    // set, before the course below starts the intake clocks: each clock is watched once.
    if (watched.has(key) && patched(FIRST_TASK_UPDATES)) return;
    watched.add(key);
    void watchLadder(cs);
    if (cs.provisional) track(recheckProvisional(cs));
  }

  /** The ladder steps taken for each clock's cycle (cleared when a moved deadline re-arms the warning). */
  const firedSteps = new Map<string, Set<number>>();
  function stepsFired(cs: ClockStatus): Set<number> {
    const key = `${cs.clock}/${cs.cycle}`;
    if (!firedSteps.has(key)) firedSteps.set(key, new Set());
    return firedSteps.get(key)!;
  }

  /**
   * An action applied in the same task as a fired timer is applied first (the SDK runs updates
   * before timers), and with no worker up across a deadline the breach timer is not even armed
   * yet. So an action that ends a clock first takes the breach and later steps whose time had
   * passed when its task started: the task's time comes from history, the same on every replay.
   */
  function takePassedSteps(cs: ClockStatus): void {
    if (cs.state !== 'running' || !cs.deadline || paused()) return;
    const cp = clockPolicy(cs.clock);
    const fired = stepsFired(cs);
    const passed = stepTimes(cp, Date.parse(cs.startedAt!), Date.parse(cs.deadline))
      .filter((s) => s.step > 0 && !fired.has(s.step) && s.at < now())
      .sort((a, b) => a.step - b.step);
    if (passed.length === 0 || !patched(LATE_ACTIONS)) return;
    for (const s of passed) {
      fired.add(s.step);
      fireStep(cs, cp, s.step, s.at, s.level);
    }
  }

  /** Each step of the ladder is its own timer; the step happens because its timer fired. */
  async function watchLadder(cs: ClockStatus): Promise<void> {
    const cp = clockPolicy(cs.clock);
    const cycle = cs.cycle;
    const live = () => cs.state === 'running' && cs.cycle === cycle;
    const fired = stepsFired(cs);
    let version = cs.version;
    while (live()) {
      if (paused()) {
        await condition(() => !paused() || !live());
        continue;
      }
      if (cs.version !== version) {
        version = cs.version;
        if (!cs.breachedAt) fired.clear(); // a moved deadline gets its own warning
      }
      const steps = stepTimes(cp, Date.parse(cs.startedAt!), Date.parse(cs.deadline!)).filter((s) => !fired.has(s.step) && !(s.step === 0 && cs.breachedAt));
      const next = steps.sort((a, b) => a.at - b.at || a.step - b.step)[0];
      const changed = () => !live() || cs.version !== version || paused();
      if (!next) {
        await condition(changed);
        continue;
      }
      const summary = `${cp.rule} ${cp.clock}: ${next.step === 0 ? 'warning' : next.step === 1 ? 'breach' : `escalation level ${next.step}`} (${cp.description})`;
      const interrupted = await condition(changed, Math.max(next.at - now(), 1), { summary });
      if (interrupted) continue;
      fired.add(next.step);
      fireStep(cs, cp, next.step, next.at, next.level);
    }
  }

  /**
   * One ladder step, because its timer fired. Its time is the step's own (the deadline for the
   * breach), never the activation's clock: an activation can carry an earlier task's time.
   */
  function fireStep(cs: ClockStatus, cp: ClockPolicy, step: number, stepAt: number, level?: LadderLevelPolicy): void {
    const at = iso(stepAt);
    const deadline = cs.deadline!;
    const base = { requestId, rule: cp.rule, description: cp.description, deadline, offset: rules.utcOffsetMinutes };
    const assignee = state.assignee?.staffId;
    const key = `${requestId}/${cs.clock}/${cs.cycle}`;
    if (step === 0) {
      state.warnings.push({ clock: cs.clock, at });
      const to = cp.responsible === 'assignee' ? (assignee ? { roles: [], staffIds: [assignee] } : { roles: ['customer_manager' as StaffRole], staffIds: [] }) : { roles: [cp.responsible], staffIds: [] };
      note('warned', { at, detail: { clock: cs.clock, rule: cp.rule, deadline } });
      deliver(`${key}/v${cs.version}/warning`, persist({ notify: { ...to, at } }), () => warningText(base), 'notice');
      return;
    }
    const alert = level!.alert;
    if (step === 1) {
      cs.breachedAt = at;
      state.breaches.push({ clock: cs.clock, stage: cp.stops, cycle: cs.cycle, rule: cp.rule, deadline, breachedAt: at });
      note('breached', { at, onTime: false, detail: { clock: cs.clock, rule: cp.rule, deadline } });
      publish();
      const responsible = cp.responsible === 'assignee' ? (assignee ? { responsibleStaffId: assignee } : { responsibleRole: 'customer_manager' as StaffRole }) : { responsibleRole: cp.responsible };
      const breach = { clock: cs.clock, stage: cp.stops, cycle: cs.cycle, rule: cp.rule, deadline, breachedAt: at, ...responsible, ...policy.accountability };
      deliver(
        `${key}/alert`,
        persist({ breach, notify: { roles: alert, staffIds: [], at } }),
        (o) => breachText({ ...base, level: 1, responsible: o.responsibleStaffId, recordId: o.recordId }),
        'alert',
        { deadline, rule: cp.rule, level: 1 },
      );
      return;
    }
    note('escalated', { at, detail: { clock: cs.clock, level: step, alert } });
    const levelDue = iso(Date.parse(deadline) + level!.afterHours * HOUR_MS);
    deliver(`${key}/L${step}/alert`, persist({ notify: { roles: alert, staffIds: [], at } }), () => breachText({ ...base, level: step, responsible: assignee }), 'alert', {
      deadline: levelDue,
      rule: cp.rule,
      level: step,
    });
  }

  /** A working-day deadline in a year without calendar data is recomputed until the data is there. */
  async function recheckProvisional(cs: ClockStatus): Promise<void> {
    const cp = clockPolicy(cs.clock);
    const cycle = cs.cycle;
    const from = Date.parse(cs.startedAt!);
    const live = () => cs.state === 'running' && cs.cycle === cycle && cs.provisional === true;
    while (live()) {
      if (await condition(() => !live(), rules.provisionalRecheckHours * HOUR_MS, { summary: 'Recheck a provisional working-day deadline' })) return;
      const fresh = await computeWorkingDeadline(cp, from);
      if (!live()) return;
      moveDeadline(cs, Date.parse(fresh.deadline) + (pauseShift.get(cs.clock) ?? 0), true);
      cs.provisional = fresh.provisional;
      if (!fresh.provisional) note('deadline_confirmed', { detail: { clock: cs.clock, deadline: cs.deadline } });
      publish();
      flush();
    }
  }

  // ---- Dispatch (R4, R33): the roster's and a person's dispatch claim the same round; one wins.
  let round = 0;
  let rosterDispatch: CancellationScope | undefined;
  let dispatchingByHand = false;
  const jobText = () => jobSmsText({ requestId, label: kind.label, severity: state.severity, description: input.description, customer: input.customer });

  let rosterInFlight = false;

  function startRosterDispatch(): void {
    const thisRound = round;
    rosterDispatch = new CancellationScope();
    rosterInFlight = true;
    track(
      rosterDispatch
        .run(() => dispatchByRoster({ requestId, regionId: state.regionId, round: thisRound, text: jobText(), actorId: 'roster' }))
        .then((out) => {
          rosterInFlight = false;
          if (assign(out.technician, out.claimedBy, thisRound)) flush();
        })
        .finally(() => (rosterInFlight = false)),
    );
  }

  /** The request closed with a dispatch of `ofRound` in flight: nobody may claim it now; whoever did is told the job is off. */
  function withdrawRound(ofRound: number, outcome: Outcome): void {
    const reason = outcome === 'cancelled' ? (state.cancellation?.reason ?? '') : outcome;
    track(
      closeRound({ requestId, round: ofRound }).then(({ technician }) => {
        if (technician) tell(`${requestId}/job/${ofRound}/cancelled`, technician, cancelJobText(requestId, reason), 'notice');
      }),
    );
  }

  /** Records who holds the job; false when the request has moved on already. */
  function assign(technician: AssignedTechnician, by: string, ofRound: number): boolean {
    if (!isOpen() || ofRound !== round || stagePolicy().behaviour !== 'assign') return false;
    state.assignee = technician;
    rosterDispatch?.cancel();
    note('dispatched', { actor: by, detail: { technician } });
    completeStage(by);
    return true;
  }

  // ---- Validators' shared guards: each names what the state or the asker does not allow.
  function requireOpen(what: string): void {
    if (!isOpen()) throw refuse(`Request ${requestId} is closed (${state.outcome}); ${what} is no longer possible.`);
  }
  function requireTime(value: string | undefined, field: string): number {
    const ms = value === undefined ? NaN : Date.parse(value);
    if (Number.isNaN(ms)) throw refuse(`${field} "${value}" is not a date-time; write it like 2026-11-22T15:00:00+08:00.`);
    return ms;
  }
  function requireStageRunning(what: string): void {
    requireOpen(what);
    if (!state.paperwork.complete) throw refuse(`Request ${requestId} waits for the customer's paperwork (R11): ${state.paperwork.missingItems.join(', ') || 'not yet complete'}; ${what} comes after.`);
  }
  function requireDoneBy(actor: Actor, sp: StagePolicy, what: string): void {
    const roles = sp.doneBy;
    if (roles.includes('assignee') && state.assignee?.staffId === actor.id) return;
    const plain = roles.filter((r): r is StaffRole => r !== 'assignee');
    if (plain.includes(actor.role)) return requireRole(actor, plain, state.regionId, what);
    if (actor.role === 'technician' && roles.includes('assignee')) {
      throw forbid(`Request ${requestId} was dispatched to ${state.assignee?.staffId ?? 'nobody yet'}, not to you (${actor.id}); only the assigned technician records ${what}.`);
    }
    throw forbid(`${what} at stage "${sp.stage}" is recorded by: ${roleList(roles)}.`);
  }
  /** The clock an extension or postponement is about: named, else the running one this stage stops, else the soonest running. */
  function targetClock(named: string | undefined, capability: 'extension' | 'postponement'): ClockStatus {
    const allowed = state.clocks.filter((c) => c.state === 'running' && clockPolicy(c.clock)[capability]);
    const names = allowed.map((c) => c.clock).join(', ') || 'none';
    const what = capability === 'extension' ? 'an extension (R13)' : 'a postponement (R7)';
    if (named !== undefined) {
      const cs = allowed.find((c) => c.clock === named);
      if (!cs) throw refuse(`Clock "${named}" of request ${requestId} cannot take ${what} now; clocks that can: ${names}.`);
      return cs;
    }
    const cs = allowed.find((c) => clockPolicy(c.clock).stops === state.stage) ?? [...allowed].sort((a, b) => a.deadline!.localeCompare(b.deadline!))[0];
    if (!cs) throw refuse(`No running limit of request ${requestId} can take ${what} at stage "${state.stage}".`);
    return cs;
  }
  function requireNotBreached(cs: ClockStatus, what: string): void {
    if (cs.breachedAt) throw refuse(`The ${cs.clock} limit (${cs.rule}) was already missed at ${cs.breachedAt}; ${what} can no longer move it.`);
    // Its breach timer may fire in this very task, after this update: a passed deadline is missed.
    if (!paused() && now() > Date.parse(cs.deadline!)) throw refuse(`The ${cs.clock} limit (${cs.rule}) passed at ${cs.deadline}; ${what} can no longer move it.`);
  }

  // ---- Dispatch by hand and reassignment
  setHandler(
    dispatchUpdate,
    async ({ actor, technicianId }) => {
      dispatchingByHand = true;
      try {
        const thisRound = round;
        const out = await dispatchByHand({ requestId, regionId: state.regionId, round: thisRound, text: jobText(), actorId: actor.id, technicianId });
        // Whoever claimed the round first holds the job; the answer names them.
        assign(out.technician, out.claimedBy, thisRound);
      } catch (err) {
        throw dispatchRefusal(err, technicianId);
      } finally {
        dispatchingByHand = false;
      }
      return result();
    },
    {
      validator: ({ actor }) => {
        requireStageRunning('a dispatch');
        requireRole(actor, MAY_DISPATCH, state.regionId, 'Dispatching by hand');
        if (stagePolicy().behaviour !== 'assign') throw refuse(`Request ${requestId} was dispatched already (to ${state.assignee?.staffId}); a manager can reassign it.`);
        if (dispatchingByHand) throw refuse(`Request ${requestId} is being dispatched by hand already.`);
      },
    },
  );

  function dispatchRefusal(err: unknown, technicianId: string): ApplicationFailure {
    const cause = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause : undefined;
    return ApplicationFailure.create({
      type: cause?.type === 'UnknownTechnician' ? UNKNOWN_REFERENCE : 'ActionNotAllowed',
      message: `Could not dispatch request ${requestId} to ${technicianId}: ${cause?.message ?? String(err)}`,
      nonRetryable: true,
    });
  }

  setHandler(
    reassignUpdate,
    async ({ actor, technicianId, reason }) => {
      dispatchingByHand = true;
      const previous = state.assignee!;
      try {
        round += 1;
        const out = await dispatchByHand({ requestId, regionId: state.regionId, round, text: jobText(), actorId: actor.id, technicianId });
        state.assignee = out.technician;
        note('reassigned', { actor: actor.id, detail: { from: previous.staffId, to: out.technician.staffId, reason } });
        publish();
        if (previous.staffId !== out.technician.staffId) tell(`${requestId}/job/${round}/withdrawn`, previous, cancelJobText(requestId, reason), 'notice');
      } catch (err) {
        round -= 1;
        throw dispatchRefusal(err, technicianId);
      } finally {
        dispatchingByHand = false;
      }
      return result();
    },
    {
      validator: ({ actor, technicianId }) => {
        requireOpen('a reassignment');
        requireRegionLeader(actor, state.regionId, 'Reassigning the technician');
        if (!state.assignee) throw refuse(`Request ${requestId} has not been dispatched yet; dispatch it instead.`);
        if (state.assignee.staffId === technicianId) throw refuse(`Request ${requestId} is already with ${technicianId}.`);
        if (dispatchingByHand) throw refuse(`Request ${requestId} is being dispatched by hand right now; try again in a moment.`);
      },
    },
  );

  // ---- Completing the current stage: appointment (R6, R32), visit, work, callback (R16, R17)
  setHandler(
    completeStageUpdate,
    ({ actor, note: text, visitAt, satisfaction, faultResolved }) => {
      const sp = stagePolicy();
      if (sp.behaviour === 'appointment') {
        state.visitAt = new Date(visitAt!).toISOString();
        const arrival = state.clocks.find((c) => clockPolicy(c.clock).anchor === 'visit_time');
        completeStage(actor.id, { detail: { visitAt: state.visitAt }, ...(text && { note: text }) });
        // The arrival limit runs from the visit time; its warning counts from when it was agreed.
        if (arrival && isOpen()) {
          startClock(arrival, Date.parse(state.visitAt), Math.min(now(), Date.parse(state.visitAt)));
          publish();
        }
      } else if (sp.behaviour === 'callback') {
        state.callback = { agentId: actor.id, at: iso(now()), satisfaction: satisfaction!, faultResolved: faultResolved!, ...(text && { note: text }) };
        note('callback_recorded', { actor: actor.id, detail: { satisfaction, faultResolved, ...(text && { note: text }) } });
        if (faultResolved || !sp.reopenTo) completeStage(actor.id);
        else reopen(sp, actor.id);
      } else {
        completeStage(actor.id, text ? { note: text } : {});
      }
      return result();
    },
    {
      validator: ({ actor, stage, visitAt, satisfaction, faultResolved }) => {
        requireStageRunning('completing a stage');
        const sp = stagePolicy();
        if (sp.behaviour === 'assign') throw refuse(`Request ${requestId} has not been dispatched to a technician yet; "${stage}" can be recorded after dispatch (POST …/dispatch).`);
        if (stage !== sp.stage) throw refuse(`Request ${requestId} is at stage "${sp.stage}", not "${stage}".`);
        requireDoneBy(actor, sp, `stage "${sp.stage}"`);
        if (state.clocks.some((c) => c.state === 'starting' && clockPolicy(c.clock).stops === sp.stage)) throw refuse(`Stage "${sp.stage}" is starting its clock; try again in a moment.`);
        if (sp.behaviour === 'appointment' && requireTime(visitAt, 'visitAt') < now() - 5 * MINUTE_MS) {
          throw refuse(`visitAt ${visitAt} is in the past; agree a visit time from now on (R6).`);
        }
        if (sp.behaviour === 'callback') {
          if (typeof satisfaction !== 'number' || satisfaction < 1 || satisfaction > 5) throw refuse('A callback records satisfaction from 1 to 5 (R16).');
          if (typeof faultResolved !== 'boolean') throw refuse('A callback records whether the problem is gone: faultResolved true or false (R17).');
        }
      },
    },
  );

  /** R17: the problem is still there; back to the stage that fixes it, with fresh clocks. */
  function reopen(sp: StagePolicy, by: string): void {
    const to = kind.stages.findIndex((s) => s.stage === sp.reopenTo);
    for (const cs of state.clocks) if (clockPolicy(cs.clock).stops === sp.stage) endClock(cs, 'met');
    state.completed.push({ stage: sp.stage, cycle: state.cycle, by, at: iso(now()) });
    state.cycle += 1;
    const reopened = new Set(kind.stages.slice(to).map((s) => s.stage));
    note('reopened', { actor: by, detail: { cycle: state.cycle, stage: sp.reopenTo } });
    stageIndex = to;
    state.stage = kind.stages[to].stage;
    for (const cs of state.clocks) {
      const cp = clockPolicy(cs.clock);
      if (!reopened.has(cp.stops)) continue;
      cs.state = 'pending';
      if (cp.stops === state.stage) startClock(cs, now()); // a fresh limit from now
    }
    publish();
  }

  // ---- Paperwork (R3, R11, R12)
  setHandler(
    recordPaperworkUpdate,
    ({ actor, complete, missingItems }) => {
      if (complete) {
        state.paperwork = { ...state.paperwork, complete: true, completedAt: iso(now()), missingItems: [] };
        note('paperwork_complete', { actor: actor.id });
        for (const cs of state.clocks) if (clockPolicy(cs.clock).anchor === 'paperwork_complete' && cs.state === 'pending') startClock(cs, now());
        enterStage(0);
      } else {
        state.paperwork = { ...state.paperwork, missingItems };
        note('paperwork_missing', { actor: actor.id, detail: { missingItems } }); // R3: everything missing, at once
      }
      return result();
    },
    {
      validator: ({ actor, complete, missingItems }) => {
        requireOpen('recording paperwork');
        requireRole(actor, SPEAK_FOR_CUSTOMER, state.regionId, 'Recording paperwork');
        if (!kind.needsPaperwork) throw refuse(`A ${state.kind} request needs no paperwork.`);
        if (state.paperwork.complete) throw refuse(`The paperwork of request ${requestId} is already complete.`);
        const limitHours = kind.paperworkLimitHours;
        if (complete && limitHours !== undefined && now() >= receivedMs + limitHours * HOUR_MS) {
          throw refuse(`The paperwork of request ${requestId} was due within ${limitHours} hours of intake; the request has lapsed (R12) and closes now. Take a new request.`);
        }
        if (!complete && missingItems.length === 0) throw refuse('List the missing items the customer still owes (R3).');
      },
    },
  );

  async function watchPaperwork(): Promise<void> {
    const limitHours = kind.paperworkLimitHours;
    const settled = () => state.paperwork.complete || !isOpen();
    if (limitHours === undefined) return void (await condition(settled));
    const due = receivedMs + limitHours * HOUR_MS;
    if (await condition(settled, Math.max(due - now(), 1), { summary: 'R12: paperwork not completed in time' })) return;
    // R12: counts as done on time for the customer's reason; the owner reports it in writing.
    note('paperwork_lapsed', { detail: { limitHours, missingItems: state.paperwork.missingItems } });
    addReport(input.firstContactStaffId, [], '客户未在规定时间内补齐资料');
    close('paperwork_lapsed', 'system');
  }

  // ---- Unreachable customer (R12): counts as done on time; the written report is due
  function addReport(by: string, attempts: string[], reason: string): void {
    const report: UnreachableReport = { stage: state.stage, reportedBy: by, attempts, reason, reportDueAt: iso(now() + rules.unreachableReportHours * HOUR_MS) };
    state.unreachable.push(report);
    track(watchReport(report, state.unreachable.length - 1));
  }

  async function watchReport(report: UnreachableReport, index: number): Promise<void> {
    const filed = await condition(() => report.reportFiledAt !== undefined, Math.max(Date.parse(report.reportDueAt) - now(), 1), { summary: 'R12 written report to the business leader' });
    if (!filed) reportMissed(report, index);
  }

  /** R12: the written report was not filed by its due time; a breach against whoever owed it. */
  const reportsMissed = new Set<number>();
  function reportMissed(report: UnreachableReport, index: number): void {
    if (reportsMissed.has(index)) return;
    reportsMissed.add(index);
    const at = report.reportDueAt;
    const clock = 'unreachable_report';
    state.breaches.push({ clock, stage: report.stage, cycle: index, rule: 'R12', deadline: report.reportDueAt, breachedAt: at });
    note('breached', { at, onTime: false, detail: { clock, rule: 'R12', deadline: report.reportDueAt, reportedBy: report.reportedBy } });
    publish();
    const breach = { clock, stage: report.stage, cycle: index, rule: 'R12', deadline: report.reportDueAt, breachedAt: at, responsibleStaffId: report.reportedBy, ...policy.accountability };
    deliver(`${requestId}/${clock}/${index}/alert`, persist({ breach, notify: { roles: rules.reportBreachAlert, staffIds: [], at } }), (o) =>
      breachText({ requestId, rule: 'R12', description: '客户无法联系的书面报告', deadline: report.reportDueAt, offset: rules.utcOffsetMinutes, level: 1, responsible: report.reportedBy, recordId: o.recordId }),
    );
  }

  setHandler(
    reportUnreachableUpdate,
    ({ actor, attempts, reason }) => {
      note('customer_unreachable', { actor: actor.id, detail: { attempts, reason } });
      addReport(actor.id, attempts, reason);
      state.completed.push({ stage: state.stage, cycle: state.cycle, by: actor.id, at: iso(now()), excused: 'customer_unreachable' });
      close('customer_unreachable', actor.id);
      return result();
    },
    {
      validator: ({ actor, attempts }) => {
        requireStageRunning('reporting an unreachable customer');
        const sp = stagePolicy();
        if (!sp.unreachable) throw refuse(`At stage "${sp.stage}" the customer cannot be reported unreachable.`);
        requireDoneBy(actor, sp, 'an unreachable customer');
        attempts.forEach((a: string) => requireTime(a, 'attempts[]'));
        if (new Set(attempts).size < rules.unreachableMinAttempts) throw refuse(`Record at least ${rules.unreachableMinAttempts} separate attempts to reach the customer (R12).`);
      },
    },
  );

  setHandler(
    fileUnreachableReportUpdate,
    ({ actor, report }) => {
      const open = state.unreachable.find((u) => u.reportedBy === actor.id && !u.reportFiledAt)!;
      // Filed in the task its due timer fired in, or later: still late (see takePassedSteps).
      if (now() > Date.parse(open.reportDueAt) && !reportsMissed.has(state.unreachable.indexOf(open)) && patched(LATE_ACTIONS)) reportMissed(open, state.unreachable.indexOf(open));
      open.reportFiledAt = iso(now());
      open.report = report;
      note('unreachable_report_filed', { actor: actor.id, detail: { reportDueAt: open.reportDueAt } });
      return result();
    },
    {
      validator: ({ actor }) => {
        if (!state.unreachable.some((u) => u.reportedBy === actor.id && !u.reportFiledAt)) {
          throw refuse(`There is no written report for you (${actor.id}) to file on request ${requestId} (R12).`);
        }
      },
    },
  );

  // ---- Extension (R13) and postponement (R7)
  setHandler(
    requestExtensionUpdate,
    ({ actor, clock, newDeadline, reason }) => {
      const cs = targetClock(clock, 'extension');
      state.pendingExtension = { clock: cs.clock, requestedBy: actor.id, requestedAt: iso(now()), newDeadline: new Date(newDeadline).toISOString(), reason };
      note('extension_requested', { actor: actor.id, detail: { clock: cs.clock, newDeadline: state.pendingExtension.newDeadline, reason } });
      return result();
    },
    {
      validator: ({ actor, clock, newDeadline }) => {
        requireStageRunning('asking for an extension');
        if (state.pendingExtension) throw refuse(`Request ${requestId} already has an extension request waiting for a leader's decision.`);
        if (state.assignee) {
          if (state.assignee.staffId !== actor.id) throw forbid(`Only the assigned technician (${state.assignee.staffId}) asks for an extension of request ${requestId} (R13).`);
        } else requireDoneBy(actor, stagePolicy(), 'an extension request');
        const cs = targetClock(clock, 'extension');
        requireNotBreached(cs, 'an extension');
        if (requireTime(newDeadline, 'newDeadline') <= Date.parse(cs.deadline!)) throw refuse(`newDeadline ${newDeadline} must be later than the current ${cs.clock} deadline ${cs.deadline}.`);
      },
    },
  );

  setHandler(
    decideExtensionUpdate,
    ({ actor, approve, note: text }) => {
      const asked = state.pendingExtension!;
      state.pendingExtension = undefined;
      state.extensions.push({ ...asked, decidedBy: actor.id, decidedAt: iso(now()), approved: approve, ...(text && { note: text }) });
      const cs = clockOf(asked.clock)!;
      if (approve && cs.state === 'running' && !cs.breachedAt) {
        const from = cs.deadline!;
        // Never earlier than it is now: a customer's postponement since the ask still holds.
        moveDeadline(cs, Math.max(Date.parse(asked.newDeadline), Date.parse(from)));
        note('extension_approved', { actor: actor.id, detail: { clock: cs.clock, from, to: cs.deadline, ...(text && { note: text }) } });
        publish();
      } else {
        note('extension_rejected', { actor: actor.id, detail: { clock: asked.clock, ...(text && { note: text }), ...(approve && { reason: 'the limit ended or was missed before the decision' }) } });
      }
      return result();
    },
    {
      validator: ({ actor }) => {
        requireOpen('deciding an extension');
        if (!state.pendingExtension) throw refuse(`No extension has been requested for request ${requestId}; there is nothing to decide.`);
        requireRegionLeader(actor, state.regionId, 'An extension (R13)', state.pendingExtension.requestedBy);
      },
    },
  );

  setHandler(
    postponeUpdate,
    ({ actor, clock, until, reason }) => {
      const cs = targetClock(clock, 'postponement');
      const from = cs.deadline!;
      moveDeadline(cs, Date.parse(until));
      state.postponements.push({ clock: cs.clock, requestedBy: actor.id, at: iso(now()), reason, from, to: cs.deadline! });
      note('postponed', { actor: actor.id, detail: { clock: cs.clock, reason, from, to: cs.deadline, count: state.postponements.length } });
      publish();
      return result();
    },
    {
      validator: ({ actor, clock, until }) => {
        requireStageRunning('a postponement');
        requireRole(actor, SPEAK_FOR_CUSTOMER, state.regionId, 'Recording what the customer asked (R7)');
        const cs = targetClock(clock, 'postponement');
        requireNotBreached(cs, 'a postponement');
        if (requireTime(until, 'until') <= Date.parse(cs.deadline!)) throw refuse(`until ${until} must be later than the current ${cs.clock} deadline ${cs.deadline} (R7).`);
      },
    },
  );

  // ---- Force majeure: anyone asks; a leader of the region other than the asker approves and ends it
  const pendingPause = () => state.pauses.find((p) => p.approved === undefined);
  function activePause() {
    return state.pauses.find((p) => p.since !== undefined && p.resumedAt === undefined);
  }

  setHandler(
    requestPauseUpdate,
    ({ actor, reason }) => {
      state.pauses.push({ requestedBy: actor.id, requestedAt: iso(now()), reason });
      note('pause_requested', { actor: actor.id, detail: { reason } });
      return result();
    },
    {
      validator: ({ actor }) => {
        requireOpen('a pause');
        requireRole(actor, ANYONE, state.regionId, 'Asking for a pause');
        if (pendingPause() || activePause()) throw refuse(`Request ${requestId} already has a force-majeure pause requested or running.`);
      },
    },
  );

  setHandler(
    decidePauseUpdate,
    ({ actor, approve, note: text }) => {
      const pause = pendingPause()!;
      pause.decidedBy = actor.id;
      pause.approved = approve;
      if (approve) {
        pause.since = iso(now());
        note('pause_approved', { actor: actor.id, ...(text && { detail: { note: text } }) });
        track(watchPauseLength(pause));
      } else note('pause_rejected', { actor: actor.id, ...(text && { detail: { note: text } }) });
      publish();
      return result();
    },
    {
      validator: ({ actor }) => {
        requireOpen('deciding a pause');
        const pause = pendingPause();
        if (!pause) throw refuse(`No force-majeure pause has been requested for request ${requestId}.`);
        requireRegionLeader(actor, state.regionId, 'A force-majeure pause', pause.requestedBy);
      },
    },
  );

  async function watchPauseLength(pause: RequestStatus['pauses'][number]): Promise<void> {
    const ended = () => pause.resumedAt !== undefined || !isOpen();
    if (await condition(ended, rules.maxPauseHours * HOUR_MS, { summary: 'Force-majeure pause longer than the policy allows' })) return;
    pause.overdueAlerted = true;
    const at = iso(now());
    note('pause_overdue', { detail: { since: pause.since, maxPauseHours: rules.maxPauseHours } });
    deliver(`${requestId}/pause/${state.pauses.indexOf(pause)}/overdue`, persist({ notify: { roles: rules.pauseOverdueAlert, staffIds: [], at } }), () =>
      pauseOverdueText(requestId, pause.since!, rules.maxPauseHours, rules.utcOffsetMinutes),
    );
  }

  setHandler(
    resumeUpdate,
    ({ actor }) => {
      const pause = activePause()!;
      pause.resumedAt = iso(now());
      pause.resumedBy = actor.id;
      const since = Date.parse(pause.since!);
      // Each running clock moves by the paused time after it started.
      for (const cs of state.clocks) {
        if (cs.state !== 'running') continue;
        const counted = now() - Math.max(since, Date.parse(cs.startedAt!));
        if (counted <= 0) continue;
        pauseShift.set(cs.clock, (pauseShift.get(cs.clock) ?? 0) + counted);
        moveDeadline(cs, Date.parse(cs.deadline!) + counted, true);
      }
      note('resumed', { actor: actor.id, detail: { pausedMinutes: Math.round((now() - since) / MINUTE_MS) } });
      publish();
      return result();
    },
    {
      validator: ({ actor }) => {
        const pause = activePause();
        if (!pause) throw refuse(`Request ${requestId} is not paused.`);
        requireRegionLeader(actor, state.regionId, 'Ending a force-majeure pause', pause.requestedBy);
      },
    },
  );

  // ---- Corrections: cancel, correct region or severity
  setHandler(
    cancelUpdate,
    ({ actor, reason }) => {
      state.cancellation = { by: actor.id, at: iso(now()), reason };
      note('cancelled', { actor: actor.id, detail: { reason } });
      if (state.assignee) tell(`${requestId}/job/${round}/cancelled`, state.assignee, cancelJobText(requestId, reason), 'notice');
      close('cancelled', actor.id);
      return result();
    },
    {
      validator: ({ actor }) => {
        requireOpen('cancelling');
        requireRole(actor, MAY_CANCEL, state.regionId, 'Cancelling a request');
        if (['branch_leader', 'company_leader'].includes(actor.role) && !leadsRegion(actor, state.regionId)) {
          throw forbid(`Request ${requestId} is in region ${state.regionId}, outside what you (${actor.id}) lead.`);
        }
      },
    },
  );

  setHandler(
    correctUpdate,
    ({ actor, regionId, severity, reason }) => {
      if (regionId !== undefined && regionId !== state.regionId) {
        state.corrections.push({ by: actor.id, at: iso(now()), field: 'regionId', from: state.regionId, to: regionId, reason });
        note('corrected', { actor: actor.id, detail: { field: 'regionId', from: state.regionId, to: regionId, reason } });
        state.regionId = regionId; // running clocks keep their deadlines; later alerts go to the new region
      }
      if (severity !== undefined && severity !== state.severity) {
        const from = state.severity ?? 'general';
        state.corrections.push({ by: actor.id, at: iso(now()), field: 'severity', from, to: severity, reason });
        state.severity = severity;
        // Clocks keyed by severity run the new limit from their own start; a missed one stays missed.
        for (const cs of state.clocks) {
          const cp = clockPolicy(cs.clock);
          if (!('bySeverity' in cp.limit) || cs.state !== 'running' || cs.breachedAt) continue;
          const d = clockDeadline(cp, severity, Date.parse(cs.startedAt!));
          if (d) moveDeadline(cs, Date.parse(d.deadline));
        }
        note('corrected', { actor: actor.id, detail: { field: 'severity', from, to: severity, reason } });
      }
      publish();
      return result();
    },
    {
      validator: ({ actor, regionId, severity }) => {
        requireOpen('a correction');
        requireRegionLeader(actor, state.regionId, 'Correcting a request');
        if (severity !== undefined && !kind.severities) throw refuse(`A ${state.kind} request has no severity.`);
        if (regionId === undefined && severity === undefined) throw refuse('Name what to correct: regionId and/or severity.');
        if ((regionId ?? state.regionId) === state.regionId && (severity ?? state.severity) === state.severity) throw refuse('Nothing to correct: the values are the same as now.');
      },
    },
  );

  setHandler(statusQuery, snapshot);

  // ---- The request's course
  for (const cs of state.clocks) if (cs.state === 'running') watch(cs);
  // An update in the first workflow task (paperwork, a cancellation) may already have begun or
  // closed the request while its handler was set: then the course must not begin it again.
  const handledEarly = (begun || !isOpen()) && patched(FIRST_TASK_UPDATES);
  if (handledEarly) {
    if (isOpen() && !state.paperwork.complete) track(watchPaperwork());
  } else if (input.answeredOnFirstContact && kind.mayCloseOnFirstContact) {
    completeStage(input.firstContactStaffId, { note: 'answered on first contact' });
  } else if (!state.paperwork.complete) {
    track(watchPaperwork());
  } else {
    enterStage(0);
  }
  await condition(() => !isOpen() && inFlight === 0 && allHandlersFinished());
  // Events of updates after the last write (a report filed after the close) are on the timeline
  // only if the API wrote them when it answered; it may have given up (503) before the commit.
  if (tail().length > 0 && patched(LATE_ACTIONS)) {
    await persist().catch((err) => log.error('final records not written', { requestId, error: String(err) }));
  }
  return snapshot();
}
