/** Who is alerted and who is held to account when a stage's limit is missed (R4, R6, R8, R14, R16). */
import type { RepairStage, StaffRole } from './kinds';

export interface StageRule {
  /** The rule in ../shared/domain.md whose limit the stage enforces. */
  rule: string;
  /** What the limit is, as an operator reads it in the Temporal UI and in alerts. */
  limit: string;
  /** Roles alerted once when the limit is missed. */
  alert: readonly StaffRole[];
  /**
   * Who the accountability record names: the assigned technician, or the holder of a role.
   * Dispatch falls on the region's customer manager, who keeps the on-duty roster filled (R5).
   */
  responsible: 'technician' | StaffRole;
}

export const STAGE_RULES: Record<RepairStage, StageRule> = {
  dispatch: { rule: 'R4', limit: 'job SMS to the on-duty technician', alert: ['call_centre_leader'], responsible: 'customer_manager' },
  contact: { rule: 'R6', limit: 'technician contacts the customer', alert: ['customer_manager'], responsible: 'technician' },
  arrival: { rule: 'R6', limit: 'technician arrives at the agreed time', alert: ['customer_manager'], responsible: 'technician' },
  resolution: { rule: 'R8', limit: 'fault resolved', alert: ['customer_manager', 'branch_leader'], responsible: 'technician' },
  callback: { rule: 'R16', limit: 'customer called back', alert: ['call_centre_leader'], responsible: 'call_centre_leader' },
};
