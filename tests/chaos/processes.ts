/**
 * The worker and API processes of a chaos run, each in a slot that knows whether it should be
 * running: the chaos monkey SIGKILLs a slot's process and brings it back; a process that exits on
 * its own (a worker starting while PostgreSQL or Temporal is down exits with its reason) is
 * started again after a short pause while its slot should run. Each process runs node with tsx's
 * loader (as `tsx worker/main.ts` does, without the extra tsx process) in its own process group,
 * with an IPC channel on which it reports `ready` (scripts/supervision.ts); its output goes to a
 * log file of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';

export interface SlotStats {
  name: string;
  starts: number;
  kills: number;
  /** Exits we did not cause, with the reason the process gave (its `failed` message or exit code). */
  unexpectedExits: Array<{ at: string; reason: string }>;
  readyTimes: number[];
}

type Message = { type?: string; message?: string };

export class ProcessSlot {
  readonly stats: SlotStats;
  private child?: ChildProcess;
  private wanted = false;
  private closing = false;
  private restartTimer?: NodeJS.Timeout;
  private readonly log: WriteStream;
  private lastFailure?: string;
  private consecutiveFailures = 0;
  private readyWaiters: Array<() => void> = [];
  private ready = false;

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly options: { cwd: string; env: NodeJS.ProcessEnv; logDir: string },
  ) {
    this.stats = { name, starts: 0, kills: 0, unexpectedExits: [], readyTimes: [] };
    this.log = createWriteStream(path.join(options.logDir, `${name}.log`), { flags: 'a' });
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get isReady(): boolean {
    return this.ready;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Wants the process running: starts it now unless it is. */
  up(): void {
    this.wanted = true;
    if (!this.child && !this.restartTimer) this.spawn();
  }

  /** SIGKILLs the whole process group and waits for the exit; the slot stays down until up(). */
  async kill(): Promise<void> {
    this.wanted = false;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child) return;
    this.stats.kills += 1;
    this.note(`SIGKILL ${child.pid}`);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  }

  /** Resolves once the process reports ready (or after `timeoutMs`: false). */
  waitReady(timeoutMs: number): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Stops for good: SIGTERM, then SIGKILL after `graceMs`. */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    this.wanted = false;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone already
        }
      }, graceMs);
      await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs + 5_000))]);
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }

  private note(line: string): void {
    this.log.write(`---- [chaos ${new Date().toISOString()}] ${line}\n`);
  }

  private spawn(): void {
    this.restartTimer = undefined;
    if (this.closing || !this.wanted || this.child) return;
    this.stats.starts += 1;
    this.ready = false;
    this.lastFailure = undefined;
    const startedAt = Date.now();
    const child = spawn(process.execPath, ['--import', require.resolve('tsx'), path.resolve(this.options.cwd, this.entry)], {
      cwd: this.options.cwd,
      env: this.options.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    this.child = child;
    this.note(`started ${child.pid}`);
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    child.on('message', (message: Message) => {
      if (message?.type === 'ready') {
        this.ready = true;
        this.consecutiveFailures = 0;
        this.stats.readyTimes.push(Date.now() - startedAt);
        for (const w of this.readyWaiters.splice(0)) w();
      }
      if (message?.type === 'failed') this.lastFailure = String(message.message ?? 'failed');
    });
    child.once('error', (err) => (this.lastFailure = err.message));
    const killOnExit = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    };
    process.once('exit', killOnExit);
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      this.child = undefined;
      this.ready = false;
      this.note(`exited ${code ?? signal}`);
      if (!this.wanted || this.closing) return;
      // Not ours: note why, and start it again after a pause that grows while it keeps failing.
      this.consecutiveFailures += 1;
      this.stats.unexpectedExits.push({ at: new Date().toISOString(), reason: this.lastFailure ?? `exit ${code ?? signal}` });
      const pause = Math.min(1000 * this.consecutiveFailures, 5000);
      this.restartTimer = setTimeout(() => this.spawn(), pause);
    });
  }
}
