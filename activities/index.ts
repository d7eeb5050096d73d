/** createActivities(deps): every activity the worker registers, bound to its dependencies. */
import { calendarActivities } from './calendar';
import type { ActivityDeps } from './deps';
import { dispatchActivities } from './dispatch';
import { recordActivities } from './records';
import { messageActivities } from './sms';
import type { ServiceActivities } from './types';

export function createActivities(deps: ActivityDeps): ServiceActivities {
  return {
    ...recordActivities(deps),
    ...messageActivities(deps),
    ...dispatchActivities(deps),
    ...calendarActivities(deps),
  };
}

export type { ActivityDeps } from './deps';
export { LoggingSmsGateway, PermanentSmsFailure, type SmsGateway } from './sms';
