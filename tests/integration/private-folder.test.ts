/**
 * `npm start` from a clone in a private folder (mode 700, like /root), as root. PostgreSQL must
 * run as the unprivileged `postgres` user, which cannot reach anything inside that folder: before
 * the fix, initdb died with `spawn … initdb EACCES`. The test copies this working tree (what a
 * clone would hold: tracked and untracked files, not the ignored ones) into a fresh mode-700
 * folder, hard-links node_modules and .tools in (fast, and every path still goes through the
 * private folder, so the permission problem is really exercised), runs the launcher there with
 * free ports, checks the service answers, then stops it with SIGINT and checks nothing is left.
 * Only meaningful as root (otherwise PostgreSQL runs as the same user): skipped otherwise.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, portInUse } from '../../scripts/embedded-postgres';

const REPO = path.resolve(__dirname, '../..');
const isRoot = process.getuid?.() === 0;

function postgresCredentials(): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : undefined;
}

/** Copies (hard-links when on the same file system) a big folder such as node_modules. */
function linkTree(from: string, to: string): void {
  if (!existsSync(from)) return;
  const linked = spawnSync('cp', ['-al', from, to]);
  if (linked.status !== 0) cpSync(from, to, { recursive: true, verbatimSymlinks: true });
}

/** PIDs whose command line mentions `needle` (the clone's path, the relocated data directory). */
function processesMentioning(needle: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(!isRoot)('npm start from a private folder, as root', () => {
  let privateDir: string;
  let clone: string;
  let launcher: ChildProcess | undefined;
  let output = '';
  let exitCode: Promise<number | null>;
  const ports = { api: 0, postgres: 0, temporal: 0, ui: 0, metrics: 0 };

  beforeAll(async () => {
    privateDir = mkdtempSync(path.join(os.tmpdir(), 'service-clock-private-')); // mode 700, owned by root
    clone = path.join(privateDir, 'service-clock');
    mkdirSync(clone);
    const files = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO, encoding: 'utf8' });
    expect(files.status, files.stderr).toBe(0);
    for (const file of files.stdout.split('\0').filter(Boolean)) {
      if (!existsSync(path.join(REPO, file))) continue; // deleted in the working tree
      mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
      cpSync(path.join(REPO, file), path.join(clone, file), { verbatimSymlinks: true });
    }
    linkTree(path.join(REPO, 'node_modules'), path.join(clone, 'node_modules'));
    linkTree(path.join(REPO, '.tools'), path.join(clone, '.tools'));
    for (const key of Object.keys(ports) as Array<keyof typeof ports>) ports[key] = await freePort();
  }, 60_000);

  afterAll(async () => {
    if (launcher && launcher.exitCode === null) {
      launcher.kill('SIGINT');
      await Promise.race([exitCode, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      if (launcher.exitCode === null) launcher.kill('SIGKILL');
    }
    for (const pid of processesMentioning(clone)) process.kill(pid, 'SIGKILL');
    // A relocated data directory lives outside the private folder: remove it too.
    const pgLink = path.join(clone, '.data', 'pg');
    if (lstatSync(pgLink, { throwIfNoEntry: false })?.isSymbolicLink()) {
      const target = path.resolve(path.dirname(pgLink), readlinkSync(pgLink));
      for (const pid of processesMentioning(target)) process.kill(pid, 'SIGKILL');
      rmSync(target, { recursive: true, force: true });
    }
    rmSync(privateDir, { recursive: true, force: true });
  }, 60_000);

  it('the folder really is out of reach of the postgres user', () => {
    expect(statSync(privateDir).mode & 0o077).toBe(0);
    const postgres = postgresCredentials();
    if (postgres) {
      const probe = spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'sh', path.join(clone, 'node_modules')], { ...postgres, cwd: '/' });
      expect(probe.status, 'the postgres user can reach the clone: the test would prove nothing').not.toBe(0);
    }
  });

  it('starts: embedded PostgreSQL and Temporal, migrations, worker and API, and answers', async () => {
    launcher = spawn(process.execPath, ['--import', require.resolve('tsx', { paths: [clone] }), 'scripts/start.ts'], {
      cwd: clone,
      env: {
        ...process.env,
        DATABASE_URL: '',
        TEMPORAL_ADDRESS: '',
        HOST: '127.0.0.1',
        PORT: String(ports.api),
        EMBEDDED_POSTGRES_PORT: String(ports.postgres),
        EMBEDDED_TEMPORAL_PORT: String(ports.temporal),
        EMBEDDED_TEMPORAL_UI_PORT: String(ports.ui),
        WORKER_METRICS_ADDRESS: `127.0.0.1:${ports.metrics}`,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exitCode = new Promise((resolve) => launcher!.once('exit', (code) => resolve(code)));
    launcher.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const started = await Promise.race([
      new Promise<boolean>((resolve) => {
        const check = setInterval(() => {
          if (output.includes('Service Clock is running.')) {
            clearInterval(check);
            resolve(true);
          }
        }, 100);
        void exitCode.then(() => clearInterval(check));
      }),
      exitCode.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 100_000)),
    ]);
    expect(started, `npm start did not come up:\n${output.slice(-3000)}`).toBe(true);
    expect(output).not.toMatch(/EACCES|\n\s+at /); // no permission error, no stack trace

    const health = await fetch(`http://127.0.0.1:${ports.api}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ postgres: { status: 'up' }, temporal: { status: 'up' } });

    // The installation's own demo key works (written into the clone's .data), the guessable one does not.
    const keys = JSON.parse(readFileSync(path.join(clone, '.data', 'demo-api-keys.json'), 'utf8')) as Record<string, string>;
    expect(output).toContain(keys['agent-1']);
    const mine = await fetch(`http://127.0.0.1:${ports.api}/requests`, { headers: { authorization: `Bearer ${keys['agent-1']}` } });
    expect(mine.status).toBe(200);
    const guessed = await fetch(`http://127.0.0.1:${ports.api}/requests`, { headers: { authorization: 'Bearer demo-agent-1' } });
    expect(guessed.status).toBe(401);

    // The Temporal UI and the worker's SDK metrics, in Prometheus format.
    expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
    expect(metrics).toMatch(/^temporal_\w+/m);
  }, 120_000);

  it('stops everything on SIGINT (Ctrl-C), in order, and leaves no process or port behind', async () => {
    expect(launcher?.exitCode).toBeNull();
    const pgLink = path.join(clone, '.data', 'pg');
    const dataDir = lstatSync(pgLink).isSymbolicLink() ? path.resolve(path.dirname(pgLink), readlinkSync(pgLink)) : pgLink;
    launcher!.kill('SIGINT');
    const code = await Promise.race([exitCode, new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 45_000))]);
    expect(code, output.slice(-2000)).toBe(0);
    expect(output).toMatch(/SIGINT: stopping API, worker, PostgreSQL, Temporal/);
    expect(output).toContain('[start] stopped.');
    expect(processesMentioning(clone)).toEqual([]);
    expect(processesMentioning(dataDir)).toEqual([]);
    for (const port of Object.values(ports)) expect(await portInUse(port), `port ${port}`).toBe(false);
  }, 60_000);
});
