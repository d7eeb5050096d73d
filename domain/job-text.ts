import type { RepairRequestInput } from './request';

/** R4: the job SMS carries the fault description, the customer's address and phone number. */
export function jobSmsText(input: Pick<RepairRequestInput, 'requestId' | 'severity' | 'faultDescription' | 'customer' | 'policy'>): string {
  const { requestId, severity, faultDescription, customer, policy } = input;
  return `[${requestId}] ${severity === 'major' ? 'MAJOR fault' : 'Fault'}: ${faultDescription}. ` +
    `Customer ${customer.name}, ${customer.address}, tel ${customer.phone}. ` +
    `Call the customer within ${policy.contactLimitMinutes} minutes (R6).`;
}
