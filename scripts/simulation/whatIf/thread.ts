// The what-if's own thread: a run is minutes of steady CPU, and the API must keep answering pages
// while it goes (the brief: pages never wait on a busy worker). The thread gets the schools as plain
// data (inThread.ts), loads them into a private store held in memory and runs the what-if there,
// reporting progress as it goes.
import { parentPort, workerData } from 'node:worker_threads';
import { memoryDb } from '../../../store/db';
import { MemoryStore } from '../../../store/memory/memoryStore';
import { runWhatIf } from './run';
import type { WhatIfJob, WhatIfThreadMessage } from './inThread';

const job = workerData as WhatIfJob;
const post = (m: WhatIfThreadMessage) => parentPort!.postMessage(m);

async function main(): Promise<void> {
  const store = new MemoryStore();
  for (const snap of job.snapshots) store.loadSchool(snap);
  const source = memoryDb(store);
  try {
    const runs = job.snapshots.length * (job.compareWith ? 2 : 1);
    let finishedRuns = 0;
    const result = await runWhatIf({
      source,
      policy: job.policy,
      ...(job.compareWith ? { compareWith: job.compareWith } : {}),
      from: job.from,
      to: job.to,
      approve: job.approve,
      onProgress: ({ index, total }) => {
        post({ kind: 'progress', done: finishedRuns * total + index + 1, total: runs * total });
        if (index + 1 === total) finishedRuns++;
      },
    });
    post({ kind: 'done', result });
  } finally {
    await source.close();
  }
}

main().catch((err: unknown) =>
  post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }),
);
