/** The service worker: both workflows and their activities on one task queue. */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { WorkerTuning } from './tuning';
import type { WorkflowCode } from './workflow-bundle';
import { WORKFLOWS_PATH } from './workflows-path';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Cache and slot sizes (worker/tuning.ts); the SDK's defaults when absent. */
  tuning?: WorkerTuning;
  /** A prebuilt bundle or the sources (worker/workflow-bundle.ts); the sources when absent. */
  code?: WorkflowCode;
}

export function createServiceWorker({ connection, namespace, taskQueue, deps, tuning, code }: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(code ?? { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(deps),
    ...(tuning
      ? {
          maxCachedWorkflows: tuning.maxCachedWorkflows,
          maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions,
          maxConcurrentWorkflowTaskPolls: tuning.maxConcurrentWorkflowTaskPolls,
          maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions,
          maxConcurrentLocalActivityExecutions: tuning.maxConcurrentLocalActivityExecutions,
        }
      : {}),
  });
}
