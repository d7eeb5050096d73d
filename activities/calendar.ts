/**
 * R9–R11: working-day deadlines by the holiday calendar loaded at worker start. Computed in an
 * activity so the result is recorded in the workflow's history: a calendar update changes new
 * computations, never a replay.
 */
import { addWorkingDays, type WorkingDeadline } from '../domain/working-days';
import type { ActivityDeps } from './deps';
import type { WorkingDeadlineAsk } from './types';

export function calendarActivities(deps: ActivityDeps) {
  return {
    async workingDeadline(ask: WorkingDeadlineAsk): Promise<WorkingDeadline> {
      return addWorkingDays(ask.startMs, ask.days, deps.calendar(), { utcOffsetMinutes: ask.utcOffsetMinutes, cutoff: ask.cutoff });
    },
  };
}
