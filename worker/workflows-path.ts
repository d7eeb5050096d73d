import path from 'node:path';

/** The workflow bundle's entry; the worker bundles it from TypeScript source (no build step). */
export const WORKFLOWS_PATH = path.resolve(__dirname, '../workflows/index.ts');
