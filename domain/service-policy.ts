/**
 * The operator's service commitments for every request kind other than fault repair (R2, R9, R10,
 * R11, R12, R16), as data: stages with their limits (clock hours or working days), when each
 * clock starts, who is responsible, who may complete the stage, and an escalation ladder. Validated
 * at start-up with errors naming the bad entry. Pure: no I/O.
 */
import { REPAIR_STAGES, STAFF_ROLES, type StaffRole } from './kinds';
import { policyProblems, type RepairPolicy } from './policy';

export const SERVICE_KINDS = ['installation_city', 'installation_rural', 'reconnection', 'complaint', 'consultation'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

/** A limit is clock hours or working days (R9, R10: working days follow the official calendar). */
export type Limit = { hours: number } | { workingDays: number };

/**
 * Where a stage's clock starts: at intake, when the paperwork is complete (R11: the request waits
 * until then), or when the stage itself starts (after the previous one is met).
 */
export type ClockStart = 'intake' | 'paperwork_complete' | 'stage_start';

export interface LadderLevel {
  /** Hours after the deadline; level 1 is at 0 (the breach) and writes the accountability record. */
  afterHours: number;
  alert: StaffRole[];
}

/** A stage's escalation: a warning at a share of the period, then levels from the deadline on. */
export interface LadderPlan {
  /** Share of the limit at which the responsible person is warned (0 = no warning). */
  warningAt: number;
  ladder: LadderLevel[];
}

export interface StagePolicy extends LadderPlan {
  stage: string;
  /** The rule in ../shared/domain.md the limit enforces. */
  rule: string;
  /** What must happen, as alerts and the Temporal UI say it. */
  description: string;
  limit: Limit;
  clockStarts: ClockStart;
  /** Named on the accountability record; warned before the deadline. */
  responsible: StaffRole;
  /** Who may record the stage as done. */
  doneBy: StaffRole[];
}

export interface KindPolicy {
  label: string;
  stages: StagePolicy[];
  /** R3, R11: whether a working-day clock waits for complete paperwork. */
  needsPaperwork: boolean;
  /** Consultation: answered on first contact closes the request at once. */
  mayCloseOnFirstContact?: boolean;
}

export interface ClockRules {
  /** Asia/Shanghai by default; working days are counted in this zone. */
  utcOffsetMinutes: number;
  /** Local time a working-day period ends on its last day. */
  workingDayCutoff: string;
  /** R12: attempts to reach the customer before "unreachable" counts the stage as done. */
  unreachableMinAttempts: number;
  /** R12: the written report to the business leader is due this many hours after. */
  unreachableReportHours: number;
  /** Hours between recomputations of a provisional working-day deadline (year without data). */
  provisionalRecheckHours: number;
}

export interface ServicePolicy {
  version: string;
  clock: ClockRules;
  /** Repair on report (R4–R8, R16): its limits and a ladder per stage. */
  faultRepair: Omit<RepairPolicy, 'version'>;
  kinds: Record<ServiceKind, KindPolicy>;
}

/** The fault-repair part of the policy file, as a repair request's input carries it. */
export function repairPolicyOf(policy: ServicePolicy): RepairPolicy {
  return { ...policy.faultRepair, version: policy.version };
}

/** What one request runs by: its kind's stages and the clock rules, snapshotted at intake. */
export interface ServicePolicySnapshot {
  version: string;
  kind: ServiceKind;
  clock: ClockRules;
  kindPolicy: KindPolicy;
}

export function snapshotFor(policy: ServicePolicy, kind: ServiceKind): ServicePolicySnapshot {
  return { version: policy.version, kind, clock: policy.clock, kindPolicy: policy.kinds[kind] };
}

const isPositive = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;

function ladderProblems(plan: LadderPlan | undefined, at: string, add: (path: string, message: string) => void): void {
  if (typeof plan?.warningAt !== 'number' || plan.warningAt < 0 || plan.warningAt >= 1) add(`${at}.warningAt`, 'must be a share from 0 (no warning) to below 1');
  if (!Array.isArray(plan?.ladder) || plan.ladder.length === 0) {
    add(`${at}.ladder`, 'must list at least the level at breach');
    return;
  }
  plan.ladder.forEach((level, j) => {
    const lp = `${at}.ladder[${j}]`;
    if (typeof level?.afterHours !== 'number' || level.afterHours < 0) add(`${lp}.afterHours`, 'must be zero or more hours');
    if (j === 0 && level?.afterHours !== 0) add(`${lp}.afterHours`, 'the first level is at the breach: 0');
    if (j > 0 && !(level?.afterHours > plan.ladder[j - 1].afterHours)) add(`${lp}.afterHours`, 'levels must come later one after another');
    if (!Array.isArray(level?.alert) || level.alert.length === 0 || level.alert.some((r) => !STAFF_ROLES.includes(r))) add(`${lp}.alert`, 'must list known roles');
  });
}

/** Every problem of a policy, each naming its entry; empty means valid. */
export function servicePolicyProblems(policy: ServicePolicy): string[] {
  const problems: string[] = [];
  const add = (path: string, message: string) => problems.push(`${path}: ${message}`);
  if (typeof policy?.version !== 'string' || !policy.version) add('version', 'must be a non-empty string');
  const clock = policy?.clock;
  if (!clock) add('clock', 'is missing');
  else {
    if (!Number.isInteger(clock.utcOffsetMinutes) || Math.abs(clock.utcOffsetMinutes) > 840) add('clock.utcOffsetMinutes', 'must be a whole number of minutes within ±840');
    if (!/^(\d{2}):(\d{2})$/.test(clock.workingDayCutoff ?? '')) add('clock.workingDayCutoff', `must be HH:MM, got ${JSON.stringify(clock.workingDayCutoff)}`);
    if (!Number.isInteger(clock.unreachableMinAttempts) || clock.unreachableMinAttempts < 1) add('clock.unreachableMinAttempts', 'must be a whole number ≥ 1');
    if (!isPositive(clock.unreachableReportHours)) add('clock.unreachableReportHours', 'must be a positive number of hours');
    if (!isPositive(clock.provisionalRecheckHours)) add('clock.provisionalRecheckHours', 'must be a positive number of hours');
  }
  if (!policy?.faultRepair) add('faultRepair', 'is missing');
  else {
    for (const problem of policyProblems({ ...policy.faultRepair, version: 'file' })) problems.push(`faultRepair.${problem}`);
    for (const stage of REPAIR_STAGES) ladderProblems(policy.faultRepair.ladders?.[stage], `faultRepair.ladders.${stage}`, add);
  }
  for (const kind of SERVICE_KINDS) {
    const k = policy?.kinds?.[kind];
    const at = `kinds.${kind}`;
    if (!k) {
      add(at, 'is missing');
      continue;
    }
    if (!Array.isArray(k.stages) || k.stages.length === 0) {
      add(`${at}.stages`, 'must list at least one stage');
      continue;
    }
    const names = new Set<string>();
    k.stages.forEach((s, i) => {
      const sp = `${at}.stages[${i}]${s?.stage ? ` (${s.stage})` : ''}`;
      if (!/^[a-z_]+$/.test(s?.stage ?? '')) add(sp, 'stage must be a lower-case name');
      else if (names.has(s.stage)) add(sp, `stage "${s.stage}" appears twice`);
      names.add(s?.stage);
      if (!/^R\d+$/.test(s?.rule ?? '')) add(`${sp}.rule`, `must be a rule id like R9, got ${JSON.stringify(s?.rule)}`);
      const limit = s?.limit as Partial<{ hours: number; workingDays: number }> | undefined;
      const hasHours = limit && 'hours' in limit;
      const hasDays = limit && 'workingDays' in limit;
      if (!limit || hasHours === hasDays) add(`${sp}.limit`, 'must be either { "hours": n } or { "workingDays": n }');
      else if (hasHours && !isPositive(limit.hours)) add(`${sp}.limit.hours`, `must be a positive number, got ${JSON.stringify(limit.hours)}`);
      else if (hasDays && !(Number.isInteger(limit.workingDays) && limit.workingDays! > 0)) {
        add(`${sp}.limit.workingDays`, `must be a whole number ≥ 1, got ${JSON.stringify(limit.workingDays)}`);
      }
      if (!['intake', 'paperwork_complete', 'stage_start'].includes(s?.clockStarts)) add(`${sp}.clockStarts`, 'must be intake, paperwork_complete or stage_start');
      if (s?.clockStarts === 'paperwork_complete' && !k.needsPaperwork) add(`${sp}.clockStarts`, 'waits for paperwork but the kind has needsPaperwork false');
      if (!STAFF_ROLES.includes(s?.responsible)) add(`${sp}.responsible`, `unknown role ${JSON.stringify(s?.responsible)}`);
      if (!Array.isArray(s?.doneBy) || s.doneBy.length === 0 || s.doneBy.some((r) => !STAFF_ROLES.includes(r))) add(`${sp}.doneBy`, 'must list known roles');
      ladderProblems(s, sp, add);
    });
  }
  for (const extra of Object.keys(policy?.kinds ?? {})) {
    if (!(SERVICE_KINDS as readonly string[]).includes(extra)) add(`kinds.${extra}`, `unknown kind; known: ${SERVICE_KINDS.join(', ')}`);
  }
  return problems;
}
