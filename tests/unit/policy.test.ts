/**
 * The policy file: the source documents' numbers as shipped defaults (R4, R6, R8, R9, R10, R16,
 * R23, R25), start-up validation whose every message names the bad entry, and the helpers that
 * read a limit for one request (snapshotFor, limitFor, limitMs).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_FILE, loadCalendar, loadPolicy } from '../../config/policy';
import { AGGRAVATED_FROM_RECORD, STATEMENT_WINDOW_HOURS } from '../../domain/accountability';
import { REQUEST_KINDS, type RequestKind } from '../../domain/kinds';
import { describeLimit, limitFor, limitMs, policyProblems, snapshotFor, type ClockPolicy, type Policy } from '../../domain/policy';

const shipped: Policy = loadPolicy(DEFAULT_POLICY_FILE);

/** One clock of the shipped policy by name; fails loudly when it is not there. */
function clock(kind: RequestKind, name: string, policy: Policy = shipped): ClockPolicy {
  const found = policy.kinds[kind].clocks.find((c) => c.clock === name);
  if (!found) throw new Error(`no clock ${name} on ${kind}`);
  return found;
}
const stages = (kind: RequestKind) => shipped.kinds[kind].stages.map((s) => s.stage);
const clocks = (kind: RequestKind) => shipped.kinds[kind].clocks.map((c) => c.clock);

/** The problems of a copy of the shipped policy changed by `mutate`. */
function broken(mutate: (p: Policy) => void): string[] {
  const copy = structuredClone(shipped);
  mutate(copy);
  return policyProblems(copy);
}

