/**
 * Clocks beside stages: the state a request starts in (the API's intake answer and the workflow's
 * first state), its first timeline events, the deadlines of clock-time limits, the earliest running
 * deadline, and the times of a clock's warning and ladder levels. Every expected time is worked
 * out by hand from the documents' limits: dispatch 3 min (R4), resolution 24 h / 72 h (R8), a
 * complaint's first answer 4 h (R10).
 */
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../config/policy';
import { clockDeadline, initialStatus, intakeEvents, intakeWorkingDayClocks, nextDeadline, stepTimes } from '../../domain/clocks';
import type { RequestKind } from '../../domain/kinds';
import { snapshotFor, type ClockPolicy, type Policy } from '../../domain/policy';
import type { ClockStatus, RequestInput, RequestStatus } from '../../domain/request';

const shipped: Policy = loadPolicy();

/** Monday 23 November 2026, 10:00 in Beijing. */
const RECEIVED = '2026-11-23T02:00:00.000Z';
const T = Date.parse(RECEIVED);
const MIN = 60_000;
const HOUR = 60 * MIN;
const CUSTOMER = { name: '李伟', phone: '13800000001', address: '人民路 12 号 301 室' };

function input(kind: RequestKind, overrides: Partial<RequestInput> = {}, policy: Policy = shipped): RequestInput {
  return {
    requestId: 'SR-20261123-000042',
    kind,
    ...(kind === 'fault_repair' && { severity: 'general' as const }),
    customer: CUSTOMER,
    regionId: 'north',
    description: '所有频道无信号',
    firstContactStaffId: 'agent-7',
    receivedAt: RECEIVED,
    paperwork: { complete: true, missingItems: [] },
    policy: snapshotFor(policy, kind),
    intakeDeadlines: {},
    ...overrides,
  };
}

/** A clock as [name, state, deadline] for compact comparisons. */
const brief = (status: RequestStatus) => status.clocks.map((c) => [c.clock, c.state, c.deadline]);
const clockOf = (kind: RequestKind, name: string, policy: Policy = shipped): ClockPolicy => policy.kinds[kind].clocks.find((c) => c.clock === name)!;

describe('initialStatus: a fault repair', () => {
  it('runs exactly the dispatch (3 min, R4) and resolution (24 h, R8) clocks from intake and waits for dispatch', () => {
    const pending = (clock: string, rule: string, description: string): ClockStatus => ({ clock, rule, description, stops: clock, state: 'pending', cycle: 0, version: 0 });
    const running = (clock: string, rule: string, description: string, deadline: string): ClockStatus => ({
      ...pending(clock, rule, description),
      state: 'running',
      startedAt: RECEIVED,
      deadline,
      provisional: false,
    });
    expect(initialStatus(input('fault_repair'))).toEqual({
      requestId: 'SR-20261123-000042',
      kind: 'fault_repair',
      label: '故障报修',
      severity: 'general',
      regionId: 'north',
      customer: CUSTOMER,
      description: '所有频道无信号',
      firstContactStaffId: 'agent-7',
      policyVersion: shipped.version,
      stage: 'dispatch',
      stages: ['dispatch', 'contact', 'arrival', 'resolution', 'callback'],
      waitingFor: 'dispatch',
      cycle: 0,
      receivedAt: RECEIVED,
      paperwork: { required: false, complete: true, completedAt: RECEIVED, missingItems: [] },
      clocks: [
        running('dispatch', 'R4', '派工短信发给值班装维人员', '2026-11-23T02:03:00.000Z'),
        pending('contact', 'R6', '装维人员联系客户'),
        pending('arrival', 'R6', '按约定时间上门'),
        running('resolution', 'R8', '故障修复', '2026-11-24T02:00:00.000Z'),
        pending('callback', 'R16', '回访客户'),
      ],
      nextDeadline: '2026-11-23T02:03:00.000Z',
      breaches: [],
      warnings: [],
      completed: [],
      extensions: [],
      postponements: [],
      unreachable: [],
      pauses: [],
      callbackDue: true,
      failedAlerts: [],
      corrections: [],
    });
  });

  it('gives a major fault 72 hours (R8)', () => {
    const status = initialStatus(input('fault_repair', { severity: 'major' }));
    expect(status.severity).toBe('major');
    expect(brief(status)).toEqual([
      ['dispatch', 'running', '2026-11-23T02:03:00.000Z'],
      ['contact', 'pending', undefined],
      ['arrival', 'pending', undefined],
      ['resolution', 'running', '2026-11-26T02:00:00.000Z'],
      ['callback', 'pending', undefined],
    ]);
    expect(status.nextDeadline).toBe('2026-11-23T02:03:00.000Z');
  });

  it('ignores incomplete paperwork on a kind that needs none', () => {
    const status = initialStatus(input('fault_repair', { paperwork: { complete: false, missingItems: ['身份证'] } }));
    expect(status.paperwork).toEqual({ required: false, complete: true, completedAt: RECEIVED, missingItems: [] });
    expect(status.waitingFor).toBe('dispatch');
    expect(status.clocks.filter((c) => c.state === 'running').map((c) => c.clock)).toEqual(['dispatch', 'resolution']);
  });
});

