/**
 * What people record on a running request. Each action is a workflow Update: the workflow's
 * validator decides whether the request's state allows it, so the caller gets a 409 with the
 * reason, or the new state; the API never edits a request row. Who acts is the authenticated
 * staff member: roles are checked here, "only on jobs dispatched to them" by the workflow.
 */
import type { TSchema } from '@sinclair/typebox';
import type { UpdateDefinition } from '@temporalio/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StaffMember } from '../../db/organisation';
import type { StaffRole } from '../../domain/kinds';
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
import { onRequestWorkflow } from '../errors';
import { requestFacts, requireManagerOf } from '../request-facts';
import { requireRole } from '../plugins/auth';
import {
  ArrivalBody,
  CallbackBody,
  ContactBody,
  ErrorSchema,
  ExtensionDecisionBody,
  ExtensionRequestBody,
  ManualDispatchBody,
  RequestParams,
  AnyStatusSchema,
  ResolutionBody,
} from '../schemas/requests';

type Body = Record<string, unknown>;

interface Action {
  path: string;
  summary: string;
  body: TSchema;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  update: UpdateDefinition<RequestStatus, [any]>;
  roles: readonly StaffRole[];
  /** The update's input: the body plus who acts. */
  input: (body: Body, staff: StaffMember) => object;
  /** Further checks that need the request (a manager's own regions, R13). */
  authorize?: (app: FastifyInstance, req: FastifyRequest, requestId: string) => Promise<void>;
}

const CALL_CENTRE: readonly StaffRole[] = ['agent', 'call_centre_leader'];
const TECHNICIAN: readonly StaffRole[] = ['technician'];

/** R13: a customer manager decides within their own regions, a branch leader within their branch, the company anywhere. */
async function managerOfRequest(app: FastifyInstance, req: FastifyRequest, requestId: string): Promise<void> {
  await requireManagerOf(app, req.staff, await requestFacts(app, requestId));
}

const ACTIONS: Action[] = [
  {
    path: 'dispatch',
    summary: 'Dispatch by hand to a named technician (R4), when the roster has nobody or the gateway failed',
    body: ManualDispatchBody,
    update: dispatchManuallyUpdate,
    roles: CALL_CENTRE,
    input: (body, staff) => ({ technicianId: body.technicianId, agentId: staff.id }),
  },
  {
    path: 'contact',
    summary: 'The assigned technician reached the customer and agreed a visit time (R6, 20 minutes from dispatch)',
    body: ContactBody,
    update: recordContactUpdate,
    roles: TECHNICIAN,
    input: (body, staff) => ({ ...body, technicianId: staff.id }),
  },
  {
    path: 'arrival',
    summary: 'The assigned technician arrived (R6, by the agreed time plus the grace period)',
    body: ArrivalBody,
    update: recordArrivalUpdate,
    roles: TECHNICIAN,
    input: (_body, staff) => ({ technicianId: staff.id }),
  },
  {
    path: 'resolution',
    summary: 'The assigned technician fixed the fault (R8: 24 h general, 72 h major)',
    body: ResolutionBody,
    update: recordResolutionUpdate,
    roles: TECHNICIAN,
    input: (body, staff) => ({ ...body, technicianId: staff.id }),
  },
  {
    path: 'extension-requests',
    summary: 'The assigned technician asks for a later resolution deadline, with a reason (R13)',
    body: ExtensionRequestBody,
    update: requestExtensionUpdate,
    roles: TECHNICIAN,
    input: (body, staff) => ({ ...body, technicianId: staff.id }),
  },
  {
    path: 'extension-decision',
    summary: "A manager of the request's region or branch approves or rejects the pending extension (R13)",
    body: ExtensionDecisionBody,
    update: decideExtensionUpdate,
    roles: EXTENSION_DECIDERS,
    input: (body, staff) => ({ ...body, managerId: staff.id }),
    authorize: managerOfRequest,
  },
  {
    path: 'callback',
    summary: 'The call centre called the customer back (R16); faultResolved=false reopens the request (R17)',
    body: CallbackBody,
    update: recordCallbackUpdate,
    roles: CALL_CENTRE,
    input: (body, staff) => ({ ...body, agentId: staff.id }),
  },
];

export async function actionRoutes(app: FastifyInstance): Promise<void> {
  const { temporal } = app.deps;

  for (const action of ACTIONS) {
    app.post<{ Params: { id: string }; Body: Body }>(
      `/requests/:id/${action.path}`,
      {
        schema: {
          tags: ['actions'],
          summary: action.summary,
          description: `Allowed to: ${action.roles.join(', ')}.`,
          params: RequestParams,
          body: action.body,
          response: {
            200: AnyStatusSchema,
            400: ErrorSchema,
            401: ErrorSchema,
            403: ErrorSchema,
            404: ErrorSchema,
            409: ErrorSchema,
          },
        },
      },
      async (req) => {
        const requestId = req.params.id;
        requireRole(req, action.roles, `do "${action.path}" on a request`);
        await action.authorize?.(app, req, requestId);
        return onRequestWorkflow(temporal, requestId, () =>
          temporal.workflow.getHandle(requestId).executeUpdate(action.update, { args: [action.input(req.body, req.staff)] }),
        );
      },
    );
  }
}
