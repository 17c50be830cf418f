// `npm run bench:quiet-cost`: what a quiet case costs, in Temporal Cloud's billable actions, per open
// case per school week when nothing changes (docs/cost.md). Counted from real histories on the
// time-skipping server over simulated school weeks, side by side in one run:
//   * the case as it is now: the daily sweep makes its routine checks (the `sweep-checks` patch);
//   * the case as it was: it checks its figures weekly for itself and the sweep sends it new figures
//     whenever they move (a case started with `carried: { sweepChecks: false }` runs exactly that);
//   * a naive case that polls its pupil's figures every school day (quietCost/naiveCase.ts).
// The cohort: pupils at about 80% whose case opens with Letter 1 (automatic) under the three-letter
// system, then waits through its 20-school-day monitoring window; the measured weeks lie inside the
// window, where figures move every day (the rolling window moves) but no decision changes.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import proto, { type temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';
import { caseIdFor, createCaseDataActivities } from '../../activities/caseData';
import { loadPolicyFile } from '../../policies';
import { CURRENT_ENGINE } from '../../workflows/caseInput';
import { markPattern, startHarness, type Harness, type History } from '../../test/workflows/harness';
import { startDevServer } from '../../temporal/ephemeralServers';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const T = proto.temporal.api.enums.v1.EventType;

const START = '2025-11-17'; // a Monday
const QUIET_SCHOOL_DAYS = 15; // three school weeks, inside the 20-day window
const args = process.argv.slice(2);
const PUPILS = Number(args[args.indexOf('--pupils') + 1] || 0) || 20;

/**
 * What Temporal Cloud bills as an action, as far as a history shows it: a workflow started (a
 * continue-as-new too), an activity attempt, a timer, a signal, an update, a search-attribute
 * upsert, a marker (local activity or patch), a child workflow. Queries leave no event; the app's
 * pages read the read model, not the cases, so none are made.
 */
const BILLABLE = new Map<number, string>([
  [T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, 'workflow started'],
  [T.EVENT_TYPE_ACTIVITY_TASK_STARTED, 'activity'],
  [T.EVENT_TYPE_TIMER_STARTED, 'timer'],
  [T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, 'signal'],
  [T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, 'update'],
  [T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, 'search attributes'],
  [T.EVENT_TYPE_MARKER_RECORDED, 'marker'],
  [T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, 'child workflow'],
]);

interface Count {
  total: number;
  byKind: Record<string, number>;
}

function countBillable(histories: History[], fromMs: number, toMs: number): Count {
  const c: Count = { total: 0, byKind: {} };
  for (const h of histories)
    for (const e of (h.events ?? []) as HistoryEvent[]) {
      const kind = BILLABLE.get(e.eventType ?? 0);
      const at = tsToMs(e.eventTime);
      if (!kind || at < fromMs || at >= toMs) continue;
      c.total++;
      c.byKind[kind] = (c.byKind[kind] ?? 0) + 1;
    }
  return c;
}

const cohort = Array.from({ length: PUPILS }, (_, i) => ({
  key: `p${i + 1}`,
  givenName: `Pupil${i + 1}`,
  familyName: 'Quiet',
  // Away one day in five, the day shifting by pupil: about 80%, moving a little every day.
  mark: markPattern((_d, _s, day) => ((day + i) % 5 === 0 ? 'O' : null)),
}));

async function measureCases(design: 'sweep-checks' | 'self-checks'): Promise<Count & { cases: number }> {
  const h = await startHarness({
    policy: 'three-letter-system',
    pupils: cohort,
    start: START,
    mailer: 'outbox',
  });
  try {
    if (design === 'self-checks') await openAsBefore(h);
    const opened = await h.sweep(); // Monday: every case opens and sends Letter 1
    const cases = design === 'self-checks' ? PUPILS : opened.opened;
    if (cases !== PUPILS) throw new Error(`expected ${PUPILS} cases to open, ${cases} did`);
    const from = await h.env.currentTimeMs();
    await h.advanceSchoolDays(QUIET_SCHOOL_DAYS);
    await h.waitForQuietCases();
    const to = await h.env.currentTimeMs();
    const all: History[] = [];
    for (const c of cohort) all.push(...(await h.histories(c.key)));
    // Nothing changed in the measured weeks: every case is still at Letter 1 in its window.
    for (const c of cohort) {
      const v = await h.view(c.key);
      if (v.stageId !== 'letter-one') throw new Error(`${c.key} moved to ${v.stageId}: not a quiet case`);
    }
    return { ...countBillable(all, from, to), cases };
  } finally {
    await h.shutdown();
  }
}

