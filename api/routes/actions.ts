/**
 * What people record on a running request: one table of actions, each a workflow Update. The API
 * only says who acts (authenticated); the workflow's validator decides whether this person may,
 * against the request's own state and policy snapshot, and the caller gets the new state or a
 * refusal with the reason (403 who, 409 state). The API never edits a request row; it records
 * the committed update's timeline events at once (the workflow's own writes repeat them, keyed).
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { UpdateDefinition } from '@temporalio/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActionResult, Actor } from '../../domain/request';
import * as m from '../../workflows/messages';
import { actorOf } from '../actor';
import { HttpError, onRequestWorkflow } from '../errors';
import { Bodies, ErrorSchema, RequestParams, RequestStatusSchema, StageParams } from '../schemas/requests';
import { recordCommitted } from './record-committed';

type Body = Record<string, unknown>;
type Params = { id: string; stage?: string };

interface Action {
  path: string;
  summary: string;
  who: string;
  body: TSchema;
  params?: TSchema;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each action's own payload type
  update: UpdateDefinition<ActionResult, [any]>;
  input: (body: Body, actor: Actor, params: Params) => object;
}

const withActor = (body: Body, actor: Actor) => ({ ...body, actor });

const ActionHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$', description: 'Retrying the action with the same key records it once' })),
});

export const ACTIONS: Action[] = [
  { path: 'dispatch', summary: 'Dispatch by hand to a named technician (R4); the answer names who holds the job', who: 'agent, call-centre leader, the region’s customer manager', body: Bodies.dispatch, update: m.dispatchUpdate, input: withActor },
  { path: 'contact', summary: 'The assigned technician reached the customer and agreed a visit time (R6, R32)', who: 'the assigned technician', body: Bodies.contact, update: m.completeStageUpdate, input: (b, actor) => ({ ...b, actor, stage: 'contact' }) },
  { path: 'arrival', summary: 'The assigned technician arrived (R6: by the visit time plus the grace period)', who: 'the assigned technician', body: Bodies.empty, update: m.completeStageUpdate, input: (b, actor) => ({ ...b, actor, stage: 'arrival' }) },
  { path: 'resolution', summary: 'The assigned technician fixed the fault (R8: 24 h general, 72 h major)', who: 'the assigned technician', body: Bodies.empty, update: m.completeStageUpdate, input: (b, actor) => ({ ...b, actor, stage: 'resolution' }) },
  { path: 'callback', summary: 'The call centre called the customer back (R16); faultResolved=false reopens the request (R17)', who: 'agent, call-centre leader', body: Bodies.callback, update: m.completeStageUpdate, input: (b, actor) => ({ ...b, actor, stage: 'callback' }) },
  { path: 'stages/:stage/done', params: StageParams, summary: 'Record the current stage done (its policy says who may)', who: 'the stage’s roles in the policy', body: Bodies.stageDone, update: m.completeStageUpdate, input: (b, actor, p) => ({ ...b, actor, stage: p.stage }) },
  { path: 'paperwork', summary: 'Record the customer’s paperwork: complete (the clocks start, R11) or what is still missing (R3)', who: 'agent, call-centre leader, the region’s customer manager', body: Bodies.paperwork, update: m.recordPaperworkUpdate, input: (b, actor) => ({ ...b, missingItems: b.missingItems ?? [], actor }) },
  { path: 'extension-requests', summary: 'Ask for a later deadline, with a reason (R13); a leader decides', who: 'the assigned technician, else the stage’s roles', body: Bodies.extensionRequest, update: m.requestExtensionUpdate, input: withActor },
  { path: 'extension-decision', summary: 'Approve or reject the pending extension (R13), never one’s own', who: 'a leader of the request’s region other than the asker', body: Bodies.decision, update: m.decideExtensionUpdate, input: withActor },
  { path: 'postponements', summary: 'The customer asked for a later time: the deadline moves, no breach; recorded and counted (R7)', who: 'agent, call-centre leader, the region’s customer manager', body: Bodies.postponement, update: m.postponeUpdate, input: withActor },
  { path: 'unreachable', summary: 'The customer cannot be reached for their own reasons: done on time; a written report is due (R12)', who: 'whoever records the current stage', body: Bodies.unreachable, update: m.reportUnreachableUpdate, input: withActor },
  { path: 'unreachable-report', summary: 'File the written report on an unreachable customer to the business leader (R12)', who: 'whoever reported the customer unreachable', body: Bodies.unreachableReport, update: m.fileUnreachableReportUpdate, input: withActor },
  { path: 'pause-requests', summary: 'Ask for a force-majeure pause of every running clock', who: 'anyone signed in', body: Bodies.pause, update: m.requestPauseUpdate, input: withActor },
  { path: 'pause-decision', summary: 'Approve or reject the pause', who: 'a leader of the request’s region other than the asker', body: Bodies.decision, update: m.decidePauseUpdate, input: withActor },
  { path: 'resume', summary: 'End the pause: every running deadline moves by the time paused', who: 'a leader of the request’s region other than the asker', body: Bodies.empty, update: m.resumeUpdate, input: (_b, actor) => ({ actor }) },
  { path: 'cancel', summary: 'Cancel the request (duplicate, withdrawn by the customer); the technician is told', who: 'agent, call-centre leader, a leader of the request’s region', body: Bodies.cancel, update: m.cancelUpdate, input: withActor },
  { path: 'reassign', summary: 'Give the job to another technician: the new one gets the job SMS, the old one a withdrawal', who: 'a leader of the request’s region', body: Bodies.reassign, update: m.reassignUpdate, input: withActor },
  { path: 'corrections', summary: 'Correct the region or the severity (see the README for what happens to running clocks)', who: 'a leader of the request’s region', body: Bodies.correction, update: m.correctUpdate, input: withActor },
];

export async function actionRoutes(app: FastifyInstance): Promise<void> {
  const { temporal, pool } = app.deps;

  for (const action of ACTIONS) {
    app.post<{ Params: Params; Body: Body }>(
      `/requests/:id/${action.path}`,
      {
        schema: {
          tags: ['actions'],
          summary: action.summary,
          description: `Allowed to: ${action.who}. Decided by the request itself against its own policy. Send an Idempotency-Key header to make a retry safe (after a 503 or 504): the same key is recorded once.`,
          headers: ActionHeaders,
          params: action.params ?? RequestParams,
          body: action.body,
          response: { 200: RequestStatusSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema, 503: ErrorSchema },
        },
      },
      async (req: FastifyRequest<{ Params: Params; Body: Body }>) => {
        const requestId = req.params.id;
        if (action.path === 'corrections' && typeof req.body.regionId === 'string') await requireRegion(app, req.body.regionId);
        const actor = await actorOf(pool, req);
        // A retry with the same Idempotency-Key is the same update: recorded once, answered again.
        const updateId = typeof req.headers['idempotency-key'] === 'string' ? `${action.path}:${req.staff.id}:${req.headers['idempotency-key']}` : undefined;
        const outcome = await onRequestWorkflow(
          temporal,
          requestId,
          () => temporal.workflow.getHandle(requestId).executeUpdate(action.update, { args: [action.input(req.body, actor, req.params)], ...(updateId && { updateId }) }),
          { updateId, pool },
        );
        await recordCommitted(app, outcome, req.log);
        return outcome.status;
      },
    );
  }
}

async function requireRegion(app: FastifyInstance, regionId: string): Promise<void> {
  const { rows } = await app.deps.pool.query('SELECT 1 FROM regions WHERE id = $1', [regionId]);
  if (rows.length === 0) throw new HttpError(422, `Unknown region "${regionId}"; choose an existing region (GET /org).`);
}
