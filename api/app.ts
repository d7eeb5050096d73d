/** buildApp(deps): the HTTP API as a function, so tests drive it with app.inject and the server listens. */
import type { Client } from '@temporalio/client';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { policyProblems, type RepairPolicy } from '../domain/policy';
import { servicePolicyProblems, type ServicePolicy } from '../domain/service-policy';
import { authentication } from './plugins/auth';
import { openApi } from './plugins/openapi';
import { accountabilityRoutes } from './routes/accountability';
import { actionRoutes } from './routes/actions';
import { calendarRoutes } from './routes/calendar';
import { healthRoutes } from './routes/health';
import { orgRoutes } from './routes/org';
import { requestRoutes } from './routes/requests';
import { rosterRoutes } from './routes/roster';
import { serviceActionRoutes } from './routes/service-actions';

export interface AppDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  /** The policies new requests start under (each keeps a snapshot): fault repair, and every other kind. */
  policy: RepairPolicy;
  servicePolicy: ServicePolicy;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const problems = policyProblems(deps.policy);
  if (problems.length > 0) throw new Error(`The repair policy is invalid: ${problems.join('; ')}`);
  const serviceProblems = servicePolicyProblems(deps.servicePolicy);
  if (serviceProblems.length > 0) throw new Error(`The service policy is invalid: ${serviceProblems.join('; ')}`);
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    ajv: { customOptions: { allErrors: false, coerceTypes: 'array', removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('deps', deps);
  await app.register(openApi);
  await app.register(authentication);
  await app.register(healthRoutes);
  await app.register(requestRoutes);
  await app.register(actionRoutes);
  await app.register(serviceActionRoutes);
  await app.register(orgRoutes);
  await app.register(rosterRoutes);
  await app.register(accountabilityRoutes);
  await app.register(calendarRoutes);
  return app as unknown as FastifyInstance;
}
