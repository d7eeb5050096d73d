/** Organisation (R5): admins maintain branches, regions and staff; everyone reads; history is kept. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { issueApiKey } from '../../db/api-keys';
import { findBranch, findRegion, findStaffRow, organisation, regionHistory, saveBranch, saveRegion, saveStaff } from '../../db/org';
import { databaseRefusal, HttpError } from '../errors';
import { aRole, requireRole } from '../plugins/auth';
import { ErrorSchema } from '../schemas/requests';
import {
  ApiKeyBody,
  Branch,
  BranchBody,
  IdParams,
  IssuedApiKey,
  Organisation,
  Region,
  RegionBody,
  RegionHistory,
  Staff,
  StaffBody,
} from '../schemas/org';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 422: ErrorSchema };

export async function orgRoutes(plain: FastifyInstance): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { pool } = app.deps;

  async function write<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw databaseRefusal(err) ?? err;
    }
  }
  async function requireStaffInRole(id: string | null, role: string, field: string): Promise<void> {
    if (id === null) return;
    const staff = await findStaffRow(pool, id);
    if (!staff) throw new HttpError(422, `Unknown staff id "${id}" in ${field}.`);
    if (staff.role !== role) throw new HttpError(422, `${field} must name ${aRole(role)}; ${id} is ${aRole(staff.role)}. Choose someone who is, or change their role first.`);
  }

  app.get('/org', { schema: { tags: ['organisation'], summary: 'Company, branches, regions and staff', response: { 200: Organisation, ...errors } } }, () =>
    organisation(pool),
  );

  app.put(
    '/branches/:id',
    { schema: { tags: ['organisation'], summary: 'Create or change a branch (admin)', params: IdParams, body: BranchBody, response: { 200: Branch, ...errors } } },
    async (req) => {
      requireRole(req, ['admin'], 'change the organisation');
      await requireStaffInRole(req.body.leaderId, 'branch_leader', 'leaderId');
      return write(() => saveBranch(pool, req.staff.id, { id: req.params.id, ...req.body }));
    },
  );

  app.put(
    '/regions/:id',
    {
      schema: {
        tags: ['organisation'],
        summary: "Create or change a region (admin); a new customer manager applies to new work at once (R5)",
        params: IdParams,
        body: RegionBody,
        response: { 200: Region, ...errors },
      },
    },
    async (req) => {
      requireRole(req, ['admin'], 'change the organisation');
      if (!(await findBranch(pool, req.body.branchId))) throw new HttpError(422, `Unknown branch "${req.body.branchId}" in branchId.`);
      await requireStaffInRole(req.body.customerManagerId, 'customer_manager', 'customerManagerId');
      return write(() => saveRegion(pool, req.staff.id, { id: req.params.id, ...req.body }));
    },
  );

  app.get(
    '/regions/:id/history',
    { schema: { tags: ['organisation'], summary: 'Who managed and covered a region, and when (R5)', params: IdParams, response: { 200: RegionHistory, ...errors } } },
    async (req) => {
      if (!(await findRegion(pool, req.params.id))) throw new HttpError(404, `No region "${req.params.id}".`);
      return regionHistory(pool, req.params.id);
    },
  );

  app.put(
    '/staff/:id',
    { schema: { tags: ['organisation'], summary: 'Create or change a staff member (admin)', params: IdParams, body: StaffBody, response: { 200: Staff, ...errors } } },
    async (req) => {
      requireRole(req, ['admin'], 'change the organisation');
      return write(() => saveStaff(pool, req.staff.id, { id: req.params.id, ...req.body }));
    },
  );

  app.post(
    '/staff/:id/api-keys',
    {
      schema: {
        tags: ['organisation'],
        summary: 'Issue an API key for a staff member (admin); the key is shown once',
        params: IdParams,
        body: ApiKeyBody,
        response: { 201: IssuedApiKey, ...errors },
      },
    },
    async (req, reply) => {
      requireRole(req, ['admin'], 'issue API keys');
      if (!(await findStaffRow(pool, req.params.id))) throw new HttpError(404, `No staff member "${req.params.id}".`);
      const issued = await issueApiKey(pool, req.params.id, req.body.label);
      reply.code(201);
      return { ...issued, staffId: req.params.id };
    },
  );
}
