/** Schemas of the organisation, roster and accountability resources. */
import { Type } from '@sinclair/typebox';
import { MITIGATING_FACTS, OUTCOMES } from '../../domain/accountability';
import { STAFF_ROLES } from '../../domain/kinds';

const Id = (description: string) => Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description });
const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const IdParams = Type.Object({ id: Id('lower-case letters, digits and dashes, up to 64, e.g. north or tech-north-1') });
/** Record and shift numbers: whole numbers from 1, no larger than JavaScript counts exactly (well inside PostgreSQL's bigint). */
const RecordNumber = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A record number, e.g. 42' });
export const NumericIdParams = Type.Object({ id: RecordNumber });
/** Paging: an offset beyond any real list still answers (an empty page), never a database error. */
const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'How many to return, 1–200' });
const Offset = Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0, description: 'How many to skip' });

export const BranchBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), leaderId: Nullable(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);
export const Branch = Type.Object({ id: Type.String(), name: Type.String(), leaderId: Nullable(Type.String()) });

export const RegionBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    branchId: Type.String({ minLength: 1 }),
    customerManagerId: Nullable(Type.String({ minLength: 1, description: 'R5: the one responsible customer manager' })),
    households: Type.Union([Type.Integer({ minimum: 0, maximum: 100_000_000 }), Type.Null()], { description: 'Households covered, or null when not known' }),
  },
  { additionalProperties: false },
);
export const Region = Type.Object({
  id: Type.String(),
  name: Type.String(),
  branchId: Type.String(),
  customerManagerId: Nullable(Type.String()),
  households: Type.Union([Type.Integer(), Type.Null()]),
});

export const StaffBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    role: Type.Union(STAFF_ROLES.map((r) => Type.Literal(r))),
    phone: Type.String({ pattern: '^\\+?[0-9][0-9 -]{5,19}$', description: 'digits, an optional leading +, spaces or dashes, 6 to 20 characters' }),
    regionId: Nullable(Type.String({ minLength: 1 })),
    branchId: Nullable(Type.String({ minLength: 1 })),
    active: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);
export const Staff = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  phone: Type.String(),
  regionId: Nullable(Type.String()),
  branchId: Nullable(Type.String()),
  active: Type.Boolean(),
});

export const Organisation = Type.Object({
  company: Type.Object({ id: Type.String(), name: Type.String() }),
  branches: Type.Array(Branch),
  regions: Type.Array(Region),
  staff: Type.Array(Staff),
});

export const RegionHistory = Type.Object({
  managers: Type.Array(Type.Object({ staffId: Type.String(), from: DateTime, to: Nullable(DateTime) })),
  changes: Type.Array(
    Type.Object({
      entity: Type.String(),
      entityId: Type.String(),
      changedAt: DateTime,
      changedBy: Nullable(Type.String()),
      before: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
      after: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    }),
  ),
});

export const ApiKeyBody = Type.Object({ label: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
export const IssuedApiKey = Type.Object({
  id: Type.Integer(),
  staffId: Type.String(),
  key: Type.String({ description: 'Shown once; only its hash is stored' }),
});

// ---- roster
export const ShiftBody = Type.Object(
  {
    staffId: Type.String({ minLength: 1 }),
    regionId: Nullable(Type.String({ minLength: 1, description: 'null: a call-centre shift (shift leader)' })),
    position: Type.Union([Type.Literal('primary'), Type.Literal('backup')], { default: 'primary' }),
    startsAt: DateTime,
    endsAt: DateTime,
  },
  { additionalProperties: false },
);
export const Shift = Type.Object({
  id: Type.Integer(),
  staffId: Type.String(),
  regionId: Nullable(Type.String()),
  position: Type.String(),
  startsAt: DateTime,
  endsAt: DateTime,
  cancelledAt: Nullable(DateTime),
});
export const RosterQuery = Type.Object({
  at: Type.Optional(DateTime),
  regionId: Type.Optional(Type.String({ minLength: 1 })),
});
export const Roster = Type.Object({ at: DateTime, shifts: Type.Array(Shift) });

// ---- accountability
const Outcome = Type.Union(
  OUTCOMES.map((o) => Type.Literal(o)),
  { description: 'R22 by gravity: warning; loss of best-in-class eligibility; criticism notice with sanction; or exempt (R24)' },
);
export const AccountabilityRecord = Type.Object({
  id: Type.Integer(),
  requestId: Type.String(),
  stage: Type.String(),
  cycle: Type.Integer(),
  rule: Type.String(),
  deadline: DateTime,
  breachedAt: DateTime,
  responsibleStaffId: Nullable(Type.String()),
  status: Type.String(),
  aggravated: Type.Boolean({ description: 'R23: held to account more than twice in the twelve months before' }),
  statementDueAt: DateTime,
  statement: Nullable(Type.String()),
  statementAt: Nullable(DateTime),
  outcome: Type.Union([Outcome, Type.Null()]),
  sanction: Nullable(Type.String()),
  mitigating: Type.Array(Type.String()),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(DateTime),
  decisionNote: Nullable(Type.String()),
  history: Type.Optional(
    Type.Array(
      Type.Object({
        at: DateTime,
        actor: Nullable(Type.String()),
        type: Type.String(),
        detail: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
      }),
    ),
  ),
});
export const AccountabilityList = Type.Object({ records: Type.Array(AccountabilityRecord) });
export const AccountabilityQuery = Type.Object({
  requestId: Type.Optional(Type.String()),
  responsibleStaffId: Type.Optional(Type.String()),
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('statement_filed'), Type.Literal('decided')])),
  limit: Limit,
  offset: Offset,
});
export const StatementBody = Type.Object(
  { statement: Type.String({ minLength: 3, maxLength: 5000, description: 'R25: the right to a statement and defence' }) },
  { additionalProperties: false },
);
const decisionCommon = {
  mitigating: Type.Optional(
    Type.Array(Type.Union(MITIGATING_FACTS.map((m) => Type.Literal(m))), { uniqueItems: true, description: 'R24 mitigating facts; none when left out' }),
  ),
  note: Type.Optional(Type.String({ maxLength: 2000 })),
};
/** R22: a criticism notice carries its sanction; the other outcomes may not need one. */
export const DecisionBody = Type.Union(
  [
    Type.Object(
      {
        outcome: Type.Literal('criticism_notice'),
        sanction: Type.String({ minLength: 1, maxLength: 1000, description: 'The administrative or financial sanction (R22)' }),
        ...decisionCommon,
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        outcome: Type.Union(OUTCOMES.filter((o) => o !== 'criticism_notice').map((o) => Type.Literal(o))),
        sanction: Type.Optional(Type.String({ maxLength: 1000 })),
        ...decisionCommon,
      },
      { additionalProperties: false },
    ),
  ],
  {
    description:
      'R22 by gravity: warning; loss of best-in-class eligibility; criticism notice, with its sanction; or exempt (R24)',
  },
);
