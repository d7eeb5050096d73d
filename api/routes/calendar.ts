/** The working-day calendar (R9, R10): the official years known, and the operator's local rest days (admins add). */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { addLocalRestDay, localRestDays } from '../../db/calendar';
import { loadCalendar } from '../../config/policy';
import { HttpError } from '../errors';
import { requireRole } from '../plugins/auth';
import { ErrorSchema } from '../schemas/requests';

const RestDay = Type.Object({ day: Type.String(), reason: Type.String(), addedBy: Type.String() });
const CalendarView = Type.Object({
  officialYears: Type.Array(Type.String(), { description: 'Years with published holiday data; others count Monday–Friday, provisionally' }),
  localRestDays: Type.Array(RestDay),
});

/** A calendar day that exists (no 2026-02-30, no 0000-00-00); the schema's format already says so. */
function isRealDay(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}

export async function calendarRoutes(plain: FastifyInstance): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { pool } = app.deps;
  const official = loadCalendar();

  const view = async () => ({ officialYears: Object.keys(official.years).sort(), localRestDays: await localRestDays(pool) });

  app.get('/calendar', { schema: { tags: ['organisation'], summary: 'Working-day calendar: official years and local rest days', response: { 200: CalendarView, 401: ErrorSchema } } }, view);

  app.put(
    '/calendar/local-rest-days/:day',
    {
      schema: {
        tags: ['organisation'],
        summary: 'Add a local rest day (admin); new working-day deadlines skip it at once',
        params: Type.Object({ day: Type.String({ format: 'date', description: 'a local date as YYYY-MM-DD, e.g. 2026-10-01' }) }),
        body: Type.Object({ reason: Type.String({ minLength: 3, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: CalendarView, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (req) => {
      requireRole(req, ['admin'], 'change the calendar');
      const { day } = req.params;
      if (!isRealDay(day)) throw new HttpError(400, `${day} is not a real date; send it as YYYY-MM-DD, e.g. 2026-10-01.`);
      if (day < '2000-01-01' || day > '2099-12-31') {
        throw new HttpError(422, `${day} is outside the years deadlines are counted in (2000–2099); check the year.`);
      }
      await addLocalRestDay(pool, day, req.body.reason, req.staff.id);
      return view();
    },
  );
}
