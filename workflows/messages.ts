/**
 * Every message a request understands, declared once for the workflow and the API. Updates (not
 * signals) so the caller learns at once whether the action was accepted, and sees the new state.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  ActionResult,
  Cancellation,
  CorrectionOrder,
  ExtensionAsk,
  ExtensionVerdict,
  ManualDispatch,
  PaperworkReport,
  PauseAsk,
  PauseVerdict,
  PostponementAsk,
  Reassignment,
  RequestStatus,
  ResumeOrder,
  StageDone,
  UnreachableClaim,
  UnreachableReportFiling,
} from '../domain/request';

export const statusQuery = defineQuery<RequestStatus>('status');

export const dispatchUpdate = defineUpdate<ActionResult, [ManualDispatch]>('dispatch');
export const completeStageUpdate = defineUpdate<ActionResult, [StageDone]>('completeStage');
export const recordPaperworkUpdate = defineUpdate<ActionResult, [PaperworkReport]>('recordPaperwork');
export const requestExtensionUpdate = defineUpdate<ActionResult, [ExtensionAsk]>('requestExtension');
export const decideExtensionUpdate = defineUpdate<ActionResult, [ExtensionVerdict]>('decideExtension');
export const postponeUpdate = defineUpdate<ActionResult, [PostponementAsk]>('postpone');
export const reportUnreachableUpdate = defineUpdate<ActionResult, [UnreachableClaim]>('reportUnreachable');
export const fileUnreachableReportUpdate = defineUpdate<ActionResult, [UnreachableReportFiling]>('fileUnreachableReport');
export const requestPauseUpdate = defineUpdate<ActionResult, [PauseAsk]>('requestPause');
export const decidePauseUpdate = defineUpdate<ActionResult, [PauseVerdict]>('decidePause');
export const resumeUpdate = defineUpdate<ActionResult, [ResumeOrder]>('resume');
export const cancelUpdate = defineUpdate<ActionResult, [Cancellation]>('cancel');
export const reassignUpdate = defineUpdate<ActionResult, [Reassignment]>('reassign');
export const correctUpdate = defineUpdate<ActionResult, [CorrectionOrder]>('correct');

/** ApplicationFailure type of a refusal because the request's state does not allow the action (HTTP 409). */
export const ACTION_NOT_ALLOWED = 'ActionNotAllowed';
/** ApplicationFailure type of a refusal because of who asks: role, job, region, four eyes (HTTP 403). */
export const NOT_FOR_YOU = 'NotForYou';
/** Kept for the API's mapping: a technician acting on someone else's job (HTTP 403). */
export const NOT_YOUR_JOB = NOT_FOR_YOU;
/** The action named something that does not exist (a technician id): HTTP 422. */
export const UNKNOWN_REFERENCE = 'UnknownReference';
