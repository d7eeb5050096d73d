import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Whether the API reaches PostgreSQL and Temporal',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok'), postgres: Type.Boolean(), temporal: Type.Boolean() }) },
      },
    },
    async () => {
      await app.deps.pool.query('SELECT 1');
      await app.deps.temporal.workflowService.getSystemInfo({});
      return { status: 'ok' as const, postgres: true, temporal: true };
    },
  );
}
