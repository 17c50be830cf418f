// Workflow code must replay its own histories. The replay corpus (test/workflows/histories/) holds
// histories recorded from earlier versions of the workflow, one folder per recording, covering the
// paths of both seed policies; every one is replayed against the current code on every run. A change
// that would break running cases fails here with a nondeterminism error, and needs a gate
// (docs/workflow-versioning.md). Record a new folder with RECORD_HISTORIES=<folder> (see harness.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import {
  HISTORIES_DIR,
  HistoryProto,
  markPattern,
  startHarness,
  type Harness,
  type History,
} from './harness';

const START = '2025-11-17';

function corpus(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? corpus(join(dir, e.name)) : /\.binpb(\.gz)?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Replays each history; returns the ones that failed, with their error. */
async function replayAll(histories: { workflowId: string; history: History }[]): Promise<string[]> {
  const failures: string[] = [];
  const results = Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories);
  for await (const r of results) if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
  return failures;
}

describe('replaying case histories against the current workflow code', () => {
  let h: Harness;
  const fresh: { workflowId: string; history: History }[] = [];

  beforeAll(async () => {
    h = await startHarness({
      policy: 'bradford-staged-intervention',
      start: START,
      pupils: [
        {
          key: 'ivy',
          givenName: 'Ivy',
          familyName: 'Lane',
          mark: markPattern((_d, s, i) => (i % 7 === 0 ? 'O' : null)),
        },
      ],
    });
    await h.sweep();
    for (let d = 0; d < 8; d++) {
      await h.approveAll();
      await h.doTasks();
      await h.advanceSchoolDays(1);
    }
    const caseId = (await h.caseIdOf('ivy'))!;
    for (const history of await h.histories('ivy')) fresh.push({ workflowId: caseId, history });
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('replays the histories this run produced', async () => {
    expect(fresh.length).toBeGreaterThan(1); // the case opened, then continued as new
    expect(await replayAll(fresh)).toEqual([]);
  });

  it('replays every history in the corpus', async () => {
    const files = corpus(HISTORIES_DIR);
    expect(files.length).toBeGreaterThan(0);
    const histories = files.map((f) => ({
      workflowId: relative(HISTORIES_DIR, f),
      history: HistoryProto.decode(f.endsWith('.gz') ? gunzipSync(readFileSync(f)) : readFileSync(f)),
    }));
    expect(await replayAll(histories)).toEqual([]);
  }, 300_000);
});
