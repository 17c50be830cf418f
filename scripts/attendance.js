#!/usr/bin/env node
// `npx attendance …`: runs the TypeScript CLI through tsx so no build step is needed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsxCli = require.resolve('tsx/cli');
const entry = fileURLToPath(new URL('./attendance.ts', import.meta.url));
// A larger young generation (V8's semi-space, 16 MiB by default): a what-if makes many short-lived
// copies (each case's view, as a payload is copied), and collecting them less often made the
// 600-pupil term about 15% faster (docs/benchmarks.md).
const result = spawnSync(
  process.execPath,
  ['--max-semi-space-size=64', tsxCli, entry, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
