/** The on-duty roster (R4, R5): who is on duty per region and shift, with backups; admins plan it. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { findRegion, findStaffRow } from '../../db/org';
import { addShift, cancelShift, shiftsAt } from '../../db/roster';
import { HttpError } from '../errors';
import { aRole, requireRole } from '../plugins/auth';
import { ErrorSchema } from '../schemas/requests';
import { NumericIdParams, Roster, RosterQuery, Shift, ShiftBody } from '../schemas/org';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 422: ErrorSchema };

export async function rosterRoutes(plain: FastifyInstance): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { pool } = app.deps;

  app.get(
    '/roster',
    { schema: { tags: ['roster'], summary: 'Shifts on duty at a moment (default now), optionally for one region', querystring: RosterQuery, response: { 200: Roster, ...errors } } },
    async (req) => {
      const at = req.query.at ? new Date(req.query.at) : new Date();
      return { at: at.toISOString(), shifts: await shiftsAt(pool, at, req.query.regionId) };
    },
  );

  app.post(
    '/roster/shifts',
    {
      schema: {
        tags: ['roster'],
        summary: "Put a technician on duty in a region (primary or backup), or a shift leader on the call centre's roster (admin)",
        body: ShiftBody,
        response: { 201: Shift, ...errors },
      },
    },
    async (req, reply) => {
      requireRole(req, ['admin'], 'plan the roster');
      const { staffId, regionId, startsAt, endsAt } = req.body;
      if (Date.parse(endsAt) <= Date.parse(startsAt)) throw new HttpError(422, `endsAt ${endsAt} must be after startsAt ${startsAt}.`);
      const staff = await findStaffRow(pool, staffId);
      if (!staff?.active) throw new HttpError(422, `No active staff member "${staffId}".`);
      if (regionId !== null) {
        if (!(await findRegion(pool, regionId))) throw new HttpError(422, `Unknown region "${regionId}".`);
        if (staff.role !== 'technician') throw new HttpError(422, `Only technicians go on a region's roster; ${staffId} is ${aRole(staff.role)}.`);
      } else if (staff.role !== 'call_centre_leader') {
        throw new HttpError(422, `A call-centre shift (regionId null) is for a call-centre leader; ${staffId} is ${aRole(staff.role)}.`);
      }
      reply.code(201);
      return addShift(pool, req.staff.id, { ...req.body, position: req.body.position ?? 'primary' });
    },
  );

  app.delete(
    '/roster/shifts/:id',
    { schema: { tags: ['roster'], summary: 'Cancel a shift (admin); it stays on record', params: NumericIdParams, response: { 200: Shift, ...errors } } },
    async (req) => {
      requireRole(req, ['admin'], 'plan the roster');
      const cancelled = await cancelShift(pool, req.staff.id, req.params.id);
      if (!cancelled) throw new HttpError(404, `No shift ${req.params.id}.`);
      return cancelled;
    },
  );
}
