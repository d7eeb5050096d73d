/**
 * The Temporal CLI's dev server (with its Web UI when asked), for `npm start` and the integration
 * tests. State goes to a SQLite file when `dbFile` is given, else it lives in memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeFlags } from '../worker/search-attributes';

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
  dbFile?: string;
  log?: (line: string) => void;
}): Promise<DevServerHandle> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  if (options.uiPort) args.push('--ui-port', String(options.uiPort), '--ui-ip', '0.0.0.0');
  else args.push('--headless');
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  args.push(...devServerSearchAttributeFlags());

  if (await portInUse(options.port)) {
    throw new Error(
      `Port ${options.port} is already in use: another Temporal server may be running. ` +
        `Stop it, or set TEMPORAL_ADDRESS=localhost:${options.port} to use it.`,
    );
  }
  // Its own process group: a Ctrl-C in the terminal reaches the launcher, which stops the worker
  // before the server, instead of killing the server under a draining worker.
  const child: ChildProcess = spawn(options.cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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
    if (child.exitCode !== null) throw new Error(`Temporal dev server exited (${child.exitCode}): ${output.join('').slice(-2000)}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      if (child.exitCode !== null) continue; // answered by someone else; reported above
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Temporal dev server did not answer on ${address} within 60 s: ${(err as Error).message}`);
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
