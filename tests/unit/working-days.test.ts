/** Working-day limits (R9, R10) counted from complete paperwork (R11) on the official Chinese calendar. */
import { describe, expect, it } from 'vitest';
import cnHolidays from '../../config/calendar/cn-holidays.json';
import { addWorkingDays, calendarProblems, type HolidayCalendar, isWorkingDay } from '../../domain/working-days';

const CN: HolidayCalendar = cnHolidays;
/** Epoch ms of a Beijing local time (+08:00). */
const beijing = (local: string) => Date.parse(`${local}+08:00`);
const withRestDays = (...localRestDays: string[]): HolidayCalendar => ({ ...CN, localRestDays });

describe('the shipped calendar', () => {
  it('is valid and holds 2025 and 2026 as announced by the State Council', () => {
    expect(calendarProblems(CN)).toEqual([]);
    expect(Object.keys(CN.years)).toEqual(['2025', '2026']);
    expect(CN.years['2026']!.makeUpWorkdays).toEqual(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);
    expect(CN.years['2025']!.makeUpWorkdays).toEqual(['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11']);
    expect(CN.years['2026']!.holidays.filter((d) => d.startsWith('2026-02'))).toEqual([
      '2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23',
    ]);
    expect(CN.localRestDays).toEqual([]);
  });
});

describe('isWorkingDay', () => {
  it('follows holidays, make-up days and weekends in a known year', () => {
    expect(isWorkingDay('2026-02-16', CN)).toEqual({ working: false, known: true }); // Monday, Spring Festival
    expect(isWorkingDay('2026-02-14', CN)).toEqual({ working: true, known: true }); // Saturday, make-up day
    expect(isWorkingDay('2026-03-07', CN)).toEqual({ working: false, known: true }); // ordinary Saturday
    expect(isWorkingDay('2026-03-09', CN)).toEqual({ working: true, known: true }); // ordinary Monday
  });

  it('falls back to Monday–Friday in a year without data, flagged unknown', () => {
    expect(isWorkingDay('2027-01-01', CN)).toEqual({ working: true, known: false }); // Friday
    expect(isWorkingDay('2027-01-02', CN)).toEqual({ working: false, known: false }); // Saturday
  });

  it('treats an operator rest day as a rest day, even a make-up day', () => {
    expect(isWorkingDay('2026-02-14', withRestDays('2026-02-14'))).toEqual({ working: false, known: true });
    expect(isWorkingDay('2027-01-04', withRestDays('2027-01-04'))).toEqual({ working: false, known: false });
  });

  it('rejects a malformed date', () => {
    expect(() => isWorkingDay('2026-2-14', CN)).toThrow(/real 'YYYY-MM-DD' date/);
    expect(() => isWorkingDay('2026-02-30', CN)).toThrow(/real 'YYYY-MM-DD' date/);
  });
});

describe('addWorkingDays: 2026 Spring Festival (holiday 15–23 Feb, make-up 14 and 28 Feb)', () => {
  const friday13 = beijing('2026-02-13T10:00:00');

  it('5 working days (R9 city, R10 reconnection) from Friday 13 Feb end on Friday 27 Feb', () => {
    expect(addWorkingDays(friday13, 5, CN)).toEqual({
      deadlineMs: Date.parse('2026-02-27T16:00:00Z'),
      deadline: '2026-02-27T16:00:00.000Z',
      provisional: false,
      workingDays: ['2026-02-14', '2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27'],
    });
  });

  it('10 working days (R9 rural) count Saturday 28 Feb and end on Thursday 5 March', () => {
    const result = addWorkingDays(friday13, 10, CN);
    expect(result.workingDays).toEqual([
      '2026-02-14', '2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27',
      '2026-02-28', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05',
    ]);
    expect(result.deadline).toBe('2026-03-05T16:00:00.000Z');
    expect(result.provisional).toBe(false);
  });
});

