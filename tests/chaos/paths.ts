/**
 * Every path of every kind, as lifecycles over HTTP. Each path sets up its twist (a clock left to
 * run out, an extension, a race between people) and then `finish` drives the request to its close
 * from whatever state it is in. Expectations (which clocks should be missed) are recorded and
 * compared afterwards for information only: crashes legitimately delay actions past a deadline.
 */
import type { RequestStatus } from '../../domain/request';
import { atStage, breached, clockOf, Flow, readyAt, soon } from './flow';
import { LIMITS } from './policy';
import { VACANT_REGION } from './stack';

export interface PathSpec {
  name: string;
  /** Clocks the path means to miss (information only). */
  expectBreaches: string[];
  body: Record<string, unknown>;
  drive: (f: Flow) => Promise<void>;
}

const customer = { name: '李伟', phone: '13800000001', address: '人民路 12 号 301 室' };
const repair = (extra: Record<string, unknown> = {}) => ({ customer, regionId: 'north', description: '所有频道无信号', severity: 'general', ...extra });
const ofKind = (kind: string, extra: Record<string, unknown> = {}) => ({ kind, customer, regionId: 'north', description: `${kind} chaos`, ...extra });

const AGENT = 'agent-1';
const AGENT2 = 'agent-2';
const CM_NORTH = 'cm-north';
const BRANCH = 'leader-city';
const COMPANY = 'leader-company';

const done = (stage: string, cycle?: number) => (s: RequestStatus) => s.completed.some((c) => c.stage === stage && (cycle === undefined || c.cycle === cycle)) || s.stage === 'closed';
const holder = (s: RequestStatus) => s.assignee?.staffId ?? 'tech-north-1';
const attempts = () => [soon(-120_000), soon(-60_000)];
const REPORT = 'Called twice; the phone was off both times; a letter was sent.';

/** Drives the request from its current state to closed, the plain way. */
export async function finish(f: Flow): Promise<void> {
  for (let step = 0; step < 40; step += 1) {
    const s = await f.read();
    if (s.stage === 'closed') return;
    if (s.asOf || s.clocks.some((c) => c.state === 'starting' && c.stops === s.stage)) {
      await f.until((x) => !x.asOf && !x.clocks.some((c) => c.state === 'starting' && c.stops === x.stage), 'the workflow to answer');
      continue;
    }
    const cycle = s.cycle;
    if (s.waitingFor === 'paperwork') await f.act(AGENT, 'paperwork', { complete: true, missingItems: [] }, (x) => x.paperwork.complete);
    else if (s.waitingFor === 'resume') await f.act(COMPANY, 'resume', {}, (x) => x.waitingFor !== 'resume');
    else if (s.pendingExtension) await f.act(COMPANY, 'extension-decision', { approve: true }, (x) => !x.pendingExtension);
    else if (s.stage === 'dispatch') {
      if (s.regionId === VACANT_REGION) await f.act(AGENT, 'dispatch', { technicianId: 'tech-north-1' }, (x) => x.stage !== 'dispatch');
      else await f.until((x) => x.stage !== 'dispatch' && !x.asOf, 'the roster dispatch');
    } else if (s.stage === 'contact') await f.act(holder(s), 'contact', { visitAt: soon(1000) }, done('contact', cycle));
    else if (s.stage === 'arrival') await f.act(holder(s), 'arrival', {}, done('arrival', cycle));
    else if (s.stage === 'resolution') await f.act(holder(s), 'resolution', { note: '更换分支器' }, done('resolution', cycle));
    else if (s.stage === 'completion') await f.act(holder(s), 'stages/completion/done', { note: '已开通' }, done('completion', cycle));
    else if (s.stage === 'callback') await f.act(AGENT2, 'callback', { satisfaction: 5, faultResolved: true }, done('callback', cycle));
    else if (s.stage === 'response') await f.act(AGENT, 'stages/response/done', { note: '已答复' }, done('response', cycle));
    else if (s.stage === 'handling') await f.act(BRANCH, 'stages/handling/done', { note: '已处理' }, done('handling', cycle));
    else throw new Error(`${f.path}: no way to finish stage ${s.stage}`);
  }
  throw new Error(`${f.path} ${f.id}: still open after 40 steps`);
}

