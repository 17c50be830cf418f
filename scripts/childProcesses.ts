// The processes `npm start` and `npm run start:cluster` run, as one group: each one's output is
// prefixed with its name; if one stops unexpectedly everything stops; Ctrl-C stops them in reverse
// order of starting, so API and workers finish their in-flight work before what they depend on goes.
import { type ChildProcess, spawn } from 'node:child_process';

export interface ProcessGroup {
  start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess;
  /** Stops every process, runs `after` (what the group does not own: the cluster), and exits. */
  stopAll(exitCode: number): Promise<void>;
  readonly stopping: boolean;
}

export function processGroup(after: () => Promise<void> = async () => {}): ProcessGroup {
  const children: { name: string; proc: ChildProcess }[] = [];
  let stopping = false;

  const stopAll = async (exitCode: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    for (const { proc } of [...children].reverse()) {
      if (proc.exitCode !== null || proc.signalCode !== null) continue;
      proc.kill('SIGTERM');
      await new Promise<void>((res) => {
        const t = setTimeout(() => {
          proc.kill('SIGKILL');
          res();
        }, 15_000);
        proc.once('exit', () => {
          clearTimeout(t);
          res();
        });
      });
    }
    await after().catch((err: unknown) => console.error(err instanceof Error ? err.message : String(err)));
    process.exit(exitCode);
  };

  const start = (name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess => {
    const proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => `${name.padEnd(8)}| ${l}`)
        .join('\n');
    // During shutdown the dev server logs every closed poll as a warning: noise, not news.
    const show = (c: Buffer) => (stopping && /level=WARN/.test(c.toString()) ? '' : prefix(c));
    proc.stdout?.on('data', (c: Buffer) => {
      const s = show(c);
      if (s) console.log(s);
    });
    proc.stderr?.on('data', (c: Buffer) => {
      const s = show(c);
      if (s) console.error(s);
    });
    proc.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${name} stopped unexpectedly (${signal ?? `exit ${code}`}); stopping everything.`);
        void stopAll(1);
      }
    });
    children.push({ name, proc });
    return proc;
  };

  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  return {
    start,
    stopAll,
    get stopping() {
      return stopping;
    },
  };
}
