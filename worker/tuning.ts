/**
 * Worker cache and task slots sized from one figure, EXPECTED_OPEN_REQUESTS: how many requests
 * are open at once. An open request is a workflow that sleeps on timers almost all its life and
 * wakes for a few milliseconds at an API action or a deadline; its tasks are short and its
 * activities are quick database writes.
 *
 *  - maxCachedWorkflows = every open request (when memory allows): a wake-up then resumes the
 *    cached run instead of fetching and replaying its whole history. Costs memory — the SDK's
 *    own guide is about 600 cached workflows per GB of heap with a reused V8 context — so it is
 *    capped by the SDK's heap formula, and the cap is reported.
 *  - workflow task slots = ceil(N / 25), 4…100: bursts (many deadlines falling due in the same
 *    minute, every run after a worker restart) are processed in parallel; more slots than that
 *    mostly queue on one CPU thread and risk workflow task timeouts.
 *  - workflow task pollers = half the slots, 2…10 (the SDK's guideline); more pollers load the
 *    server for nothing when few tasks are waiting.
 *  - activity and local-activity slots = ceil(N / 25), 4…100: they wait on a database pool of a
 *    handful of connections, so more slots only queue inside the process.
 * At the default N = 1000 this gives a 1000-workflow cache, 40 workflow slots, 10 pollers and 40
 * activity slots: the SDK's defaults give 40 / 10 and 100 activity slots, so the defaults barely move.
 */
import v8 from 'node:v8';

export interface WorkerTuning {
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentWorkflowTaskPolls: number;
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** The SDK's own default cache size for this heap (reuseV8Context): max(floor((heap − 200 MB) × 600 / 1024 MB), 10). */
export function memoryCacheCeiling(heapLimitBytes = v8.getHeapStatistics().heap_size_limit): number {
  const heapMb = heapLimitBytes / (1024 * 1024);
  return Math.max(Math.floor(Math.max(heapMb - 200, 0) * (600 / 1024)), 10);
}

export function workerTuning(expectedOpenRequests: number, heapLimitBytes?: number): WorkerTuning & { cacheCapped: boolean } {
  const n = Math.max(1, Math.floor(expectedOpenRequests));
  const ceiling = memoryCacheCeiling(heapLimitBytes);
  const slots = clamp(Math.ceil(n / 25), 4, 100);
  return {
    // Never below the slots: the SDK refuses more concurrent workflow tasks than cached workflows.
    maxCachedWorkflows: Math.max(Math.min(n, ceiling), slots),
    cacheCapped: n > ceiling,
    maxConcurrentWorkflowTaskExecutions: slots,
    maxConcurrentWorkflowTaskPolls: clamp(Math.ceil(slots / 2), 2, 10),
    maxConcurrentActivityTaskExecutions: slots,
    maxConcurrentLocalActivityExecutions: slots,
  };
}
