/** The API process (docker-compose's `api` service): listens until SIGINT/SIGTERM, then closes cleanly. */
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { loadPolicy } from '../config/policy';
import { createLogger } from '../config/logger';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { repairPolicyOf } from '../domain/service-policy';
import { buildApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const servicePolicy = loadPolicy(); // an invalid policy file stops start-up here, naming the entry
  const logger = createLogger(config.logLevel, 'api');
  const pool = createPool(config.databaseUrl, (err) => logger.warn({ err }, 'idle database connection lost'));
  await migrate(pool);
  const connection = await Connection.connect({ address: config.temporalAddress });
  const temporal = new Client({ connection, namespace: config.temporalNamespace });
  const app = await buildApp({ pool, temporal, taskQueue: config.taskQueue, logger, policy: repairPolicyOf(servicePolicy), servicePolicy });
  app.addHook('onClose', async () => {
    await connection.close();
    await pool.end();
  });
  await app.listen({ host: config.host, port: config.port });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'api stopping');
      app.close().then(() => process.exit(0), () => process.exit(1));
    });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
