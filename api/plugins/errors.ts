/**
 * Every error answer says what to fix, in words an agent can act on, and is one the OpenAPI
 * document declares:
 * - validation errors name the field and what it takes ("role must be one of: agent, technician, …");
 * - NUL characters, which PostgreSQL cannot store, are refused before they reach it (and the
 *   OpenAPI document says so: see enforcedInput, which also makes defaulted fields optional and
 *   refuses undeclared query parameters);
 * - a method the address does not take is 405 with an Allow header; an unknown address 404;
 * - PostgreSQL or Temporal unreachable (or too slow) is 503 with Retry-After: what is down, that
 *   nothing was changed, to retry;
 * - any other failure is logged in full and answered 500 with a generic message and the request
 *   id, never the database's or Temporal's own text.
 */
import { STATUS_CODES } from 'node:http';
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError, outageMessage, outageOf, RETRY_AFTER_SECONDS } from '../errors';
import { ErrorSchema } from '../schemas/requests';

/** Addresses that need no API key (see auth.ts): no 401 or 429 is declared for them. */
export const PUBLIC_ROUTES = [/^\/health$/, /^\/metrics$/, /^\/docs(\/|$)/];

/** 5xx answers carry the request id (also in the X-Request-Id header) to quote to the duty engineer. */
export const ServerErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String({ description: 'What happened and what to do; never internal detail' }),
  requestId: Type.String({ description: 'Quote it to the duty engineer: it finds the logged detail' }),
});

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

// ---------------------------------------------------------------- validation messages

interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: { description?: string; pattern?: string; format?: string };
  /** With ajv's verbose option: the failing keyword's schema and the value it judged. */
  schema?: unknown;
  data?: unknown;
}

/** The values a schema allows when it is a fixed list (const, enum, a union of consts). */
function allowedValues(schema: Record<string, unknown> | undefined): string[] | undefined {
  if (!schema) return undefined;
  if ('const' in schema) return [String(schema.const)];
  if (Array.isArray(schema.enum)) return schema.enum.map(String);
  const options = (schema.anyOf ?? schema.oneOf) as Array<Record<string, unknown>> | undefined;
  if (Array.isArray(options) && options.length > 0 && options.every((o) => 'const' in o)) return options.map((o) => String(o.const));
  return undefined;
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  object: 'an object ({…})',
  array: 'a list ([…])',
  null: 'null',
};
const FORMAT_WORDS: Record<string, string> = {
  'date-time': 'a date and time with its time zone, e.g. 2026-11-21T15:00:00+08:00',
  date: 'a date, e.g. 2026-11-21',
  email: 'an e-mail address',
  uri: 'a web address',
};

