/**
 * The Temporal CLI's dev server (with its Web UI when asked), for `npm start` and the integration
 * tests. State goes to a SQLite file when `dbFile` is given, else it lives in memory.
 *
 * With a file, SQLite runs in WAL mode with synchronous=normal (issue 9): a write appends to the
 * log instead of rewriting pages under a rollback journal, and it is not flushed to disk on every
 * commit, only at checkpoints — several times fewer fsyncs per workflow task. What it trades
 * away: after a power cut or OS crash (not a process crash) the last moments of committed
 * Temporal state may be lost; the database file itself stays consistent. Fine for a single-
 * machine installation whose durable records are in PostgreSQL; production runs the
 * PostgreSQL-backed Temporal of docker-compose.yml.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeFlags } from '../worker/search-attributes';

/** `--sqlite-pragma` flags for a file-backed dev server: WAL journal, fsync at checkpoints only. */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

/**
 * Server settings the engine relies on for its latency (issue 9). Eager activity execution: an
 * activity a workflow task schedules on its own task queue (a breach's record, an alert SMS) is
 * handed back to the worker in the answer to that task's completion when it has a free slot,
 * instead of going through the task queue and a poll: a round trip and several database writes
 * fewer on the path from a fired deadline to its record. Off by default in the server.
 */
export const DYNAMIC_CONFIG = ['system.enableActivityEagerExecution=true'];

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface DevServerHandle {
  address: string;
  stop(): Promise<void>;
}

export async function startDevServer(options: {
  cli: string;
  port: number;
  uiPort?: number;
  /** Where the Web UI listens (default 127.0.0.1); gRPC always stays on 127.0.0.1. */
  uiIp?: string;
  dbFile?: string;
  log?: (line: string) => void;
}): Promise<DevServerHandle> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  if (options.uiPort) args.push('--ui-port', String(options.uiPort), '--ui-ip', options.uiIp ?? '127.0.0.1');
  else args.push('--headless');
  if (options.dbFile) {
    args.push('--db-filename', options.dbFile);
    for (const pragma of SQLITE_PRAGMAS) args.push('--sqlite-pragma', pragma);
  }
  for (const setting of DYNAMIC_CONFIG) args.push('--dynamic-config-value', setting);
  args.push(...devServerSearchAttributeFlags());

  if (await portInUse(options.port)) {
    throw new Error(
      `Port ${options.port} is already in use: another Temporal server (an earlier npm start?) may be running. ` +
        `Stop it, set EMBEDDED_TEMPORAL_PORT to a free port, or set TEMPORAL_ADDRESS=localhost:${options.port} to use that server.`,
    );
  }
  if (options.uiPort && (await portInUse(options.uiPort))) {
    throw new Error(`Port ${options.uiPort} (Temporal Web UI) is already in use: stop what listens there, or set EMBEDDED_TEMPORAL_UI_PORT to a free port.`);
  }
  // Its own process group: a Ctrl-C in the terminal reaches the launcher, which stops the worker
  // before the server, instead of killing the server under a draining worker.
  const child: ChildProcess = spawn(options.cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let spawnFailure: Error | undefined;
  child.once('error', (err) => (spawnFailure = err));
  // Never leave the server behind if this process dies before stopping it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output.push(text);
    options.log?.(text.trim());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const address = `127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (spawnFailure) throw new Error(`Could not run the Temporal CLI ${options.cli}: ${spawnFailure.message}`);
    if (child.exitCode !== null) {
      throw new Error(`The Temporal dev server exited during start-up (${child.exitCode}): ${output.join('').trim().split('\n').slice(-3).join(' | ')}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      if (child.exitCode !== null) continue; // answered by someone else; reported above
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server did not answer on ${address} within 60 s: ${(err as Error).message}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    address,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
