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
        params: Type.Object({ day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD, local date' }) }),
        body: Type.Object({ reason: Type.String({ minLength: 3, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: CalendarView, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema },
      },
    },
    async (req) => {
      requireRole(req, ['admin'], 'change the calendar');
      const { day } = req.params;
      if (new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) throw new HttpError(400, `${day} is not a real date.`);
      await addLocalRestDay(pool, day, req.body.reason, req.staff.id);
      return view();
    },
  );
}