/** Waits for the roster (or a person) to dispatch; returns the state at contact. */
const dispatched = (f: Flow) => f.until((s) => s.stage !== 'dispatch' && s.assignee !== undefined && !s.asOf, 'dispatch');
/** Drives plainly until the request stands at `stage` (ready for an action there). */
async function driveTo(f: Flow, stage: string): Promise<RequestStatus> {
  for (let i = 0; i < 10; i += 1) {
    const s = await f.read();
    if (s.stage === stage && readyAt(stage)(s)) return s;
    if (s.stage === 'closed') throw new Error(`${f.path} ${f.id}: closed before reaching ${stage}`);
    if (s.stage === stage) {
      await f.until(readyAt(stage), `stage ${stage}`);
      continue;
    }
    await step(f, s);
  }
  throw new Error(`${f.path} ${f.id}: did not reach ${stage}`);
}
/** One plain step from the current stage. */
async function step(f: Flow, s: RequestStatus): Promise<void> {
  const c = s.cycle;
  if (s.stage === 'dispatch') await dispatched(f);
  else if (s.stage === 'contact') await f.act(holder(s), 'contact', { visitAt: soon(1000) }, done('contact', c));
  else if (s.stage === 'arrival') await f.act(holder(s), 'arrival', {}, done('arrival', c));
  else if (s.stage === 'resolution') await f.act(holder(s), 'resolution', {}, done('resolution', c));
  else if (s.stage === 'completion') await f.act(holder(s), 'stages/completion/done', {}, done('completion', c));
  else if (s.stage === 'response') await f.act(AGENT, 'stages/response/done', {}, done('response', c));
  else if (s.stage === 'handling') await f.act(BRANCH, 'stages/handling/done', {}, done('handling', c));
  else if (s.stage === 'callback') await f.act(AGENT2, 'callback', { satisfaction: 5, faultResolved: true }, done('callback', c));
  else await f.until((x) => x.stage !== s.stage, `stage ${s.stage} to end`);
}

/** Waits for the clock's breach; a request that closed meanwhile ends the wait (the clock can no longer be missed), except for the R12 report, which falls due after the close. */
const waitBreach = (f: Flow, clock: string, cycle = 0) =>
  f.until((s) => breached(s, clock, cycle) || (clock !== 'unreachable_report' && s.stage === 'closed'), `the ${clock} breach`);

