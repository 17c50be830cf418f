// The app's case workers as separate processes, as `npm run start:cluster` runs them: worker/main.ts
// against the cluster, each with its own connection and database pool. Run with `node --import tsx`
// (not the tsx launcher) so each worker is one process whose memory and CPU can be read from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface WorkerProcess {
  name: string;
  proc: ChildProcess;
  /** Lines the worker printed at WARN or ERROR (its console shows nothing else). */
  warnings: string[];
  stop(): Promise<void>;
}

export async function startWorkerProcess(
  name: string,
  env: NodeJS.ProcessEnv,
  logDir: string,
  onExit: (name: string, code: number | null, signal: string | null) => void,
  nodeOptions: string[] = [],
): Promise<WorkerProcess> {
  const proc = spawn(process.execPath, [...nodeOptions, '--import', 'tsx', 'worker/main.ts'], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  const warnings: string[] = [];
  let stopping = false;
  let ready: (() => void) | null = null;
  const isReady = new Promise<void>((r) => (ready = r));
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString().split('\n')) {
      if (line.includes('polling task queue')) ready?.();
      if (/\b(WARN|ERROR)\b|failed/.test(line)) {
        if (warnings.length < 20) console.error(`${name} | ${line}`);
        warnings.push(line);
      }
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<void>((r) =>
    proc.once('exit', (code, signal) => {
      if (!stopping) onExit(name, code, signal);
      log.end();
      r();
    }),
  );
  const outcome = await Promise.race([
    isReady.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 300_000).unref()),
  ]);
  if (outcome !== 'ready') {
    proc.kill('SIGKILL');
    throw new Error(
      `${name} ${outcome === 'exited' ? 'stopped' : 'did not start polling within 300 s'}; see ${logDir}`,
    );
  }
  return {
    name,
    proc,
    warnings,
    stop: async () => {
      stopping = true;
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
    },
  };
}
