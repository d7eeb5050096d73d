/** Inputs shared by the tests: a valid repair request under the default policy. */
import { DEFAULT_REPAIR_POLICY, type RepairPolicy } from '../../domain/policy';
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