export const PATHS: PathSpec[] = [
  // ---------------------------------------------------------------- fault repair
  { name: 'repair/on-time', expectBreaches: [], body: repair(), drive: finish },
  { name: 'repair/major-on-time', expectBreaches: [], body: repair({ severity: 'major' }), drive: finish },
  {
    name: 'repair/dispatch-breach-nobody-on-duty',
    expectBreaches: ['dispatch'],
    body: repair({ regionId: VACANT_REGION }),
    drive: async (f) => {
      await waitBreach(f, 'dispatch');
      await f.timelineHas((e) => e.type === 'escalated' && e.detail?.clock === 'dispatch', 8_000);
      // Two agents dispatch by hand at the same moment (the roster keeps finding nobody).
      await f.race('dispatch', [
        { staff: AGENT, action: 'dispatch', body: { technicianId: 'tech-north-1' } },
        { staff: AGENT2, action: 'dispatch', body: { technicianId: 'tech-north-2' } },
      ]);
      await finish(f);
    },
  },
  {
    name: 'repair/dispatch-race-with-roster',
    expectBreaches: [],
    body: repair(),
    drive: async (f) => {
      // Two agents and the roster dispatch at once: one technician holds the job, texted once.
      await f.race('dispatch', [
        { staff: AGENT, action: 'dispatch', body: { technicianId: 'tech-north-2' } },
        { staff: AGENT2, action: 'dispatch', body: { technicianId: 'tech-north-1' } },
      ]);
      await finish(f);
    },
  },
  {
    name: 'repair/contact-breach',
    expectBreaches: ['contact'],
    body: repair(),
    drive: async (f) => {
      await dispatched(f);
      await waitBreach(f, 'contact');
      await finish(f);
    },
  },
  {
    name: 'repair/contact-posted-twice',
    expectBreaches: [],
    body: repair(),
    drive: async (f) => {
      const s = await dispatched(f);
      await f.until(readyAt('contact'), 'contact');
      const visitAt = soon(1000);
      await f.race('contact', [
        { staff: holder(s), action: 'contact', body: { visitAt } },
        { staff: holder(s), action: 'contact', body: { visitAt } },
      ]);
      await finish(f);
    },
  },
  {
    name: 'repair/arrival-breach',
    expectBreaches: ['arrival'],
    body: repair(),
    drive: async (f) => {
      const s = await driveTo(f, 'contact');
      await f.act(holder(s), 'contact', { visitAt: soon(500) }, done('contact'));
      await waitBreach(f, 'arrival');
      await finish(f);
    },
  },
  {
    name: 'repair/r8-breach-while-at-contact',
    expectBreaches: ['contact', 'resolution'],
    body: repair(),
    drive: async (f) => {
      await dispatched(f);
      await waitBreach(f, 'resolution');
      await finish(f);
    },
  },
  {
    name: 'repair/extension-approved-two-leaders',
    expectBreaches: [],
    body: repair(),
    drive: async (f) => {
      // Asked right after dispatch (R8 runs from intake), decided by two leaders at once.
      const s = await dispatched(f);
      const r8 = Date.parse(clockOf(s, 'resolution')!.deadline!);
      await f.act(holder(s), 'extension-requests', { clock: 'resolution', newDeadline: new Date(r8 + 40_000).toISOString(), reason: '等待放大器配件' }, (x) => x.pendingExtension !== undefined || x.extensions.length > 0);
      await f.race('extension-decision', [
        { staff: CM_NORTH, action: 'extension-decision', body: { approve: true, note: '配件已确认' } },
        { staff: BRANCH, action: 'extension-decision', body: { approve: true, note: '同意' } },
      ]);
      await driveTo(f, 'resolution');
      await f.past(r8 + 1000, 'the original R8 deadline');
      await finish(f);
    },
  },
  {
    name: 'repair/extension-rejected',
    expectBreaches: ['resolution'],
    body: repair(),
    drive: async (f) => {
      const s = await dispatched(f);
      const r8 = Date.parse(clockOf(s, 'resolution')!.deadline!);
      await f.act(holder(s), 'extension-requests', { clock: 'resolution', newDeadline: new Date(r8 + 40_000).toISOString(), reason: '等待放大器配件' }, (x) => x.pendingExtension !== undefined || x.extensions.length > 0);
      await f.act(CM_NORTH, 'extension-decision', { approve: false, note: '不同意' }, (x) => x.extensions.length > 0);
      await driveTo(f, 'resolution');
      await waitBreach(f, 'resolution');
      await finish(f);
    },
  },
  {
    name: 'repair/postponed-arrival-and-r8',
    expectBreaches: [],
    body: repair(),
    drive: async (f) => {
      const c = await dispatched(f);
      const r8 = Date.parse(clockOf(c, 'resolution')!.deadline!);
      await f.act(AGENT, 'postponements', { clock: 'resolution', until: new Date(r8 + 40_000).toISOString(), reason: '客户要求改期' }, (x) => x.postponements.some((p) => p.clock === 'resolution'));
      await f.until(readyAt('contact'), 'contact');
      await f.act(holder(c), 'contact', { visitAt: soon(500) }, done('contact'));
      const s = await f.until(readyAt('arrival'), 'arrival');
      const arrival = Date.parse(clockOf(s, 'arrival')!.deadline!);
      await f.act(AGENT, 'postponements', { clock: 'arrival', until: new Date(Math.max(arrival, r8) + 20_000).toISOString(), reason: '客户临时外出' }, (x) => x.postponements.some((p) => p.clock === 'arrival'));
      await f.past(Math.max(arrival, r8) + 1000, 'the original arrival and R8 deadlines');
      await finish(f);
    },
  },
  {
    name: 'repair/pause-resume',
    expectBreaches: [],
    body: repair(),
    drive: async (f) => {
      const s = await dispatched(f);
      const r8 = Date.parse(clockOf(s, 'resolution')!.deadline!);
      await f.act(holder(s), 'pause-requests', { reason: '台风导致线路中断' }, (x) => x.pauses.length > 0);
      await f.act(CM_NORTH, 'pause-decision', { approve: true }, (x) => x.pauses.some((p) => p.approved !== undefined));
      await f.past(r8 + 1000, 'the R8 deadline as it was before the pause');
      await f.act(CM_NORTH, 'resume', {}, (x) => x.pauses.every((p) => p.approved === false || p.resumedAt !== undefined));
      await finish(f);
    },
  },
  {
    name: 'repair/unreachable-report-filed',
    expectBreaches: [],
    body: repair(),
    drive: async (f) => {
      const s = await driveTo(f, 'contact');
      await f.act(holder(s), 'unreachable', { attempts: attempts(), reason: '电话关机' }, (x) => x.unreachable.length > 0);
      await f.act(holder(s), 'unreachable-report', { report: REPORT }, (x) => x.unreachable.every((u) => u.reportFiledAt !== undefined));
    },
  },
  {
    name: 'repair/unreachable-report-not-filed',
    expectBreaches: ['unreachable_report'],
    body: repair(),
    drive: async (f) => {
      const s = await driveTo(f, 'contact');
      await f.act(holder(s), 'unreachable', { attempts: attempts(), reason: '电话关机' }, (x) => x.unreachable.length > 0);
      await waitBreach(f, 'unreachable_report');
    },
  },
  {
    name: 'repair/reopened-by-callback',
    expectBreaches: [],
    body: repair(),
    drive: async (f) => {
      await driveTo(f, 'callback');
      await f.act(AGENT2, 'callback', { satisfaction: 2, faultResolved: false, note: '仍无信号' }, (x) => x.cycle > 0 || x.stage === 'closed');
      await finish(f);
    },
  },
  {
    name: 'repair/reopened-then-r8-breach',
    expectBreaches: ['resolution@1'],
    body: repair(),
    drive: async (f) => {
      await driveTo(f, 'callback');
      await f.act(AGENT2, 'callback', { satisfaction: 1, faultResolved: false }, (x) => x.cycle > 0 || x.stage === 'closed');
      await waitBreach(f, 'resolution', 1);
      await finish(f);
    },
  },
  {
    name: 'repair/callback-breach',
    expectBreaches: ['callback'],
    body: repair(),
    drive: async (f) => {
      await driveTo(f, 'callback');
      await waitBreach(f, 'callback');
      await finish(f);
    },
  },
  {
    name: 'repair/cancelled-at-contact',
    expectBreaches: [],
    body: repair(),
    drive: async (f) => {
      await dispatched(f);
      await f.act(AGENT, 'cancel', { reason: '客户撤回报修' }, (x) => x.stage === 'closed');
    },
  },
  {
    name: 'repair/cancelled-at-intake',
    expectBreaches: [],
    body: repair(),
    drive: async (f) => {
      // Right after intake, racing the roster dispatch.
      await f.act(AGENT2, 'cancel', { reason: '重复报修' }, (x) => x.stage === 'closed');
    },
  },
  {
    name: 'repair/reassigned-two-leaders',
    expectBreaches: [],
    body: repair(),
    drive: async (f) => {
      await driveTo(f, 'resolution');
      await f.race('reassign', [
        { staff: CM_NORTH, action: 'reassign', body: { technicianId: 'tech-north-2', reason: '原人员请假' } },
        { staff: BRANCH, action: 'reassign', body: { technicianId: 'tech-south-1', reason: '就近调派' } },
      ]);
      await finish(f);
    },
  },
  {
    name: 'repair/corrected-severity-and-region',
    expectBreaches: [],
    body: repair(),
    drive: async (f) => {
      await driveTo(f, 'arrival');
      await f.act(CM_NORTH, 'corrections', { severity: 'major', reason: '误判为一般故障' }, (x) => x.severity === 'major');
      await f.act(BRANCH, 'corrections', { regionId: 'south', reason: '地址属南区' }, (x) => x.regionId === 'south');
      await finish(f);
    },
  },

  // ---------------------------------------------------------------- installation
  {
    name: 'installation-city/paperwork-then-completion',
    expectBreaches: [],
    body: ofKind('installation_city', { paperwork: { complete: false, missingItems: ['身份证复印件'] } }),
    drive: async (f) => {
      await f.act(AGENT, 'paperwork', { complete: false, missingItems: ['身份证复印件', '房产证明'] }, (x) => x.paperwork.missingItems.length === 2 || x.paperwork.complete);
      await f.act(AGENT, 'paperwork', { complete: true, missingItems: [] }, (x) => x.paperwork.complete);
      await finish(f);
    },
  },
  {
    // Paperwork completed at once (often in the run's first workflow task), nobody on duty: dispatched by hand.
    name: 'installation-city/paperwork-at-once-nobody-on-duty',
    expectBreaches: [],
    body: ofKind('installation_city', { regionId: VACANT_REGION, paperwork: { complete: false, missingItems: ['身份证复印件'] } }),
    drive: async (f) => {
      await f.act(AGENT, 'paperwork', { complete: true, missingItems: [] }, (x) => x.paperwork.complete);
      await finish(f);
    },
  },
  {
    name: 'installation-city/unreachable-at-contact',
    expectBreaches: [],
    body: ofKind('installation_city', { paperwork: { complete: true, missingItems: [] } }),
    drive: async (f) => {
      const s = await driveTo(f, 'contact');
      await f.act(holder(s), 'unreachable', { attempts: attempts(), reason: '无人接听' }, (x) => x.unreachable.length > 0);
      await f.act(holder(s), 'unreachable-report', { report: REPORT }, (x) => x.unreachable.every((u) => u.reportFiledAt !== undefined));
    },
  },
  {
    name: 'installation-rural/completed-by-manager',
    expectBreaches: [],
    body: ofKind('installation_rural', { paperwork: { complete: true, missingItems: [] } }),
    drive: async (f) => {
      await driveTo(f, 'completion');
      await f.act(CM_NORTH, 'stages/completion/done', { note: '客户经理确认开通' }, done('completion'));
      await finish(f);
    },
  },
  {
    name: 'installation-rural/paperwork-lapsed',
    expectBreaches: [],
    body: ofKind('installation_rural', { paperwork: { complete: false, missingItems: ['申请表'] } }),
    drive: async (f) => {
      // Never completed: the request ends for the customer's reason (R12); the owner files the report.
      await f.until((s) => s.stage === 'closed', 'the paperwork limit');
      await f.act(AGENT, 'unreachable-report', { report: REPORT }, (x) => x.unreachable.every((u) => u.reportFiledAt !== undefined));
    },
  },

  // ---------------------------------------------------------------- reconnection
  { name: 'reconnection/completed', expectBreaches: [], body: ofKind('reconnection', { paperwork: { complete: true, missingItems: [] } }), drive: finish },
  {
    name: 'reconnection/paperwork-then-manager',
    expectBreaches: [],
    body: ofKind('reconnection', { paperwork: { complete: false, missingItems: ['缴费凭证'] } }),
    drive: async (f) => {
      await f.act(AGENT, 'paperwork', { complete: true, missingItems: [] }, (x) => x.paperwork.complete);
      await driveTo(f, 'completion');
      await f.act(CM_NORTH, 'stages/completion/done', {}, done('completion'));
    },
  },
  {
    name: 'reconnection/unreachable-report-not-filed',
    expectBreaches: ['unreachable_report'],
    body: ofKind('reconnection', { paperwork: { complete: true, missingItems: [] } }),
    drive: async (f) => {
      const s = await driveTo(f, 'completion');
      await f.act(holder(s), 'unreachable', { attempts: attempts(), reason: '上门无人' }, (x) => x.unreachable.length > 0);
      await waitBreach(f, 'unreachable_report');
    },
  },
  {
    name: 'reconnection/postponed',
    expectBreaches: [],
    body: ofKind('reconnection', { paperwork: { complete: true, missingItems: [] } }),
    drive: async (f) => {
      const s = await driveTo(f, 'completion');
      const due = Date.parse(clockOf(s, 'completion')!.deadline!);
      await f.act(AGENT, 'postponements', { until: new Date(due + 86_400_000).toISOString(), reason: '客户出差' }, (x) => x.postponements.length > 0);
      await finish(f);
    },
  },

  // ---------------------------------------------------------------- complaint
  { name: 'complaint/on-time', expectBreaches: [], body: ofKind('complaint'), drive: finish },
  {
    name: 'complaint/handling-breach-while-at-response',
    expectBreaches: ['handling'],
    body: ofKind('complaint', { regionId: 'south' }),
    drive: async (f) => {
      await waitBreach(f, 'handling');
      await finish(f);
    },
  },
  {
    name: 'complaint/first-response-breach',
    expectBreaches: ['first_response', 'handling'],
    body: ofKind('complaint'),
    drive: async (f) => {
      await waitBreach(f, 'first_response');
      await finish(f);
    },
  },
  {
    name: 'complaint/reopened-by-callback',
    expectBreaches: [],
    body: ofKind('complaint', { regionId: 'south' }),
    drive: async (f) => {
      await driveTo(f, 'callback');
      await f.act(AGENT2, 'callback', { satisfaction: 2, faultResolved: false }, (x) => x.cycle > 0 || x.stage === 'closed');
      await finish(f);
    },
  },
  {
    name: 'complaint/unreachable-report-filed',
    expectBreaches: [],
    body: ofKind('complaint'),
    drive: async (f) => {
      await f.until(readyAt('response'), 'response');
      await f.act(AGENT, 'unreachable', { attempts: attempts(), reason: '客户电话停机' }, (x) => x.unreachable.length > 0);
      await f.act(AGENT, 'unreachable-report', { report: REPORT }, (x) => x.unreachable.every((u) => u.reportFiledAt !== undefined));
    },
  },

  // ---------------------------------------------------------------- consultation
  { name: 'consultation/first-contact', expectBreaches: [], body: ofKind('consultation', { answeredOnFirstContact: true }), drive: (f) => f.until(atStage('closed'), 'closed').then(() => undefined) },
  { name: 'consultation/answered', expectBreaches: [], body: ofKind('consultation'), drive: finish },
  {
    name: 'consultation/response-breach',
    expectBreaches: ['response'],
    body: ofKind('consultation', { regionId: 'south' }),
    drive: async (f) => {
      await waitBreach(f, 'response');
      await finish(f);
    },
  },
  {
    name: 'consultation/postponed',
    expectBreaches: [],
    body: ofKind('consultation'),
    drive: async (f) => {
      const s = await f.until(readyAt('response'), 'response');
      const due = Date.parse(clockOf(s, 'response')!.deadline!);
      await f.act(AGENT, 'postponements', { until: new Date(due + 15_000).toISOString(), reason: '客户稍后再联系' }, (x) => x.postponements.length > 0);
      await f.past(due + 1000, 'the original response deadline');
      await finish(f);
    },
  },
];

/** The requests of the intake burst: plain lifecycles of two kinds. */
export const BURST_PATHS: PathSpec[] = [
  { name: 'burst/repair-on-time', expectBreaches: [], body: repair({ description: '突发批量报修' }), drive: finish },
  { name: 'burst/consultation-answered', expectBreaches: [], body: ofKind('consultation', { description: '突发批量咨询' }), drive: finish },
];

export { LIMITS };
