/**
 * R9–R11: working-day deadlines by the holiday calendar loaded at start, plus the operator's local
 * rest days from the database. The workflow computes them in an activity so the result is in its
 * history (a calendar update changes new computations, never a replay); the API uses the same
 * function for the deadlines it answers intake with.
 */
import type { Pool } from 'pg';
import { localRestDays } from '../db/calendar';
import { addWorkingDays, type HolidayCalendar, type WorkingDeadline } from '../domain/working-days';
import type { ActivityDeps } from './deps';
import type { WorkingDeadlineAsk } from './types';

export async function workingDeadlineWith(pool: Pool, official: HolidayCalendar, ask: WorkingDeadlineAsk): Promise<WorkingDeadline> {
  const operators = (await localRestDays(pool)).map((d) => d.day);
  const calendar = { ...official, localRestDays: [...official.localRestDays, ...operators] };
  return addWorkingDays(ask.startMs, ask.days, calendar, { utcOffsetMinutes: ask.utcOffsetMinutes, cutoff: ask.cutoff });
}

export function calendarActivities(deps: ActivityDeps) {
  return {
    workingDeadline: (ask: WorkingDeadlineAsk): Promise<WorkingDeadline> => workingDeadlineWith(deps.pool, deps.calendar(), ask),
  };
}
