/**
 * The API process (`npm start` starts one; docker-compose's `api` service; `npm run api`):
 * listens until SIGINT/SIGTERM (or until the launcher that started it goes away), then closes
 * cleanly. It has its own database pool and its own Temporal client connection.
 */
import { Client } from '@temporalio/client';
import { loadConfig } from '../config';
import { createLogger } from '../config/logger';
import { loadPolicy } from '../config/policy';
import { migrate } from '../db/migrate';
import { onLauncherGone, reportReady, runProcess } from '../scripts/supervision';
import { connectClient, openDatabase, withStartRetry } from '../worker/connections';
import { buildApp } from './app';

runProcess('api', async () => {
  const config = loadConfig();
  const servicePolicy = loadPolicy(); // an invalid policy file stops start-up here, naming the entry
  const logger = createLogger(config.logLevel, 'api');
  const pool = await withStartRetry('PostgreSQL', () => openDatabase(config.databaseUrl, logger), logger);
  await migrate(pool);
  const connection = await withStartRetry('Temporal', () => connectClient(config), logger);
  const temporal = new Client({ connection, namespace: config.temporalNamespace });
  const app = await buildApp({ pool, temporal, taskQueue: config.taskQueue, logger, policy: servicePolicy });
  app.addHook('onClose', async () => {
    await connection.close();
    await pool.end();
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`Port ${config.port} on ${config.host} is already in use: stop what listens there, or set PORT to another port.`, { cause: err });
    if (code === 'EADDRNOTAVAIL') throw new Error(`HOST=${config.host} is not an address of this machine: set HOST to one (127.0.0.1, 0.0.0.0 for all).`, { cause: err });
    throw err;
  }

  let closing = false;
  const close = (reason: string) => {
    if (closing) return;
    closing = true;
    logger.info({ reason }, 'api stopping');
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => close(signal));
  onLauncherGone(() => close('launcher gone'));
  reportReady(`http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`);
});