describe('addWorkingDays: National Day', () => {
  it('2026: 5 days from Tuesday 29 Sep skip 1–7 Oct and count Saturday 10 Oct', () => {
    const result = addWorkingDays(beijing('2026-09-29T15:00:00'), 5, CN);
    expect(result.workingDays).toEqual(['2026-09-30', '2026-10-08', '2026-10-09', '2026-10-10', '2026-10-12']);
    expect(result.deadline).toBe('2026-10-12T16:00:00.000Z');
  });

  it('2026: a 3-day complaint (R10) from Friday 18 Sep counts Sunday 20 Sep', () => {
    const result = addWorkingDays(beijing('2026-09-18T11:00:00'), 3, CN);
    expect(result.workingDays).toEqual(['2026-09-20', '2026-09-21', '2026-09-22']);
    expect(result.deadline).toBe('2026-09-22T16:00:00.000Z');
  });

  it('2025: 5 and 10 days from Friday 26 Sep count 28 Sep and 11 Oct and skip 1–8 Oct', () => {
    const start = beijing('2025-09-26T09:00:00');
    const five = addWorkingDays(start, 5, CN);
    expect(five.workingDays).toEqual(['2025-09-28', '2025-09-29', '2025-09-30', '2025-10-09', '2025-10-10']);
    expect(five.deadline).toBe('2025-10-10T16:00:00.000Z');
    const ten = addWorkingDays(start, 10, CN);
    expect(ten.workingDays.slice(5)).toEqual(['2025-10-11', '2025-10-13', '2025-10-14', '2025-10-15', '2025-10-16']);
    expect(ten.deadline).toBe('2025-10-16T16:00:00.000Z');
    expect(ten.provisional).toBe(false);
  });
});

describe('addWorkingDays: an ordinary week', () => {
  it('starts on the next working day and skips the weekend', () => {
    const result = addWorkingDays(beijing('2026-03-09T09:00:00'), 5, CN); // Monday
    expect(result.workingDays).toEqual(['2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13', '2026-03-16']);
    expect(result.deadline).toBe('2026-03-16T16:00:00.000Z');
  });

  it('starting on a Saturday counts Monday to Friday', () => {
    const result = addWorkingDays(beijing('2026-03-14T12:00:00'), 5, CN);
    expect(result.workingDays).toEqual(['2026-03-16', '2026-03-17', '2026-03-18', '2026-03-19', '2026-03-20']);
    expect(result.deadline).toBe('2026-03-20T16:00:00.000Z');
  });

  it('takes the start date in local time, not UTC', () => {
    // 23:30 Monday in Beijing is still Monday; 00:30 Tuesday in Beijing is Monday in UTC.
    expect(addWorkingDays(Date.parse('2026-03-09T15:30:00Z'), 1, CN).workingDays).toEqual(['2026-03-10']);
    expect(addWorkingDays(Date.parse('2026-03-09T16:30:00Z'), 1, CN).workingDays).toEqual(['2026-03-11']);
  });

  it('honours another UTC offset', () => {
    const result = addWorkingDays(Date.parse('2026-03-09T12:00:00Z'), 1, CN, { utcOffsetMinutes: 0 });
    expect(result.deadline).toBe('2026-03-11T00:00:00.000Z');
  });
});

describe('addWorkingDays: cut-off setting', () => {
  it("ends at 17:30 local of the last day with cutoff '17:30'", () => {
    expect(addWorkingDays(beijing('2026-03-09T09:00:00'), 5, CN, { cutoff: '17:30' }).deadline).toBe('2026-03-16T09:30:00.000Z');
    expect(addWorkingDays(beijing('2026-02-13T10:00:00'), 5, CN, { cutoff: '17:30' }).deadline).toBe('2026-02-27T09:30:00.000Z');
  });
});

