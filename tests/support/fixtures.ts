/** Inputs shared by the tests: request inputs under the policy file, and breaches as the workflow records them. */
import pino from 'pino';
import { createActivities } from '../../activities';
import type { BreachEntry, StepOutcome } from '../../activities/types';
import { loadPolicy } from '../../config/policy';
import type { Pool } from '../../db/pool';
import { initialStatus } from '../../domain/clocks';
import type { RequestKind } from '../../domain/kinds';
import { snapshotFor, type Policy } from '../../domain/policy';
import type { RequestInput } from '../../domain/request';
import { activityDeps } from '../../worker/activity-deps';

let counter = 0;
export function uniqueRequestId(): string {
  counter += 1;
  return `SR-20261121-${String(process.pid % 10000).padStart(4, '0')}${String(counter).padStart(3, '0')}`;
}

export function requestInput(overrides: Partial<RequestInput> = {}, kind: RequestKind = 'fault_repair', policy: Policy = loadPolicy()): RequestInput {
  return {
    requestId: uniqueRequestId(),
    kind,
    ...(kind === 'fault_repair' && { severity: 'general' as const }),
    customer: { name: '李伟', phone: '13800000001', address: '人民路 12 号 301 室' },
    regionId: 'north',
    description: '所有频道无信号',
    firstContactStaffId: 'agent-1',
    receivedAt: new Date().toISOString(),
    paperwork: { complete: true, missingItems: [] },
    policy: snapshotFor(policy, kind),
    intakeDeadlines: {},
    ...overrides,
  };
}

/** Records a breach the way the workflow does (recordStep with a breach), for a fresh request; returns the outcome. */
export async function recordBreachFor(
  pool: Pool,
  options: { regionId?: string; responsibleStaffId?: string; responsibleRole?: 'customer_manager'; breachedAt?: string; requestId?: string } = {},
): Promise<StepOutcome & { requestId: string }> {
  const input = requestInput({ regionId: options.regionId ?? 'north', ...(options.requestId && { requestId: options.requestId }) });
  const breachedAt = options.breachedAt ?? new Date().toISOString();
  const breach: BreachEntry = {
    clock: 'contact',
    stage: 'contact',
    cycle: 0,
    rule: 'R6',
    deadline: new Date(Date.parse(breachedAt) - 60_000).toISOString(),
    breachedAt,
    ...(options.responsibleRole ? { responsibleRole: options.responsibleRole } : { responsibleStaffId: options.responsibleStaffId ?? 'tech-north-1' }),
    aggravatedFromRecord: 3,
    statementWindowHours: 72,
  };
  const activities = createActivities(activityDeps(pool, pino({ level: 'silent' })));
  const outcome = await activities.recordStep({ status: initialStatus(input), events: [], breach, notify: { roles: ['customer_manager'], staffIds: [], at: breachedAt } });
  return { ...outcome, requestId: input.requestId };
}
