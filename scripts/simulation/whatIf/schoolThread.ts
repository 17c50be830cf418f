// One of the threads a council's what-if runs its schools on (schoolPool.ts). It takes one school
// at a time as plain data, runs it in process on a store of its own held in memory, and answers
// with the run as the report reads it (forReport: without the words, which a council's year has
// millions of); then waits for the next school.
import { parentPort } from 'node:worker_threads';
import { memoryDb } from '../../../store/db';
import { MemoryStore } from '../../../store/memory/memoryStore';
import { runInProcess } from '../inProcess/runInProcess';
import { forReport } from './report';
import type { SchoolJob, SchoolThreadMessage } from './schoolPool';

const post = (m: SchoolThreadMessage) => parentPort!.postMessage(m);

parentPort!.on('message', (job: SchoolJob) => {
  const store = new MemoryStore();
  store.loadSchool(job.snapshot);
  runInProcess({
    source: memoryDb(store),
    schoolId: job.snapshot.school.id,
    policy: job.policy,
    from: job.from,
    to: job.to,
    approve: job.approve,
    onDay: (day, index, total) => post({ kind: 'day', day, index, total }),
  }).then(
    (result) => post({ kind: 'done', result: forReport(result) }),
    (err: unknown) => post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }),
  );
});