describe('addWorkingDays: local rest days added by the operator', () => {
  it('skips a weekday rest day', () => {
    const result = addWorkingDays(beijing('2026-03-09T09:00:00'), 5, withRestDays('2026-03-12'));
    expect(result.workingDays).toEqual(['2026-03-10', '2026-03-11', '2026-03-13', '2026-03-16', '2026-03-17']);
    expect(result.deadline).toBe('2026-03-17T16:00:00.000Z');
  });

  it('skips a make-up day declared a rest day', () => {
    const result = addWorkingDays(beijing('2026-02-13T10:00:00'), 5, withRestDays('2026-02-14'));
    expect(result.workingDays).toEqual(['2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27', '2026-02-28']);
    expect(result.deadline).toBe('2026-02-28T16:00:00.000Z');
  });
});

describe('addWorkingDays: a year without data', () => {
  it('counts Monday–Friday in 2027 and flags the deadline provisional', () => {
    const result = addWorkingDays(beijing('2026-12-21T10:00:00'), 10, CN);
    expect(result.workingDays).toEqual([
      '2026-12-22', '2026-12-23', '2026-12-24', '2026-12-25', '2026-12-28',
      '2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-04',
    ]);
    expect(result.deadline).toBe('2027-01-04T16:00:00.000Z');
    expect(result.provisional).toBe(true);
  });

  it('is not provisional when the deadline stays in a known year', () => {
    expect(addWorkingDays(beijing('2026-12-21T10:00:00'), 8, CN)).toMatchObject({
      deadline: '2026-12-31T16:00:00.000Z',
      provisional: false,
    });
  });
});

describe('addWorkingDays: input validation', () => {
  const start = beijing('2026-03-09T09:00:00');
  it.each([0, -1, 1.5, Number.NaN])('rejects days = %s', (days) => {
    expect(() => addWorkingDays(start, days, CN)).toThrow(/days must be a positive integer/);
  });
  it.each(['5:30', '17:60', '24:30', '25:00', '00:00', '1730', ''])('rejects cutoff %j', (cutoff) => {
    expect(() => addWorkingDays(start, 5, CN, { cutoff })).toThrow(/cutoff must be a local time 'HH:MM'/);
  });
  it('rejects a bad start or offset', () => {
    expect(() => addWorkingDays(Number.NaN, 5, CN)).toThrow(/startMs must be a finite/);
    expect(() => addWorkingDays(start, 5, CN, { utcOffsetMinutes: 1000 })).toThrow(/utcOffsetMinutes must be an integer/);
  });
});

describe('calendarProblems', () => {
  it('names each bad entry', () => {
    const bad: HolidayCalendar = {
      years: {
        '2026': {
          holidays: ['2026-02-16', '2026-2-17', '2026-02-30', '2027-01-01', '2026-02-14'],
          makeUpWorkdays: ['2026-02-14', '2026-03-11'],
        },
      },
      localRestDays: ['2026-13-01'],
    };
    expect(calendarProblems(bad)).toEqual([
      `years.2026.holidays: "2026-2-17" is not a real 'YYYY-MM-DD' date`,
      `years.2026.holidays: "2026-02-30" is not a real 'YYYY-MM-DD' date`,
      'years.2026.holidays: 2027-01-01 belongs to year 2027',
      'years.2026: 2026-02-14 is listed both as a holiday and as a make-up working day',
      'years.2026.makeUpWorkdays: 2026-03-11 is not a Saturday or Sunday',
      `localRestDays: "2026-13-01" is not a real 'YYYY-MM-DD' date`,
    ]);
  });

  it('names a make-up day under the wrong year and a year entry without lists', () => {
    const bad = {
      years: { '2025': { holidays: [], makeUpWorkdays: ['2026-02-14'] }, '2027': {} },
      localRestDays: [],
    } as unknown as HolidayCalendar;
    expect(calendarProblems(bad)).toEqual([
      'years.2025.makeUpWorkdays: 2026-02-14 belongs to year 2026',
      "years.2027.holidays must be a list of 'YYYY-MM-DD' dates",
      "years.2027.makeUpWorkdays must be a list of 'YYYY-MM-DD' dates",
    ]);
  });
});
