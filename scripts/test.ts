/**
 * `npm test`: finds or installs the Temporal binaries, runs every vitest suite, and ends with one
 * line `N passed, N failed` (read by CI). Extra arguments go to vitest (`npm test -- tests/unit`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureTemporalBinaries, PROJECT_ROOT } from './temporal-binaries';

const resultsFile = path.join(PROJECT_ROOT, '.data', 'test-results.json');
mkdirSync(path.dirname(resultsFile), { recursive: true });
rmSync(resultsFile, { force: true });

const binaries = ensureTemporalBinaries((line) => console.log(`[test] ${line}`));
console.log(`[test] temporal: ${binaries.cli ?? 'SDK download'}; temporal-test-server: ${binaries.testServer ?? 'SDK download'}`);

const run = spawnSync(
  process.execPath,
  [
    path.join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${resultsFile}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', cwd: PROJECT_ROOT, env: process.env },
);

let passed = 0;
let failed = 0;
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as { numPassedTests: number; numFailedTests: number; numFailedTestSuites: number };
  passed = results.numPassedTests;
  // A suite that fails before its tests run (setup error) counts as a failure too.
  failed = results.numFailedTests + (results.numFailedTests === 0 ? results.numFailedTestSuites : 0);
} else {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
