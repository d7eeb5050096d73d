import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { HolidayCalendar } from '../domain/working-days';
import type { SmsGateway } from './sms';

/** What the activities need from the outside world; tests pass their own gateway or clock. */
export interface ActivityDeps {
  pool: Pool;
  sms: SmsGateway;
  logger: Logger;
  now: () => Date;
  /** The holiday calendar in force (R9, R10); a function so an operator's update applies to new computations. */
  calendar: () => HolidayCalendar;
}
