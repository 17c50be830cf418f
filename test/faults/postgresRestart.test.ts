// Harbour Lane's morning sweep of 300 pupils is under way when the PostgreSQL server, which holds
// both Temporal's databases and the school's own, stops dead (`pg_ctl stop -m immediate`, as a crash
// or a power cut would leave it) and is started again. Two hundred of the pupils are at 80%
// attendance and should each have a case under the three-letter system, the other hundred at 100%
// should have none. Once the server is back: the sweep completes (its activity is retried by
// Temporal, workflows/schoolSweep.ts), every pupil who should have a case has exactly one, under the
// one case id the sweep derives from the pupil and the day (caseIdFor), in the read model and in
// Temporal, nobody else has one, and no parent receives two different letters. A Letter 1 the mail
// server accepted just as the database went, before the outbox could record it sent, goes again with
// the same Message-ID (docs/letters-and-messaging.md): counted and reported.
//
// What recovers on its own is recorded, not helped: the app's connection pools (the worker's and the
// test's) and Temporal's services. A service that dies is started again by the test, as a supervisor
// would, and the figures say so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { caseIdFor, type SweepResult } from '../../activities/caseData';
import { TEMPORAL_SERVICES, type TemporalService } from '../../temporal/cluster/services';
import { importSchool, SCHOOL_ID, startTestCluster, waitUntil, type TestCluster } from '../cluster/support';
import {
  buildWorkflowBundle,
  caseSettings,
  caseWorkflowsByPupil,
  loadAverage,
  report,
  seconds,
  startInProcessWorker,
  tallyMail,
  type InProcessWorker,
} from './support';

const PUPILS = 300;
const START = '2025-11-17';
const POLICY = 'three-letter-system';
const parentOf = (i: number) => `parent.${String(i).padStart(3, '0')}@example.org`;
/** Two pupils in three are at 80% and should have a case; every third is at 100%. */
const concern = (i: number) => i % 3 !== 2;
const GIVEN = ['Maya', 'Noah', 'Amira', 'Ben', 'Cleo', 'Dan', 'Evie', 'Finn', 'Grace', 'Hari'];
const FAMILY = ['Lane', 'Grant', 'Khan', 'Lewis', 'Morris', 'Price', 'Shaw', 'Turner', 'Walsh', 'Young'];

/** A check that cannot be made yet (the database is still coming back) is not yet true. */
const orNull = async <T>(f: () => Promise<T>): Promise<T | null> => {
  try {
    return await f();
  } catch {
    return null;
  }
};

