/**
 * Request validation: the address, query string and headers arrive as text, so their values are
 * read as the declared type ("?limit=20" is the number 20); a JSON body is taken as sent, never
 * converted — `{"label": false}` or `{"leaderId": ""}` for a nullable field is refused, not turned
 * into "false" or null. Errors carry their schema (verbose) so messages can say what a field takes
 * (see errors.ts).
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyInstance, FastifySchema } from 'fastify';
import fp from 'fastify-plugin';

const common = { allErrors: false, removeAdditional: false, useDefaults: true, verbose: true } as const;

export const validation = fp(async (app: FastifyInstance) => {
  const factory = AjvCompiler();
  const fromText = factory({}, { customOptions: { ...common, coerceTypes: 'array' } });
  const asSent = factory({}, { customOptions: { ...common, coerceTypes: false } });
  app.setValidatorCompiler<FastifySchema>((route) => (route.httpPart === 'body' ? asSent(route) : fromText(route)));
});
