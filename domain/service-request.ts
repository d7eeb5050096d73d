/** The shapes of a request of a kind other than fault repair, shared by its workflow, activities and the API. */
import type { Breach, CallbackResult, Customer, TimelineEvent } from './request';
import type { ServiceKind, ServicePolicySnapshot } from './service-policy';

export interface ServiceRequestInput {
  requestId: string;
  kind: ServiceKind;
  customer: Customer;
  regionId: string;
  description: string;
  /** R1: the staff member who took the request owns it. */
  firstContactStaffId: string;
  /** R3, R11: what the customer still owes; the working-day clock waits until it is complete. */
  paperwork: { complete: boolean; missingItems: string[] };
  /** Consultation answered on the spot: recorded and closed at once. */
  answeredOnFirstContact?: boolean;
  policy: ServicePolicySnapshot;
}

export interface StageDeadline {
  deadline: string;
  /** A working-day deadline running into a year without calendar data; recomputed until it is not. */
  provisional: boolean;
}

export interface StageCompletion {
  stage: string;
  cycle: number;
  by: string;
  at: string;
  onTime: boolean;
  /** Why a stage counts as met without the work (R12: the customer could not be reached). */
  excused?: 'customer_unreachable';
  note?: string;
}

export interface Postponement {
  stage: string;
  requestedBy: string;
  at: string;
  reason: string;
  from: string;
  to: string;
}

export interface UnreachableReport {
  stage: string;
  reportedBy: string;
  attempts: string[];
  reason: string;
  reportDueAt: string;
  reportFiledAt?: string;
  report?: string;
}

export interface Pause {
  requestedBy: string;
  requestedAt: string;
  reason: string;
  approvedBy?: string;
  since?: string;
  resumedAt?: string;
}

export interface ServiceStatus {
  requestId: string;
  kind: ServiceKind;
  regionId: string;
  customer: Customer;
  description: string;
  firstContactStaffId: string;
  policyVersion: string;
  stage: string;
  /** What the current stage waits for before its clock runs. */
  waitingFor?: 'paperwork' | 'pause_decision' | 'resume';
  cycle: number;
  receivedAt: string;
  paperwork: { complete: boolean; completedAt?: string; missingItems: string[] };
  deadlines: Record<string, StageDeadline>;
  nextDeadline?: string;
  breaches: Breach[];
  warnings: Array<{ stage: string; at: string }>;
  completed: StageCompletion[];
  postponements: Postponement[];
  unreachable: UnreachableReport[];
  pauses: Pause[];
  callback?: CallbackResult;
  closedAt?: string;
}

export type { TimelineEvent };

// What each action carries, after validation; the acting staff member is always set by the API.
export interface PaperworkReport { staffId: string; complete: boolean; missingItems: string[] }
export interface StageDone { staffId: string; stage: string; note?: string }
export interface PostponementAsk { staffId: string; until: string; reason: string }
export interface UnreachableClaim { staffId: string; attempts: string[]; reason: string }
export interface UnreachableReportFiling { staffId: string; report: string }
export interface PauseAsk { staffId: string; reason: string }
export interface PauseVerdict { managerId: string; approve: boolean }
export interface ResumeOrder { managerId: string }
