/**
 * R9–R11: working-day deadlines by the holiday calendar loaded at worker start, plus the operator's
 * local rest days from the database. Computed in an
 * activity so the result is recorded in the workflow's history: a calendar update changes new
 * computations, never a replay.
 */
import { localRestDays } from '../db/calendar';
import { addWorkingDays, type WorkingDeadline } from '../domain/working-days';
import type { ActivityDeps } from './deps';
import type { WorkingDeadlineAsk } from './types';

export function calendarActivities(deps: ActivityDeps) {
  return {
    async workingDeadline(ask: WorkingDeadlineAsk): Promise<WorkingDeadline> {
      const official = deps.calendar();
      const operators = (await localRestDays(deps.pool)).map((d) => d.day);
      const calendar = { ...official, localRestDays: [...official.localRestDays, ...operators] };
      return addWorkingDays(ask.startMs, ask.days, calendar, { utcOffsetMinutes: ask.utcOffsetMinutes, cutoff: ask.cutoff });
    },
  };
}
