/**
 * Worker cache and task slots sized from one figure, EXPECTED_OPEN_REQUESTS: how many requests
 * are open at once. An open request is a workflow that sleeps on timers almost all its life and
 * wakes for a few milliseconds at an API action or a deadline; its tasks are short and its
 * activities are quick database writes.
 *
 *  - maxCachedWorkflows = every open request (when memory allows): a wake-up then resumes the
 *    cached run instead of fetching and replaying its whole history (at 10,000 open, a run out of
 *    the cache took 0.28 s of worker time per task instead of 0.017 s). Costs memory: bench/
 *    lateness measured about 0.65 MB of worker memory per cached request (1.2 GB with 1,529
 *    cached), so the budget is 1 MB each above a 512 MB base; the cap is reported. The SDK's own
 *    generic guide (600 per GB of heap) would cap a default 4 GB heap at 2,300 requests.
 *  - the heap: `npm start` gives the worker one that holds every expected request
 *    (workerHeapMb), within three quarters of the machine's memory.
 *  - workflow task slots = ceil(N / 25), 4…100: bursts (many deadlines falling due in the same
 *    minute, every run after a worker restart) are processed in parallel; more slots than that
 *    mostly queue on one CPU thread and risk workflow task timeouts.
 *  - pollers scale themselves on the server's feedback (the SDK's autoscaling poller behaviour),
 *    from 2 up to the slots, for workflow and activity tasks alike. Fixed pollers starved the
 *    queue every new request's first task goes to: the SDK's default gives it 2 of 10 workflow
 *    pollers, and bench/lateness measured new requests' first tasks waiting 170 s there while all
 *    100 slots sat free (9,000 taken at 60/s).
 *  - activity and local-activity slots = ceil(N / 25), 4…100: they wait on a database pool of a
 *    handful of connections, so more slots only queue inside the process.
 * At the default N = 1000 this gives a 1000-workflow cache, 40 workflow and 40 activity slots and
 * 2…40 pollers: the SDK's defaults give 40 and 100 slots and 10 fixed pollers.
 */
import os from 'node:os';
import v8 from 'node:v8';

export interface WorkerTuning {
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  /** Most pollers of each kind, scaled between 2 and this on the server's feedback. */
  maxPollers: number;
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** Worker memory budgeted per cached request, and for everything else (see above). */
export const MB_PER_CACHED_REQUEST = 1;
export const BASE_HEAP_MB = 512;

/** How many requests a heap of this size can keep cached. */
export function memoryCacheCeiling(heapLimitBytes = v8.getHeapStatistics().heap_size_limit): number {
  const heapMb = heapLimitBytes / (1024 * 1024);
  return Math.max(Math.floor((heapMb - BASE_HEAP_MB) / MB_PER_CACHED_REQUEST), 10);
}

/**
 * The heap (--max-old-space-size, MB) that keeps N requests cached, or undefined when Node's
 * default heap already does. Never more than three quarters of the machine's memory: past that the
 * cache is capped instead (and reported), rather than the machine swapping.
 */
export function workerHeapMb(expectedOpenRequests: number, totalMemoryBytes = os.totalmem(), defaultHeapBytes = v8.getHeapStatistics().heap_size_limit): number | undefined {
  const wanted = BASE_HEAP_MB + Math.ceil(expectedOpenRequests * MB_PER_CACHED_REQUEST);
  const defaultMb = Math.floor(defaultHeapBytes / (1024 * 1024));
  if (wanted <= defaultMb) return undefined;
  return Math.max(defaultMb, Math.min(wanted, Math.floor((totalMemoryBytes / (1024 * 1024)) * 0.75)));
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
    maxPollers: slots,
    maxConcurrentActivityTaskExecutions: slots,
    maxConcurrentLocalActivityExecutions: slots,
  };
}