describe('initialStatus: a complaint', () => {
  it('runs the 4-hour first response and the 3-working-day handling from intake (R10)', () => {
    const handling = { deadline: '2026-11-26T16:00:00.000Z', provisional: false };
    const status = initialStatus(input('complaint', { intakeDeadlines: { handling } }));
    expect(status).toMatchObject({ stage: 'response', stages: ['response', 'handling', 'callback'], label: '投诉' });
    expect(status.waitingFor).toBeUndefined();
    expect(status.severity).toBeUndefined();
    expect(brief(status)).toEqual([
      ['first_response', 'running', '2026-11-23T06:00:00.000Z'],
      ['handling', 'running', '2026-11-26T16:00:00.000Z'],
      ['callback', 'pending', undefined],
    ]);
    expect(status.clocks[1]).toMatchObject({ startedAt: RECEIVED, provisional: false });
    expect(status.nextDeadline).toBe('2026-11-23T06:00:00.000Z');
  });

  it('keeps a provisional working-day deadline provisional', () => {
    const status = initialStatus(input('complaint', { intakeDeadlines: { handling: { deadline: '2026-12-31T16:00:00.000Z', provisional: true } } }));
    expect(status.clocks[1]).toMatchObject({ state: 'running', deadline: '2026-12-31T16:00:00.000Z', provisional: true });
  });
});

describe('initialStatus: an installation (R9, R11)', () => {
  it('runs nothing while the paperwork is incomplete and waits for it', () => {
    const status = initialStatus(input('installation_city', { paperwork: { complete: false, missingItems: ['身份证复印件', '产权证明'] } }));
    expect(status.waitingFor).toBe('paperwork');
    expect(status.stage).toBe('dispatch');
    expect(status.paperwork).toEqual({ required: true, complete: false, missingItems: ['身份证复印件', '产权证明'] });
    expect(brief(status)).toEqual([
      ['arrival', 'pending', undefined],
      ['completion', 'pending', undefined],
      ['callback', 'pending', undefined],
    ]);
    expect(status.nextDeadline).toBeUndefined();
  });

  it('runs the 5-working-day completion from intake when the paperwork is complete', () => {
    // Mon 23 Nov: Tue 24 … Fri 27 and Mon 30 are the five working days; the end of Mon 30 in Beijing.
    const status = initialStatus(input('installation_rural', { intakeDeadlines: { completion: { deadline: '2026-11-30T16:00:00.000Z', provisional: false } } }));
    expect(status.waitingFor).toBe('dispatch');
    expect(status.paperwork).toEqual({ required: true, complete: true, completedAt: RECEIVED, missingItems: [] });
    expect(brief(status)).toEqual([
      ['arrival', 'pending', undefined],
      ['completion', 'running', '2026-11-30T16:00:00.000Z'],
      ['callback', 'pending', undefined],
    ]);
    expect(status.nextDeadline).toBe('2026-11-30T16:00:00.000Z');
  });
});

describe('initialStatus: callbackDue follows the kind’s callbackShare (R16)', () => {
  const withShare = (share: number): Policy => {
    const p = structuredClone(shipped);
    p.kinds.fault_repair.callbackShare = share;
    return p;
  };

  it('is due for every repair and complaint at the shipped 100 %, and for no consultation', () => {
    expect(initialStatus(input('fault_repair')).callbackDue).toBe(true);
    expect(initialStatus(input('complaint')).callbackDue).toBe(true);
    expect(initialStatus(input('consultation')).callbackDue).toBe(false);
  });

  it('samples by the request number at a share between', () => {
    // FNV-1a with a final mix of "SR-20261121-000001", worked out separately: 0.5993… of 2^32.
    const id = 'SR-20261121-000001';
    expect(initialStatus(input('fault_repair', { requestId: id }, withShare(0.7))).callbackDue).toBe(true);
    expect(initialStatus(input('fault_repair', { requestId: id }, withShare(0.5))).callbackDue).toBe(false);
    expect(initialStatus(input('fault_repair', { requestId: id }, withShare(0))).callbackDue).toBe(false);
  });
});

