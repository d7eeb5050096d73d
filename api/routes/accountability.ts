/**
 * The accountability ledger (R20–R25): the responsible person files a statement (R25); only
 * supervisors decide (R21, R22), with mitigating facts (R24). Leaders, supervisors and admins read
 * every record; everyone else reads their own.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decide, fileStatement, findRecord, listRecords, recordHistory, type AccountabilityRecord } from '../../db/accountability';
import type { StaffRole } from '../../domain/kinds';
import { HttpError } from '../errors';
import { requireRole } from '../plugins/auth';
import { ErrorSchema } from '../schemas/requests';
import { AccountabilityList, AccountabilityQuery, AccountabilityRecord as RecordSchema, DecisionBody, NumericIdParams, StatementBody } from '../schemas/org';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const READ_ALL: readonly StaffRole[] = ['supervisor', 'branch_leader', 'company_leader', 'admin'];

export async function accountabilityRoutes(plain: FastifyInstance): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { pool } = app.deps;

  async function visibleRecord(req: FastifyRequest, id: number): Promise<AccountabilityRecord> {
    const record = await findRecord(pool, id);
    if (!record) throw new HttpError(404, `No accountability record ${id}.`);
    if (!READ_ALL.includes(req.staff.role) && record.responsibleStaffId !== req.staff.id) {
      throw new HttpError(403, `Accountability record ${id} is not about you; only supervisors and leaders read others' records.`);
    }
    return record;
  }

  app.get(
    '/accountability',
    { schema: { tags: ['accountability'], summary: 'Breach records, newest first', querystring: AccountabilityQuery, response: { 200: AccountabilityList, ...errors } } },
    async (req) => {
      const own = !READ_ALL.includes(req.staff.role);
      return { records: await listRecords(pool, { ...req.query, responsibleStaffId: own ? req.staff.id : req.query.responsibleStaffId }) };
    },
  );

  app.get(
    '/accountability/:id',
    { schema: { tags: ['accountability'], summary: 'One record with every change made to it', params: NumericIdParams, response: { 200: RecordSchema, ...errors } } },
    async (req) => ({ ...(await visibleRecord(req, req.params.id)), history: await recordHistory(pool, req.params.id) }),
  );

  app.post(
    '/accountability/:id/statement',
    {
      schema: {
        tags: ['accountability'],
        summary: 'The responsible person states their case before the deadline (R25)',
        params: NumericIdParams,
        body: StatementBody,
        response: { 200: RecordSchema, ...errors },
      },
    },
    async (req) => {
      const record = await visibleRecord(req, req.params.id);
      if (record.responsibleStaffId !== req.staff.id) {
        throw new HttpError(403, `Only ${record.responsibleStaffId}, whom record ${record.id} names, may file its statement.`);
      }
      if (!(await fileStatement(pool, record.id, req.staff.id, req.body.statement))) {
        const why = record.status !== 'open' ? `it is already ${record.status.replace(/_/g, ' ')}` : `the deadline ${record.statementDueAt} has passed`;
        throw new HttpError(409, `No statement can be filed on record ${record.id}: ${why}.`);
      }
      return (await findRecord(pool, record.id))!;
    },
  );

  app.post(
    '/accountability/:id/decision',
    {
      schema: {
        tags: ['accountability'],
        summary: 'A supervisor decides: warning, loss of best-in-class eligibility, criticism notice with sanction, or exemption',
        params: NumericIdParams,
        body: DecisionBody,
        response: { 200: RecordSchema, ...errors },
      },
    },
    async (req) => {
      requireRole(req, ['supervisor'], 'decide accountability (R21)');
      const record = await visibleRecord(req, req.params.id);
      if (req.body.outcome === 'criticism_notice' && !req.body.sanction) {
        throw new HttpError(400, 'A criticism notice needs its sanction (R22): set "sanction".');
      }
      if (!(await decide(pool, record.id, req.staff.id, { ...req.body, mitigating: req.body.mitigating ?? [] }))) {
        const why =
          record.status === 'decided'
            ? 'it is already decided'
            : `${record.responsibleStaffId} has not been heard yet: a decision waits for the statement or its deadline ${record.statementDueAt} (R25)`;
        throw new HttpError(409, `Record ${record.id} cannot be decided now: ${why}.`);
      }
      return (await findRecord(pool, record.id))!;
    },
  );
}
