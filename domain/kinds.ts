/** Request kinds, staff roles and severities (R2, R5). Pure: no I/O. */

/** R2: the kinds of request the operator promises limits for. */
export const REQUEST_KINDS = ['fault_repair', 'installation_city', 'installation_rural', 'reconnection', 'complaint', 'consultation'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** R8: general faults are resolved within 24 hours, major ones within 72. */
export const FAULT_SEVERITIES = ['general', 'major'] as const;
export type FaultSeverity = (typeof FAULT_SEVERITIES)[number];

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

/** R13: a region's customer manager, its branch leader or the company decide extensions and pauses. */
export const REGION_LEADERS: readonly StaffRole[] = ['customer_manager', 'branch_leader', 'company_leader'];
/** Kept for callers that name the R13 deciders. */
export const EXTENSION_DECIDERS = REGION_LEADERS;
export const CALL_CENTRE: readonly StaffRole[] = ['agent', 'call_centre_leader'];
