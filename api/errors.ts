/** HTTP errors with messages a call-centre agent can act on, and the mapping of Temporal's refusals. */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { ActionResult } from '../domain/request';
import { NOT_YOUR_JOB } from '../workflows/messages';
import { committedUpdate } from './committed-update';

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
 * a closed one 409 — unless this very update (its id) closed it, then its outcome again. A request
 * taken (its registry row written) whose workflow is not started yet answers 503: retry shortly.
 */
export async function onRequestWorkflow<T>(temporal: Client, requestId: string, action: () => Promise<T>, retried?: { updateId?: string; pool?: Pool }): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
      throw new HttpError(cause?.type === NOT_YOUR_JOB ? 403 : 409, cause?.message ?? err.message);
    }
    const outage = outageOf(err);
    if (outage) throw new HttpError(503, outageMessage(outage, err));
    const code = (err as { code?: number; cause?: { code?: number } }).code ?? (err as { cause?: { code?: number } }).cause?.code;
    if (!(err instanceof WorkflowNotFoundError) && code !== 5) throw err;
    const closed = await temporal.workflow
      .getHandle(requestId)
      .describe()
      .then((d) => d.status.name !== 'RUNNING')
      .catch(() => undefined);
    if (closed) {
      const earlier = retried?.updateId ? await committedUpdate(temporal, requestId, retried.updateId).catch(() => undefined) : undefined;
      if (earlier) return earlier as ActionResult as T;
      throw new HttpError(409, `Request ${requestId} is closed; no further action can be recorded on it.`);
    }
    if (closed === undefined && retried?.pool) {
      const taken = await retried.pool.query('SELECT 1 FROM service_requests WHERE id = $1', [requestId]).then((r) => r.rows.length > 0, () => false);
      if (taken) throw new HttpError(503, `Request ${requestId} was taken and is still being started; nothing was lost. Try again in a few seconds.`);
    }
    throw new HttpError(404, `No request ${requestId} exists; check the request number.`);
  }
}

/** Database columns as the API's fields and what they name, for refusals an agent can act on. */
const REFERENCES: Record<string, { field: string; thing: string }> = {
  region_id: { field: 'regionId', thing: 'region' },
  branch_id: { field: 'branchId', thing: 'branch' },
  leader_id: { field: 'leaderId', thing: 'staff member' },
  customer_manager_id: { field: 'customerManagerId', thing: 'staff member' },
  staff_id: { field: 'staffId', thing: 'staff member' },
};

/**
 * A write refused by a foreign key or check constraint, as a 422 naming the field and the value
 * (never the database's own text); two writes at once, as a 409.
 */
export function databaseRefusal(err: unknown): HttpError | undefined {
  const e = err as { code?: string; detail?: string; constraint?: string };
  if (e.code === '23503') {
    const [, column, value] = /Key \(([a-z_]+)\)=\((.*)\) is not present/.exec(e.detail ?? '') ?? [];
    const ref = column ? REFERENCES[column] : undefined;
    return new HttpError(
      422,
      ref
        ? `There is no ${ref.thing} "${value}" (${ref.field}); choose an existing one, or create it first.`
        : 'Something this refers to does not exist; check the ids you sent against GET /org.',
    );
  }
  if (e.code === '23514') return new HttpError(422, 'These values break a rule of the organisation or roster (for example an end before its start); check them and send again.');
  if (e.code === '23505') return new HttpError(409, 'Someone changed this at the same moment; read it again and retry.');
  return undefined;
}

/** What is down when a dependency fails: the database or the workflow service. */
export type Outage = 'database' | 'workflow';

/** Node socket errors and PostgreSQL's "cannot connect / shutting down / cancelled by timeout" codes. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED']);
const PG_UNAVAILABLE = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '57014', // query_canceled: statement_timeout
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  '55P03', // lock_not_available: lock_timeout
]);
/** pg and pg-pool report timeouts and dropped connections in words, without a code. */
const PG_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|Query read timeout|not queryable|Client was closed|Cannot use a pool after calling end/i;
/** gRPC: UNAVAILABLE (14), DEADLINE_EXCEEDED (4), RESOURCE_EXHAUSTED (8), CANCELLED (1). */
const GRPC_UNAVAILABLE = new Set([14, 4, 8, 1]);

/**
 * Whether an error means PostgreSQL or Temporal cannot be reached (or answered too late), rather
 * than a refusal or a bug: walks the error's causes (Temporal wraps its gRPC errors).
 */
export function outageOf(err: unknown): Outage | undefined {
  let e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown; details?: unknown; metadata?: unknown } | undefined;
  for (let depth = 0; e && depth < 6; depth += 1, e = e.cause as typeof e) {
    if (typeof e.code === 'number' && GRPC_UNAVAILABLE.has(e.code) && (e.details !== undefined || e.metadata !== undefined)) return 'workflow';
    if (typeof e.code === 'string' && (SOCKET_CODES.has(e.code) || PG_UNAVAILABLE.has(e.code) || e.code.startsWith('08'))) return 'database';
    if (typeof e.message === 'string' && PG_MESSAGES.test(e.message)) return 'database';
    if (Array.isArray(e.errors) && e.errors.some((inner) => outageOf(inner) === 'database')) return 'database';
  }
  return undefined;
}

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;

/** The 503 an agent reads when a dependency is down: what is down, that nothing was changed, what to do. */
export function outageMessage(outage: Outage, err?: unknown): string {
  if (outage === 'database') {
    return 'The database is not answering right now (PostgreSQL unreachable or too slow); nothing was saved or changed. Try again in a minute; if it keeps happening, tell the duty engineer.';
  }
  const late = grpcCode(err) === 4;
  return late
    ? 'The workflow service (Temporal) did not answer in time; nothing is lost. Read the request again to see whether your action was recorded, and retry only if it was not.'
    : 'The workflow service (Temporal) is not answering right now; nothing was changed. Try again in a minute; if it keeps happening, tell the duty engineer.';
}

function grpcCode(err: unknown): number | undefined {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 6; depth += 1, e = e.cause as typeof e) {
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}
