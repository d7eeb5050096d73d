/** The shapes of a customer request, shared by the workflow, its activities and the API. Pure. */
import type { FaultSeverity, RequestKind, StaffRole } from './kinds';
import type { PolicySnapshot } from './policy';

export interface Customer {
  name: string;
  phone: string;
  address: string;
}

/** The workflow's input: what was taken at intake, the policy snapshot, and the deadlines the API computed. */
export interface RequestInput {
  requestId: string;
  kind: RequestKind;
  severity?: FaultSeverity;
  customer: Customer;
  regionId: string;
  description: string;
  /** R1: the staff member who took the request owns it. */
  firstContactStaffId: string;
  /** When the API took the request: every clock anchored at intake runs from here. */
  receivedAt: string;
  /** R3, R11: what the customer still owes. */
  paperwork: { complete: boolean; missingItems: string[] };
  /** A consultation answered on the spot closes at once. */
  answeredOnFirstContact?: boolean;
  policy: PolicySnapshot;
  /** Working-day deadlines of clocks running from intake, computed by the API with the calendar. */
  intakeDeadlines: Record<string, Deadline>;
}

export interface Deadline {
  deadline: string;
  /** A working-day deadline running into a year without calendar data; recomputed until it is not. */
  provisional: boolean;
}

/** Who acts, as the API authenticated them; the workflow's validators decide what they may do. */
export interface Actor {
  id: string;
  role: StaffRole;
  regionId: string | null;
  branchId: string | null;
  /** Regions this person leads: a customer manager's own, a branch leader's branch, or all (company). */
  leads: string[] | 'all';
}

export interface AssignedTechnician {
  staffId: string;
  name: string;
  phone: string;
}

export type ClockState = 'pending' | 'starting' | 'running' | 'met' | 'excused' | 'stopped';

export interface ClockStatus {
  clock: string;
  rule: string;
  description: string;
  /** The stage whose completion meets it. */
  stops: string;
  state: ClockState;
  /** 0 for the first pass; a reopened request's clocks count up (R17). */
  cycle: number;
  startedAt?: string;
  deadline?: string;
  provisional?: boolean;
  /** Bumped each time the deadline moves (extension, postponement, pause, correction). */
  version: number;
  breachedAt?: string;
  endedAt?: string;
  /** Met within its limit (or excused); set when it ends. */
  onTime?: boolean;
}

export interface Breach {
  clock: string;
  stage: string;
  cycle: number;
  rule: string;
  deadline: string;
  breachedAt: string;
}

export interface StageCompletion {
  stage: string;
  cycle: number;
  by: string;
  at: string;
  excused?: 'customer_unreachable';
  note?: string;
}

export interface ExtensionRequest {
  clock: string;
  requestedBy: string;
  requestedAt: string;
  newDeadline: string;
  reason: string;
}

export interface ExtensionDecision extends ExtensionRequest {
  decidedBy: string;
  decidedAt: string;
  approved: boolean;
  note?: string;
}

export interface Postponement {
  clock: string;
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
  decidedBy?: string;
  approved?: boolean;
  since?: string;
  resumedAt?: string;
  resumedBy?: string;
  overdueAlerted?: boolean;
}

export interface CallbackResult {
  agentId: string;
  at: string;
  /** 1 (very unhappy) … 5 (very satisfied). */
  satisfaction: number;
  faultResolved: boolean;
  note?: string;
}

export interface FailedAlert {
  key: string;
  staffId: string;
  reason: string;
  at: string;
}

export interface Correction {
  by: string;
  at: string;
  field: 'regionId' | 'severity';
  from: string;
  to: string;
  reason: string;
}

/** How a closed request ended. */
export type Outcome = 'completed' | 'cancelled' | 'customer_unreachable' | 'paperwork_lapsed';