const list = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`);

/** "customer.phone", "attempts[0]" — the field as an agent sees it in the form or JSON. */
function fieldOf(context: string | undefined, instancePath: string, child?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  const name = parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
  if (context === 'querystring') return name ? `Query parameter "${name}"` : 'The query string';
  if (context === 'params') return name ? `"${name}" in the address` : 'The address';
  if (context === 'headers') return name ? `Header "${name}"` : 'The headers';
  return name ? `"${name}"` : 'The body';
}

function describeOne(context: string | undefined, e: AjvError): string {
  const field = fieldOf(context, e.instancePath);
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return `${fieldOf(context, e.instancePath, String(p.missingProperty))} is missing: add it.`;
    case 'additionalProperties':
      return `${fieldOf(context, e.instancePath, String(p.additionalProperty))} is not a field this action takes (no additional properties are allowed): remove it.`;
    case 'type':
      return e.instancePath === '' && context === 'body' && p.type === 'object'
        ? 'The body must be a JSON object, e.g. {} — send it with content-type: application/json.'
        : `${field} must be ${list(String(p.type).split(',').map((t) => TYPE_WORDS[t] ?? t))}.`;
    case 'const':
      return `${field} must be ${JSON.stringify(p.allowedValue)}.`;
    case 'enum':
      return `${field} must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}.`;
    case 'format':
      return `${field} must be ${FORMAT_WORDS[String(p.format)] ?? `in ${p.format} form`}.`;
    case 'pattern': {
      const description = e.parentSchema?.description;
      return description ? `${field} is not in the expected form: ${description}.` : `${field} is not in the expected form (${p.pattern}).`;
    }
    case 'minLength':
      return Number(p.limit) <= 1 ? `${field} must not be empty.` : `${field} must be at least ${p.limit} characters long.`;
    case 'maxLength':
      return `${field} must be at most ${p.limit} characters long; shorten it.`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `${field} must be ${e.keyword === 'minimum' ? 'at least' : 'more than'} ${p.limit}.`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `${field} must be ${e.keyword === 'maximum' ? 'at most' : 'less than'} ${p.limit}.`;
    case 'minItems':
      return `${field} must list at least ${p.limit} item${Number(p.limit) === 1 ? '' : 's'}.`;
    case 'maxItems':
      return `${field} must list at most ${p.limit} items.`;
    case 'uniqueItems':
      return `${field} lists the same value twice (items ${p.j} and ${p.i}); list each once.`;
    case 'minProperties':
      return `${field} must not be empty.`;
    default:
      return `${field} ${e.message ?? 'is not valid'}.`;
  }
}

/**
 * One sentence for a failed validation. A union (anyOf) fails with one error per branch ("must be
 * equal to constant" six times): a union of values becomes "must be one of: …" with the allowed
 * values; a union of objects is explained by the branch whose distinguishing values matched (a
 * criticism notice without its sanction: "sanction" is missing), else by the values allowed where
 * every branch disagrees.
 */
export function describeValidation(context: string | undefined, errors: AjvError[]): string {
  if (errors.length === 0) return 'The request is not valid; check it against the API documentation at /docs.';
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  if (unions.length === 0) return describeOne(context, errors[0]);
  const outer = unions.reduce((a, b) => (b.schemaPath.length < a.schemaPath.length ? b : a));
  const prefix = `${outer.schemaPath}/`;
  const branches = new Map<string, AjvError[]>();
  for (const e of errors) {
    if (e === outer || !e.schemaPath.startsWith(prefix)) continue;
    const branch = e.schemaPath.slice(prefix.length).split('/')[0];
    branches.set(branch, [...(branches.get(branch) ?? []), e]);
  }
  const all = [...branches.values()].flat();
  const valuesAt = (at: string) => [
    ...all.filter((e) => e.instancePath === at && e.keyword === 'const').map((e) => String(e.params.allowedValue)),
    ...all.filter((e) => e.instancePath === at && e.keyword === 'enum').flatMap((e) => (e.params.allowedValues as unknown[]).map(String)),
  ];
  const field = fieldOf(context, outer.instancePath);
  if (all.length > 0 && all.every((e) => e.instancePath === outer.instancePath && ['const', 'enum', 'type'].includes(e.keyword))) {
    const types = all.filter((e) => e.keyword === 'type').map((e) => TYPE_WORDS[String(e.params.type)] ?? String(e.params.type));
    const values = valuesAt(outer.instancePath);
    return values.length > 0 ? `${field} must be one of: ${[...values, ...types].join(', ')}.` : `${field} must be ${list(types)}.`;
  }
  // A union of objects: the branch whose fixed values (const, enum) the data has is the one meant.
  const schemas = Array.isArray(outer.schema) ? (outer.schema as JsonSchema[]) : [];
  const data = outer.data as Record<string, unknown> | null | undefined;
  if (schemas.length > 0 && data !== null && typeof data === 'object') {
    const fixed = schemas.map((branch) =>
      Object.entries((branch.properties ?? {}) as Record<string, JsonSchema>)
        .map(([name, property]) => [name, allowedValues(property)] as const)
        .filter((entry): entry is readonly [string, string[]] => entry[1] !== undefined),
    );
    const fits = fixed.map((pairs) => pairs.every(([name, values]) => values.includes(String(data[name]))));
    const meant = fits.flatMap((fit, i) => (fit ? [i] : []));
    if (meant.length === 1 && branches.get(String(meant[0]))?.length) return describeValidation(context, branches.get(String(meant[0]))!);
    if (meant.length === 0) {
      const name = fixed.flat().find(([property, values]) => !values.includes(String(data[property])))?.[0];
      if (name !== undefined) {
        const values = [...new Set(fixed.flat().filter(([property]) => property === name).flatMap(([, v]) => v))];
        return `${fieldOf(context, `${outer.instancePath}/${name}`)} must be one of: ${values.join(', ')}.`;
      }
    }
  }
  const disputed = all.find((e) => e.keyword === 'const' || e.keyword === 'enum');
  if (disputed) return `${fieldOf(context, disputed.instancePath)} must be one of: ${[...new Set(valuesAt(disputed.instancePath))].join(', ')}.`;
  return describeOne(context, all[0] ?? outer);
}

// ---------------------------------------------------------------- NUL characters

/** The JSON-pointer path of the first string (or key) holding a NUL character, if any. */
function findNul(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (depth > 32 || value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = `${path}/${key.replace(/\u0000/g, '\\u0000')}`;
    if (key.includes('\u0000')) return at;
    const found = findNul(inner, at, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------- input schemas as the API enforces them

/** Text PostgreSQL can store: no NUL character. */
const NO_NUL = '^[^\\u0000]*$';

type JsonSchema = Record<string, unknown>;

/**
 * A route's input schema (a copy; the route module's own objects are not touched) stating what the
 * API really enforces, so the OpenAPI document matches it:
 * - free text (a string without pattern, format, enum or const) takes no NUL character;
 * - a property with a default is not required: the default fills it in;
 * - a query string takes only the parameters it declares (a typo is refused, not ignored).
 */
function enforcedInput(schema: unknown, part: 'body' | 'querystring' | 'params'): unknown {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: JsonSchema = { ...(node as JsonSchema) };
    for (const key of ['properties', 'patternProperties', '$defs', 'definitions']) {
      if (out[key] && typeof out[key] === 'object') {
        out[key] = Object.fromEntries(Object.entries(out[key] as JsonSchema).map(([name, inner]) => [name, walk(inner)]));
      }
    }
    for (const key of ['items', 'additionalProperties', 'not', 'anyOf', 'oneOf', 'allOf', 'prefixItems']) {
      if (out[key] && typeof out[key] === 'object') out[key] = walk(out[key]);
    }
    if (out.type === 'string' && out.pattern === undefined && out.format === undefined && out.enum === undefined && out.const === undefined) {
      out.pattern = NO_NUL;
    }
    if (Array.isArray(out.required) && out.properties && typeof out.properties === 'object') {
      const properties = out.properties as Record<string, JsonSchema | undefined>;
      out.required = out.required.filter((name: string) => properties[name]?.default === undefined);
      if ((out.required as string[]).length === 0) delete out.required;
    }
    return out;
  };
  const result = walk(schema) as JsonSchema;
  if (part === 'querystring' && result.type === 'object' && result.additionalProperties === undefined) result.additionalProperties = false;
  return result;
}

// ---------------------------------------------------------------- documented answers

function isPublic(url: string): boolean {
  return PUBLIC_ROUTES.some((p) => p.test(url));
}

/**
 * Declares on every route the answers any route can give: 400 when it takes input, 401 and 429 when
 * it needs a key, 404 when its address names a resource, 413 and 415 when it takes a body, and
 * 500, 503 and 504. A route's own declarations stay as they are. Its input schemas become the
 * enforced ones (enforcedInput).
 */
function prepareRoute(route: RouteOptions): void {
  const schema = route.schema as (JsonSchema & { response?: Record<string, TSchema>; hide?: boolean }) | undefined;
  if (!schema || schema.hide || route.url.startsWith('/docs')) return;
  const hasBody = schema.body !== undefined;
  const hasInput = hasBody || schema.params !== undefined || schema.querystring !== undefined || schema.headers !== undefined;
  const common: Record<string, TSchema> = {
    ...(hasInput && { 400: ErrorSchema }),
    ...(!isPublic(route.url) && { 401: ErrorSchema, 429: ErrorSchema }),
    ...(route.url.includes(':') && { 404: ErrorSchema }),
    ...(hasBody && { 413: ErrorSchema, 415: ErrorSchema }),
    500: ServerErrorSchema,
    503: ServerErrorSchema,
    504: ServerErrorSchema,
  };
  route.schema = {
    ...schema,
    ...(schema.body !== undefined && { body: enforcedInput(schema.body, 'body') }),
    ...(schema.querystring !== undefined && { querystring: enforcedInput(schema.querystring, 'querystring') }),
    ...(schema.params !== undefined && { params: enforcedInput(schema.params, 'params') }),
    response: { ...common, ...(schema.response ?? {}) },
  };
}

// ---------------------------------------------------------------- the plugin

/** Fastify's own 4xx errors, in the words of this API. */
function fastifyClientError(err: FastifyError, req: FastifyRequest): string | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'The body is not valid JSON: check its quotes, commas and brackets, and send it with content-type: application/json.';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The body is empty but content-type says JSON: send a JSON object ({} when there is nothing to add).';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `This action reads JSON: send the body with content-type: application/json (got ${JSON.stringify(String(req.headers['content-type'] ?? 'none').slice(0, 60))}).`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The body is too large; shorten its text fields and send it again.';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'The body does not match its Content-Length header; send it again.';
    case 'FST_ERR_BAD_URL':
      return 'The address is not valid: check its spelling and its %-encoding.';
    case 'FST_ERR_CTP_INVALID_CONTENT_TYPE':
      return 'The Content-Type header is not valid; send content-type: application/json.';
    default:
      return undefined;
  }
}

function send(reply: FastifyReply, statusCode: number, message: string) {
  reply.code(statusCode);
  const body = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  return statusCode >= 500 ? { ...body, requestId: String(reply.request.id) } : body;
}

export const errorHandling = fp(async (app: FastifyInstance) => {
  app.addHook('onRoute', prepareRoute);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  // PostgreSQL cannot store NUL; refused here for every route, with the field named.
  app.addHook('preValidation', async (req) => {
    for (const [context, value] of [['params', req.params], ['querystring', req.query], ['body', req.body]] as const) {
      const at = findNul(value);
      if (at !== undefined) {
        throw new HttpError(400, `${fieldOf(context, at)} contains a NUL character (\\u0000), which cannot be stored: remove it and send again.`);
      }
    }
  });

  /** 405 with Allow when the address exists for other methods, else 404. */
  function unrouted(req: FastifyRequest, reply: FastifyReply) {
    const path = req.url.split('?')[0];
    const allowed = METHODS.filter((m) => app.findRoute({ method: m, url: path }) !== null);
    if (allowed.length > 0 && !allowed.includes(req.method as (typeof METHODS)[number])) {
      reply.header('allow', allowed.join(', '));
      return send(reply, 405, `${req.method} is not possible on ${path}; it takes ${list(allowed.filter((m) => m !== 'HEAD'))}. See /docs.`);
    }
    return send(reply, 404, `There is no ${req.method} ${path}; check the address against the API documentation at /docs.`);
  }

  app.setNotFoundHandler(async (req, reply) => unrouted(req, reply));

  app.setErrorHandler(async (error: FastifyError, req, reply) => {
    // An unknown method or address can fail on its missing content-type before reaching the 404 handler.
    if (req.is404) return unrouted(req, reply);
    if (error instanceof HttpError) {
      if (error.statusCode === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      if (error.statusCode >= 500) req.log.warn({ err: error }, 'answered %d', error.statusCode);
      return send(reply, error.statusCode, error.message);
    }
    if (error.validation) {
      return send(reply, 400, describeValidation(error.validationContext, error.validation as unknown as AjvError[]));
    }
    const outage = outageOf(error);
    if (outage) {
      req.log.warn({ err: error, outage }, 'dependency unavailable');
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return send(reply, 503, outageMessage(outage, error));
    }
    const pgCode = (error as { code?: unknown }).code;
    if (typeof pgCode === 'string' && /^22/.test(pgCode)) {
      // A data exception (a value PostgreSQL cannot take) that the schema let through: the input's fault.
      req.log.warn({ err: error }, 'value refused by the database');
      return send(reply, 400, 'One of the values sent cannot be stored or compared (out of range, or not in the expected form); check them against /docs.');
    }
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return send(reply, status, fastifyClientError(error, req) ?? error.message);
    }
    req.log.error({ err: error }, 'request failed');
    return send(
      reply,
      500,
      `Something went wrong on our side; what you sent may not have been recorded. Read it again before retrying, and quote reference ${req.id} to the duty engineer if it happens again.`,
    );
  });
});