describe('intakeWorkingDayClocks: what the API computes with the calendar', () => {
  const names = (kind: RequestKind, complete: boolean, policy: Policy = shipped) => intakeWorkingDayClocks(snapshotFor(policy, kind), complete).map((c) => c.clock);

  it('lists the working-day clocks that run from intake', () => {
    expect(names('fault_repair', true)).toEqual([]);
    expect(names('complaint', true)).toEqual(['handling']);
    expect(names('complaint', false)).toEqual(['handling']);
    expect(names('installation_city', true)).toEqual(['completion']);
    expect(names('installation_city', false)).toEqual([]);
    expect(names('reconnection', true)).toEqual(['completion']);
    expect(names('consultation', true)).toEqual([]);
  });

  it('includes a limit by severity with working days for one severity only, and initialStatus runs it for that severity', () => {
    const mixed = structuredClone(shipped);
    clockOf('fault_repair', 'resolution', mixed).limit = { bySeverity: { general: { hours: 24 }, major: { workingDays: 3 } } };
    expect(names('fault_repair', true, mixed)).toEqual(['resolution']);
    const resolution = { deadline: '2026-11-26T16:00:00.000Z', provisional: false };
    expect(initialStatus(input('fault_repair', { severity: 'major', intakeDeadlines: { resolution } }, mixed)).clocks[3]).toMatchObject({
      state: 'running',
      deadline: '2026-11-26T16:00:00.000Z',
    });
    // A general fault keeps its clock-time 24 hours.
    expect(initialStatus(input('fault_repair', { severity: 'general' }, mixed)).clocks[3]).toMatchObject({ state: 'running', deadline: '2026-11-24T02:00:00.000Z' });
  });

  it('includes a working-day clock stopped by the first stage and started with it', () => {
    const p = structuredClone(shipped);
    Object.assign(clockOf('complaint', 'first_response', p), { anchor: 'stage_start', limit: { workingDays: 1 } });
    expect(names('complaint', true, p)).toEqual(['first_response', 'handling']);
    const deadlines = { first_response: { deadline: '2026-11-24T16:00:00.000Z', provisional: false }, handling: { deadline: '2026-11-26T16:00:00.000Z', provisional: false } };
    expect(brief(initialStatus(input('complaint', { intakeDeadlines: deadlines }, p)))).toEqual([
      ['first_response', 'running', '2026-11-24T16:00:00.000Z'],
      ['handling', 'running', '2026-11-26T16:00:00.000Z'],
      ['callback', 'pending', undefined],
    ]);
  });
});

describe('intakeEvents', () => {
  it('records the request received at intake by its first-contact owner (R1)', () => {
    expect(intakeEvents(input('fault_repair', { severity: 'major' }))).toEqual([
      { seq: 1, type: 'received', stage: 'dispatch', at: RECEIVED, actor: 'agent-7', detail: { kind: 'fault_repair', severity: 'major', policyVersion: shipped.version } },
    ]);
    expect(intakeEvents(input('complaint'))).toEqual([
      { seq: 1, type: 'received', stage: 'response', at: RECEIVED, actor: 'agent-7', detail: { kind: 'complaint', policyVersion: shipped.version } },
    ]);
  });

  it('records what is missing when the kind needs paperwork and it is incomplete (R3)', () => {
    expect(intakeEvents(input('reconnection', { paperwork: { complete: false, missingItems: ['缴费凭证'] } }))).toEqual([
      { seq: 1, type: 'received', stage: 'dispatch', at: RECEIVED, actor: 'agent-7', detail: { kind: 'reconnection', policyVersion: shipped.version } },
      { seq: 2, type: 'paperwork_missing', stage: 'dispatch', at: RECEIVED, actor: 'agent-7', detail: { missingItems: ['缴费凭证'] } },
    ]);
  });

  it('records nothing missing when the paperwork is complete or the kind needs none', () => {
    expect(intakeEvents(input('installation_city')).map((e) => e.type)).toEqual(['received']);
    expect(intakeEvents(input('fault_repair', { paperwork: { complete: false, missingItems: ['身份证'] } })).map((e) => e.type)).toEqual(['received']);
  });
});