/** The live state of a request: one shape for every kind. */
export interface RequestStatus {
  requestId: string;
  kind: RequestKind;
  label: string;
  severity?: FaultSeverity;
  regionId: string;
  customer: Customer;
  description: string;
  firstContactStaffId: string;
  policyVersion: string;
  /** The current stage, or `closed`. */
  stage: string;
  stages: string[];
  /** What the request waits for before its stage can move. */
  waitingFor?: 'paperwork' | 'resume' | 'dispatch';
  cycle: number;
  receivedAt: string;
  paperwork: { required: boolean; complete: boolean; completedAt?: string; missingItems: string[] };
  assignee?: AssignedTechnician;
  visitAt?: string;
  clocks: ClockStatus[];
  /** The earliest deadline among the running clocks. */
  nextDeadline?: string;
  breaches: Breach[];
  warnings: Array<{ clock: string; at: string }>;
  completed: StageCompletion[];
  pendingExtension?: ExtensionRequest;
  extensions: ExtensionDecision[];
  postponements: Postponement[];
  unreachable: UnreachableReport[];
  pauses: Pause[];
  callbackDue: boolean;
  callback?: CallbackResult;
  failedAlerts: FailedAlert[];
  corrections: Correction[];
  cancellation?: { by: string; at: string; reason: string };
  outcome?: Outcome;
  closedAt?: string;
  /** How fresh a status read from the registry is (absent when the workflow answered). */
  asOf?: string;
}

export type TimelineEventType =
  | 'received'
  | 'paperwork_missing'
  | 'paperwork_complete'
  | 'paperwork_lapsed'
  | 'dispatched'
  | 'reassigned'
  | 'stage_done'
  | 'clock_started'
  | 'warned'
  | 'breached'
  | 'escalated'
  | 'alert_failed'
  | 'postponed'
  | 'extension_requested'
  | 'extension_approved'
  | 'extension_rejected'
  | 'customer_unreachable'
  | 'unreachable_report_filed'
  | 'pause_requested'
  | 'pause_approved'
  | 'pause_rejected'
  | 'pause_overdue'
  | 'resumed'
  | 'deadline_confirmed'
  | 'callback_recorded'
  | 'reopened'
  | 'corrected'
  | 'cancelled'
  | 'closed';

export interface TimelineEvent {
  /** Position in the request's timeline; with the request id it is the record's unique key. */
  seq: number;
  type: TimelineEventType;
  stage: string;
  at: string;
  actor?: string;
  /** Whether what this event completes was met within its limit. */
  onTime?: boolean;
  detail?: Record<string, unknown>;
}

/** What an update answers: the new state, and the timeline tail the caller may record at once. */
export interface ActionResult {
  status: RequestStatus;
  events: TimelineEvent[];
}

// What each action carries, after the API's validation; `actor` is always the signed-in staff member.
export interface ManualDispatch { actor: Actor; technicianId: string }
export interface StageDone {
  actor: Actor;
  stage: string;
  note?: string;
  /** Appointment (R6, R32): the agreed visit time. */
  visitAt?: string;
  /** Callback (R16): satisfaction 1–5 and whether the problem is gone (R17). */
  satisfaction?: number;
  faultResolved?: boolean;
}
export interface PaperworkReport { actor: Actor; complete: boolean; missingItems: string[] }
export interface ExtensionAsk { actor: Actor; clock?: string; newDeadline: string; reason: string }
export interface ExtensionVerdict { actor: Actor; approve: boolean; note?: string }
export interface PostponementAsk { actor: Actor; clock?: string; until: string; reason: string }
export interface UnreachableClaim { actor: Actor; attempts: string[]; reason: string }
export interface UnreachableReportFiling { actor: Actor; report: string }
export interface PauseAsk { actor: Actor; reason: string }
export interface PauseVerdict { actor: Actor; approve: boolean; note?: string }
export interface ResumeOrder { actor: Actor }
export interface Cancellation { actor: Actor; reason: string }
export interface Reassignment { actor: Actor; technicianId: string; reason: string }
export interface CorrectionOrder { actor: Actor; regionId?: string; severity?: FaultSeverity; reason: string }
