/**
 * Every message a repair request understands, declared once for the workflow and the API.
 * Updates (not signals) so the caller learns at once whether the action was accepted.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  ArrivalReport,
  CallbackReport,
  ContactReport,
  ExtensionAsk,
  ExtensionVerdict,
  ManualDispatch,
  RequestStatus,
  ResolutionReport,
} from '../domain/request';
import type {
  PaperworkReport,
  PauseAsk,
  PauseVerdict,
  PostponementAsk,
  ResumeOrder,
  ServiceStatus,
  StageDone,
  UnreachableClaim,
  UnreachableReportFiling,
} from '../domain/service-request';

export const statusQuery = defineQuery<RequestStatus>('status');

export const dispatchManuallyUpdate = defineUpdate<RequestStatus, [ManualDispatch]>('dispatchManually');
export const recordContactUpdate = defineUpdate<RequestStatus, [ContactReport]>('recordContact');
export const recordArrivalUpdate = defineUpdate<RequestStatus, [ArrivalReport]>('recordArrival');
export const recordResolutionUpdate = defineUpdate<RequestStatus, [ResolutionReport]>('recordResolution');
export const requestExtensionUpdate = defineUpdate<RequestStatus, [ExtensionAsk]>('requestExtension');
export const decideExtensionUpdate = defineUpdate<RequestStatus, [ExtensionVerdict]>('decideExtension');
export const recordCallbackUpdate = defineUpdate<RequestStatus, [CallbackReport]>('recordCallback');

/** R7: the customer asks for a later visit or completion; the same wire name as for the other kinds. */
export const postponeRepairUpdate = defineUpdate<RequestStatus, [PostponementAsk]>('postpone');

/** ApplicationFailure type of every refusal because the request's state does not allow the action. */
export const ACTION_NOT_ALLOWED = 'ActionNotAllowed';
/** ApplicationFailure type of a technician acting on a job that was dispatched to someone else. */
export const NOT_YOUR_JOB = 'NotYourJob';

// ---- Requests of the other kinds (installation, reconnection, complaint, consultation): R3, R7, R9–R12.
export const serviceStatusQuery = defineQuery<ServiceStatus>('status');
export const recordPaperworkUpdate = defineUpdate<ServiceStatus, [PaperworkReport]>('recordPaperwork');
export const completeStageUpdate = defineUpdate<ServiceStatus, [StageDone]>('completeStage');
export const postponeUpdate = defineUpdate<ServiceStatus, [PostponementAsk]>('postpone');
export const reportUnreachableUpdate = defineUpdate<ServiceStatus, [UnreachableClaim]>('reportUnreachable');
export const fileUnreachableReportUpdate = defineUpdate<ServiceStatus, [UnreachableReportFiling]>('fileUnreachableReport');
export const requestPauseUpdate = defineUpdate<ServiceStatus, [PauseAsk]>('requestPause');
export const decidePauseUpdate = defineUpdate<ServiceStatus, [PauseVerdict]>('decidePause');
export const resumeUpdate = defineUpdate<ServiceStatus, [ResumeOrder]>('resume');
/** The same wire name as recordCallbackUpdate, so one callback endpoint serves every kind. */
export const recordServiceCallbackUpdate = defineUpdate<ServiceStatus, [CallbackReport]>('recordCallback');
