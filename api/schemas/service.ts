/** Schemas of requests of the other kinds (installation, reconnection, complaint, consultation). */
import { Type } from '@sinclair/typebox';
import { SERVICE_KINDS } from '../../domain/service-policy';

const DateTime = Type.String({ format: 'date-time' });
const Open = Type.Object({}, { additionalProperties: true });

export const ServiceStatusSchema = Type.Object(
  {
    requestId: Type.String(),
    kind: Type.Union(SERVICE_KINDS.map((k) => Type.Literal(k))),
    regionId: Type.String(),
    customer: Type.Object({ name: Type.String(), phone: Type.String(), address: Type.String() }),
    description: Type.String(),
    firstContactStaffId: Type.String(),
    policyVersion: Type.String(),
    stage: Type.String(),
    waitingFor: Type.Optional(Type.String({ description: 'paperwork (R11) or resume (force-majeure pause)' })),
    cycle: Type.Integer(),
    receivedAt: DateTime,
    paperwork: Type.Object({ complete: Type.Boolean(), completedAt: Type.Optional(DateTime), missingItems: Type.Array(Type.String()) }),
    deadlines: Type.Record(Type.String(), Type.Object({ deadline: DateTime, provisional: Type.Boolean() })),
    nextDeadline: Type.Optional(DateTime),
    breaches: Type.Array(Open),
    warnings: Type.Array(Open),
    completed: Type.Array(Open),
    postponements: Type.Array(Open),
    unreachable: Type.Array(Open),
    pauses: Type.Array(Open),
    callback: Type.Optional(Open),
    closedAt: Type.Optional(DateTime),
  },
  { $id: 'ServiceStatus' },
);

const Note = Type.Optional(Type.String({ maxLength: 1000 }));
export const PaperworkBody = Type.Object(
  {
    complete: Type.Boolean(),
    missingItems: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { default: [], description: 'R3: everything still missing' }),
  },
  { additionalProperties: false },
);
export const StageParams = Type.Object({
  id: Type.String({ pattern: '^SR-\\d{8}-\\d{6,}$' }),
  stage: Type.String({ pattern: '^[a-z_]+$' }),
});
export const StageDoneBody = Type.Object({ note: Note }, { additionalProperties: false });
export const PostponementBody = Type.Object(
  { until: DateTime, reason: Type.String({ minLength: 3, maxLength: 1000, description: 'R7: the customer asked for it' }) },
  { additionalProperties: false },
);
export const UnreachableBody = Type.Object(
  {
    attempts: Type.Array(DateTime, { minItems: 1, description: 'When each attempt to reach the customer was made (R12)' }),
    reason: Type.String({ minLength: 3, maxLength: 1000 }),
  },
  { additionalProperties: false },
);
export const UnreachableReportBody = Type.Object(
  { report: Type.String({ minLength: 10, maxLength: 5000, description: 'R12: the written report to the business leader' }) },
  { additionalProperties: false },
);
export const PauseBody = Type.Object({ reason: Type.String({ minLength: 3, maxLength: 1000, description: 'The force-majeure event' }) }, { additionalProperties: false });
export const PauseDecisionBody = Type.Object({ approve: Type.Boolean() }, { additionalProperties: false });
export const EmptyBody = Type.Object({}, { additionalProperties: false });
