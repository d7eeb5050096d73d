/** createActivities(deps): every activity the worker registers, bound to its dependencies. */
import type { ActivityDeps } from './deps';
import { calendarActivities } from './calendar';
import { dispatchActivities } from './dispatch';
import { escalationActivities } from './escalation';
import { firstContactActivities } from './first-contact';
import { recordActivities } from './records';
import type { ServiceActivities } from './types';

export function createActivities(deps: ActivityDeps): ServiceActivities {
  return {
    ...recordActivities(deps),
    ...dispatchActivities(deps),
    ...escalationActivities(deps),
    ...firstContactActivities(deps),
    ...calendarActivities(deps),
  };
}

export type { ActivityDeps } from './deps';
export { LoggingSmsGateway, type SmsGateway } from './sms';
