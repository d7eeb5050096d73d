// Regression tests for defects the chaos suite found that need a worker really gone (real dev
// server, limits of seconds), so not part of `npm test`; `.ci/run` runs them before the chaos suite.
// npx vitest run --config tests/chaos/repro/vitest.config.mts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['tests/chaos/repro/*.repro.ts'], pool: 'forks', fileParallelism: false, testTimeout: 90_000, hookTimeout: 120_000 },
});