describe('the shipped policy file', () => {
  it('is valid and holds every kind of request (R2)', () => {
    expect(policyProblems(shipped)).toEqual([]);
    expect(Object.keys(shipped.kinds)).toEqual(['fault_repair', 'installation_city', 'installation_rural', 'reconnection', 'complaint', 'consultation']);
    expect(shipped.clock).toMatchObject({ utcOffsetMinutes: 480, workingDayCutoff: '24:00' });
  });

  it('repairs on report: dispatch 3 min (R4), contact 20 min and arrival within 30 min of the agreed time (R6), resolution 24 h / 72 h (R8), callback 72 h (R16)', () => {
    expect(stages('fault_repair')).toEqual(['dispatch', 'contact', 'arrival', 'resolution', 'callback']);
    expect(clocks('fault_repair')).toEqual(['dispatch', 'contact', 'arrival', 'resolution', 'callback']);
    expect(shipped.kinds.fault_repair.severities).toBe(true);
    expect(shipped.kinds.fault_repair.needsPaperwork).toBe(false);
    expect(clock('fault_repair', 'dispatch')).toMatchObject({ rule: 'R4', limit: { minutes: 3 }, anchor: 'intake', stops: 'dispatch' });
    expect(clock('fault_repair', 'contact')).toMatchObject({ rule: 'R6', limit: { minutes: 20 }, anchor: 'stage_start', stops: 'contact', responsible: 'assignee' });
    expect(clock('fault_repair', 'arrival')).toMatchObject({ rule: 'R6', limit: { minutes: 30 }, anchor: 'visit_time', stops: 'arrival', postponement: true });
    expect(clock('fault_repair', 'resolution')).toMatchObject({
      rule: 'R8',
      limit: { bySeverity: { general: { hours: 24 }, major: { hours: 72 } } },
      anchor: 'intake',
      stops: 'resolution',
      extension: true, // R13, with a leader's approval
    });
    expect(clock('fault_repair', 'callback')).toMatchObject({ rule: 'R16', limit: { hours: 72 }, anchor: 'stage_start', stops: 'callback' });
    // R17: a callback that finds the fault still there reopens the resolution.
    expect(shipped.kinds.fault_repair.stages[4]).toMatchObject({ stage: 'callback', behaviour: 'callback', reopenTo: 'resolution' });
  });

  it('installs in 5 working days in the city and, by the stricter value, in the country too (R9), from complete paperwork (R11)', () => {
    for (const kind of ['installation_city', 'installation_rural'] as const) {
      expect(shipped.kinds[kind].needsPaperwork).toBe(true);
      expect(clock(kind, 'completion')).toMatchObject({ rule: 'R9', limit: { workingDays: 5 }, anchor: 'paperwork_complete', stops: 'completion' });
      expect(clock(kind, 'arrival')).toMatchObject({ rule: 'R32', limit: { minutes: 30 }, anchor: 'visit_time' });
      expect(clock(kind, 'callback')).toMatchObject({ rule: 'R16', limit: { hours: 72 } });
    }
  });

  it('accepts the documented rural option of 10 working days (R9)', () => {
    expect(broken((p) => (clock('installation_rural', 'completion', p).limit = { workingDays: 10 }))).toEqual([]);
  });

  it('reconnects in 5 working days and handles a complaint in 3, with a first answer within 4 hours (R10)', () => {
    expect(clocks('reconnection')).toEqual(['completion']);
    expect(clock('reconnection', 'completion')).toMatchObject({ rule: 'R10', limit: { workingDays: 5 }, anchor: 'paperwork_complete' });
    expect(stages('complaint')).toEqual(['response', 'handling', 'callback']);
    expect(clock('complaint', 'first_response')).toMatchObject({ rule: 'R10', limit: { hours: 4 }, anchor: 'intake', stops: 'response' });
    expect(clock('complaint', 'handling')).toMatchObject({ rule: 'R10', limit: { workingDays: 3 }, anchor: 'intake', stops: 'handling' });
    expect(clock('complaint', 'callback')).toMatchObject({ rule: 'R16', limit: { hours: 72 } });
    expect(clock('consultation', 'response')).toMatchObject({ limit: { hours: 4 }, anchor: 'intake' });
    expect(shipped.kinds.consultation.mayCloseOnFirstContact).toBe(true);
  });

  it('calls back every repair, installation, reconnection and complaint (R16: 100 %) and no consultation', () => {
    expect(Object.fromEntries(REQUEST_KINDS.map((k) => [k, shipped.kinds[k].callbackShare]))).toEqual({
      fault_repair: 1,
      installation_city: 1,
      installation_rural: 1,
      reconnection: 1,
      complaint: 1,
      consultation: 0,
    });
  });

  it('aggravates the third record within a year (R23: "more than twice") and gives 72 hours for a statement (R25)', () => {
    expect(shipped.accountability).toEqual({ aggravatedFromRecord: 3, statementWindowHours: 72 });
    // The constants the records fall back on agree with the file.
    expect(AGGRAVATED_FROM_RECORD).toBe(3);
    expect(STATEMENT_WINDOW_HOURS).toBe(72);
  });

  it('warns at 80 % and puts every ladder’s first level at the breach', () => {
    for (const kind of REQUEST_KINDS) {
      for (const c of shipped.kinds[kind].clocks) {
        expect(c.warningAt, `${kind}.${c.clock}`).toBe(0.8);
        expect(c.ladder[0].afterHours, `${kind}.${c.clock}`).toBe(0);
      }
    }
  });

  it('comes with a valid holiday calendar', () => {
    expect(Object.keys(loadCalendar().years)).toEqual(['2025', '2026']);
  });
});

