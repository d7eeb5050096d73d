/**
 * Activity stubs and their retry policies: every one bounded, with the failures that retrying
 * cannot fix classified as non-retryable. Workflow code.
 */
import { proxyActivities } from '@temporalio/workflow';
import { BAD_RECIPIENT, GATEWAY_REFUSED, ROUND_CLOSED, UNKNOWN_TECHNICIAN, type ServiceActivities } from '../activities/types';

// Records are idempotent database writes: retried for up to an hour (a database outage), then the
// workflow carries the events to its next write.
export const { recordStep } = proxyActivities<ServiceActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  summary: 'Records: registry row, timeline, ledger',
});

// One SMS to one person: a gateway outage is retried for half an hour; a bad number is not.
export const { sendMessage } = proxyActivities<ServiceActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes: [BAD_RECIPIENT, GATEWAY_REFUSED] },
  summary: 'SMS to one person',
});

// R4: the roster dispatch keeps trying (nobody on duty, gateway down) for a day; the dispatch clock escalates meanwhile.
export const { dispatchJob: dispatchByRoster } = proxyActivities<ServiceActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: [UNKNOWN_TECHNICIAN, ROUND_CLOSED] },
  summary: 'R4: job SMS to the on-duty technician',
});

// A person's dispatch or reassignment answers within seconds: a few attempts, then a clear refusal.
export const { dispatchJob: dispatchByHand } = proxyActivities<ServiceActivities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: [UNKNOWN_TECHNICIAN, BAD_RECIPIENT, GATEWAY_REFUSED, ROUND_CLOSED] },
  summary: 'Dispatch by hand: job SMS to a named technician',
});

export const { workingDeadline } = proxyActivities<ServiceActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
  summary: 'R9–R11: deadline in working days by the holiday calendar',
});

// A close claims the round a dispatch was in flight for: a database write, retried like the records.
export const { closeRound } = proxyActivities<ServiceActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  summary: 'Close the dispatch round: a dispatch the close overtook is withdrawn',
});
