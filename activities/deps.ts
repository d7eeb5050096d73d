import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { SmsGateway } from './sms';

/** What the activities need from the outside world; tests pass their own gateway or clock. */
export interface ActivityDeps {
  pool: Pool;
  sms: SmsGateway;
  logger: Logger;
  now: () => Date;
}
