/** The shapes a repair request takes, shared by the workflow, its activities and the API. */
import type { FaultSeverity, RepairStage, RequestKind, Stage } from './kinds';
import type { RepairPolicy } from './policy';

export interface Customer {
  name: string;
  phone: string;
  address: string;
}

/** The workflow's input: everything taken at intake, plus the policy snapshot it runs under. */
export interface RepairRequestInput {
  requestId: string;
  customer: Customer;
  regionId: string;
  faultDescription: string;
  severity: FaultSeverity;
  /** R1: the staff member who first took the request owns it. */
  firstContactStaffId: string;
  policy: RepairPolicy;
}

export interface AssignedTechnician {
  staffId: string;
  name: string;
  phone: string;
}

export interface Breach {
  stage: RepairStage | string;
  /** 0 for the first pass; a reopened request's resolution and callback count up (R17). */
  cycle: number;
  rule: string;
  deadline: string;
  breachedAt: string;
}

export interface ExtensionRequest {
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

export interface CallbackResult {
  agentId: string;
  at: string;
  /** 1 (very unhappy) … 5 (very satisfied). */
  satisfaction: number;
  faultResolved: boolean;
  note?: string;
}

export type TimelineEventType =
  | 'received'
  | 'paperwork_missing'
  | 'paperwork_complete'
  | 'stage_done'
  | 'warned'
  | 'escalated'
  | 'postponed'
  | 'customer_unreachable'
  | 'unreachable_report_filed'
  | 'pause_requested'
  | 'pause_approved'
  | 'pause_rejected'
  | 'resumed'
  | 'deadline_confirmed'
  | 'dispatched'
  | 'contacted'
  | 'arrived'
  | 'resolved'
  | 'extension_requested'
  | 'extension_approved'
  | 'extension_rejected'
  | 'callback_recorded'
  | 'reopened'
  | 'breached'
  | 'closed';

export interface TimelineEvent {
  /** Position in the request's timeline; with the request id it is the record's unique key. */
  seq: number;
  type: TimelineEventType;
  stage: Stage | string;
  at: string;
  actor?: string;
  /** Whether the stage this event completes was met within its limit. */
  onTime?: boolean;
  detail?: Record<string, unknown>;
}

/** The live state of a request, as its workflow reports it. */
export interface RequestStatus {
  requestId: string;
  kind: RequestKind;
  severity: FaultSeverity;
  regionId: string;
  customer: Customer;
  faultDescription: string;
  firstContactStaffId: string;
  policyVersion: string;
  stage: Stage;
  cycle: number;
  receivedAt: string;
  technician?: AssignedTechnician;
  contactedAt?: string;
  visitAt?: string;
  arrivedAt?: string;
  resolvedAt?: string;
  /** The deadline of each stage that has one so far; the current stage's is also `nextDeadline`. */
  deadlines: Partial<Record<RepairStage, string>>;
  nextDeadline?: string;
  breaches: Breach[];
  pendingExtension?: ExtensionRequest;
  extensions: ExtensionDecision[];
  callbackDue: boolean;
  callback?: CallbackResult;
  /** R7: deadlines moved because the customer asked; recorded and counted, never a breach. */
  postponements?: Array<{ stage: string; requestedBy: string; at: string; reason: string; from: string; to: string }>;
  closedAt?: string;
}

// What each action carries (the API's request bodies, after validation).
export interface ManualDispatch { agentId: string; technicianId: string }
export interface ContactReport { technicianId: string; visitAt: string }
export interface ArrivalReport { technicianId: string }
export interface ResolutionReport { technicianId: string; note?: string }
export interface ExtensionAsk { technicianId: string; newDeadline: string; reason: string }
export interface ExtensionVerdict { managerId: string; approve: boolean; note?: string }
export interface CallbackReport { agentId: string; satisfaction: number; faultResolved: boolean; note?: string }
