/** JSON schemas of the request resources; Fastify validates with them and the OpenAPI document is built from them. */
import { Type, type Static } from '@sinclair/typebox';
import { FAULT_SEVERITIES, REQUEST_KINDS } from '../../domain/kinds';
import { REQUEST_NUMBER_PATTERN } from '../../domain/request-number';

const DateTime = Type.String({ format: 'date-time' });
const Open = (description?: string) => Type.Object({}, { additionalProperties: true, ...(description && { description }) });
const oneOf = (values: readonly string[], description: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), { description: `${description} One of: ${values.join(', ')}.` });

export const RequestParams = Type.Object({
  id: Type.String({ pattern: REQUEST_NUMBER_PATTERN, description: 'The request number, e.g. SR-20261121-000123' }),
});
export const StageParams = Type.Object({
  id: Type.String({ pattern: REQUEST_NUMBER_PATTERN }),
  stage: Type.String({ pattern: '^[a-z_]{1,40}$', description: 'The stage to record done, e.g. completion, response, handling' }),
});

export const CreateRequestBody = Type.Object(
  {
    kind: Type.Optional(oneOf(REQUEST_KINDS, 'Request kind (R2); fault_repair when left out.')),
    customer: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 100 }),
        phone: Type.String({ pattern: '^\\+?[0-9][0-9 -]{5,19}$', description: 'Digits, optional leading +, spaces or dashes' }),
        address: Type.String({ minLength: 3, maxLength: 300 }),
      },
      { additionalProperties: false },
    ),
    regionId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'The region (片区) of the customer address' }),
    faultDescription: Type.Optional(Type.String({ minLength: 3, maxLength: 1000, description: 'fault_repair: what is wrong (same as description)' })),
    severity: Type.Optional(oneOf(FAULT_SEVERITIES, 'fault_repair: general 24 h, major 72 h (R8).')),
    description: Type.Optional(Type.String({ minLength: 3, maxLength: 1000, description: 'What the customer reports or asks for' })),
    paperwork: Type.Optional(
      Type.Object(
        { complete: Type.Boolean(), missingItems: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { default: [], maxItems: 50 }) },
        { additionalProperties: false, description: 'Installation, reconnection: R3/R11, the clocks start when complete' },
      ),
    ),
    answeredOnFirstContact: Type.Optional(Type.Boolean({ description: 'Consultation answered on the spot: closes at once' })),
  },
  { additionalProperties: false },
);
export type CreateRequestBody = Static<typeof CreateRequestBody>;

