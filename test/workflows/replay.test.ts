// Workflow code must replay its own histories. Histories recorded from earlier versions live in
// test/workflows/histories/ (binary protobuf) and are replayed against the current code on every run: a change that
// would break running cases fails here, and needs `patched()` (docs/workflow-versioning.md).
// RECORD_HISTORIES=1 records a fresh one from a short case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import proto, { type temporal } from '@temporalio/proto';

const HistoryProto = proto.temporal.api.history.v1.History;
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import { markPattern, startHarness, type Harness } from './harness';

type History = temporal.api.history.v1.IHistory;
const DIR = fileURLToPath(new URL('./histories/', import.meta.url));
const START = '2025-11-17';

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
      await h.advanceSchoolDays(1);
    }
    const caseId = (await h.caseIdOf('ivy'))!;
    // Every run of the case (it continues-as-new at stage changes).
    for (const history of await h.histories('ivy')) fresh.push({ workflowId: caseId, history });
    if (process.env.RECORD_HISTORIES === '1') {
      writeFileSync(`${DIR}/bradford-stage-two.binpb`, HistoryProto.encode(fresh[0]!.history).finish());
    }
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('replays the histories this run produced', async () => {
    expect(fresh.length).toBeGreaterThan(1); // the case opened, then escalated or stepped on
    for (const { workflowId, history } of fresh) {
      await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, workflowId);
    }
  });

  it('replays every recorded history', async () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.binpb'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const history = HistoryProto.decode(readFileSync(`${DIR}/${f}`));
      await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, f);
    }
  });
});