describe('policyProblems names the bad entry', () => {
  const LIMIT_SHAPES = '{ "minutes": n > 0 }, { "hours": n > 0 }, { "workingDays": a whole number ≥ 1 } or { "bySeverity": { "general": limit, "major": limit } }';
  const ROLES = 'agent, technician, customer_manager, call_centre_leader, branch_leader, company_leader, supervisor, admin';

  it('a limit of 0 working days, or half a day', () => {
    const zero = broken((p) => (p.kinds.complaint.clocks[1].limit = { workingDays: 0 }));
    expect(zero).toEqual([`kinds.complaint.clocks[1] (handling).limit: must be ${LIMIT_SHAPES}, got {"workingDays":0}`]);
    expect(zero[0].startsWith('kinds.complaint.clocks[1] (handling).limit')).toBe(true);
    expect(broken((p) => (p.kinds.complaint.clocks[1].limit = { workingDays: 2.5 }))).toEqual([
      `kinds.complaint.clocks[1] (handling).limit: must be ${LIMIT_SHAPES}, got {"workingDays":2.5}`,
    ]);
    expect(broken((p) => (p.kinds.fault_repair.clocks[0].limit = { minutes: 0 }))).toEqual([`kinds.fault_repair.clocks[0] (dispatch).limit: must be ${LIMIT_SHAPES}, got {"minutes":0}`]);
  });

  it('a limit with two units', () => {
    expect(broken((p) => (p.kinds.complaint.clocks[1].limit = { hours: 4, workingDays: 3 } as never))).toEqual([
      `kinds.complaint.clocks[1] (handling).limit: must be ${LIMIT_SHAPES}, got {"hours":4,"workingDays":3}`,
    ]);
  });

  it('a clock that no stage stops', () => {
    expect(broken((p) => (p.kinds.fault_repair.clocks[0].stops = 'dispatching'))).toEqual([
      'kinds.fault_repair.clocks[0] (dispatch).stops: no stage "dispatching" in this kind; stages: dispatch, contact, arrival, resolution, callback',
    ]);
  });

  it('a reopenTo naming a later stage or the stage itself (R17)', () => {
    expect(broken((p) => (p.kinds.complaint.stages[1].reopenTo = 'callback'))).toEqual([
      'kinds.complaint.stages[1] (handling).reopenTo: must name an earlier stage, got "callback"',
    ]);
    expect(broken((p) => (p.kinds.fault_repair.stages[4].reopenTo = 'callback'))).toEqual([
      'kinds.fault_repair.stages[4] (callback).reopenTo: must name an earlier stage, got "callback"',
    ]);
  });

  it('a limit by severity on a kind without severities', () => {
    expect(broken((p) => (p.kinds.complaint.clocks[0].limit = { bySeverity: { general: { hours: 4 }, major: { hours: 2 } } }))).toEqual([
      'kinds.complaint.clocks[0] (first_response).limit: bySeverity needs "severities": true on the kind',
    ]);
  });

  it('a ladder whose first level is not at the breach, or whose levels do not come later one after another', () => {
    expect(broken((p) => (p.kinds.fault_repair.clocks[3].ladder[0].afterHours = 1))).toEqual([
      'kinds.fault_repair.clocks[3] (resolution).ladder[0].afterHours: the first level is at the breach: 0',
    ]);
    expect(broken((p) => (p.kinds.fault_repair.clocks[1].ladder[1].afterHours = 0))).toEqual([
      'kinds.fault_repair.clocks[1] (contact).ladder[1].afterHours: levels must come later one after another',
    ]);
    expect(broken((p) => (p.kinds.complaint.clocks[0].ladder = []))).toEqual([
      'kinds.complaint.clocks[0] (first_response).ladder: Expected array length to be greater or equal to 1, got []',
    ]);
  });

  it('an unknown extra kind, and a missing one', () => {
    expect(broken((p) => ((p.kinds as Record<string, unknown>).teleportation = p.kinds.consultation))).toEqual([
      'kinds.teleportation: unknown entry; known: fault_repair, installation_city, installation_rural, reconnection, complaint, consultation',
    ]);
    expect(broken((p) => delete (p.kinds as Partial<Policy['kinds']>).consultation)).toEqual(['kinds.consultation: is missing']);
    expect(broken((p) => delete (p.kinds.complaint.clocks[0] as Partial<ClockPolicy>).rule)).toEqual(['kinds.complaint.clocks[0] (first_response).rule: is missing']);
  });

  it('a role that does not exist, wherever a role goes', () => {
    expect(broken((p) => (p.kinds.complaint.clocks[0].responsible = 'janitor' as never))).toEqual([
      `kinds.complaint.clocks[0] (first_response).responsible: must be a role (${ROLES}) or "assignee", got "janitor"`,
    ]);
    expect(broken((p) => (p.kinds.complaint.clocks[0].ladder[1].alert = ['janitor' as never]))).toEqual([
      `kinds.complaint.clocks[0] (first_response).ladder[1].alert[0]: must be a role: ${ROLES}, got "janitor"`,
    ]);
    expect(broken((p) => (p.kinds.complaint.stages[0].doneBy = ['janitor' as never]))).toEqual([
      `kinds.complaint.stages[0] (response).doneBy[0]: must be a role (${ROLES}) or "assignee", got "janitor"`,
    ]);
    expect(broken((p) => (p.clock.pauseOverdueAlert = ['branch_leader', 'janitor' as never]))).toEqual([`clock.pauseOverdueAlert[1]: must be a role: ${ROLES}, got "janitor"`]);
  });

  it('an unknown behaviour or anchor', () => {
    expect(broken((p) => (p.kinds.complaint.stages[0].behaviour = 'dance' as never))).toEqual([
      'kinds.complaint.stages[0] (response).behaviour: must be one of assign, appointment, visit, work, callback, got "dance"',
    ]);
    expect(broken((p) => (p.kinds.complaint.clocks[0].anchor = 'sunrise' as never))).toEqual([
      'kinds.complaint.clocks[0] (first_response).anchor: must be one of intake, paperwork_complete, stage_start, visit_time, got "sunrise"',
    ]);
  });

  it('anchors the kind cannot reach: paperwork on a kind without paperwork, a visit time without an appointment', () => {
    expect(broken((p) => (p.kinds.complaint.clocks[0].anchor = 'paperwork_complete'))).toEqual([
      'kinds.complaint.clocks[0] (first_response).anchor: waits for paperwork but the kind has needsPaperwork false',
    ]);
    expect(broken((p) => (p.kinds.reconnection.clocks[0].anchor = 'visit_time'))).toEqual(['kinds.reconnection.clocks[0] (completion).anchor: visit_time needs an appointment stage']);
  });

  it('names appearing twice, and a callback before the last stage', () => {
    expect(broken((p) => (p.kinds.complaint.clocks[2].clock = 'handling'))).toEqual(['kinds.complaint.clocks: a clock name appears twice']);
    expect(broken((p) => (p.kinds.reconnection.stages[1].stage = 'dispatch'))).toEqual([
      'kinds.reconnection.stages: a stage name appears twice',
      'kinds.reconnection.clocks[0] (completion).stops: no stage "completion" in this kind; stages: dispatch, dispatch',
    ]);
    expect(broken((p) => p.kinds.complaint.stages.reverse())).toEqual([
      'kinds.complaint.stages[0] (callback).reopenTo: must name an earlier stage, got "handling"',
      'kinds.complaint.stages[0] (callback): a callback must be the last stage',
    ]);
  });

  it('shares and settings out of range', () => {
    expect(broken((p) => (p.kinds.installation_rural.clocks[1].warningAt = 1.5))).toEqual([
      'kinds.installation_rural.clocks[1] (completion).warningAt: Expected number to be less than 1, got 1.5',
    ]);
    expect(broken((p) => (p.kinds.complaint.callbackShare = 1.5))).toEqual(['kinds.complaint.callbackShare: Expected number to be less or equal to 1, got 1.5']);
    expect(broken((p) => (p.accountability.aggravatedFromRecord = 1))).toEqual(['accountability.aggravatedFromRecord: Expected integer to be greater or equal to 2, got 1']);
    expect(broken((p) => (p.clock.workingDayCutoff = '5pm'))).toEqual([`clock.workingDayCutoff: Expected string to match '^\\d{2}:\\d{2}$', got "5pm"`]);
  });

  it('reports each bad entry once, every one of them', () => {
    expect(
      broken((p) => {
        p.kinds.complaint.clocks[1].limit = { workingDays: 0 };
        p.kinds.fault_repair.clocks[2].responsible = 'janitor' as never;
      }),
    ).toEqual([
      `kinds.fault_repair.clocks[2] (arrival).responsible: must be a role (${ROLES}) or "assignee", got "janitor"`,
      `kinds.complaint.clocks[1] (handling).limit: must be ${LIMIT_SHAPES}, got {"workingDays":0}`,
    ]);
  });

  it('a file that is not a policy at all', () => {
    expect(policyProblems(null)).toEqual(['(the whole file): Expected object, got null']);
  });
});

