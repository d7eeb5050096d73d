// Reproductions of the defects the chaos suite found; not part of `npm test` (they fail until fixed).
// npx vitest run --config tests/chaos/repro/vitest.config.mts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['tests/chaos/repro/*.repro.ts'], pool: 'forks', fileParallelism: false, testTimeout: 90_000, hookTimeout: 120_000 },
});
