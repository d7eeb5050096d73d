/** Activity stubs and their retry policies, shared by every request workflow. Workflow code. */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ServiceActivities } from '../activities/types';

// Registry and timeline writes are short, idempotent database writes: local activities keep the
// history compact (one marker each) and retry until the database answers.
export const records = proxyLocalActivities<ServiceActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// Alerts and notices must get out however long the gateway is down; each is idempotent per cause.
const deliveries = { startToCloseTimeout: '1 minute', retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' } } as const;
export const { escalateBreach } = proxyActivities<ServiceActivities>({ ...deliveries, summary: 'Breach: alert leaders and write the accountability record' });
export const { notifyRoles } = proxyActivities<ServiceActivities>({ ...deliveries, summary: 'Warning or report to the holders of a role' });
export const { notifyFirstContact } = proxyActivities<ServiceActivities>({ ...deliveries, summary: 'R1: tell the first-contact owner the request closed' });
