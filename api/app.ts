/** buildApp(deps): the HTTP API as a function, so tests drive it with app.inject and the server listens. */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { policyProblems, type Policy } from '../domain/policy';
import type { HolidayCalendar } from '../domain/working-days';
import { authentication } from './plugins/auth';
import { errorHandling } from './plugins/errors';
import { metrics } from './plugins/metrics';
import { openApi } from './plugins/openapi';
import { requestTimeouts } from './plugins/timeouts';
import { validation } from './plugins/validation';
import { accountabilityRoutes } from './routes/accountability';
import { actionRoutes } from './routes/actions';
import { calendarRoutes } from './routes/calendar';
import { DEFAULT_HEALING, intakeHealer, type HealingOptions } from './workflow-start';
import { healthRoutes } from './routes/health';
import { orgRoutes } from './routes/org';
import { requestRoutes } from './routes/requests';
import { rosterRoutes } from './routes/roster';

export interface AppDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  /** The policies new requests start under (each keeps a snapshot): fault repair, and every other kind. */
  policy: Policy;
  /** The official holiday calendar (R9, R10), for the working-day deadlines intake answers with; the file's by default. */
  calendar?: () => HolidayCalendar;
  /** Start the workflows of requests whose intake was cut short: when, how often (false: never). */
  healIntake?: HealingOptions | false;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const problems = policyProblems(deps.policy);
  if (problems.length > 0) throw new Error(`The policy is invalid: ${problems.join('; ')}`);
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // A caller's X-Request-Id is kept when it is a plain token, else a fresh one; every answer carries it.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : randomUUID();
    },
    // A client gets 30 s to send its request and a silent connection is closed after 60 s (Fastify's
    // requestTimeout, connectionTimeout); the handler's own deadline is in plugins/timeouts.ts.
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    bodyLimit: 256 * 1024,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('deps', deps);
  // Order matters: validation and error answers apply to every route registered after them.
  await app.register(validation);
  await app.register(errorHandling);
  await app.register(requestTimeouts);
  await app.register(metrics);
  await app.register(openApi);
  await app.register(authentication);
  await app.register(healthRoutes);
  await app.register(requestRoutes);
  await app.register(actionRoutes);
  await app.register(orgRoutes);
  await app.register(rosterRoutes);
  await app.register(accountabilityRoutes);
  await app.register(calendarRoutes);
  await app.register(intakeHealer, { healing: deps.healIntake ?? DEFAULT_HEALING });
  return app as unknown as FastifyInstance;
}
