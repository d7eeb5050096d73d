/**
 * What a run's history says happened: the timeline events the workflow handed to its record
 * activity and returned from its updates (each committed in a workflow task), its input and final
 * state, and its workflow task failures.
 */
import type { temporal as proto } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { ActionResult, RequestInput, RequestStatus, TimelineEvent } from '../../domain/request';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;

type Payloads = temporal.api.common.v1.IPayloads | null | undefined;
const decode = (p: Payloads): unknown[] => (p?.payloads ?? []).map((x) => defaultPayloadConverter.fromPayload(x));

export interface RunFacts {
  workflowId: string;
  input?: RequestInput;
  result?: RequestStatus;
  /** seq → event as the committed workflow decided it (from record activities and update results). */
  events: Map<number, TimelineEvent>;
  /** The same seq decided as two different events within the history itself. */
  selfConflicts: string[];
  taskFailures: Array<{ cause: string; message: string }>;
  taskTimeouts: number;
  nondeterminism: number;
  activityFailures: number;
  activityTimeouts: number;
  updatesCompleted: number;
  updatesRejected: number;
  length: number;
}

export function factsOf(workflowId: string, history: proto.api.history.v1.IHistory): RunFacts {
  const facts: RunFacts = {
    workflowId,
    events: new Map(),
    selfConflicts: [],
    taskFailures: [],
    taskTimeouts: 0,
    nondeterminism: 0,
    activityFailures: 0,
    activityTimeouts: 0,
    updatesCompleted: 0,
    updatesRejected: 0,
    length: history.events?.length ?? 0,
  };
  const add = (events: TimelineEvent[] | undefined, source: string) => {
    for (const e of events ?? []) {
      const had = facts.events.get(e.seq);
      if (had && had.type !== e.type) facts.selfConflicts.push(`seq ${e.seq}: ${had.type} vs ${e.type} (${source})`);
      if (!had) facts.events.set(e.seq, e);
    }
  };
  for (const e of history.events ?? []) {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        facts.input = decode(e.workflowExecutionStartedEventAttributes?.input)[0] as RequestInput;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const a = e.activityTaskScheduledEventAttributes;
        if (a?.activityType?.name === 'recordStep') add((decode(a.input)[0] as { events?: TimelineEvent[] })?.events, `recordStep scheduled at event ${e.eventId}`);
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: {
        const outcome = e.workflowExecutionUpdateCompletedEventAttributes?.outcome;
        if (outcome?.success) {
          facts.updatesCompleted += 1;
          add((decode(outcome.success)[0] as ActionResult | undefined)?.events, `update completed at event ${e.eventId}`);
        } else facts.updatesRejected += 1;
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED:
        facts.updatesRejected += 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        facts.result = decode(e.workflowExecutionCompletedEventAttributes?.result)[0] as RequestStatus;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED: {
        const a = e.workflowTaskFailedEventAttributes;
        const cause = WorkflowTaskFailedCause[a?.cause ?? 0] ?? String(a?.cause);
        const message = a?.failure?.message ?? '';
        facts.taskFailures.push({ cause, message: message.slice(0, 300) });
        if (a?.cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR || /nondetermin|TMPRL1100/i.test(message)) facts.nondeterminism += 1;
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
        facts.taskTimeouts += 1;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
        facts.activityFailures += 1;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
        facts.activityTimeouts += 1;
        break;
      default:
        break;
    }
  }
  return facts;
}
