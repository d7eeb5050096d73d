/** The worker process (docker-compose's `worker` service): runs until SIGINT/SIGTERM, then drains. */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { createLogger } from '../config/logger';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { activityDeps } from './activity-deps';
import { createServiceWorker } from './create-worker';
import { installTemporalRuntime } from './runtime';
import { registerSearchAttributes } from './search-attributes';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  installTemporalRuntime(logger);
  const pool = createPool(config.databaseUrl, (err) => logger.warn({ err }, 'idle database connection lost'));
  await migrate(pool);
  const client = await Connection.connect({ address: config.temporalAddress });
  await registerSearchAttributes(client, config.temporalNamespace);
  await client.close();
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createServiceWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    deps: activityDeps(pool, logger),
  });
  logger.info({ taskQueue: config.taskQueue, temporal: config.temporalAddress }, 'worker running');
  await worker.run(); // the SDK runtime shuts the worker down on SIGINT/SIGTERM
  await connection.close();
  await pool.end();
  logger.info('worker stopped');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
