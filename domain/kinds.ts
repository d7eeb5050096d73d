/** Request kinds and the stages of repair on report (R2, R4–R8, R16). Pure: no I/O. */

export type RequestKind = 'fault_repair';
export const FAULT_SEVERITIES = ['general', 'major'] as const;
export type FaultSeverity = (typeof FAULT_SEVERITIES)[number];

/** The timed stages of a fault repair, in the order they run. */
export const REPAIR_STAGES = ['dispatch', 'contact', 'arrival', 'resolution', 'callback'] as const;
export type RepairStage = (typeof REPAIR_STAGES)[number];
export type Stage = RepairStage | 'closed';

export const STAFF_ROLES = [
  'agent',
  'technician',
  'customer_manager',
  'call_centre_leader',
  'branch_leader',
  'company_leader',
  'supervisor',
  'admin',
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** R13: only managers (a region's customer manager or a leader above them) decide extensions. */
export const EXTENSION_DECIDERS: readonly StaffRole[] = ['customer_manager', 'branch_leader', 'company_leader'];
