/**
 * What people record on a running request. Each action is a workflow Update: the workflow's
 * validator decides whether the request's state allows it, so the caller gets a 409 with the
 * reason, or the new state; the API never edits a request row.
 */
import type { TSchema } from '@sinclair/typebox';
import type { UpdateDefinition } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { findStaff } from '../../db/organisation';
import { EXTENSION_DECIDERS } from '../../domain/kinds';
import type { RequestStatus } from '../../domain/request';
import {
  decideExtensionUpdate,
  dispatchManuallyUpdate,
  recordArrivalUpdate,
  recordCallbackUpdate,
  recordContactUpdate,
  recordResolutionUpdate,
  requestExtensionUpdate,
} from '../../workflows/messages';
import { HttpError, onRequestWorkflow } from '../errors';
import {
  ArrivalBody,
  CallbackBody,
  ContactBody,
  ErrorSchema,
  ExtensionDecisionBody,
  ExtensionRequestBody,
  ManualDispatchBody,
  RequestParams,
  RequestStatusSchema,
  ResolutionBody,
} from '../schemas/requests';

interface Action {
  path: string;
  summary: string;
  body: TSchema;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  update: UpdateDefinition<RequestStatus, [any]>;
  /** The body field naming the staff member who acts; they must exist (and may need a role). */
  actorField: string;
  actorRoles?: readonly string[];
}

const ACTIONS: Action[] = [
  {
    path: 'dispatch',
    summary: 'Dispatch by hand to a named technician (R4), when the roster has nobody or the gateway failed',
    body: ManualDispatchBody,
    update: dispatchManuallyUpdate,
    actorField: 'agentId',
  },
  {
    path: 'contact',
    summary: 'The technician reached the customer and agreed a visit time (R6, 20 minutes from dispatch)',
    body: ContactBody,
    update: recordContactUpdate,
    actorField: 'technicianId',
  },
  {
    path: 'arrival',
    summary: 'The technician arrived (R6, by the agreed time plus the grace period)',
    body: ArrivalBody,
    update: recordArrivalUpdate,
    actorField: 'technicianId',
  },
  {
    path: 'resolution',
    summary: 'The fault is fixed (R8: 24 h general, 72 h major)',
    body: ResolutionBody,
    update: recordResolutionUpdate,
    actorField: 'technicianId',
  },
  {
    path: 'extension-requests',
    summary: 'The technician asks for a later resolution deadline, with a reason (R13)',
    body: ExtensionRequestBody,
    update: requestExtensionUpdate,
    actorField: 'technicianId',
  },
  {
    path: 'extension-decision',
    summary: 'A manager approves or rejects the pending extension request (R13)',
    body: ExtensionDecisionBody,
    update: decideExtensionUpdate,
    actorField: 'managerId',
    actorRoles: EXTENSION_DECIDERS,
  },
  {
    path: 'callback',
    summary: 'The call centre called the customer back (R16); faultResolved=false reopens the request (R17)',
    body: CallbackBody,
    update: recordCallbackUpdate,
    actorField: 'agentId',
  },
];

export async function actionRoutes(app: FastifyInstance): Promise<void> {
  const { pool, temporal } = app.deps;

  for (const action of ACTIONS) {
    app.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
      `/requests/:id/${action.path}`,
      {
        schema: {
          tags: ['actions'],
          summary: action.summary,
          params: RequestParams,
          body: action.body,
          response: { 200: RequestStatusSchema, 400: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema },
        },
      },
      async (req) => {
        const requestId = req.params.id;
        const actorId = String(req.body[action.actorField]);
        const actor = await findStaff(pool, actorId);
        if (!actor) throw new HttpError(422, `Unknown staff id "${actorId}" in ${action.actorField}.`);
        if (action.actorRoles && !action.actorRoles.includes(actor.role)) {
          throw new HttpError(
            403,
            `Only a manager (${action.actorRoles.join(', ')}) may do this (R13); ${actorId} is a ${actor.role.replace(/_/g, ' ')}.`,
          );
        }
        return onRequestWorkflow(temporal, requestId, () =>
          temporal.workflow.getHandle(requestId).executeUpdate(action.update, { args: [req.body] }),
        );
      },
    );
  }
}
