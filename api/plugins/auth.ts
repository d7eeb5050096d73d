/**
 * Every endpoint but health, metrics and docs needs an API key tied to a staff member and a role
 * (`Authorization: Bearer <key>`). Missing or wrong credentials answer 401; a role or ownership
 * that does not allow the action answers 403, each saying what to do. Repeated wrong keys from
 * one address answer 429 with Retry-After (sign-in-limit.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { staffForApiKey } from '../../db/api-keys';
import type { StaffMember } from '../../db/organisation';
import type { StaffRole } from '../../domain/kinds';
import { HttpError } from '../errors';
import { PUBLIC_ROUTES } from './errors';
import { FailedSignIns, signInLimitsFromEnv, type SignInLimits } from './sign-in-limit';

declare module 'fastify' {
  interface FastifyRequest {
    staff: StaffMember;
  }
}

export const authentication = fp(async (app: FastifyInstance, options: { signInLimits?: SignInLimits }) => {
  const failed = new FailedSignIns(options.signInLimits ?? signInLimitsFromEnv());
  app.decorateRequest('staff', null as unknown as StaffMember);
  app.addHook('onRequest', async (req, reply) => {
    const route = req.routeOptions.url;
    if (route === undefined || PUBLIC_ROUTES.some((p) => p.test(route))) return; // unknown routes answer 404 or 405
    const header = req.headers.authorization;
    const key = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    reply.header('www-authenticate', 'Bearer');
    if (!key) throw new HttpError(401, 'Missing credentials: send "Authorization: Bearer <API key>". An admin issues keys.');
    const wait = failed.retryAfterSeconds(req.ip);
    if (wait !== undefined) {
      reply.header('retry-after', String(wait));
      throw new HttpError(
        429,
        `Too many sign-ins with a wrong API key from your address; wait ${wait} s before trying again, and check the key you use (an admin issues a new one).`,
      );
    }
    const staff = await staffForApiKey(app.deps.pool, key);
    if (!staff) {
      failed.recordFailure(req.ip);
      throw new HttpError(401, 'The API key is unknown or revoked, or its staff member is inactive; ask an admin for a new key.');
    }
    req.staff = staff;
  });
});

const roleName = (role: string) => role.replace(/_/g, ' ');
/** "a technician", "an agent", "an admin": a role as a sentence names it. */
export const aRole = (role: string) => `${/^[aeiou]/i.test(role) ? 'an' : 'a'} ${roleName(role)}`;

/** Refuses with 403 unless the caller holds one of the roles. */
export function requireRole(req: FastifyRequest, roles: readonly StaffRole[], action: string): void {
  if (!roles.includes(req.staff.role)) {
    throw new HttpError(403, `Only ${roles.map(roleName).join(' or ')} staff may ${action}; you (${req.staff.id}) are ${aRole(req.staff.role)}.`);
  }
}
