/** The activities' contract. Workflows import these types only, never the implementations. */
import type { RepairStage, StaffRole } from '../domain/kinds';
import type { ServiceStatus } from '../domain/service-request';
import type { WorkingDeadline } from '../domain/working-days';
import type { AssignedTechnician, RequestStatus, TimelineEvent } from '../domain/request';

export interface DispatchJob {
  requestId: string;
  regionId: string;
  /** R4: fault description, address and the customer's phone. */
  text: string;
}

export interface BreachNotice {
  requestId: string;
  regionId: string;
  stage: RepairStage | string;
  cycle: number;
  rule: string;
  limit: string;
  deadline: string;
  breachedAt: string;
  /** The technician on the job, when the stage is theirs to meet. */
  technicianId?: string;
  /** Ladder level (1 = at breach, writes the record; 2, 3 … later alerts only). Repair stages: 1. */
  level?: number;
  /** Roles to alert and the responsible role, for stages outside the repair rules (policy ladder). */
  alert?: StaffRole[];
  responsible?: StaffRole;
  /** A named person held responsible (R12: whoever did not file the report). */
  responsibleStaffId?: string;
}

export interface RoleNotice {
  requestId: string;
  regionId: string;
  /** Unique per cause; the recipient's id is appended, so each person gets it once. */
  key: string;
  roles: StaffRole[];
  /** Named people told besides the role holders (the assigned technician). */
  staffIds?: string[];
  text: string;
}

export interface WorkingDeadlineAsk {
  startMs: number;
  days: number;
  utcOffsetMinutes: number;
  cutoff: string;
}

export interface EscalationOutcome {
  accountabilityRecordId: number;
  responsibleStaffId: string;
  alerted: string[];
}

export interface ClosingNotice {
  requestId: string;
  firstContactStaffId: string;
  summary: string;
}

export interface ServiceActivities {
  /** Writes the request's registry row and appends timeline events; idempotent per (request, seq). */
  recordProgress(snapshot: RequestStatus, events: TimelineEvent[]): Promise<void>;
  /** R4: finds the region's on-duty technician and sends the job SMS; retryable while nobody is on duty. */
  dispatchToOnDutyTechnician(job: DispatchJob): Promise<AssignedTechnician>;
  /** An agent's manual dispatch to a named technician. */
  dispatchToTechnician(job: DispatchJob & { technicianId: string }): Promise<AssignedTechnician>;
  /** Alerts the stage's leaders and writes the accountability record, once per breach. */
  escalateBreach(notice: BreachNotice): Promise<EscalationOutcome>;
  /** R1: the staff member who took the request is told when it closes; once per request. */
  notifyFirstContact(notice: ClosingNotice): Promise<void>;
  /** Registry row and timeline of a request of another kind. */
  recordServiceProgress(snapshot: ServiceStatus, events: TimelineEvent[]): Promise<void>;
  /** R9–R11: a deadline in working days by the holiday calendar; its result is recorded in history. */
  workingDeadline(ask: WorkingDeadlineAsk): Promise<WorkingDeadline>;
  /** Warnings and reports to the holders of roles for the request's region, once per key and person. */
  notifyRoles(notice: RoleNotice): Promise<string[]>;
}
