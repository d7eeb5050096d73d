/**
 * The metrics behind GET /metrics (the route is in routes/health.ts, registered after the OpenAPI
 * plugin so it is documented), in Prometheus text format (prom-client, a registry per app):
 * - http_request_duration_seconds{method,route,status_code}: a histogram per route pattern
 *   (`/requests/:id`, never the raw URL; `unmatched` for unknown addresses), whose _count is the
 *   request count by route and status;
 * - service_clock_open_requests{kind,stage}: requests not closed, read from the request registry
 *   (service_requests) at scrape time;
 * - service_clock_sms_outbox_messages{state="pending"|"retrying"|"failed"} and
 *   service_clock_sms_outbox_oldest_unsent_seconds: the SMS backlog, read from sms_outbox;
 * - the process's default metrics (CPU, memory, event-loop lag) prefixed `service_clock_api_`.
 * Public like /health (counts only, no customer data): restrict it at the network if needed.
 * When PostgreSQL is down the database gauges are left out and
 * service_clock_metrics_database_up is 0; the scrape still answers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Pool } from 'pg';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

// ---- read-only queries, at scrape time

/** Requests not yet closed, by kind and stage. */
async function openRequests(pool: Pool): Promise<Array<{ kind: string; stage: string; count: number }>> {
  const { rows } = await pool.query<{ kind: string; stage: string; count: number }>(
    `SELECT kind, stage, count(*)::int AS count FROM service_requests
      WHERE closed_at IS NULL AND stage <> 'closed' GROUP BY kind, stage`,
  );
  return rows;
}

interface OutboxBacklog {
  /** Not sent, not tried yet or tried without error so far. */
  pending: number;
  /** Not sent, at least one try failed, still being retried. */
  retrying: number;
  /** Given up (status failed): never sent. */
  failed: number;
  /** Age in seconds of the oldest message still to send (pending or retrying), 0 when none. */
  oldestUnsentSeconds: number;
}

async function outboxBacklog(pool: Pool): Promise<OutboxBacklog> {
  const { rows } = await pool.query<OutboxBacklog>(
    `SELECT count(*) FILTER (WHERE status = 'pending' AND last_error IS NULL)::int AS pending,
            count(*) FILTER (WHERE status = 'pending' AND last_error IS NOT NULL)::int AS retrying,
            count(*) FILTER (WHERE status = 'failed')::int AS failed,
            coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')), 0)::float8 AS "oldestUnsentSeconds"
       FROM sms_outbox WHERE status <> 'sent'`,
  );
  return rows[0];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The Prometheus text of this app's registry (served by GET /metrics, routes/health.ts). */
    metricsText(): Promise<{ contentType: string; text: string }>;
  }
}

const started = new WeakMap<FastifyRequest, bigint>();

export const metrics = fp(async (app: FastifyInstance) => {
  const { pool } = app.deps;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'service_clock_api_' });

  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status code: duration in seconds (_count: number of requests)',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
    registers: [registry],
  });

  const databaseUp = new Gauge({
    name: 'service_clock_metrics_database_up',
    help: '1 when the last scrape could read the database gauges, 0 when PostgreSQL did not answer',
    registers: [registry],
  });
  // Both database gauges are read together, once per scrape, by the first one collected.
  let scrape: Promise<{ open: Awaited<ReturnType<typeof openRequests>>; outbox: Awaited<ReturnType<typeof outboxBacklog>> } | undefined> | undefined;
  const readDatabase = () =>
    (scrape ??= Promise.all([openRequests(pool), outboxBacklog(pool)])
      .then(([open, outbox]) => ({ open, outbox }))
      .catch((err) => {
        app.log.warn({ err }, 'metrics: database gauges not read');
        return undefined;
      }));

  new Gauge({
    name: 'service_clock_open_requests',
    help: 'Requests not closed, by kind and current stage (from the request registry at scrape time)',
    labelNames: ['kind', 'stage'] as const,
    registers: [registry],
    async collect() {
      const read = await readDatabase();
      this.reset();
      databaseUp.set(read ? 1 : 0);
      for (const row of read?.open ?? []) this.set({ kind: row.kind, stage: row.stage }, row.count);
    },
  });
  new Gauge({
    name: 'service_clock_sms_outbox_messages',
    help: 'SMS not sent, from sms_outbox: pending (not failed so far), retrying (a try failed, still retried), failed (given up)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const read = await readDatabase();
      this.reset();
      if (read) {
        this.set({ state: 'pending' }, read.outbox.pending);
        this.set({ state: 'retrying' }, read.outbox.retrying);
        this.set({ state: 'failed' }, read.outbox.failed);
      }
    },
  });
  new Gauge({
    name: 'service_clock_sms_outbox_oldest_unsent_seconds',
    help: 'Age of the oldest SMS still to send (pending or retrying), in seconds (0 when none)',
    registers: [registry],
    async collect() {
      const read = await readDatabase();
      this.reset();
      if (read) this.set(read.outbox.oldestUnsentSeconds);
    },
  });

  app.addHook('onRequest', async (req) => {
    started.set(req, process.hrtime.bigint());
  });
  app.addHook('onResponse', async (req, reply) => {
    const start = started.get(req);
    if (start === undefined) return;
    const route = req.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    duration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, seconds);
  });

  app.decorate('metricsText', async () => {
    scrape = undefined;
    try {
      return { contentType: registry.contentType as string, text: await registry.metrics() };
    } finally {
      scrape = undefined;
    }
  });
});