/** Starts each case as the sweep would, but as cases ran before the `sweep-checks` patch. */
async function openAsBefore(h: Harness): Promise<void> {
  const policy = loadPolicyFile('three-letter-system');
  for (const c of cohort) {
    const pupilId = h.pupilIds.get(c.key)!;
    const caseId = caseIdFor('TS1001', pupilId, START);
    await h.client.workflow.start('attendanceCase', {
      taskQueue: h.taskQueue,
      workflowId: caseId,
      args: [
        {
          caseId,
          schoolId: 'TS1001',
          pupilId,
          policy,
          settings: h.settings,
          engine: CURRENT_ENGINE,
          carried: { sweepChecks: false },
        },
      ],
    });
  }
}

/**
 * The naive case on the dev server, with a school day of 200 ms: the time-skipping server would not
 * complete this bench workflow's tasks on a loaded machine, and what a poll costs does not depend on
 * how long a day is. Its activity loads the pupil's figures from the same store, as a poll would.
 */
async function measureNaive(): Promise<Count & { cases: number }> {
  const h = await startHarness({
    policy: 'three-letter-system',
    pupils: cohort,
    start: START,
    mailer: 'outbox',
  });
  const dev = await startDevServer();
  const taskQueue = `naive-${randomUUID()}`;
  const data = createCaseDataActivities({ db: h.db });
  const worker = await Worker.create({
    connection: dev.nativeConnection,
    namespace: dev.namespace,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./quietCost/naiveCase.ts', import.meta.url)),
    activities: {
      async pollPupil(pupilId: string) {
        const facts = await data.loadPupilFacts({ schoolId: 'TS1001', pupilId, asOf: START });
        return { stageChanged: facts === null };
      },
    },
  });
  try {
    return await worker.runUntil(async () => {
      const handles = [];
      for (const c of cohort)
        handles.push(
          await dev.client.workflow.start('naivePollingCase', {
            taskQueue,
            workflowId: `naive-${c.key}-${randomUUID()}`,
            args: [
              { pupilId: h.pupilIds.get(c.key)!, schoolDays: QUIET_SCHOOL_DAYS, startWeekday: 1, dayMs: 200 },
            ],
          }),
        );
      await Promise.all(handles.map((wf) => wf.result()));
      const all: History[] = [];
      for (const wf of handles) all.push(await wf.fetchHistory());
      // The start is part of the case's life, not of a quiet week: leave it out, as for the cases.
      const c = countBillable(all, 0, Number.MAX_SAFE_INTEGER);
      c.total -= c.byKind['workflow started'] ?? 0;
      delete c.byKind['workflow started'];
      return { ...c, cases: cohort.length };
    });
  } finally {
    await dev.teardown();
    await h.shutdown();
  }
}

async function main(): Promise<void> {
  const weeks = QUIET_SCHOOL_DAYS / 5;
  const load = () => readFileSync('/proc/loadavg', 'utf8').trim();
  console.log(
    `Cost of a quiet case: ${PUPILS} cases, ${weeks} quiet school weeks each. Load at start: ${load()}`,
  );
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
  const designs: [string, string, () => Promise<Count & { cases: number }>][] = [
    ['now', 'now: the sweep makes the routine checks', () => measureCases('sweep-checks')],
    [
      'before',
      'before: the case checks weekly, the sweep signals moved figures',
      () => measureCases('self-checks'),
    ],
    ['naive', 'naive: the case polls its figures every school day', measureNaive],
  ];
  const perWeek = (c: Count & { cases: number }) => c.total / c.cases / weeks;
  const lines: string[] = [];
  for (const [id, name, measure] of designs) {
    if (only && only !== id) continue;
    const c = await measure();
    const kinds = Object.entries(c.byKind)
      .map(([k, n]) => `${k} ${(n / c.cases / weeks).toFixed(2)}`)
      .join(', ');
    lines.push(`| ${name} | **${perWeek(c).toFixed(2)}** | ${kinds || 'none'} |`);
    console.log(`[quiet-cost] ${lines.at(-1)} (load ${load()})`);
  }
  console.log('');
  console.log('| design | actions per quiet case per school week | what they are |');
  console.log('| --- | --- | --- |');
  for (const l of lines) console.log(l);
  console.log(`\nLoad at end: ${load()}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
