/**
 * Loads and validates the policy file and the holiday calendar at start-up: a bad entry stops the
 * process with a message naming it. POLICY_FILE and CALENDAR_FILE point elsewhere.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { policyProblems, type Policy } from '../domain/policy';
import { calendarProblems, type HolidayCalendar } from '../domain/working-days';

export const DEFAULT_POLICY_FILE = path.join(__dirname, 'policy.json');
export const DEFAULT_CALENDAR_FILE = path.join(__dirname, 'calendar', 'cn-holidays.json');

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read the ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
}

export function loadPolicy(file = process.env.POLICY_FILE ?? DEFAULT_POLICY_FILE): Policy {
  const policy = readJson(file, 'policy file') as Policy;
  const problems = policyProblems(policy);
  if (problems.length > 0) throw new Error(`The policy file ${file} is invalid:\n  - ${problems.join('\n  - ')}`);
  return policy;
}

export function loadCalendar(file = process.env.CALENDAR_FILE ?? DEFAULT_CALENDAR_FILE): HolidayCalendar {
  const calendar = readJson(file, 'holiday calendar') as HolidayCalendar;
  const problems = calendarProblems(calendar);
  if (problems.length > 0) throw new Error(`The holiday calendar ${file} is invalid:\n  - ${problems.join('\n  - ')}`);
  return calendar;
}
