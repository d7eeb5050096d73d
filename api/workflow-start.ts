/**
 * Starting a request's workflow, once: the request number is the workflow id, a retried start
 * finds the run already there, a closed one is never started again. Used by intake and by the
 * healer that starts requests whose intake was cut short (the API crashed after the number was
 * claimed and recorded, before the workflow started).
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { markWorkflowStarted, unstartedIntakes } from '../db/requests';
import { initialStatus } from '../domain/clocks';
import type { RequestInput } from '../domain/request';
import type { serviceRequest } from '../workflows/service-request';
import { BREACHED, NEXT_DEADLINE, REGION_ID, REQUEST_KIND, REQUEST_STAGE } from '../workflows/search-attributes';

export async function startRequestWorkflow(temporal: Client, taskQueue: string, input: RequestInput): Promise<void> {
  const status = initialStatus(input);
  try {
    await temporal.workflow.start<typeof serviceRequest>('serviceRequest', {
      workflowId: input.requestId,
      taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
      staticSummary: `${input.policy.kindPolicy.label} · ${input.regionId} · ${input.description}`.slice(0, 200),
      typedSearchAttributes: [
        { key: REQUEST_KIND, value: input.kind },
        { key: REGION_ID, value: input.regionId },
        { key: REQUEST_STAGE, value: status.stage },
        ...(status.nextDeadline ? [{ key: NEXT_DEADLINE, value: new Date(status.nextDeadline) }] : []),
        { key: BREACHED, value: false },
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** How long an intake may stay unconfirmed before it is healed, and how often to look. */
export interface HealingOptions {
  afterMs: number;
  everyMs: number;
}
export const DEFAULT_HEALING: HealingOptions = { afterMs: 15_000, everyMs: 10_000 };

/** Starts the workflows of requests recorded at intake but never confirmed started. */
export const intakeHealer = fp(async (app: FastifyInstance, options: { healing: HealingOptions | false }) => {
  if (options.healing === false) return;
  const { afterMs, everyMs } = options.healing;
  const { pool, temporal, taskQueue, logger } = app.deps;
  let running = false;
  const heal = async () => {
    if (running) return;
    running = true;
    try {
      for (const { requestId, input } of await unstartedIntakes(pool, afterMs)) {
        // Outside any HTTP request: a deadline of its own, so an outage never hangs the loop.
        await temporal.connection.withDeadline(Date.now() + 5_000, () => startRequestWorkflow(temporal, taskQueue, input as RequestInput));
        await markWorkflowStarted(pool, requestId);
        logger.warn({ requestId }, 'started the workflow of a request whose intake was cut short');
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'intake healing will try again');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void heal(), everyMs);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
});
