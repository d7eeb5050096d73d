/**
 * Actions on requests of the other kinds (installation, reconnection, complaint, consultation):
 * paperwork (R3, R11), completing a stage, customer postponement (R7), unreachable customer and its
 * written report (R12), force-majeure pause and resume (managers only). Each is a workflow Update.
 */
import type { TSchema } from '@sinclair/typebox';
import type { UpdateDefinition } from '@temporalio/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StaffRole } from '../../domain/kinds';
import { EXTENSION_DECIDERS } from '../../domain/kinds';
import type { ServiceStatus } from '../../domain/service-request';
import {
  completeStageUpdate,
  decidePauseUpdate,
  fileUnreachableReportUpdate,
  postponeUpdate,
  recordPaperworkUpdate,
  reportUnreachableUpdate,
  requestPauseUpdate,
  resumeUpdate,
} from '../../workflows/messages';
import { HttpError, onRequestWorkflow } from '../errors';
import { isRepair, requestFacts, requireManagerOf, requireOwnRegion } from '../request-facts';
import { requireRole } from '../plugins/auth';
import { AnyStatusSchema, ErrorSchema, RequestParams } from '../schemas/requests';
import {
  EmptyBody,
  PaperworkBody,
  PauseBody,
  PauseDecisionBody,
  PostponementBody,
  ServiceStatusSchema,
  StageDoneBody,
  StageParams,
  UnreachableBody,
  UnreachableReportBody,
} from '../schemas/service';

type Body = Record<string, unknown>;
type Params = { id: string; stage?: string };

interface ServiceAction {
  /** Also offered on fault repairs (R7 postponement), whose workflow answers the same update. */
  repairsToo?: boolean;
  /** Technicians and customer managers only in their own region. */
  regionScoped?: boolean;
  path: string;
  summary: string;
  params?: TSchema;
  body: TSchema;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  update: UpdateDefinition<ServiceStatus, [any]>;
  /** Roles allowed; `stage` means the stage's own doneBy roles from the request's policy. */
  roles: readonly StaffRole[] | 'stage';
  input: (body: Body, req: FastifyRequest<{ Params: Params }>) => object;
  managersOnly?: boolean;
}

const ANY_STAFF: readonly StaffRole[] = ['agent', 'technician', 'customer_manager', 'call_centre_leader', 'branch_leader', 'company_leader', 'supervisor', 'admin'];

const ACTIONS: ServiceAction[] = [
  {
    path: 'paperwork',
    summary: 'Record the customer paperwork: complete (the working-day clock starts, R11) or what is still missing (R3)',
    body: PaperworkBody,
    update: recordPaperworkUpdate,
    roles: ['agent', 'call_centre_leader', 'customer_manager'],
    input: (body, req) => ({ ...body, missingItems: body.missingItems ?? [], staffId: req.staff.id }),
  },
  {
    path: 'stages/:stage/done',
    summary: "Record the current stage as done (the stage's policy says who may; technicians and managers in their own region)",
    regionScoped: true,
    params: StageParams,
    body: StageDoneBody,
    update: completeStageUpdate,
    roles: 'stage',
    input: (body, req) => ({ ...body, stage: req.params.stage, staffId: req.staff.id }),
  },
  {
    path: 'postponements',
    summary:
      'The customer asked for a later time: the deadline moves, with no breach; recorded and counted (R7). Every kind. ' +
      "Recorded by the call centre or the region's customer manager, who speak for the customer; never by the person whose deadline it is.",
    repairsToo: true,
    regionScoped: true,
    body: PostponementBody,
    update: postponeUpdate,
    roles: ['agent', 'call_centre_leader', 'customer_manager'],
    input: (body, req) => ({ ...body, staffId: req.staff.id }),
  },
  {
    path: 'unreachable',
    summary: 'The customer could not be reached for their own reasons: the stage counts as done on time; a written report is due (R12)',
    regionScoped: true,
    body: UnreachableBody,
    update: reportUnreachableUpdate,
    roles: 'stage',
    input: (body, req) => ({ ...body, staffId: req.staff.id }),
  },
  {
    path: 'unreachable-report',
    summary: 'File the written report on an unreachable customer to the business leader (R12)',
    body: UnreachableReportBody,
    update: fileUnreachableReportUpdate,
    roles: ANY_STAFF,
    input: (body, req) => ({ ...body, staffId: req.staff.id }),
  },
  {
    path: 'pause-requests',
    summary: 'Ask for a force-majeure pause of the clock; a manager decides',
    body: PauseBody,
    update: requestPauseUpdate,
    roles: ANY_STAFF,
    input: (body, req) => ({ ...body, staffId: req.staff.id }),
  },
  {
    path: 'pause-decision',
    summary: "A manager of the request's region or branch approves or rejects the pause",
    body: PauseDecisionBody,
    update: decidePauseUpdate,
    roles: EXTENSION_DECIDERS,
    managersOnly: true,
    input: (body, req) => ({ ...body, managerId: req.staff.id }),
  },
  {
    path: 'resume',
    summary: 'A manager ends the pause: the deadline moves by the time paused',
    body: EmptyBody,
    update: resumeUpdate,
    roles: EXTENSION_DECIDERS,
    managersOnly: true,
    input: (_body, req) => ({ managerId: req.staff.id }),
  },
];

export async function serviceActionRoutes(app: FastifyInstance): Promise<void> {
  const { temporal } = app.deps;

  for (const action of ACTIONS) {
    app.post<{ Params: Params; Body: Body }>(
      `/requests/:id/${action.path}`,
      {
        schema: {
          tags: ['actions'],
          summary: action.summary,
          params: action.params ?? RequestParams,
          body: action.body,
          response: { 200: action.repairsToo ? AnyStatusSchema : ServiceStatusSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (req) => {
        const requestId = req.params.id;
        const request = await requestFacts(app, requestId);
        if (isRepair(request) && !action.repairsToo) {
          throw new HttpError(409, `Request ${requestId} is a fault repair; use its own actions (contact, arrival, resolution …).`);
        }
        if (action.roles === 'stage') {
          const stage = req.params.stage ?? request.stage;
          const doneBy = isRepair(request) ? undefined : app.deps.servicePolicy.kinds[request.kind].stages.find((s) => s.stage === stage)?.doneBy;
          if (!doneBy) throw new HttpError(409, `A ${request.kind.replace(/_/g, ' ')} request has no stage "${stage}".`);
          requireRole(req, doneBy, `act on stage "${stage}" of a ${request.kind.replace(/_/g, ' ')} request`);
        } else {
          requireRole(req, action.roles, `do "${action.path}" on a request`);
        }
        if (action.regionScoped) await requireOwnRegion(app, req.staff, request);
        if (action.managersOnly) await requireManagerOf(app, req.staff, request);
        return onRequestWorkflow(temporal, requestId, () =>
          temporal.workflow.getHandle(requestId).executeUpdate(action.update, { args: [action.input(req.body, req)] }),
        );
      },
    );
  }
}
