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
  /** How long a shutdown waits for in-flight activities before cancelling them (SDK default: 0). */
  shutdownGraceTime?: string;
}

export function createServiceWorker({ connection, namespace, taskQueue, deps, tuning, code, shutdownGraceTime }: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(code ?? { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(deps),
    ...(shutdownGraceTime ? { shutdownGraceTime } : {}),
    ...(tuning
      ? {
          maxCachedWorkflows: tuning.maxCachedWorkflows,
          maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions,
          workflowTaskPollerBehavior: { type: 'autoscaling', minimum: 2, initial: Math.min(5, tuning.maxPollers), maximum: tuning.maxPollers },
          activityTaskPollerBehavior: { type: 'autoscaling', minimum: 2, initial: Math.min(5, tuning.maxPollers), maximum: tuning.maxPollers },
          maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions,
          maxConcurrentLocalActivityExecutions: tuning.maxConcurrentLocalActivityExecutions,
        }
      : {}),
  });
}
