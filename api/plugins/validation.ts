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

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** The JSON-pointer path of text that reads as a number too large for one ("1e400"), if any. */
function overflowing(data: unknown, path = ''): string | undefined {
  if (typeof data === 'string') return NUMBER_TEXT.test(data) && !Number.isFinite(Number(data)) ? path : undefined;
  if (data === null || typeof data !== 'object') return undefined;
  for (const [key, value] of Object.entries(data)) {
    const at = overflowing(value, `${path}/${key}`);
    if (at !== undefined) return at;
  }
  return undefined;
}

type Validate = ((data: unknown, context?: unknown) => boolean) & { errors?: unknown; schemaEnv?: unknown };

/**
 * Ajv reads such text as Infinity and then lets it through as null; it is refused first, so it
 * reaches neither a route nor PostgreSQL.
 */
function refusingInfinity(validate: Validate): Validate {
  const wrapped: Validate = (data, context) => {
    const at = overflowing(data);
    if (at !== undefined) {
      wrapped.errors = [{ instancePath: at, keyword: 'finite', params: {}, message: 'is too large a number; check it' }];
      return false;
    }
    const ok = validate(data, context);
    wrapped.errors = validate.errors;
    return ok;
  };
  wrapped.schemaEnv = validate.schemaEnv;
  return wrapped;
}

export const validation = fp(async (app: FastifyInstance) => {
  const factory = AjvCompiler();
  const fromText = factory({}, { customOptions: { ...common, coerceTypes: 'array' } });
  const asSent = factory({}, { customOptions: { ...common, coerceTypes: false } });
  app.setValidatorCompiler<FastifySchema>((route) => {
    if (route.httpPart === 'body') return asSent(route);
    return refusingInfinity(fromText(route) as unknown as Validate) as unknown as ReturnType<typeof fromText>;
  });
});