const Clock = Type.Object(
  {
    clock: Type.String(),
    rule: Type.String(),
    description: Type.String(),
    stops: Type.String({ description: 'The stage whose completion meets this clock' }),
    state: oneOf(['pending', 'starting', 'running', 'met', 'excused', 'stopped'], 'Where the clock is.'),
    cycle: Type.Integer(),
    startedAt: Type.Optional(DateTime),
    deadline: Type.Optional(DateTime),
    provisional: Type.Optional(Type.Boolean({ description: 'Working days into a year without calendar data; recomputed daily' })),
    version: Type.Integer({ description: 'Counts the times the deadline moved' }),
    breachedAt: Type.Optional(DateTime),
    endedAt: Type.Optional(DateTime),
    onTime: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const RequestStatusSchema = Type.Object(
  {
    requestId: Type.String(),
    kind: Type.String(),
    label: Type.String(),
    severity: Type.Optional(Type.String()),
    regionId: Type.String(),
    customer: Type.Object({ name: Type.String(), phone: Type.String(), address: Type.String() }),
    description: Type.String(),
    firstContactStaffId: Type.String(),
    policyVersion: Type.String(),
    stage: Type.String({ description: 'The current stage, or closed' }),
    stages: Type.Array(Type.String()),
    waitingFor: Type.Optional(Type.String({ description: 'paperwork (R11), dispatch (R4) or resume (force-majeure pause)' })),
    cycle: Type.Integer(),
    receivedAt: DateTime,
    paperwork: Type.Object({ required: Type.Boolean(), complete: Type.Boolean(), completedAt: Type.Optional(DateTime), missingItems: Type.Array(Type.String()) }),
    assignee: Type.Optional(Type.Object({ staffId: Type.String(), name: Type.String(), phone: Type.String() })),
    visitAt: Type.Optional(DateTime),
    clocks: Type.Array(Clock, { description: 'Every limit of the request, running ones with their deadline' }),
    nextDeadline: Type.Optional(DateTime),
    breaches: Type.Array(Open()),
    warnings: Type.Array(Open()),
    completed: Type.Array(Open()),
    pendingExtension: Type.Optional(Open()),
    extensions: Type.Array(Open()),
    postponements: Type.Array(Open('R7: moved at the customer’s request')),
    unreachable: Type.Array(Open()),
    pauses: Type.Array(Open()),
    callbackDue: Type.Boolean({ description: 'Whether this request was sampled for a callback (R16)' }),
    callback: Type.Optional(Open()),
    failedAlerts: Type.Array(Open('Alerts that could not reach their recipient (bad number, gateway refusal)')),
    corrections: Type.Array(Open()),
    cancellation: Type.Optional(Open()),
    outcome: Type.Optional(Type.String()),
    closedAt: Type.Optional(DateTime),
    asOf: Type.Optional(DateTime),
  },
  { $id: 'RequestStatus' },
);

export const TimelineEventSchema = Type.Object({
  seq: Type.Integer(),
  type: Type.String(),
  stage: Type.String(),
  at: DateTime,
  actor: Type.Optional(Type.String()),
  onTime: Type.Optional(Type.Boolean({ description: 'Whether what this event completes met its limit' })),
  detail: Type.Optional(Open()),
});

export const TimelineSchema = Type.Object({ requestId: Type.String(), events: Type.Array(TimelineEventSchema) });

export const ListQuery = Type.Object({
  mine: Type.Optional(Type.Boolean({ description: 'Only requests I took (R1) or that were dispatched to me' })),
  stage: Type.Optional(Type.String({ pattern: '^[a-z_]{1,40}$' })),
  regionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
  breached: Type.Optional(Type.Boolean()),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
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
const Reason = (description: string) => Type.String({ minLength: 3, maxLength: 1000, description });
const StaffId = (description: string) => Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', description });
const ClockName = Type.Optional(Type.String({ pattern: '^[a-z_]{1,40}$', description: 'Which limit; by default the one the current stage meets' }));
const object = (props: Parameters<typeof Type.Object>[0]) => Type.Object(props, { additionalProperties: false });

export const Bodies = {
  dispatch: object({ technicianId: StaffId('The technician who gets the job') }),
  contact: object({ visitAt: Type.String({ format: 'date-time', description: 'Agreed visit time (R6, R32)' }), note: Note }),
  empty: object({ note: Note }),
  extensionRequest: object({ newDeadline: Type.String({ format: 'date-time', description: 'The deadline asked for' }), reason: Reason('Why more time is needed'), clock: ClockName }),
  decision: object({ approve: Type.Boolean(), note: Note }),
  callback: object({
    satisfaction: Type.Integer({ minimum: 1, maximum: 5, description: '1 very unhappy … 5 very satisfied' }),
    faultResolved: Type.Boolean({ description: 'false reopens the request (R17)' }),
    note: Note,
  }),
  paperwork: object({
    complete: Type.Boolean(),
    missingItems: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { default: [], maxItems: 50, description: 'R3: everything still missing' }),
  }),
  stageDone: object({ note: Note }),
  postponement: object({ until: DateTime, reason: Reason('R7: what the customer asked for'), clock: ClockName }),
  unreachable: object({
    attempts: Type.Array(DateTime, { minItems: 1, maxItems: 20, description: 'When each attempt to reach the customer was made (R12)' }),
    reason: Reason('Why the customer cannot be reached'),
  }),
  unreachableReport: object({ report: Type.String({ minLength: 10, maxLength: 5000, description: 'R12: the written report to the business leader' }) }),
  pause: object({ reason: Reason('The force-majeure event') }),
  cancel: object({ reason: Reason('Why: duplicate, withdrawn by the customer, …') }),
  reassign: object({ technicianId: StaffId('The technician who takes over the job'), reason: Reason('Why the job moves') }),
  correction: object({
    regionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
    severity: Type.Optional(oneOf(FAULT_SEVERITIES, 'fault_repair only.')),
    reason: Reason('What was wrong'),
  }),
};
