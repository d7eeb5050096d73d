/** JSON schemas of the request resources; Fastify validates with them and the OpenAPI document is built from them. */
import { Type, type Static } from '@sinclair/typebox';
import { FAULT_SEVERITIES, REPAIR_STAGES } from '../../domain/kinds';
import { REQUEST_NUMBER_PATTERN } from '../../domain/request-number';
import { SERVICE_KINDS } from '../../domain/service-policy';
import { ServiceStatusSchema } from './service';

const DateTime = Type.String({ format: 'date-time' });
const StaffId = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });
const Stage = Type.Union([...REPAIR_STAGES, 'closed'].map((s) => Type.Literal(s)));

export const RequestParams = Type.Object({
  id: Type.String({ pattern: REQUEST_NUMBER_PATTERN, description: 'The request number, e.g. SR-20261121-000123' }),
});

export const CreateRequestBody = Type.Object(
  {
    kind: Type.Optional(
      Type.Union(['fault_repair', ...SERVICE_KINDS].map((k) => Type.Literal(k)), { default: 'fault_repair', description: 'Request kind (R2)' }),
    ),
    customer: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 100 }),
        phone: Type.String({ pattern: '^\\+?[0-9][0-9 -]{5,19}$', description: 'Digits, optional leading +, spaces or dashes' }),
        address: Type.String({ minLength: 3, maxLength: 300 }),
      },
      { additionalProperties: false },
    ),
    regionId: Type.String({ minLength: 1, maxLength: 64, description: 'The region (片区) of the customer address' }),
    faultDescription: Type.Optional(Type.String({ minLength: 3, maxLength: 1000, description: 'fault_repair: what is wrong' })),
    severity: Type.Optional(Type.Union(FAULT_SEVERITIES.map((s) => Type.Literal(s)), { description: 'fault_repair: general 24 h, major 72 h (R8)' })),
    description: Type.Optional(Type.String({ minLength: 3, maxLength: 1000, description: 'Other kinds: what the customer asks for' })),
    paperwork: Type.Optional(
      Type.Object(
        { complete: Type.Boolean(), missingItems: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { default: [] }) },
        { additionalProperties: false, description: 'Installation, reconnection: R3/R11, the clock starts when complete' },
      ),
    ),
    answeredOnFirstContact: Type.Optional(Type.Boolean({ description: 'Consultation answered on the spot: closes at once' })),
  },
  { additionalProperties: false },
);
export type CreateRequestBody = Static<typeof CreateRequestBody>;

const Technician = Type.Object({ staffId: Type.String(), name: Type.String(), phone: Type.String() });
const ExtensionRequest = Type.Object({
  requestedBy: Type.String(),
  requestedAt: DateTime,
  newDeadline: DateTime,
  reason: Type.String(),
});

export const RequestStatusSchema = Type.Object(
  {
    requestId: Type.String(),
    kind: Type.String(),
    severity: Type.String(),
    regionId: Type.String(),
    customer: Type.Object({ name: Type.String(), phone: Type.String(), address: Type.String() }),
    faultDescription: Type.String(),
    firstContactStaffId: Type.String(),
    policyVersion: Type.String(),
    stage: Stage,
    cycle: Type.Integer(),
    receivedAt: DateTime,
    technician: Type.Optional(Technician),
    contactedAt: Type.Optional(DateTime),
    visitAt: Type.Optional(DateTime),
    arrivedAt: Type.Optional(DateTime),
    resolvedAt: Type.Optional(DateTime),
    deadlines: Type.Object(Object.fromEntries(REPAIR_STAGES.map((s) => [s, Type.Optional(DateTime)]))),
    nextDeadline: Type.Optional(DateTime),
    breaches: Type.Array(
      Type.Object({ stage: Type.String(), cycle: Type.Integer(), rule: Type.String(), deadline: DateTime, breachedAt: DateTime }),
    ),
    pendingExtension: Type.Optional(ExtensionRequest),
    extensions: Type.Array(
      Type.Intersect([
        ExtensionRequest,
        Type.Object({ decidedBy: Type.String(), decidedAt: DateTime, approved: Type.Boolean(), note: Type.Optional(Type.String()) }),
      ]),
    ),
    callbackDue: Type.Boolean({ description: 'Whether this request was sampled for a callback (R16)' }),
    callback: Type.Optional(
      Type.Object({
        agentId: Type.String(),
        at: DateTime,
        satisfaction: Type.Integer(),
        faultResolved: Type.Boolean(),
        note: Type.Optional(Type.String()),
      }),
    ),
    postponements: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'R7: moved at the customer’s request' })),
    closedAt: Type.Optional(DateTime),
  },
  { $id: 'RequestStatus' },
);

export const TimelineSchema = Type.Object({
  requestId: Type.String(),
  events: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      type: Type.String(),
      stage: Type.String(),
      at: DateTime,
      actor: Type.Optional(Type.String()),
      onTime: Type.Optional(Type.Boolean({ description: 'Whether the stage this event completes met its limit' })),
      detail: Type.Optional(Type.Object({}, { additionalProperties: true })),
    }),
  ),
});

export const ListQuery = Type.Object({
  mine: Type.Optional(Type.Boolean({ description: 'Only requests I took (R1) or that were dispatched to me' })),
  stage: Type.Optional(Stage),
  regionId: Type.Optional(Type.String({ minLength: 1 })),
  breached: Type.Optional(Type.Boolean()),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

export const RequestList = Type.Object({
  requests: Type.Array(
    Type.Object({
      requestId: Type.String(),
      kind: Type.String(),
      severity: Type.Union([Type.String(), Type.Null()]),
      regionId: Type.String(),
      stage: Type.String(),
      customerName: Type.String(),
      firstContactStaffId: Type.String(),
      technicianId: Type.Union([Type.String(), Type.Null()]),
      receivedAt: DateTime,
      nextDeadline: Type.Union([DateTime, Type.Null()]),
      breached: Type.Boolean(),
      closedAt: Type.Union([DateTime, Type.Null()]),
    }),
  ),
});

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String({ description: 'What went wrong, in words a call-centre agent can act on' }),
});

// ---- action bodies: who acts is the authenticated staff member, never a body field
const Note = Type.Optional(Type.String({ maxLength: 1000 }));
export const ManualDispatchBody = Type.Object(
  { technicianId: StaffId('The technician who gets the job') },
  { additionalProperties: false },
);
export const ContactBody = Type.Object(
  { visitAt: Type.String({ format: 'date-time', description: 'Agreed visit time' }) },
  { additionalProperties: false },
);
export const ArrivalBody = Type.Object({}, { additionalProperties: false });
export const ResolutionBody = Type.Object({ note: Note }, { additionalProperties: false });
export const ExtensionRequestBody = Type.Object(
  {
    newDeadline: Type.String({ format: 'date-time', description: 'The resolution deadline asked for' }),
    reason: Type.String({ minLength: 3, maxLength: 1000 }),
  },
  { additionalProperties: false },
);
export const ExtensionDecisionBody = Type.Object(
  { approve: Type.Boolean(), note: Note },
  { additionalProperties: false },
);
export const CallbackBody = Type.Object(
  {
    satisfaction: Type.Integer({ minimum: 1, maximum: 5, description: '1 very unhappy … 5 very satisfied' }),
    faultResolved: Type.Boolean({ description: 'false reopens the request (R17)' }),
    note: Note,
  },
  { additionalProperties: false },
);

/** The live state of a request of any kind. */
export const AnyStatusSchema = Type.Union([RequestStatusSchema, ServiceStatusSchema]);
