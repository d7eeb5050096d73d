/** Inputs shared by the tests: a valid repair request under the default policy. */
import { DEFAULT_REPAIR_POLICY, type RepairPolicy } from '../../domain/policy';
import type { BreachNotice } from '../../activities/types';
import type { RepairRequestInput } from '../../domain/request';

let counter = 0;
export function uniqueRequestId(): string {
  counter += 1;
  return `SR-20261121-${String(process.pid % 1000).padStart(3, '0')}${String(counter).padStart(3, '0')}`;
}

export function repairInput(overrides: Partial<RepairRequestInput> = {}, policy: Partial<RepairPolicy> = {}): RepairRequestInput {
  return {
    requestId: uniqueRequestId(),
    customer: { name: 'Li Wei', phone: '13800000001', address: '12 Renmin Road, Flat 301' },
    regionId: 'north',
    faultDescription: 'No signal on all channels',
    severity: 'general',
    firstContactStaffId: 'agent-1',
    policy: { ...DEFAULT_REPAIR_POLICY, ...policy },
    ...overrides,
  };
}

let breachCounter = 0;
/** A breach notice as the workflows send it, with a fresh request number each time. */
export function breachNotice(overrides: Partial<BreachNotice> = {}): BreachNotice {
  breachCounter += 1;
  return {
    requestId: `SR-20261121-7${String(process.pid % 10000).padStart(4, '0')}${String(breachCounter).padStart(2, '0')}`,
    regionId: 'north',
    stage: 'contact',
    cycle: 0,
    rule: 'R6',
    limit: 'technician contacts the customer',
    deadline: new Date(Date.now() - 60_000).toISOString(),
    breachedAt: new Date().toISOString(),
    technicianId: 'tech-north-1',
    ...overrides,
  };
}
