/** The activities' dependencies as the processes wire them: the logging SMS gateway, the wall clock, the calendar file. */
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { LoggingSmsGateway, type ActivityDeps } from '../activities';
import { loadCalendar } from '../config/policy';

export function activityDeps(pool: Pool, logger: Logger, overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  const calendar = loadCalendar(); // validated now: a bad calendar stops the worker at start
  return { pool, logger, sms: new LoggingSmsGateway(logger), now: () => new Date(), calendar: () => calendar, ...overrides };
}
