// ESLint flat config. Type-aware rules catch floating promises (a classic Temporal bug: an
// un-awaited activity or timer); the code the workflow bundle runs may not import Node built-ins
// because workflow code must stay deterministic and runs in a sandbox; and no module may import
// itself round a cycle.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import vitest from '@vitest/eslint-plugin';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', '.cache/**', 'web/dist/**', 'coverage/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // A cycle makes a module's exports undefined while the cycle loads, depending on which end is
    // imported first. Type-only imports are erased, so the rule does not follow them.
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    settings: {
      // Without the TypeScript extensions the plugin skips .ts modules and finds no cycle at all.
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Everything the workflow bundle imports (workflows/index.ts and what it reaches: domain/, via
    // decide(), and temporal/searchAttributes.ts) runs inside the workflow sandbox. Tests beside
    // domain code run in Node and may use it. test/foundation/workflowSandbox.test.ts follows the
    // bundle's imports and fails when one of them falls outside this list.
    files: ['workflows/**/*.ts', 'domain/**/*.ts', 'temporal/searchAttributes.ts'],
    ignores: ['**/*.test.ts', 'domain/**/test/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message:
              'The workflow bundle imports this file, and workflow code must be deterministic: no Node built-ins.',
          })),
        },
      ],
    },
  },
  {
    // The case's own code runs under any shell (workflows/case/shell.ts): Temporal in the workflow, a
    // simulated clock in an in-process run. Only the Temporal side (acts.ts: activity proxies;
    // actorCheck.ts: a local activity) may call the workflow API; the rest takes it from its shell.
    files: ['workflows/case/**/*.ts'],
    ignores: ['**/*.test.ts', 'workflows/case/acts.ts', 'workflows/case/actorCheck.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message:
                'The workflow bundle imports this file, and workflow code must be deterministic: no Node built-ins.',
            })),
            {
              name: '@temporalio/workflow',
              allowTypeImports: true,
              message: "The case's code takes Temporal's functions from its shell (workflows/case/shell.ts).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Tests must be able to fail: none focused or skipped, and every test asserts something.
    files: ['test/**/*.ts', '**/*.test.ts'],
    plugins: { vitest },
    rules: {
      'vitest/no-focused-tests': 'error',
      'vitest/no-disabled-tests': 'error',
      'vitest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', 'assert*'] }],
      'vitest/valid-expect': ['error', { maxArgs: 2 }],
      'vitest/no-standalone-expect': 'off',
    },
  },
  { files: ['**/*.js'], languageOptions: { globals: { ...globals.node } } },
);
