/**
 * How `npm start` runs the worker and the API as separate processes, and how those processes
 * report to it. Each child gets an IPC channel: it sends `ready` once serving, or `failed` with a
 * one-line reason (the launcher prints it, once); it stops by itself when the channel closes,
 * so a launcher killed outright leaves no worker or API behind. Run on their own (docker-compose,
 * `npm run worker`), the same processes print their failure as one line and exit 1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

type Message = { type: 'ready'; detail?: string } | { type: 'failed'; message: string };

/** One line for an error: its message (a stack trace only with LOG_LEVEL=debug or trace). */
export function errorLine(err: unknown): string {
  const verbose = ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '');
  if (err instanceof Error) return verbose && err.stack ? err.stack : err.message.replace(/\s*\n\s*/g, ' ');
  return String(err);
}

const supervised = () => typeof process.send === 'function' && process.connected;

// ---- in the child (worker/main.ts, api/server.ts)

/** Runs a process's main; a failure is one line (to the launcher when it started us) and exit code 1. */
export function runProcess(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const message = errorLine(err);
    if (supervised()) process.send!({ type: 'failed', message } satisfies Message, () => process.exit(1));
    else {
      console.error(`[${name}] failed: ${message}`);
      process.exit(1);
    }
  });
}

/** Tells the launcher this process is serving. */
export function reportReady(detail?: string): void {
  if (supervised()) process.send!({ type: 'ready', detail } satisfies Message);
}

/** Calls `stop` when the launcher that started this process goes away. */
export function onLauncherGone(stop: () => void): void {
  if (supervised()) process.once('disconnect', stop);
}

// ---- in the launcher (scripts/start.ts)

export interface SupervisedProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the ready detail; rejects with the child's one-line failure. */
  ready: Promise<string | undefined>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once exited. */
  stop(graceMs: number): Promise<void>;
}

export function startSupervised(name: string, entry: string, options: { cwd: string; env: NodeJS.ProcessEnv; nodeArgs?: string[] }): SupervisedProcess {
  // Node with tsx's loader directly (not the tsx CLI, which adds a process of its own).
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', require.resolve('tsx'), path.resolve(options.cwd, entry)], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Its own process group: a terminal Ctrl-C reaches the launcher only, which stops the
    // processes in order (API, worker, servers) instead of all at once.
    detached: true,
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const ready = new Promise<string | undefined>((resolve, reject) => {
    child.on('message', (message: Message) => {
      if (message?.type === 'ready') resolve(message.detail);
      if (message?.type === 'failed') reject(new Error(message.message));
    });
    child.once('error', (err) => reject(new Error(`could not start the ${name}: ${err.message}`)));
    void exited.then((code) => reject(new Error(`the ${name} exited during start-up (${code}); see its log above`)));
  });
  ready.catch(() => undefined); // observed by the caller; never an unhandled rejection
  // Never leave it behind if the launcher exits first (the IPC channel closing also stops it).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  return {
    name,
    child,
    ready,
    exited,
    async stop(graceMs: number) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