describe('loadPolicy', () => {
  const tempFile = (text: string): string => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'policy-')), 'policy.json');
    writeFileSync(file, text);
    return file;
  };

  it('stops with a message naming the file and the bad entry', () => {
    const bad = structuredClone(shipped);
    bad.kinds.complaint.clocks[1].limit = { workingDays: 0 };
    bad.kinds.installation_rural.clocks[1].warningAt = 1.5;
    const file = tempFile(JSON.stringify(bad));
    expect(() => loadPolicy(file)).toThrow(
      `The policy file ${file} is invalid:\n` +
        `  - kinds.installation_rural.clocks[1] (completion).warningAt: Expected number to be less than 1, got 1.5\n` +
        `  - kinds.complaint.clocks[1] (handling).limit: must be `,
    );
  });

  it('stops on a file that is not JSON', () => {
    const file = tempFile('{ not json');
    expect(() => loadPolicy(file)).toThrow(`Cannot read the policy file ${file}: `);
  });

  it('loads a valid file as it is', () => {
    const rural10 = structuredClone(shipped);
    rural10.kinds.installation_rural.clocks[1].limit = { workingDays: 10 };
    expect(loadPolicy(tempFile(JSON.stringify(rural10)))).toEqual(rural10);
  });
});

describe('reading a limit for one request', () => {
  it('snapshotFor keeps the version, the clock rules, accountability and one kind', () => {
    expect(snapshotFor(shipped, 'complaint')).toEqual({
      version: shipped.version,
      kind: 'complaint',
      clock: shipped.clock,
      accountability: { aggravatedFromRecord: 3, statementWindowHours: 72 },
      kindPolicy: shipped.kinds.complaint,
    });
  });

  it('limitFor picks the severity’s limit (general when none is given) and passes a simple limit through', () => {
    const resolution = clock('fault_repair', 'resolution').limit;
    expect(limitFor(resolution, 'general')).toEqual({ hours: 24 });
    expect(limitFor(resolution, 'major')).toEqual({ hours: 72 });
    expect(limitFor(resolution, undefined)).toEqual({ hours: 24 });
    expect(limitFor({ workingDays: 3 }, 'major')).toEqual({ workingDays: 3 });
  });

  it('limitMs counts clock time and leaves working days to the calendar', () => {
    expect(limitMs({ minutes: 3 })).toBe(180_000);
    expect(limitMs({ minutes: 20 })).toBe(1_200_000);
    expect(limitMs({ hours: 24 })).toBe(86_400_000);
    expect(limitMs({ hours: 72 })).toBe(259_200_000);
    expect(limitMs({ workingDays: 5 })).toBeUndefined();
  });

  it('describeLimit says it in Chinese', () => {
    expect(describeLimit({ minutes: 3 })).toBe('3 分钟');
    expect(describeLimit({ hours: 72 })).toBe('72 小时');
    expect(describeLimit({ workingDays: 5 })).toBe('5 个工作日');
  });
});
