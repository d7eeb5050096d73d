/**
 * `npm run build:workflows`: bundles the workflow code ahead of time (the SDK's bundleWorkflowCode)
 * into dist/workflow-bundle.js, with a manifest of the sources it came from. The worker then loads
 * it instead of running webpack at every start, as long as the manifest still matches the sources
 * (worker/workflow-bundle.ts). An argument writes elsewhere: `npm run build:workflows -- out.js`.
 */
import path from 'node:path';
import { buildWorkflowBundle, DEFAULT_WORKFLOW_BUNDLE } from '../worker/workflow-bundle';
import { errorLine } from './supervision';

buildWorkflowBundle(process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_WORKFLOW_BUNDLE).then(
  ({ file, sources, bytes }) => {
    console.log(`[build:workflows] ${path.relative(process.cwd(), file)}: ${(bytes / 1024 / 1024).toFixed(2)} MB from ${sources.length} source files (${sources.join(', ')})`);
  },
  (err: unknown) => {
    console.error(`[build:workflows] failed: ${errorLine(err)}`);
    process.exit(1);
  },
);