describe('clockDeadline', () => {
  it('adds a clock-time limit to its anchor', () => {
    const from = Date.parse('2026-11-23T05:10:00.000Z');
    expect(clockDeadline(clockOf('fault_repair', 'contact'), 'general', from)).toEqual({ deadline: '2026-11-23T05:30:00.000Z', provisional: false });
    expect(clockDeadline(clockOf('fault_repair', 'arrival'), 'general', from)).toEqual({ deadline: '2026-11-23T05:40:00.000Z', provisional: false });
    expect(clockDeadline(clockOf('fault_repair', 'resolution'), 'major', from)).toEqual({ deadline: '2026-11-26T05:10:00.000Z', provisional: false });
    expect(clockDeadline(clockOf('fault_repair', 'callback'), undefined, from)).toEqual({ deadline: '2026-11-26T05:10:00.000Z', provisional: false });
  });

  it('leaves working days to the calendar', () => {
    expect(clockDeadline(clockOf('complaint', 'handling'), undefined, T)).toBeUndefined();
  });
});

describe('nextDeadline', () => {
  const c = (clock: string, state: ClockStatus['state'], deadline?: string): ClockStatus => ({ clock, rule: 'R0', description: '', stops: clock, state, cycle: 0, version: 0, ...(deadline && { deadline }) });

  it('is the earliest deadline among the running clocks only', () => {
    expect(
      nextDeadline({
        clocks: [c('a', 'running', '2026-11-24T02:00:00.000Z'), c('b', 'met', '2026-11-23T02:03:00.000Z'), c('c', 'running', '2026-11-23T06:00:00.000Z'), c('d', 'pending')],
      }),
    ).toBe('2026-11-23T06:00:00.000Z');
  });

  it('is absent when nothing runs, a clock is still starting, or the request is closed', () => {
    expect(nextDeadline({ clocks: [c('a', 'pending'), c('b', 'starting')] })).toBeUndefined();
    expect(nextDeadline({ clocks: [c('a', 'running', '2026-11-24T02:00:00.000Z')], closedAt: '2026-11-23T08:00:00.000Z' })).toBeUndefined();
  });
});

describe('stepTimes: the warning and the ladder levels', () => {
  it('warns at 80 % of the period, alerts level 1 at the deadline and later levels after it (dispatch, R4)', () => {
    // 3 minutes = 180 s; 80 % = 144 s. Levels at +0, +15 min and +1 h after the deadline.
    expect(stepTimes(clockOf('fault_repair', 'dispatch'), T, T + 3 * MIN)).toEqual([
      { step: 0, at: T + 144_000 },
      { step: 1, at: T + 180_000, level: { afterHours: 0, alert: ['call_centre_leader'] } },
      { step: 2, at: T + 180_000 + 15 * MIN, level: { afterHours: 0.25, alert: ['customer_manager'] } },
      { step: 3, at: T + 180_000 + HOUR, level: { afterHours: 1, alert: ['branch_leader'] } },
    ]);
  });

  it('counts a general fault’s 24 hours (R8): the warning after 19 h 12 min, the company a day after the breach', () => {
    expect(stepTimes(clockOf('fault_repair', 'resolution'), T, T + 24 * HOUR)).toEqual([
      { step: 0, at: T + 19 * HOUR + 12 * MIN },
      { step: 1, at: T + 24 * HOUR, level: { afterHours: 0, alert: ['customer_manager', 'branch_leader'] } },
      { step: 2, at: T + 48 * HOUR, level: { afterHours: 24, alert: ['company_leader'] } },
    ]);
  });

  it('takes the period of a working-day deadline as it falls', () => {
    // Started Mon 10:00, due Thu 24:00 Beijing: 86 hours; 80 % is 68 h 48 min.
    const deadline = Date.parse('2026-11-26T16:00:00.000Z');
    expect(deadline - T).toBe(86 * HOUR);
    const steps = stepTimes(clockOf('complaint', 'handling'), T, deadline);
    expect(steps.map((s) => [s.step, s.at])).toEqual([
      [0, T + 68 * HOUR + 48 * MIN],
      [1, deadline],
      [2, deadline + 24 * HOUR],
      [3, deadline + 72 * HOUR],
    ]);
  });

  it('gives no warning when warningAt is 0 or the deadline is not after the start', () => {
    const noWarning = { ...clockOf('complaint', 'first_response'), warningAt: 0 };
    expect(stepTimes(noWarning, T, T + 4 * HOUR).map((s) => s.step)).toEqual([1, 2]);
    expect(stepTimes(clockOf('complaint', 'first_response'), T, T).map((s) => [s.step, s.at])).toEqual([
      [1, T],
      [2, T + 4 * HOUR],
    ]);
  });
});
