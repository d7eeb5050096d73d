/**
 * Records what a committed workflow decision returned: the registry row and the timeline events,
 * keyed by (request, seq), so they show at once. The workflow's own activity writes the same keys
 * later with the same content; if this write fails (database down) nothing is lost.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { registryRow, saveProgress } from '../../db/requests';
import type { ActionResult } from '../../domain/request';

export async function recordCommitted(app: FastifyInstance, outcome: ActionResult, log: FastifyBaseLogger): Promise<void> {
  try {
    await saveProgress(app.deps.pool, registryRow(outcome.status), outcome.events);
  } catch (err) {
    log.warn({ err: (err as Error).message, requestId: outcome.status.requestId }, 'timeline not recorded now; the workflow records it');
  }
}
