// Harbour Lane's morning sweep of 300 pupils is under way when the PostgreSQL server, which holds
// both Temporal's databases and the school's own, stops dead (`pg_ctl stop -m immediate`, as a crash
// or a power cut would leave it) and comes back 10 seconds later. Two hundred of the pupils are at
// 80% attendance and should each have a case under the three-letter system, the other hundred at
// 100% should have none. Once the server is back: the sweep completes (its activity is retried by
// Temporal, workflows/schoolSweep.ts), every pupil who should have a case has exactly one, under the
// one case id the sweep derives from the pupil and the day (caseIdFor), in the read model and in
// Temporal, nobody else has one, and no parent receives two different letters. A Letter 1 the mail
// server accepted just as the database went, before the outbox could record it sent, goes again with
// the same Message-ID (docs/letters-and-messaging.md): counted and reported.
//
// The production shape: the four Temporal services and two case worker processes (which run the
// sweep too). What recovers on its own is recorded, not helped: the connection pools and Temporal's
// services. A process that stops (a Temporal service, a case worker) is started again by the test,
// as a supervisor would, and the figures say which, when, and what its log says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { caseIdFor, type SweepResult } from '../../activities/caseData';
import { TEMPORAL_SERVICES } from '../../temporal/cluster/services';
import {
  historiesOf,
  importSchool,
  SCHOOL_ID,
  startTestCluster,
  waitUntil,
  type TestCluster,
} from '../cluster/support';
import {
  buildWorkflowBundle,
  caseWorkflowsByPupil,
  deathNote,
  loadAverage,
  report,
  seconds,
  spawnCaseWorker,
  tallyMail,
  type SchoolClock,
  type WorkerProcess,
} from './support';

const PUPILS = 300;
const START = '2025-11-17';
const POLICY = 'three-letter-system';
/** As in workerCrash.test.ts: a send lost with its worker is tried again within a minute. */
const SEND_ATTEMPT_TIMEOUT = '30 seconds';
const OUTBOX_LEASE_SECONDS = 25;
/** How long PostgreSQL stays down. */
const OUTAGE_MS = 10_000;
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
  const workers: WorkerProcess[] = [];
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
    await Promise.all(workers.map((w) => w.kill()));
    await t?.stop();
  }, 180_000);

  it(
    'the sweep completes, each pupil of concern has exactly one case, and no parent gets two letters',
    async () => {
      const bundlePath = await buildWorkflowBundle(t.dir);
      const logDir = join(t.dir, 'workers');
      await mkdir(logDir, { recursive: true });
      const casesQueue = `cases-${randomUUID()}`;
      const clock: SchoolClock = { simStart: START, realStartMs: Date.now(), rate: 1 };
      let started = 0;
      // Two case workers, as `npm run start:cluster` runs them; the sweep runs on them too.
      const spawnOne = () =>
        spawnCaseWorker({
          t,
          name: `case-worker-${++started}`,
          taskQueue: casesQueue,
          policy: POLICY,
          clock,
          bundlePath,
          logDir,
          outboxLeaseSeconds: OUTBOX_LEASE_SECONDS,
          sendAttemptTimeout: SEND_ATTEMPT_TIMEOUT,
        });
      workers.push(spawnOne(), spawnOne());
      await Promise.all(workers.map((w) => w.ready));

      // A Temporal service or a case worker that stops is started again, as a supervisor would
      // (systemd, compose's `restart:`), and noted with what its log says.
      const exits: { name: string; exit: string; why: string; atMs: number }[] = [];
      const began = Date.now();
      supervisor = (async () => {
        while (supervising) {
          for (const name of TEMPORAL_SERVICES) {
            const proc = t.cluster.services.processes.get(name);
            if (proc && (proc.exitCode !== null || proc.signalCode !== null)) {
              const why = await deathNote(join(t.cluster.logDir, `${name}.log`));
              exits.push({
                name,
                exit: proc.signalCode ?? `exit ${proc.exitCode}`,
                why,
                atMs: Date.now() - began,
              });
              await t.cluster.services.start(name).catch(() => undefined);
            }
          }
          for (const [i, w] of workers.entries()) {
            if (w.alive()) continue;
            const why = await deathNote(w.logFile);
            exits.push({
              name: w.name,
              exit: w.proc.signalCode ?? `exit ${w.proc.exitCode}`,
              why,
              atMs: Date.now() - began,
            });
            workers[i] = spawnOne();
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
      // The outage itself: the server stays down this long (its length is the fault, nothing is
      // awaited by it), long enough that every pooled connection, poll and retry meets it.
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      await t.cluster.postgres!.start();
      const downMs = Date.now() - stoppedAt;

      // The sweep completes: Temporal retries its activity once the store answers again.
      await waitUntil(
        'the sweep workflow to complete (an attempt lost with its worker is retried after its 2-minute heartbeat timeout)',
        async () => {
          const d = await orNull(() => sweep.describe());
          if (d && d.status.name !== 'RUNNING' && d.status.name !== 'COMPLETED')
            throw new Error(`the sweep ended ${d.status.name}`);
          return d?.status.name === 'COMPLETED';
        },
        25 * 60_000,
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
        20 * 60_000,
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

      // What the outage cost the cases: activities Temporal had to retry (every run of every case).
      let retriedActivities = 0;
      for (const p of expected) {
        for (const h of await historiesOf(t.client, caseIdFor(SCHOOL_ID, p, START)))
          for (const e of h.events ?? [])
            if ((e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) retriedActivities++;
      }

      // Nothing more can reach the mail server once the workers have finished and stopped.
      supervising = false;
      await supervisor;
      await Promise.all(workers.map((w) => w.stop()));
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
        'PostgreSQL down (stop -m immediate to ready again)': seconds(downMs),
        'processes that stopped (restarted by the test)': exits.length
          ? exits.map((e) => `${e.name} (${e.exit}) at ${seconds(e.atMs)}: ${e.why}`).join('; ')
          : 'none: the four Temporal services and both case workers rode it out',
        'sweep activity attempts': sweepAttempts,
        'case activities retried by Temporal': retriedActivities,
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
