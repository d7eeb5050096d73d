/** The activities' contract. Workflows import these types only, never the implementations. */
import type { StaffRole } from '../domain/kinds';
import type { AssignedTechnician, RequestStatus, TimelineEvent } from '../domain/request';
import type { WorkingDeadline } from '../domain/working-days';

export interface Recipient {
  staffId: string;
  phone: string;
}

/** A breach to put on the accountability ledger (R14, R20): once per (request, clock, cycle). */
export interface BreachEntry {
  clock: string;
  stage: string;
  cycle: number;
  rule: string;
  deadline: string;
  breachedAt: string;
  /** The named person, when known (the assignee, or whoever owed the R12 report). */
  responsibleStaffId?: string;
  /** Otherwise the holder of this role in the request's region at the breach (R5 history). */
  responsibleRole?: StaffRole;
  /** R23: this record within twelve months is aggravated. */
  aggravatedFromRecord: number;
  /** R25: hours to file a statement. */
  statementWindowHours: number;
}

/**
 * One write of a request's records, all keyed by what the committed workflow decided: the
 * registry row (never moved backwards), the timeline events by (request, seq), the ledger record
 * by (request, clock, cycle). It also names who is to be told, as the organisation stood at `at`.
 */
export interface RecordStep {
  status: RequestStatus;
  events: TimelineEvent[];
  breach?: BreachEntry;
  /** Recipients to resolve: holders of roles in the request's region, and named staff. */
  notify?: { roles: StaffRole[]; staffIds: string[]; at: string };
  /**
   * R1: the closing notice to the first-contact owner, sent once the records are written (one
   * recipient, so it rides on this write; a bad number is reported back, never retried).
   */
  notice?: { key: string; staffId: string; text: string };
}

export interface StepOutcome {
  recordId?: number;
  responsibleStaffId?: string;
  recipients: Recipient[];
  /** Why the notice could not be delivered, when it could not. */
  noticeFailed?: string;
}

export interface OutgoingMessage {
  /** Unique per cause and recipient: the outbox sends it once. */
  key: string;
  requestId: string;
  purpose: 'job' | 'alert' | 'notice';
  to: Recipient;
  text: string;
  /** An escalation's deadline: its lateness (sent − deadline) is measured when it goes out. */
  escalation?: { deadline: string; rule: string; level: number };
}

export interface DispatchAsk {
  requestId: string;
  regionId: string;
  /** 0 for the first dispatch; each reassignment counts up. One technician holds each round. */
  round: number;
  text: string;
  /** Who dispatches: `roster` for the automatic dispatch, else the staff member. */
  actorId: string;
  /** A named technician (manual dispatch, reassignment); absent: the region's on-duty technician. */
  technicianId?: string;
}

export interface DispatchOutcome {
  /** The technician who holds the job in this round: ours, or whoever claimed it first. */
  technician: AssignedTechnician;
  /** Whether this call claimed it (and sent the job SMS). */
  won: boolean;
  claimedBy: string;
}

export interface WorkingDeadlineAsk {
  startMs: number;
  days: number;
  utcOffsetMinutes: number;
  cutoff: string;
}

export interface ServiceActivities {
  /** Registry row, timeline, ledger; resolves recipients. Idempotent under the committed keys. */
  recordStep(step: RecordStep): Promise<StepOutcome>;
  /** One SMS to one person through the outbox; a bad number or a refusal fails without retry. */
  sendMessage(message: OutgoingMessage): Promise<void>;
  /** R4, R33: claims the round for a technician and sends the job SMS; a lost claim names the holder. */
  dispatchJob(ask: DispatchAsk): Promise<DispatchOutcome>;
  /** R9–R11: a deadline in working days by the holiday calendar; its result is recorded in history. */
  workingDeadline(ask: WorkingDeadlineAsk): Promise<WorkingDeadline>;
  /**
   * The request closed while a dispatch of `round` was in flight: claims the round for nobody, so a
   * later claim loses and texts no one; returns the technician who claimed it first, to withdraw.
   */
  closeRound(ask: { requestId: string; round: number }): Promise<{ technician?: AssignedTechnician; claimedBy?: string }>;
}

/** ApplicationFailure types the activities raise that must not be retried. */
export const UNKNOWN_TECHNICIAN = 'UnknownTechnician';
export const BAD_RECIPIENT = 'BadRecipient';
export const GATEWAY_REFUSED = 'GatewayRefused';
/** A dispatch that claimed a round after the request closed: it texted nobody. */
export const ROUND_CLOSED = 'RoundClosed';
