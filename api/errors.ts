/** HTTP errors with messages a call-centre agent can act on, and the mapping of Temporal's refusals. */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NOT_YOUR_JOB } from '../workflows/messages';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs an action on a request's workflow and turns Temporal's answers into HTTP: a refused update
 * is 409 with the workflow's own reason (403 when the job is someone else's), an unknown request 404,
 * a closed one 409.
 */
export async function onRequestWorkflow<T>(temporal: Client, requestId: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
      throw new HttpError(cause?.type === NOT_YOUR_JOB ? 403 : 409, cause?.message ?? err.message);
    }
    const code = (err as { code?: number; cause?: { code?: number } }).code ?? (err as { cause?: { code?: number } }).cause?.code;
    if (code === 14 || code === 4) {
      throw new HttpError(503, 'The workflow service is not answering right now; nothing was changed. Try again in a moment.');
    }
    if (!(err instanceof WorkflowNotFoundError) && code !== 5) throw err;
    const closed = await temporal.workflow
      .getHandle(requestId)
      .describe()
      .then((d) => d.status.name !== 'RUNNING')
      .catch(() => undefined);
    if (closed) throw new HttpError(409, `Request ${requestId} is closed; no further action can be recorded on it.`);
    throw new HttpError(404, `No request ${requestId} exists; check the request number.`);
  }
}

/** A write refused by a foreign key or check constraint names what was wrong, as a 422. */
export function databaseRefusal(err: unknown): HttpError | undefined {
  const e = err as { code?: string; detail?: string; constraint?: string };
  if (e.code === '23503') return new HttpError(422, `Unknown reference: ${e.detail ?? e.constraint}`);
  if (e.code === '23514') return new HttpError(422, `Not allowed by rule ${e.constraint}`);
  if (e.code === '23505') return new HttpError(409, 'Someone changed this at the same moment; read it again and retry.');
  return undefined;
}
