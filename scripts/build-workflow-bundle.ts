// Prebuilds the workflow bundle for production, so a worker starts without running webpack and
// every worker of a deployment runs byte-identical workflow code.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../temporal/connection';
import { WORKFLOWS_PATH } from '../worker/createWorker';

const out = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
// Built with the failure converter the workers load (temporal/failureConverter.ts): a prebuilt bundle
// ignores the worker's own failureConverterPath.
const { code } = await bundleWorkflowCode({
  workflowsPath: WORKFLOWS_PATH,
  failureConverterPath: FAILURE_CONVERTER_PATH,
});
await mkdir(dirname(out), { recursive: true });
await writeFile(out, code);
console.log(`workflow bundle written to ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
