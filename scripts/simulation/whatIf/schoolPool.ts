// A council's what-if runs its schools side by side, one per thread (schoolThread.ts), since each
// school's run is independent and steady CPU: on a machine with N cores, N schools at once. Each
// school is read out of the store only when a thread is free for it, so a council's schools are not
// all copied at the start.
import { Worker } from 'node:worker_threads';
import type { Policy } from '../../../domain/policy/schema';
import type { IsoDate } from '../../../domain/types';
import type { Db } from '../../../store/db';
import type { SchoolCopy } from '../../../store/memory/memoryStore';
import { snapshotSchool, type ApproveRule, type SimulationResult } from '../runSimulation';

/**
 * A larger young generation than V8's default: a run makes many short-lived copies (each case's
 * view, as a payload is copied), and collecting them less often is about 15% faster (the CLI's
 * `--max-semi-space-size=64`; a young generation is three semi-spaces).
 */
export const WHAT_IF_YOUNG_GENERATION_MB = 192;

export interface SchoolJob {
  snapshot: SchoolCopy;
  policy: Policy;
  from: IsoDate;
  to: IsoDate;
  approve: ApproveRule;
}

export type SchoolThreadMessage =
  | { kind: 'day'; day: IsoDate; index: number; total: number }
  | { kind: 'done'; result: SimulationResult }
  | { kind: 'failed'; message: string };

export interface SchoolPoolOptions extends Omit<SchoolJob, 'snapshot'> {
  threads: number;
  onDay?: (schoolId: string, day: IsoDate, index: number, total: number) => void;
}

/** Runs each school on the first free thread; the results in the order of `schoolIds`. */
export async function runSchoolsInThreads(
  source: Db,
  schoolIds: string[],
  opts: SchoolPoolOptions,
): Promise<SimulationResult[]> {
  const { threads, onDay, ...job } = opts;
  const results: SimulationResult[] = new Array<SimulationResult>(schoolIds.length);
  const workers = Array.from(
    { length: Math.max(1, Math.min(threads, schoolIds.length)) },
    () =>
      new Worker(new URL('./schoolThreadEntry.mjs', import.meta.url), {
        resourceLimits: { maxYoungGenerationSizeMb: WHAT_IF_YOUNG_GENERATION_MB },
      }),
  );
  let next = 0;
  try {
    await Promise.all(
      workers.map(async (worker) => {
        while (next < schoolIds.length) {
          const i = next++;
          const schoolId = schoolIds[i]!;
          const snapshot = await snapshotSchool(source, schoolId);
          results[i] = await runOn(worker, { ...job, snapshot }, (m) =>
            onDay?.(schoolId, m.day, m.index, m.total),
          );
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

function runOn(
  worker: Worker,
  job: SchoolJob,
  onDay: (m: Extract<SchoolThreadMessage, { kind: 'day' }>) => void,
): Promise<SimulationResult> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: SchoolThreadMessage) => {
      if (m.kind === 'day') return onDay(m);
      off();
      if (m.kind === 'done') resolve(m.result);
      else reject(new Error(`school ${job.snapshot.school.id}: ${m.message}`));
    };
    const onError = (err: Error) => {
      off();
      reject(err);
    };
    const onExit = (code: number) => {
      off();
      reject(
        new Error(`a what-if thread stopped (exit code ${code}) during school ${job.snapshot.school.id}`),
      );
    };
    const off = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(job);
  });
}
