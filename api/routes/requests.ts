/** Intake (R1, R2), lists, live status and the timeline of requests. */
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { claimRequestNumber } from '../../db/intake';
import { regionExists } from '../../db/organisation';
import { findSnapshot, listRequests, timeline } from '../../db/requests';
import type { RepairRequestInput, RequestStatus } from '../../domain/request';
import { snapshotFor, type ServiceKind } from '../../domain/service-policy';
import type { ServiceRequestInput, ServiceStatus } from '../../domain/service-request';
import { statusQuery } from '../../workflows/messages';
import type { repairRequest } from '../../workflows/repair-request';
import type { serviceRequest } from '../../workflows/service-request';
import { BREACHED, NEXT_DEADLINE, REGION_ID, REQUEST_KIND, REQUEST_STAGE } from '../../workflows/search-attributes';
import { HttpError } from '../errors';
import { requireRole } from '../plugins/auth';
import { AnyStatusSchema, CreateRequestBody, ErrorSchema, ListQuery, RequestList, RequestParams, TimelineSchema } from '../schemas/requests';

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Retrying a POST with the same key returns the same request' }),
  ),
});

/** Fields each kind needs beyond the schema's common ones; a 400 names the missing one. */
function requireKindFields(body: CreateRequestBody): void {
  const missing = (field: string, kind: string) => new HttpError(400, `body must have required property '${field}' for a ${kind} request`);
  const kind = body.kind ?? 'fault_repair';
  if (kind === 'fault_repair') {
    if (!body.faultDescription) throw missing('faultDescription', kind);
    if (!body.severity) throw missing('severity', kind);
  } else if (!body.description) {
    throw missing('description', kind);
  }
}

const bodyHash = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('hex');

export async function requestRoutes(plain: FastifyInstance): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { pool, temporal, taskQueue, policy, servicePolicy } = app.deps;

  /** Live state from the workflow; the last recorded snapshot when the workflow cannot answer. */
  async function currentStatus(requestId: string): Promise<RequestStatus | ServiceStatus> {
    try {
      return await temporal.workflow.getHandle(requestId).query(statusQuery);
    } catch (err) {
      const recorded = await findSnapshot(pool, requestId);
      if (recorded) return recorded;
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, `No request ${requestId} exists; check the request number.`);
      throw err;
    }
  }

  app.post(
    '/requests',
    {
      schema: {
        tags: ['requests'],
        summary: 'Take a fault-repair request; starts its clock',
        description:
          'Agents and call-centre leaders. The caller is recorded as first-contact owner (R1). The job SMS goes to the region on-duty technician within 3 minutes (R4). ' +
          'Send an Idempotency-Key header to make retries safe: the same key returns the same request.',
        headers: IdempotencyHeaders,
        body: CreateRequestBody,
        response: {
          201: AnyStatusSchema,
          200: AnyStatusSchema,
          400: ErrorSchema,
          401: ErrorSchema,
          403: ErrorSchema,
          409: ErrorSchema,
          422: ErrorSchema,
        },
      },
    },
    async (req, reply) => {
      requireRole(req, ['agent', 'call_centre_leader'], 'take requests');
      const body = req.body;
      requireKindFields(body);
      if (!(await regionExists(pool, body.regionId))) {
        throw new HttpError(422, `Unknown region "${body.regionId}"; choose the region that covers the customer's address.`);
      }
      const claim = await claimRequestNumber(pool, new Date(), bodyHash(body), req.headers['idempotency-key']);
      if (claim.outcome === 'key-reused') {
        throw new HttpError(
          409,
          `This Idempotency-Key was already used for request ${claim.requestId} with different details; use a new key for a new request.`,
        );
      }
      const kind = body.kind ?? 'fault_repair';
      const searchAttributes = (stage: string, nextDeadline: Date | null): SearchAttributePair[] => [
        { key: REQUEST_KIND, value: kind },
        { key: REGION_ID, value: body.regionId },
        { key: REQUEST_STAGE, value: stage },
        ...(nextDeadline ? [{ key: NEXT_DEADLINE, value: nextDeadline }] : []),
        { key: BREACHED, value: false },
      ];
      // A retried POST finds the run it started; a closed one is never started again.
      const startOptions = { workflowId: claim.requestId, taskQueue, workflowIdConflictPolicy: 'USE_EXISTING', workflowIdReusePolicy: 'REJECT_DUPLICATE' } as const;
      try {
        if (kind === 'fault_repair') {
          const input: RepairRequestInput = {
            requestId: claim.requestId,
            customer: body.customer,
            regionId: body.regionId,
            faultDescription: body.faultDescription!,
            severity: body.severity!,
            firstContactStaffId: req.staff.id, // R1: whoever took the call owns the request
            policy,
          };
          await temporal.workflow.start<typeof repairRequest>('repairRequest', {
            ...startOptions,
            args: [input],
            staticSummary: `${body.severity} fault in ${body.regionId}: ${body.faultDescription}`.slice(0, 200),
            typedSearchAttributes: searchAttributes('dispatch', new Date(Date.now() + policy.dispatchLimitMinutes * 60_000)),
          });
        } else {
          const snapshot = snapshotFor(servicePolicy, kind as ServiceKind);
          const input: ServiceRequestInput = {
            requestId: claim.requestId,
            kind: kind as ServiceKind,
            customer: body.customer,
            regionId: body.regionId,
            description: body.description!,
            firstContactStaffId: req.staff.id,
            paperwork: { complete: body.paperwork?.complete ?? false, missingItems: body.paperwork?.missingItems ?? [] },
            answeredOnFirstContact: body.answeredOnFirstContact,
            policy: snapshot,
          };
          await temporal.workflow.start<typeof serviceRequest>('serviceRequest', {
            ...startOptions,
            args: [input],
            staticSummary: `${snapshot.kindPolicy.label} in ${body.regionId}: ${body.description}`.slice(0, 200),
            typedSearchAttributes: searchAttributes(snapshot.kindPolicy.stages[0].stage, null),
          });
        }
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      const status = await currentStatus(claim.requestId);
      reply.code(claim.outcome === 'new' ? 201 : 200);
      if (claim.outcome === 'replay') reply.header('idempotent-replayed', 'true');
      return status;
    },
  );

  app.get(
    '/requests',
    {
      schema: {
        tags: ['requests'],
        summary: 'List requests, newest first, by stage, region and breach',
        querystring: ListQuery,
        response: { 200: RequestList, 400: ErrorSchema },
      },
    },
    async (req) => {
      const { mine, ...filter } = req.query;
      return { requests: await listRequests(pool, { ...filter, staffId: mine ? req.staff.id : undefined }) };
    },
  );

  app.get(
    '/requests/:id',
    {
      schema: {
        tags: ['requests'],
        summary: 'The live state of a request: stage, deadlines, breaches, extensions',
        params: RequestParams,
        response: { 200: AnyStatusSchema, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (req) => currentStatus(req.params.id),
  );

  app.get(
    '/requests/:id/timeline',
    {
      schema: {
        tags: ['requests'],
        summary: 'Every stage of a request: who, when, on time or breached',
        params: RequestParams,
        response: { 200: TimelineSchema, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (req) => {
      const events = await timeline(pool, req.params.id);
      if (events.length === 0 && !(await findSnapshot(pool, req.params.id))) {
        await currentStatus(req.params.id); // 404 unless the workflow exists and has not recorded yet
      }
      return { requestId: req.params.id, events };
    },
  );
}
