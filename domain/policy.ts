/**
 * Policy is data: every kind's stages and clocks, with the source documents' numbers as defaults,
 * in one file validated by one schema (TypeBox) whose errors name the entry. A request keeps the
 * snapshot of its kind it started with. Pure: no I/O.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { FAULT_SEVERITIES, REQUEST_KINDS, STAFF_ROLES, type FaultSeverity, type RequestKind } from './kinds';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;

const Role = Type.Union(STAFF_ROLES.map((r) => Type.Literal(r)), { description: `a role: ${STAFF_ROLES.join(', ')}` });
/** A role, or the technician the job went to. */
const RoleOrAssignee = Type.Union([Role, Type.Literal('assignee')], { description: `a role (${STAFF_ROLES.join(', ')}) or "assignee"` });
const Positive = Type.Number({ exclusiveMinimum: 0 });

/** A limit: clock minutes or hours, or working days by the official calendar (R9, R10). */
const SimpleLimit = Type.Union([
  Type.Object({ minutes: Positive }, { additionalProperties: false }),
  Type.Object({ hours: Positive }, { additionalProperties: false }),
  Type.Object({ workingDays: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
], { description: '{ "minutes": n > 0 }, { "hours": n > 0 } or { "workingDays": a whole number ≥ 1 }' });
const Limit = Type.Union([
  SimpleLimit,
  Type.Object({ bySeverity: Type.Object({ general: SimpleLimit, major: SimpleLimit }, { additionalProperties: false }) }, { additionalProperties: false }),
], { description: '{ "minutes": n > 0 }, { "hours": n > 0 }, { "workingDays": a whole number ≥ 1 } or { "bySeverity": { "general": limit, "major": limit } }' });

const LadderLevel = Type.Object(
  { afterHours: Type.Number({ minimum: 0 }), alert: Type.Array(Role, { minItems: 1 }) },
  { additionalProperties: false },
);

/**
 * The small closed set of stage behaviours, written in TypeScript and parameterised by this data:
 * assign (roster dispatch with the job SMS, R4/R33), appointment (agreed visit time, R6/R32),
 * visit (arrival), work (a human step), callback (R16/R17).
 */
export const BEHAVIOURS = ['assign', 'appointment', 'visit', 'work', 'callback'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

const Stage = Type.Object(
  {
    stage: Type.String({ pattern: '^[a-z_]+$' }),
    behaviour: Type.Union(BEHAVIOURS.map((b) => Type.Literal(b)), { description: `one of ${BEHAVIOURS.join(', ')}` }),
    /** Who records the stage done: roles, or `assignee` for the technician the job went to. */
    doneBy: Type.Array(RoleOrAssignee, { minItems: 1 }),
    /** R12: the customer can be reported unreachable at this stage. */
    unreachable: Type.Optional(Type.Boolean()),
    /** R17: a callback that finds the problem still there reopens this stage. */
    reopenTo: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** Where a clock starts: intake, complete paperwork (R11), its stopping stage's start, the agreed visit time (R6). */
export const ANCHORS = ['intake', 'paperwork_complete', 'stage_start', 'visit_time'] as const;
export type Anchor = (typeof ANCHORS)[number];

const Clock = Type.Object(
  {
    clock: Type.String({ pattern: '^[a-z_]+$' }),
    rule: Type.String({ pattern: '^R\\d+$' }),
    /** What must happen, as alerts and the Temporal UI say it. */
    description: Type.String({ minLength: 1 }),
    limit: Limit,
    anchor: Type.Union(ANCHORS.map((a) => Type.Literal(a)), { description: `one of ${ANCHORS.join(', ')}` }),
    /** The stage whose completion meets the clock. */
    stops: Type.String(),
    /** Named on the accountability record and warned: a role, or the assigned technician. */
    responsible: RoleOrAssignee,
    /** R13: the deadline may be extended with a leader's approval. */
    extension: Type.Boolean(),
    /** R7: the customer may ask for a later time. */
    postponement: Type.Boolean(),
    /** Share of the period at which the responsible person is warned (0 = no warning). */
    warningAt: Type.Number({ minimum: 0, exclusiveMaximum: 1 }),
    /** Level 1 at the deadline (alert and accountability record), later levels at offsets after it. */
    ladder: Type.Array(LadderLevel, { minItems: 1 }),
  },
  { additionalProperties: false },
);

const Kind = Type.Object(
  {
    label: Type.String({ minLength: 1 }),
    severities: Type.Optional(Type.Boolean()),
    /** R3, R11: the stages wait for complete paperwork. */
    needsPaperwork: Type.Boolean(),
    /** Paperwork still incomplete this long after intake ends the request on time for the customer's reason (R12). */
    paperworkLimitHours: Type.Optional(Positive),
    mayCloseOnFirstContact: Type.Optional(Type.Boolean()),
    /** R16: share of requests called back, 0..1 (one operator: at least 0.2). */
    callbackShare: Type.Number({ minimum: 0, maximum: 1 }),
    stages: Type.Array(Stage, { minItems: 1 }),
    clocks: Type.Array(Clock),
  },
  { additionalProperties: false },
);

const ClockRules = Type.Object(
  {
    utcOffsetMinutes: Type.Integer({ minimum: -840, maximum: 840 }),
    workingDayCutoff: Type.String({ pattern: '^\\d{2}:\\d{2}$' }),
    unreachableMinAttempts: Type.Integer({ minimum: 1 }),
    unreachableReportHours: Positive,
    provisionalRecheckHours: Positive,
    /** A force-majeure pause running longer than this is escalated to these roles. */
    maxPauseHours: Positive,
    pauseOverdueAlert: Type.Array(Role, { minItems: 1 }),
    /** Who hears that a request reached its unreachable-report or paperwork deadline (R12). */
    reportBreachAlert: Type.Array(Role, { minItems: 1 }),
  },
  { additionalProperties: false },
);

const Accountability = Type.Object(
  {
    /** R23: this record within twelve months is aggravated (the document: "more than twice", so 3). */
    aggravatedFromRecord: Type.Integer({ minimum: 2 }),
    /** R25: hours the person has to file a statement. */
    statementWindowHours: Positive,
  },
  { additionalProperties: false },
);

export const PolicySchema = Type.Object(
  {
    version: Type.String({ minLength: 1 }),
    clock: ClockRules,
    accountability: Accountability,
    kinds: Type.Object(Object.fromEntries(REQUEST_KINDS.map((k) => [k, Kind])) as Record<RequestKind, typeof Kind>, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export type Policy = Static<typeof PolicySchema>;
export type KindPolicy = Static<typeof Kind>;
export type StagePolicy = Static<typeof Stage>;
export type ClockPolicy = Static<typeof Clock>;
export type ClockRulesPolicy = Static<typeof ClockRules>;
export type LimitPolicy = Static<typeof Limit>;
export type SimpleLimitPolicy = Static<typeof SimpleLimit>;
export type LadderLevelPolicy = Static<typeof LadderLevel>;

/** What one request runs by: its kind's stages and clocks and the clock rules, as of intake. */
export interface PolicySnapshot {
  version: string;
  kind: RequestKind;
  clock: ClockRulesPolicy;
  accountability: Policy['accountability'];
  kindPolicy: KindPolicy;
}

export function snapshotFor(policy: Policy, kind: RequestKind): PolicySnapshot {
  return { version: policy.version, kind, clock: policy.clock, accountability: policy.accountability, kindPolicy: policy.kinds[kind] };
}

/** The limit that applies to a request of this severity. */
export function limitFor(limit: LimitPolicy, severity: FaultSeverity | undefined): SimpleLimitPolicy {
  return 'bySeverity' in limit ? limit.bySeverity[severity ?? 'general'] : limit;
}

/** Milliseconds of a clock-time limit; undefined for working days (computed by the calendar activity). */
export function limitMs(limit: SimpleLimitPolicy): number | undefined {
  if ('minutes' in limit) return limit.minutes * MINUTE_MS;
  if ('hours' in limit) return limit.hours * HOUR_MS;
  return undefined;
}

export function describeLimit(limit: SimpleLimitPolicy): string {
  if ('minutes' in limit) return `${limit.minutes} 分钟`;
  if ('hours' in limit) return `${limit.hours} 小时`;
  return `${limit.workingDays} 个工作日`;
}

/** A JSON pointer from the validator as the file's own names: kinds.complaint.clocks[1] (handling).limit. */
function entryName(policy: unknown, pointer: string): string {
  let node: unknown = policy;
  let name = '';
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    if (/^\d+$/.test(key)) {
      const label = node && typeof node === 'object' ? ((node as { stage?: string; clock?: string }).clock ?? (node as { stage?: string }).stage) : undefined;
      name += `[${key}]${typeof label === 'string' ? ` (${label})` : ''}`;
    } else name += name ? `.${key}` : key;
  }
  return name || '(the whole file)';
}

/** Every problem of a policy, each naming its entry; empty means valid. */
export function policyProblems(policy: unknown): string[] {
  const problems = new Set<string>();
  for (const error of Value.Errors(PolicySchema, policy)) {
    // A union's alternatives each report; the first message per entry is the clearest.
    const name = entryName(policy, error.path);
    if ([...problems].some((p) => p.startsWith(`${name}:`))) continue;
    if (error.type === ValueErrorType.ObjectRequiredProperty) problems.add(`${name}: is missing`);
    else if (error.type === ValueErrorType.ObjectAdditionalProperties) problems.add(`${name}: unknown entry; known: ${Object.keys((error.schema as { properties?: object }).properties ?? {}).join(', ')}`);
    else {
      // A union says what it accepts rather than TypeBox's "Expected union value".
      const message = error.type === ValueErrorType.Union && typeof error.schema.description === 'string' ? `must be ${error.schema.description}` : error.message;
      problems.add(`${name}: ${message}, got ${JSON.stringify(error.value)?.slice(0, 80)}`);
    }
  }
  if (problems.size > 0) return [...problems];
  const p = policy as Policy;
  const out: string[] = [];
  for (const kind of REQUEST_KINDS) {
    const k = p.kinds[kind];
    const at = `kinds.${kind}`;
    const stages = k.stages.map((s) => s.stage);
    if (new Set(stages).size !== stages.length) out.push(`${at}.stages: a stage name appears twice`);
    const clocks = k.clocks.map((c) => c.clock);
    if (new Set(clocks).size !== clocks.length) out.push(`${at}.clocks: a clock name appears twice`);
    k.stages.forEach((s, i) => {
      if (s.reopenTo !== undefined && !stages.slice(0, i).includes(s.reopenTo)) out.push(`${at}.stages[${i}] (${s.stage}).reopenTo: must name an earlier stage, got "${s.reopenTo}"`);
      if (s.behaviour === 'callback' && i !== k.stages.length - 1) out.push(`${at}.stages[${i}] (${s.stage}): a callback must be the last stage`);
    });
    const assigns = k.stages.some((s) => s.behaviour === 'assign');
    k.stages.forEach((s, i) => {
      if (s.doneBy.includes('assignee') && !assigns) out.push(`${at}.stages[${i}] (${s.stage}).doneBy: "assignee" needs an assign (dispatch) stage in this kind`);
    });
    k.clocks.forEach((c, i) => {
      const cp = `${at}.clocks[${i}] (${c.clock})`;
      if (c.responsible === 'assignee' && !assigns) out.push(`${cp}.responsible: "assignee" needs an assign (dispatch) stage in this kind`);
      if (!stages.includes(c.stops)) out.push(`${cp}.stops: no stage "${c.stops}" in this kind; stages: ${stages.join(', ')}`);
      if (c.anchor === 'paperwork_complete' && !k.needsPaperwork) out.push(`${cp}.anchor: waits for paperwork but the kind has needsPaperwork false`);
      if (c.anchor === 'visit_time' && !k.stages.some((s) => s.behaviour === 'appointment')) out.push(`${cp}.anchor: visit_time needs an appointment stage`);
      if ('bySeverity' in c.limit && !k.severities) out.push(`${cp}.limit: bySeverity needs "severities": true on the kind`);
      if (c.ladder[0].afterHours !== 0) out.push(`${cp}.ladder[0].afterHours: the first level is at the breach: 0`);
      c.ladder.forEach((level, j) => {
        if (j > 0 && !(level.afterHours > c.ladder[j - 1].afterHours)) out.push(`${cp}.ladder[${j}].afterHours: levels must come later one after another`);
      });
    });
  }
  return out;
}

export const isSeverity = (value: unknown): value is FaultSeverity => (FAULT_SEVERITIES as readonly unknown[]).includes(value);
