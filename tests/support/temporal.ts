/** Test helpers for the Temporal servers: the binaries that scripts/test.ts resolved, or the SDK's download. */
import type { EphemeralServerExecutable } from '@temporalio/testing';

function executable(envVar: 'TEMPORAL_CLI_PATH' | 'TEMPORAL_TEST_SERVER_PATH'): EphemeralServerExecutable {
  const path = process.env[envVar];
  return path ? { type: 'existing-path', path } : { type: 'cached-download' };
}

export const testServerExecutable = () => executable('TEMPORAL_TEST_SERVER_PATH');
export const cliExecutable = () => executable('TEMPORAL_CLI_PATH');
