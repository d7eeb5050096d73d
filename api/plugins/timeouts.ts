/**
 * Deadlines, so an outage answers within seconds instead of hanging:
 * - every Temporal call a request makes shares one deadline (`temporalMs` from arrival), set
 *   through the Temporal client's own call context (`connection.withDeadline`), so the request
 *   routes need no change: a Temporal server that is down fails the call with DEADLINE_EXCEEDED
 *   or UNAVAILABLE, which the error handler answers 503;
 * - the whole handler has a deadline (`handlerMs`): past it the client gets 504 saying nothing is
 *   lost and to check before retrying, whatever the handler is still waiting for.
 * The socket-level limits (Fastify's connectionTimeout, requestTimeout) are set in app.ts;
 * PostgreSQL's (connect, statement, query) in db/pool.ts.
 *
 * API_TEMPORAL_TIMEOUT_MS (default 3000) and API_HANDLER_TIMEOUT_MS (default 15000) change them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface Timeouts {
  temporalMs: number;
  handlerMs: number;
}

const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

export function timeoutsFromEnv(env: NodeJS.ProcessEnv = process.env): Timeouts {
  return { temporalMs: positive(env.API_TEMPORAL_TIMEOUT_MS, 3000), handlerMs: positive(env.API_HANDLER_TIMEOUT_MS, 15_000) };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** When this request's Temporal calls give up (ms since the epoch). */
    temporalDeadline: number;
  }
}

const timers = new WeakMap<FastifyRequest, NodeJS.Timeout>();

export const requestTimeouts = fp(async (app: FastifyInstance, options: Partial<Timeouts>) => {
  const limits = { ...timeoutsFromEnv(), ...options };
  const connection = app.deps.temporal.connection;
  app.decorateRequest('temporalDeadline', 0);

  /** Runs the rest of the request's lifecycle inside the Temporal call context carrying its deadline. */
  const withTemporalDeadline = (req: FastifyRequest, done: () => void) => {
    connection.withDeadline(req.temporalDeadline, async () => done()).catch((err) => req.log.error({ err }, 'deadline context'));
  };

  app.addHook('onRequest', (req, reply, done) => {
    req.temporalDeadline = Date.now() + limits.temporalMs;
    timers.set(
      req,
      setTimeout(() => {
        if (reply.sent || reply.raw.headersSent) return;
        req.log.warn({ url: req.url, handlerMs: limits.handlerMs }, 'handler deadline passed');
        reply
          .code(504)
          .header('retry-after', '5')
          .send({
            statusCode: 504,
            error: 'Gateway Timeout',
            message: `The service took longer than ${Math.max(1, Math.round(limits.handlerMs / 1000))} s to answer; nothing is lost. Read the request again to see whether your action was recorded, and retry only if it was not.`,
            requestId: String(req.id),
          });
      }, limits.handlerMs).unref(),
    );
    withTemporalDeadline(req, done);
  });
  // Reading the body leaves the call context; enter it again before validation and the handler.
  app.addHook('preValidation', (req, _reply, done) => withTemporalDeadline(req, done));
  app.addHook('onResponse', async (req) => clearTimeout(timers.get(req)));
  app.addHook('onRequestAbort', async (req) => clearTimeout(timers.get(req)));
});