describe('PostgreSQL is restarted in the middle of the morning sweep', () => {
  let t: TestCluster;
  let worker: InProcessWorker | undefined;
  let pupilIds: string[];
  let supervising = true;
  let supervisor: Promise<void> | undefined;

  beforeAll(async () => {
    t = await startTestCluster();
    pupilIds = await importSchool(
      t.db,
      Array.from({ length: PUPILS }, (_, i) => ({
        givenName: GIVEN[i % GIVEN.length]!,
        familyName: FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length]!,
        email: parentOf(i),
        mark: (_d, session, day) => (concern(i) && day % 5 === 0 ? 'O' : session === 'AM' ? '/' : '\\'),
      })),
    );
  }, 600_000);

  afterAll(async () => {
    supervising = false;
    await supervisor;
    await worker?.stop();
    await t?.stop();
  }, 180_000);

  it(
    'the sweep completes, each pupil of concern has exactly one case, and no parent gets two letters',
    async () => {
      const bundlePath = await buildWorkflowBundle(t.dir);
      const casesQueue = `cases-${randomUUID()}`;
      const settings = caseSettings(
        { simStart: START, realStartMs: Date.now(), rate: 1 },
        { sendAttemptTimeout: '30 seconds' },
      );
      worker = await startInProcessWorker(t, {
        pollQueue: casesQueue,
        casesQueue,
        policy: POLICY,
        settings,
        bundlePath,
        outboxLeaseSeconds: 25,
      });

      // A Temporal service that stops is started again, as a supervisor would, and noted.
      const serviceExits: { name: TemporalService; exit: string; atMs: number }[] = [];
      const began = Date.now();
      supervisor = (async () => {
        while (supervising) {
          for (const name of TEMPORAL_SERVICES) {
            const proc = t.cluster.services.processes.get(name);
            if (proc && (proc.exitCode !== null || proc.signalCode !== null)) {
              serviceExits.push({
                name,
                exit: proc.signalCode ?? `exit ${proc.exitCode}`,
                atMs: Date.now() - began,
              });
              await t.cluster.services.start(name).catch(() => undefined);
            }
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      })();

      const sweep = await t.client.workflow.start('schoolSweep', {
        taskQueue: casesQueue,
        workflowId: `sweep-${randomUUID()}`,
        args: [{ schoolId: SCHOOL_ID, asOf: START }],
      });

      // In the middle of the sweep: a third of the school evaluated, cases opening, letters going.
      const progress = await waitUntil(
        'the sweep to be a third of the way through the school',
        async () => {
          const { rows } = await t.db.query<{ evaluated: number; finished: boolean }>(
            `SELECT evaluated, finished_at IS NOT NULL AS finished FROM sweep_progress WHERE school_id = $1`,
            [SCHOOL_ID],
          );
          return rows[0] && rows[0].evaluated >= PUPILS / 3 ? rows[0] : null;
        },
        600_000,
      );
      expect(progress.finished).toBe(false);
      const lettersBefore = t.smtp.messages.length;
      const stoppedAt = Date.now();
      await t.cluster.postgres!.stop('immediate');
      await t.cluster.postgres!.start();
      const downMs = Date.now() - stoppedAt;

      // The sweep completes: Temporal retries its activity once the store answers again.
      await waitUntil(
        'the sweep workflow to complete',
        async () => {
          const d = await orNull(() => sweep.describe());
          if (d && d.status.name !== 'RUNNING' && d.status.name !== 'COMPLETED')
            throw new Error(`the sweep ended ${d.status.name}`);
          return d?.status.name === 'COMPLETED';
        },
        900_000,
      );
      const result: SweepResult = await sweep.result();
      const sweepHistory = await sweep.fetchHistory();
      const sweepAttempts =
        sweepHistory.events?.find((e) => e.activityTaskStartedEventAttributes)
          ?.activityTaskStartedEventAttributes?.attempt ?? 0;
      expect(result.failed).toEqual([]);

      const expected = pupilIds.filter((_, i) => concern(i));
      const others = pupilIds.filter((_, i) => !concern(i));
      // Every case of concern opened and sent its Letter 1, as the read model shows.
      await waitUntil(
        'every pupil of concern to have a case that has sent Letter 1',
        async () =>
          orNull(async () => {
            const { rows } = await t.db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM cases
               WHERE school_id = $1 AND view->'timeline' @> '[{"type": "letterSent", "stepId": "letter-1"}]'`,
              [SCHOOL_ID],
            );
            return rows[0]!.n >= expected.length;
          }),
        900_000,
      );
      const allDoneMs = Date.now() - began;

      // The read model: one case per pupil of concern, with the case id the sweep derives.
      const { rows: cases } = await t.db.query<{ case_id: string; pupil_id: string }>(
        'SELECT case_id, pupil_id::text AS pupil_id FROM cases WHERE school_id = $1',
        [SCHOOL_ID],
      );
      const casesOf = (pupilId: string) => cases.filter((c) => c.pupil_id === pupilId).map((c) => c.case_id);
      for (const p of expected) expect(casesOf(p)).toEqual([caseIdFor(SCHOOL_ID, p, START)]);
      for (const p of others) expect(casesOf(p)).toEqual([]);

      // Temporal: one case workflow per pupil of concern, that id and no other (visibility catches up).
      const workflows = await waitUntil(
        'Temporal to list a case workflow for every pupil of concern',
        async () =>
          orNull(async () => {
            const byPupil = await caseWorkflowsByPupil(t.client, SCHOOL_ID);
            return byPupil.size >= expected.length ? byPupil : null;
          }),
        300_000,
      );
      for (const p of expected)
        expect(workflows.get(p)?.map((w) => w.workflowId)).toEqual([caseIdFor(SCHOOL_ID, p, START)]);
      for (const p of others) expect(workflows.get(p)).toBeUndefined();

      // Nothing more can reach the mail server once the worker has finished and stopped.
      await worker.stop();
      worker = undefined;
      const tally = tallyMail(
        t.smtp.messages,
        Array.from({ length: PUPILS }, (_, i) => i)
          .filter(concern)
          .map(parentOf),
      );
      const { rows: outbox } = await t.db.query<{ rows: number; claims: number; letters: number }>(
        `SELECT count(*)::int AS rows, sum(attempts)::int AS claims,
                (SELECT count(*)::int FROM letters WHERE step_id = 'letter-1') AS letters
         FROM outbox WHERE channel = 'email'`,
      );
      report('PostgreSQL restarted (immediate) in the middle of a 300-pupil sweep', {
        'pupils / of concern': `${PUPILS} / ${expected.length}`,
        'stopped when': `${progress.evaluated} pupils evaluated, ${lettersBefore} letters delivered`,
        'PostgreSQL down (stop -m immediate to ready)': seconds(downMs),
        'Temporal services that stopped (restarted by the test)': serviceExits.length
          ? serviceExits.map((s) => `${s.name} (${s.exit}) at ${seconds(s.atMs)}`).join(', ')
          : 'none: all four rode it out',
        'sweep activity attempts': sweepAttempts,
        'sweep result (last attempt)': `opened ${result.opened}, updated ${result.updated}, unchanged ${result.unchanged}, failed ${result.failed.length}`,
        'cases in the read model / in Temporal': `${cases.length} / ${workflows.size}`,
        'letters on record': outbox[0]!.letters,
        'outbox rows / delivery claims': `${outbox[0]!.rows} / ${outbox[0]!.claims}`,
        'deliveries at the mail server': tally.deliveries,
        'redeliveries (same Message-ID again)': tally.redeliveries,
        'lost (parent got nothing)': tally.lost.length,
        'duplicates (parent got two different letters)': tally.duplicates.length,
        'sweep start to every Letter 1 recorded': seconds(allDoneMs),
        'load average': await loadAverage(),
      });
      expect(cases).toHaveLength(expected.length);
      expect(outbox[0]!.letters).toBe(expected.length);
      expect(tally.strays).toEqual([]);
      expect(tally.lost).toEqual([]);
      expect(tally.duplicates).toEqual([]);
      expect(tally.distinctMessages).toBe(expected.length);
    },
    60 * 60_000,
  );
});
