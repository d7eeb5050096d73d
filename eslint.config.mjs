// ESLint flat config: typescript-eslint's recommended set everywhere, plus the rules that keep
// workflow code deterministic (Temporal replays it) and the domain pure. `npm run lint`; .ci/run
// runs it before the type check.
import { builtinModules } from 'node:module';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Every Node built-in, bare and with the `node:` prefix (`fs`, `node:fs`, `fs/promises`, …). */
const NODE_BUILTINS = builtinModules.filter((name) => !name.startsWith('_'));
const nodeBuiltinPaths = (why) =>
  NODE_BUILTINS.map((name) => ({ name, message: `Node built-in "${name}": ${why}` }));
const nodeBuiltinPatterns = (why) => [{ group: ['node:*'], message: `Node built-ins: ${why}` }];

const WORKFLOW_WHY =
  'workflow code runs in the deterministic sandbox and is replayed from history; do I/O in an activity.';
const DOMAIN_WHY = 'domain/ is pure, deterministic TypeScript that workflows import; no I/O here.';

export default defineConfig(
  globalIgnores(['node_modules/**', '.data/**', '.tools/**', 'dist/**', 'coverage/**']),
  {
    linterOptions: {
      // A `// eslint-disable-next-line` that suppresses nothing is an error: every disable comment
      // in the code base must still be needed, so it keeps meaning something.
      reportUnusedDisableDirectives: 'error',
    },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  // Disable comments: each names its rule and its scope (recommended), and says why after `--`.
  comments.recommended,
  {
    rules: {
      '@eslint-community/eslint-comments/require-description': ['warn', { ignore: ['eslint-enable'] }],
    },
  },
  {
    files: ['**/*.ts', '**/*.mts'],
    rules: {
      // `any` only where a comment says why (a `pg` row, an update of any argument type).
      '@typescript-eslint/no-explicit-any': 'error',
      // Fastify and the Temporal SDK declare interfaces to be merged (`declare module`).
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
    },
  },
  {
    // Warnings, not errors, while the code written before the linter is cleaned up: each flags a
    // real defect (dead code, an error rethrown without its cause). Raise them to 'error' once
    // `npm run lint` prints no warning.
    files: ['**/*.ts', '**/*.mts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'warn',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'preserve-caught-error': 'warn',
      'no-useless-assignment': 'warn',
      // A control character in a regular expression is usually a typo; where it is the point
      // (finding NUL in input), say so with a disable comment, or use String#replaceAll.
      'no-control-regex': 'warn',
    },
  },
  {
    // Type-aware, for workflow code only (fast enough, and where it matters most): a promise that
    // is neither awaited nor handled in a workflow is a timer or activity whose outcome nobody
    // decides on.
    files: ['workflows/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // Workflow code: deterministic, replayable, sandboxed.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltinPaths(WORKFLOW_WHY),
          patterns: [
            ...nodeBuiltinPatterns(WORKFLOW_WHY),
            {
              // Activity implementations do I/O. Workflows import them type-only and call them
              // through proxyActivities / proxyLocalActivities. activities/types.ts is the
              // contract both sides share (interfaces and the error type names the retry policies
              // classify): values may come from it, and it is itself held to workflow rules below.
              regex: '^(\\.\\.?/)+activities(/(?!types$).*)?$',
              allowTypeImports: true,
              message:
                'Workflows import activities type-only (`import type`) and call them through proxyActivities; shared constants belong in activities/types.ts.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message:
            "Math.random is seeded in the workflow sandbox but ties the outcome to replay order; derive the choice from the request's input in domain/ (see domain/sampling.ts), or use uuid4() from '@temporalio/workflow' for ids.",
        },
      ],
      'no-restricted-globals': [
        'error',
        {
          name: 'setTimeout',
          message: "Use sleep() or condition(fn, timeout) from '@temporalio/workflow': a durable timer with a summary.",
        },
        {
          name: 'setInterval',
          message: "Use a loop over sleep() / condition() from '@temporalio/workflow': a durable timer.",
        },
        { name: 'setImmediate', message: 'Not available in the workflow sandbox.' },
        { name: 'process', message: `process: ${WORKFLOW_WHY}` },
        { name: 'require', message: `require: ${WORKFLOW_WHY}` },
      ],
    },
  },
  {
    // The determinism rules above are never switched off inside workflow code: move the code out
    // (an activity, or domain/) instead.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      '@eslint-community/eslint-comments/no-restricted-disable': [
        'error',
        '@typescript-eslint/no-restricted-imports',
        'no-restricted-properties',
        'no-restricted-globals',
        '@typescript-eslint/no-floating-promises',
      ],
    },
  },
  {
    // The activities' contract is imported by workflow code (see above), so it is held to the same
    // standard: no Node built-ins, and nothing but types from the activity implementations.
    files: ['activities/types.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltinPaths(WORKFLOW_WHY),
          patterns: [
            ...nodeBuiltinPatterns(WORKFLOW_WHY),
            {
              regex: '^\\./(?!types$)',
              allowTypeImports: true,
              message: 'activities/types.ts is imported by workflows: import only types from the implementations.',
            },
          ],
        },
      ],
    },
  },
  {
    // The domain is imported by workflows: no Node built-ins, no randomness, no process state.
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: nodeBuiltinPaths(DOMAIN_WHY), patterns: nodeBuiltinPatterns(DOMAIN_WHY) },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'domain/ is deterministic: derive the value from the input (see sampling.ts).',
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: `process: ${DOMAIN_WHY}` },
        { name: 'require', message: `require: ${DOMAIN_WHY}` },
      ],
    },
  },
);
