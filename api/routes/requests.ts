/**
 * Intake (R1, R2, R30), lists, live status and the timeline of requests. Intake answers from what
 * the API knows when it starts the workflow — the policy snapshot gives every initial deadline —
 * without waiting for a worker; the workflow starts from exactly that state.
 */
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { workingDeadlineWith } from '../../activities/calendar';
import { loadCalendar } from '../../config/policy';
import { claimRequestNumber } from '../../db/intake';
import { regionExists } from '../../db/organisation';
import { findSnapshot, listRequests, markWorkflowStarted, recordIntake, registryRow, timeline } from '../../db/requests';
import { initialStatus, intakeEvents, intakeWorkingDayClocks } from '../../domain/clocks';
import { CALL_CENTRE, type FaultSeverity, type RequestKind } from '../../domain/kinds';
import { limitFor, snapshotFor } from '../../domain/policy';
import type { Deadline, RequestInput, RequestStatus } from '../../domain/request';
import { statusQuery } from '../../workflows/messages';
import { HttpError, outageOf } from '../errors';
import { startRequestWorkflow } from '../workflow-start';
import { requireRole } from '../plugins/auth';
import { CreateRequestBody, ErrorSchema, ListQuery, RequestList, RequestParams, RequestStatusSchema, TimelineSchema } from '../schemas/requests';

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$', description: 'Retrying a POST with the same key returns the same request' }),
  ),
});

/** How long a status read waits for the workflow before answering from the registry. */
const STATUS_QUERY_MS = 1000;

const bodyHash = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('hex');

export async function requestRoutes(plain: FastifyInstance): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { pool, temporal, taskQueue, policy } = app.deps;
  const calendar = app.deps.calendar ?? (() => loadCalendar());

  /**
   * Live state from the workflow when it answers within a second; else the registry's copy, whose
   * `asOf` says how fresh it is (a workflow out of every worker's cache replays before answering).
   */
  async function currentStatus(requestId: string): Promise<RequestStatus> {
    try {
      return await temporal.connection.withDeadline(Date.now() + STATUS_QUERY_MS, () => temporal.workflow.getHandle(requestId).query(statusQuery));
    } catch (err) {
      const recorded = await findSnapshot(pool, requestId);
      if (recorded) return recorded;
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, `No request ${requestId} exists; check the request number.`);
      throw err;
    }
  }

  /** Everything the workflow starts with; the same body always gives the same input (a retried POST). */
  async function inputFor(body: CreateRequestBody, requestId: string, receivedAt: string, staffId: string): Promise<RequestInput> {
    const kind = (body.kind ?? 'fault_repair') as RequestKind;
    const snapshot = snapshotFor(policy, kind);
    const paperwork = { complete: body.paperwork?.complete ?? !snapshot.kindPolicy.needsPaperwork, missingItems: body.paperwork?.missingItems ?? [] };
    const intakeDeadlines: Record<string, Deadline> = {};
    for (const c of intakeWorkingDayClocks(snapshot, paperwork.complete)) {
      const limit = limitFor(c.limit, body.severity as FaultSeverity | undefined);
      if (!('workingDays' in limit)) continue;
      const d = await workingDeadlineWith(pool, calendar(), {
        startMs: Date.parse(receivedAt),
        days: limit.workingDays,
        utcOffsetMinutes: snapshot.clock.utcOffsetMinutes,
        cutoff: snapshot.clock.workingDayCutoff,
      });
      intakeDeadlines[c.clock] = { deadline: d.deadline, provisional: d.provisional };
    }
    return {
      requestId,
      kind,
      ...(snapshot.kindPolicy.severities && { severity: (body.severity ?? 'general') as FaultSeverity }),
      customer: body.customer,
      regionId: body.regionId,
      description: (body.description ?? body.faultDescription)!,
      firstContactStaffId: staffId, // R1: whoever took the call owns the request
      receivedAt,
      paperwork,
      ...(body.answeredOnFirstContact !== undefined && { answeredOnFirstContact: body.answeredOnFirstContact }),
      policy: snapshot,
      intakeDeadlines,
    };
  }

  app.post(
    '/requests',
    {
      schema: {
        tags: ['requests'],
        summary: 'Take a request of any kind; starts its clocks',
        description:
          'Agents and call-centre leaders. The caller is recorded as first-contact owner (R1). The answer carries the request number and every running clock (R30). ' +
          'Send an Idempotency-Key header to make retries safe: the same key returns the same request. ' +
          '202 when the workflow service is not answering: the request is taken and numbered, and its workflow starts as soon as the service answers.',
        headers: IdempotencyHeaders,
        body: CreateRequestBody,
        response: { 201: RequestStatusSchema, 200: RequestStatusSchema, 202: RequestStatusSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (req, reply) => {
      requireRole(req, CALL_CENTRE, 'take requests');
      const body = req.body;
      const kind = (body.kind ?? 'fault_repair') as RequestKind;
      // Rules across fields, for a body the schema accepts: 422, saying what to change.
      if (!body.description && !body.faultDescription) throw new HttpError(422, `"description" is missing: say what the customer reports or asks for.`);
      if (body.severity && !policy.kinds[kind].severities) throw new HttpError(422, `"severity" applies to fault repairs only; leave it out for a ${kind} request.`);
      if (!(await regionExists(pool, body.regionId))) {
        throw new HttpError(422, `Unknown region "${body.regionId}"; choose the region that covers the customer's address.`);
      }
      const key = req.headers['idempotency-key'];
      const claim = await claimRequestNumber(pool, new Date(), bodyHash({ ...body, staff: req.staff.id }), key);
      if (claim.outcome === 'key-reused') {
        throw new HttpError(409, `This Idempotency-Key was already used for request ${claim.requestId} with different details; use a new key for a new request.`);
      }
      // A retried POST rebuilds the same input from the time the number was claimed.
      const input = await inputFor(body, claim.requestId, claim.claimedAt, req.staff.id);
      const status = initialStatus(input);
      // The registry row, first events and input exist before the workflow: lists show the request
      // at once, and if this process dies before the start, the intake healer starts it.
      await recordIntake(pool, registryRow(status), intakeEvents(input), input);
      try {
        await startRequestWorkflow(temporal, taskQueue, input);
        await markWorkflowStarted(pool, claim.requestId);
      } catch (err) {
        if (outageOf(err) !== 'workflow') throw err;
        // Taken and recorded: the agent has the number, and the intake healer starts the
        // workflow as soon as the workflow service answers again. 202: accepted, clocks to follow.
        req.log.warn({ requestId: claim.requestId }, 'workflow service not answering at intake; the healer will start it');
        reply.code(202);
        return status;
      }
      reply.code(claim.outcome === 'new' ? 201 : 200);
      if (claim.outcome === 'replay') {
        reply.header('idempotent-replayed', 'true');
        return currentStatus(claim.requestId);
      }
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
        summary: 'The live state of a request: stage, clocks and deadlines, breaches, extensions',
        description: 'From the workflow; when it cannot answer, from the registry, with `asOf` saying how fresh.',
        params: RequestParams,
        response: { 200: RequestStatusSchema, 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (req) => currentStatus(req.params.id),
  );

  app.get(
    '/requests/:id/timeline',
    {
      schema: {
        tags: ['requests'],
        summary: 'Everything that happened to a request: who, when, on time or breached',
        params: RequestParams,
        response: { 200: TimelineSchema, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (req) => {
      const events = await timeline(pool, req.params.id);
      if (events.length === 0) throw new HttpError(404, `No request ${req.params.id} exists; check the request number.`);
      return { requestId: req.params.id, events };
    },
  );

}
