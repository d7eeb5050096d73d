/** The activities' contract. Workflows import these types only, never the implementations. */
import type { RepairStage } from '../domain/kinds';
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
  stage: RepairStage;
  cycle: number;
  rule: string;
  limit: string;
  deadline: string;
  breachedAt: string;
  /** The technician on the job, when the stage is theirs to meet. */
  technicianId?: string;
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
}
