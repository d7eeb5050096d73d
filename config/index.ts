/** Process configuration from the environment, with the embedded-defaults launcher's values as defaults. */
export interface AppConfig {
  /** Temporal frontend, host:port. */
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  /** PostgreSQL connection string; `npm start` sets it to the embedded server when unset. */
  databaseUrl: string;
  host: string;
  port: number;
  logLevel: string;
}

export const DEFAULTS = {
  temporalAddress: 'localhost:7233',
  temporalNamespace: 'default',
  taskQueue: 'service-clock',
  host: '0.0.0.0',
  port: 3000,
  logLevel: 'info',
} as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is not set: name a PostgreSQL server, or run `npm start` for the embedded one.');
  const port = Number(env.PORT ?? DEFAULTS.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`PORT must be a TCP port number, got "${env.PORT}"`);
  return {
    temporalAddress: env.TEMPORAL_ADDRESS ?? DEFAULTS.temporalAddress,
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? DEFAULTS.temporalNamespace,
    taskQueue: env.TEMPORAL_TASK_QUEUE ?? DEFAULTS.taskQueue,
    databaseUrl,
    host: env.HOST ?? DEFAULTS.host,
    port,
    logLevel: env.LOG_LEVEL ?? DEFAULTS.logLevel,
  };
}

/** Every environment variable the processes read; the docker-compose consistency test checks against it. */
export const ENVIRONMENT_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TASK_QUEUE',
  'DATABASE_URL',
  'HOST',
  'PORT',
  'LOG_LEVEL',
  'POLICY_FILE',
  'CALENDAR_FILE',
] as const;
