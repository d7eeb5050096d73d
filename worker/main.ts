/**
 * The worker process (`npm start` starts one; docker-compose's `worker` service; `npm run worker`):
 * runs until SIGINT/SIGTERM (or until the launcher that started it goes away), then drains.
 * It has its own database pool for the activities.
 */
import { loadConfig } from '../config';
import { createLogger } from '../config/logger';
import { migrate } from '../db/migrate';
import { onLauncherGone, reportReady, runProcess } from '../scripts/supervision';
import { activityDeps } from './activity-deps';
import { connectClient, connectNative, openDatabase, withStartRetry } from './connections';
import { createServiceWorker } from './create-worker';
import { canListen, installTemporalRuntime } from './runtime';
import { registerSearchAttributes } from './search-attributes';
import { workerTuning } from './tuning';
import { workflowCode } from './workflow-bundle';

runProcess('worker', async () => {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  const metrics = config.workerMetricsAddress;
  if (metrics && !(await canListen(metrics))) {
    throw new Error(`WORKER_METRICS_ADDRESS ${metrics} is in use or not on this machine: set it to a free host:port, or "off".`);
  }
  installTemporalRuntime(logger, 'WARN', true, { metricsBindAddress: metrics });
  const pool = await withStartRetry('PostgreSQL', () => openDatabase(config.databaseUrl, logger), logger);
  const deps = activityDeps(pool, logger); // a bad calendar file stops the worker here, naming the entry
  await migrate(pool);

  const client = await withStartRetry('Temporal', () => connectClient(config), logger);
  try {
    await registerSearchAttributes(client, config.temporalNamespace);
  } catch (err) {
    // A Temporal Cloud API key may not allow it: there they are registered beforehand.
    logger.warn({ err: (err as Error).message }, 'could not register the search attributes; register them with `temporal operator search-attribute create`');
  } finally {
    await client.close();
  }
  const connection = await withStartRetry('Temporal', () => connectNative(config), logger);
  const tuning = workerTuning(config.expectedOpenRequests);
  if (tuning.cacheCapped) {
    logger.warn(
      { expectedOpenRequests: config.expectedOpenRequests, maxCachedWorkflows: tuning.maxCachedWorkflows },
      'the workflow cache is smaller than EXPECTED_OPEN_REQUESTS: this heap holds no more (raise it with NODE_OPTIONS=--max-old-space-size=<MB>)',
    );
  }
  const { code, description } = workflowCode(config.workflowBundle, (message) => logger.warn(message));
  const worker = await createServiceWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    deps,
    tuning,
    code,
    // SIGTERM lets in-flight activities (short database writes, an SMS hand-off) finish; the
    // launcher and docker-compose wait longer than this before killing the process.
    shutdownGraceTime: '10s',
  });
  logger.info(
    { taskQueue: config.taskQueue, temporal: config.temporalAddress, workflows: description, metrics: metrics ? `http://${metrics}/metrics` : 'off', ...tuning },
    'worker running',
  );
  reportReady(`workflows ${description}; metrics ${metrics ? `http://${metrics}/metrics` : 'off'}`);
  onLauncherGone(() => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  await worker.run(); // the SDK runtime shuts the worker down on SIGINT/SIGTERM and drains it
  await connection.close();
  await pool.end();
  logger.info('worker stopped');
  process.exit(0); // the launcher's IPC channel would keep the process alive
});
