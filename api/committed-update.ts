/**
 * The outcome of an update a closed request already committed, found by its id in the request's
 * history: a retry with the same Idempotency-Key (after a 503 or 504 whose update did land, and
 * closed the request) gets the answer it missed instead of "closed".
 */
import { type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import type { ActionResult } from '../domain/request';

const UPDATE_ACCEPTED = proto.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED;
const UPDATE_COMPLETED = proto.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED;

export async function committedUpdate(temporal: Client, requestId: string, updateId: string): Promise<ActionResult | undefined> {
  const history = await temporal.workflow.getHandle(requestId).fetchHistory();
  let accepted = false;
  for (const e of history.events ?? []) {
    if (e.eventType === UPDATE_ACCEPTED && e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId === updateId) accepted = true;
    if (e.eventType === UPDATE_COMPLETED && e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === updateId) {
      const success = e.workflowExecutionUpdateCompletedEventAttributes.outcome?.success?.payloads?.[0];
      return accepted && success ? defaultPayloadConverter.fromPayload<ActionResult>(success) : undefined;
    }
  }
  return undefined;
}
