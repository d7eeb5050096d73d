/**
 * Policy is data: every time limit of repair on report, with the source documents' numbers as
 * defaults. A request keeps the policy it started with (a snapshot in its workflow input).
 */
import type { FaultSeverity, RepairStage } from './kinds';
import type { LadderPlan } from './service-policy';

export interface RepairPolicy {
  /** Identifies the policy text a request started under. */
  version: string;
  /** R4: SMS to the on-duty technician within this many minutes of the call. */
  dispatchLimitMinutes: number;
  /** R6: the technician contacts the customer within this many minutes of dispatch. */
  contactLimitMinutes: number;
  /** R6: arrival counts as on time up to this many minutes after the agreed visit time. */
  arrivalGraceMinutes: number;
  /** R8: resolution limit from intake (force majeure excluded). */
  resolutionLimitHours: Record<FaultSeverity, number>;
  /** R16: the callback happens within this many hours of the resolution. */
  callbackLimitHours: number;
  /** R16: share of repaired requests that are called back, 0..1 (one operator: at least 0.2). */
  callbackShare: number;
  /**
   * The escalation ladder of each stage (warning, then levels). Absent in requests started before
   * ladders existed: those escalate once, at breach, to the roles of STAGE_RULES.
   */
  ladders?: Partial<Record<RepairStage, LadderPlan>>;
}

export const DEFAULT_REPAIR_POLICY: RepairPolicy = {
  version: '2026-11-default',
  dispatchLimitMinutes: 3,
  contactLimitMinutes: 20,
  arrivalGraceMinutes: 30,
  resolutionLimitHours: { general: 24, major: 72 },
  callbackLimitHours: 72,
  callbackShare: 1,
};

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;

/** Checks a policy and returns the problems, each naming the bad entry; empty means valid. */
export function policyProblems(policy: RepairPolicy): string[] {
  const problems: string[] = [];
  const positive = (name: string, value: unknown, unit: 'minutes' | 'hours') => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      problems.push(`${name} must be a positive number of ${unit}, got ${JSON.stringify(value)}`);
    }
  };
  if (typeof policy.version !== 'string' || policy.version.length === 0) problems.push('version must be a non-empty string');
  positive('dispatchLimitMinutes', policy.dispatchLimitMinutes, 'minutes');
  positive('contactLimitMinutes', policy.contactLimitMinutes, 'minutes');
  if (typeof policy.arrivalGraceMinutes !== 'number' || policy.arrivalGraceMinutes < 0) {
    problems.push(`arrivalGraceMinutes must be zero or more minutes, got ${JSON.stringify(policy.arrivalGraceMinutes)}`);
  }
  positive('resolutionLimitHours.general', policy.resolutionLimitHours?.general, 'hours');
  positive('resolutionLimitHours.major', policy.resolutionLimitHours?.major, 'hours');
  positive('callbackLimitHours', policy.callbackLimitHours, 'hours');
  if (typeof policy.callbackShare !== 'number' || policy.callbackShare < 0 || policy.callbackShare > 1) {
    problems.push(`callbackShare must be between 0 and 1, got ${JSON.stringify(policy.callbackShare)}`);
  }
  return problems;
}
