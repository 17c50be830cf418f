// Runs a what-if on a thread of its own (thread.ts), so the process that starts it (the API) stays
// free to answer pages. The schools go to the thread as plain data, read here from the store.
import { Worker } from 'node:worker_threads';
import type { Policy } from '../../../domain/policy/schema';
import type { IsoDate } from '../../../domain/types';
import type { Db } from '../../../store/db';
import { snapshotSchool, type ApproveRule, type SchoolSnapshot } from '../runSimulation';
import type { WhatIfResult } from './run';
import { WHAT_IF_YOUNG_GENERATION_MB } from './schoolPool';

export interface WhatIfJob {
  snapshots: SchoolSnapshot[];
  policy: Policy;
  compareWith?: Policy;
  from: IsoDate;
  to: IsoDate;
  approve: ApproveRule;
}

export type WhatIfThreadMessage =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'done'; result: WhatIfResult }
  | { kind: 'failed'; message: string };

export interface WhatIfRequest extends Omit<WhatIfJob, 'snapshots'> {
  schoolIds: string[];
}

/**
 * Runs the what-if on its own thread; `onProgress` hears each simulated day. `signal` stops it (the
 * process is shutting down): the thread is ended, not waited for.
 */
export async function runWhatIfInThread(
  source: Db,
  req: WhatIfRequest,
  onProgress: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<WhatIfResult> {
  const { schoolIds, ...rest } = req;
  const snapshots: SchoolSnapshot[] = [];
  for (const id of schoolIds) snapshots.push(await snapshotSchool(source, id));
  const job: WhatIfJob = { ...rest, snapshots };
  // The entry is JavaScript that loads thread.ts through tsx, whether this process runs under tsx or Vitest.
  const thread = new Worker(new URL('./threadEntry.mjs', import.meta.url), {
    workerData: job,
    resourceLimits: { maxYoungGenerationSizeMb: WHAT_IF_YOUNG_GENERATION_MB },
  });
  return new Promise<WhatIfResult>((resolve, reject) => {
    let settled = false;
    thread.on('message', (m: WhatIfThreadMessage) => {
      if (m.kind === 'progress') onProgress(m.done, m.total);
      else {
        settled = true;
        if (m.kind === 'done') resolve(m.result);
        else reject(new Error(m.message));
        void thread.terminate();
      }
    });
    thread.on('error', (err) => {
      settled = true;
      reject(err);
    });
    thread.on('exit', (code) => {
      // The signal lives as long as the server: a finished run's listener must not keep its thread.
      signal?.removeEventListener('abort', stop);
      if (!settled) reject(new Error(`the what-if thread stopped (exit code ${code}) before it finished`));
    });
    function stop() {
      settled = true;
      reject(new Error('the what-if was stopped: the server is shutting down'));
      void thread.terminate();
    }
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}
