/**
 * Working-day calendar for the limits counted in working days: installation 5 / 10 days (R9),
 * reconnection 5 and complaint handling 3 (R10), counted from the moment the paperwork is
 * complete (R11). Pure and deterministic (no I/O, no clock, no Intl), so workflow code may use
 * it. The zone is a fixed UTC offset: Asia/Shanghai (+08:00) has had no DST since 1991.
 */

/** One year of the official calendar (State Council notice). */
export interface HolidayYear {
  /** Where the dates come from, e.g. the notice's number. */
  source?: string;
  /** 'YYYY-MM-DD' rest days of the official holidays, weekdays included. */
  holidays: string[];
  /** 'YYYY-MM-DD' weekend days that are working days (调休 make-up days). */
  makeUpWorkdays: string[];
}

export interface HolidayCalendar {
  /** Keyed by 'YYYY'; a year is known only when it has an entry here. */
  years: Record<string, HolidayYear>;
  /** Rest days the operator adds (always rest days, even make-up days). */
  localRestDays: string[];
}

export interface WorkingDayOptions {
  /** Local zone as minutes east of UTC; default 480 (Asia/Shanghai). */
  utcOffsetMinutes?: number;
  /** Local time the last working day ends, 'HH:MM'; default '24:00' (end of the day). */
  cutoff?: string;
}

export interface WorkingDeadline {
  deadlineMs: number;
  /** The deadline as an ISO UTC string. */
  deadline: string;
  /** True when a day from the start date to the deadline lies in a year the calendar lacks. */
  provisional: boolean;
  /** The counted local dates, in order. */
  workingDays: string[];
}

const DAY_MS = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const CUTOFF_PATTERN = /^(\d{2}):(\d{2})$/;

/** Epoch day of a real 'YYYY-MM-DD' date, or undefined when malformed or not a real date. */
function epochDay(date: string): number | undefined {
  const m = DATE_PATTERN.exec(date);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return dateOf(ms / DAY_MS) === date ? ms / DAY_MS : undefined;
}

function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
function weekday(day: number): number {
  return new Date(day * DAY_MS).getUTCDay();
}

function isWeekend(day: number): boolean {
  const w = weekday(day);
  return w === 0 || w === 6;
}

/**
 * Whether a local date is a working day. A year the calendar lacks falls back to the
 * Monday–Friday rule with known=false; operator rest days are rest days in any year.
 */
export function isWorkingDay(date: string, calendar: HolidayCalendar): { working: boolean; known: boolean } {
  const day = epochDay(date);
  if (day === undefined) throw new Error(`date must be a real 'YYYY-MM-DD' date, got ${JSON.stringify(date)}`);
  const year = calendar.years[date.slice(0, 4)];
  const known = year !== undefined;
  if (calendar.localRestDays.includes(date)) return { working: false, known };
  if (!year) return { working: !isWeekend(day), known };
  if (year.holidays.includes(date)) return { working: false, known };
  if (year.makeUpWorkdays.includes(date)) return { working: true, known };
  return { working: !isWeekend(day), known };
}

/** Minutes after local midnight of an 'HH:MM' cut-off, 00:01 … 24:00. */
function cutoffMinutes(cutoff: string): number {
  const m = CUTOFF_PATTERN.exec(cutoff);
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!m || Number(m[2]) > 59 || !(minutes > 0 && minutes <= 24 * 60)) {
    throw new Error(`cutoff must be a local time 'HH:MM' from 00:01 to 24:00, got ${JSON.stringify(cutoff)}`);
  }
  return minutes;
}

/**
 * The deadline of a limit of `days` working days (R9, R10) started at `startMs` (R11): day 1 is
 * the first working day strictly after the local start date; the period ends at the local
 * cut-off of the last counted day. Years without data count Monday–Friday and make the result
 * provisional, so the caller recomputes when the data arrives.
 */
export function addWorkingDays(
  startMs: number,
  days: number,
  calendar: HolidayCalendar,
  options: WorkingDayOptions = {},
): WorkingDeadline {
  if (!Number.isFinite(startMs)) throw new Error(`startMs must be a finite epoch time in ms, got ${startMs}`);
  if (!Number.isSafeInteger(days) || days <= 0) throw new Error(`days must be a positive integer, got ${days}`);
  const offset = options.utcOffsetMinutes ?? 480;
  if (!Number.isInteger(offset) || Math.abs(offset) > 14 * 60) {
    throw new Error(`utcOffsetMinutes must be an integer from -840 to 840, got ${offset}`);
  }
  const cutoff = cutoffMinutes(options.cutoff ?? '24:00');
  const offsetMs = offset * 60_000;

  let day = Math.floor((startMs + offsetMs) / DAY_MS); // the local start date
  let provisional = !isWorkingDay(dateOf(day), calendar).known;
  const workingDays: string[] = [];
  while (workingDays.length < days) {
    day += 1;
    const date = dateOf(day);
    const { working, known } = isWorkingDay(date, calendar);
    if (!known) provisional = true;
    if (working) workingDays.push(date);
  }
  const deadlineMs = day * DAY_MS + cutoff * 60_000 - offsetMs;
  return { deadlineMs, deadline: new Date(deadlineMs).toISOString(), provisional, workingDays };
}

/** Checks a calendar at start-up and returns the problems, each naming the bad entry. */
export function calendarProblems(calendar: HolidayCalendar): string[] {
  const problems: string[] = [];
  const dates = (where: string, list: unknown): string[] => {
    if (!Array.isArray(list)) {
      problems.push(`${where} must be a list of 'YYYY-MM-DD' dates`);
      return [];
    }
    return list.filter((d) => {
      const ok = typeof d === 'string' && epochDay(d) !== undefined;
      if (!ok) problems.push(`${where}: ${JSON.stringify(d)} is not a real 'YYYY-MM-DD' date`);
      return ok;
    });
  };
  for (const [key, year] of Object.entries(calendar.years ?? {})) {
    if (!/^\d{4}$/.test(key)) problems.push(`years.${key}: the key must be a year 'YYYY'`);
    const holidays = dates(`years.${key}.holidays`, year?.holidays);
    const makeUps = dates(`years.${key}.makeUpWorkdays`, year?.makeUpWorkdays);
    for (const [list, entries] of [['holidays', holidays], ['makeUpWorkdays', makeUps]] as const) {
      for (const d of entries) {
        if (!d.startsWith(`${key}-`)) problems.push(`years.${key}.${list}: ${d} belongs to year ${d.slice(0, 4)}`);
      }
    }
    for (const d of makeUps) {
      if (holidays.includes(d)) problems.push(`years.${key}: ${d} is listed both as a holiday and as a make-up working day`);
      if (!isWeekend(epochDay(d)!)) problems.push(`years.${key}.makeUpWorkdays: ${d} is not a Saturday or Sunday`);
    }
  }
  dates('localRestDays', calendar.localRestDays);
  return problems;
}
