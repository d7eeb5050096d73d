/**
 * Operations: GET /health, each dependency's state, within ~2 s whatever happens (200 when
 * PostgreSQL and Temporal both answer, 503 when one does not; always a JSON body saying which and
 * how long it took); GET /metrics, Prometheus text (plugins/metrics.ts).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

/** Each check gives up after this; both run at once. */
export const HEALTH_CHECK_TIMEOUT_MS = 1500;

const Dependency = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  latencyMs: Type.Integer({ description: 'How long the check took (up to the time limit)' }),
  error: Type.Optional(Type.String({ description: 'Why it is down, in general terms' })),
});
const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')], { description: 'ok: every dependency answers' }),
  postgres: Dependency,
  temporal: Dependency,
  checkedAt: Type.String({ format: 'date-time' }),
});

interface DependencyState {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

async function check(what: string, probe: () => Promise<unknown>): Promise<DependencyState> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${HEALTH_CHECK_TIMEOUT_MS} ms`)), HEALTH_CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    const late = err instanceof Error && err.message.startsWith(what);
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error: late ? (err as Error).message : `${what} is unreachable` };
  } finally {
    clearTimeout(timer);
  }
}

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const { pool, temporal } = app.deps;
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Whether the API reaches PostgreSQL and Temporal, and how fast',
        description: '200 when both answer; 503 when one does not (the body says which). Answers within about 2 seconds.',
        security: [],
        response: { 200: Health, 503: Health },
      },
    },
    async (req, reply) => {
      const [postgres, temporalState] = await Promise.all([
        check('PostgreSQL', () => pool.query('SELECT 1')),
        check('Temporal', () =>
          temporal.connection.withDeadline(Date.now() + HEALTH_CHECK_TIMEOUT_MS, () => temporal.workflowService.getSystemInfo({})),
        ),
      ]);
      const ok = postgres.status === 'up' && temporalState.status === 'up';
      if (!ok) req.log.warn({ postgres, temporal: temporalState }, 'health: a dependency is down');
      reply.code(ok ? 200 : 503);
      return { status: ok ? ('ok' as const) : ('degraded' as const), postgres, temporal: temporalState, checkedAt: new Date().toISOString() };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics: HTTP durations by route, open requests by kind and stage, SMS backlog',
        security: [],
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4',
            content: { 'text/plain': { schema: Type.String() } },
          },
        },
      },
    },
    async (_req, reply) => {
      const { contentType, text } = await app.metricsText();
      reply.header('content-type', contentType);
      return text;
    },
  );
}
