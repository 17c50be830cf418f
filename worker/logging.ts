// What a worker says, and where. The console gets one short line per warning or error (a start log a
// person can read); the detail of every send, check and sweep goes, at LOG_LEVEL=debug (or trace),
// to DATA_DIR/logs/worker.log as JSON lines, never to the console. Logs carry ids and counts only.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, type LogEntry, type Logger } from '@temporalio/worker';
import type { AppConfig } from '../config/env';

/** Context the SDK adds to every activity and workflow line: useful in the file, noise on a console. */
const CONSOLE_NOISE = new Set([
  'sdkComponent',
  'taskQueue',
  'taskToken',
  'namespace',
  'isLocal',
  'attempt',
  'activityId',
  'workflowRunId',
  'workflowType',
  'runId',
]);

export function oneLine(entry: LogEntry): string {
  const meta = Object.entries(entry.meta ?? {})
    .filter(([k, v]) => !CONSOLE_NOISE.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `[worker] ${entry.level} ${entry.message}${meta ? ` (${meta})` : ''}`;
}

export function workerLogger(config: AppConfig): { logger: Logger; file: string | null } {
  const detailed = config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace';
  let out: WriteStream | null = null;
  let file: string | null = null;
  if (detailed) {
    const dir = join(config.DATA_DIR, 'logs');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    file = join(dir, 'worker.log');
    out = createWriteStream(file, { flags: 'a', mode: 0o600 });
  }
  const logger = new DefaultLogger(detailed ? 'DEBUG' : 'WARN', (entry) => {
    if (entry.level === 'WARN' || entry.level === 'ERROR') console.warn(oneLine(entry));
    out?.write(
      `${JSON.stringify({
        at: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
        level: entry.level,
        message: entry.message,
        ...entry.meta,
      })}\n`,
    );
  });
  return { logger, file };
}
