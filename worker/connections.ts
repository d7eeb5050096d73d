/**
 * The processes' connections. Every connection to Temporal the launcher, the worker and the API open goes through here, so
 * they all use the same address, TLS settings and API key (config: TEMPORAL_ADDRESS,
 * TEMPORAL_TLS*, TEMPORAL_API_KEY), and a failure says which server and what to check.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { temporalConnectionOptions, type Settings } from '../config';
import { createPool, type Pool } from '../db/pool';

type TemporalSettings = Pick<Settings, 'temporalAddress' | 'temporalTls' | 'temporalApiKey'>;

function unreachable(settings: TemporalSettings, err: unknown): Error {
  const secured = settings.temporalTls || settings.temporalApiKey ? ' and the TEMPORAL_TLS_* / TEMPORAL_API_KEY settings' : '';
  return new Error(`Cannot reach Temporal at ${settings.temporalAddress} (${(err as Error).message}): is it running? Check TEMPORAL_ADDRESS${secured}.`, { cause: err });
}

/**
 * Retries `connect` while a dependency is still starting (or restarting) with the process: every
 * second, then every few, for up to START_WAIT_SECONDS (default 60); then the last error stands.
 */
export async function withStartRetry<T>(what: string, connect: () => Promise<T>, log?: Pick<Logger, 'warn'>, waitSeconds = Number(process.env.START_WAIT_SECONDS ?? 60)): Promise<T> {
  const until = Date.now() + Math.max(0, waitSeconds) * 1000;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await connect();
    } catch (err) {
      if (Date.now() >= until) throw err;
      const delay = Math.min(1000 * attempt, 5000);
      log?.warn({ err: (err as Error).message, retryInMs: delay }, `${what} not reachable yet; retrying`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** A client connection (the API's workflow client, search-attribute registration). */
export async function connectClient(settings: TemporalSettings, connectTimeout = '10s'): Promise<Connection> {
  try {
    return await Connection.connect({ ...temporalConnectionOptions(settings), connectTimeout });
  } catch (err) {
    throw unreachable(settings, err);
  }
}

/** The worker's native connection. */
export async function connectNative(settings: TemporalSettings): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(temporalConnectionOptions(settings));
  } catch (err) {
    throw unreachable(settings, err);
  }
}

/** The process's own database pool, checked with one query so a wrong DATABASE_URL fails at start, clearly. */
export async function openDatabase(databaseUrl: string, logger: Logger): Promise<Pool> {
  const pool = createPool(databaseUrl, (err) => logger.warn({ err: err.message }, 'idle database connection lost'));
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    let where = 'the DATABASE_URL server';
    try {
      const url = new URL(databaseUrl);
      where = `${url.hostname}:${url.port || 5432}/${url.pathname.slice(1)}`;
    } catch {
      // keep the generic wording
    }
    throw new Error(`Cannot use PostgreSQL at ${where} (${(err as Error).message}): is it running? Check DATABASE_URL.`, { cause: err });
  }
  return pool;
}
