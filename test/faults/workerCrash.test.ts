// Harbour Lane has 1,000 pupils whose attendance is 80% this year. One morning's sweep opens a case
// for each under the three-letter system, and every case sends Letter 1 to the pupil's parent by
// email at once. While those 1,000 letters go out, the school's case workers (two processes) are
// killed outright, one at a random moment every few seconds, and a replacement started each time.
// Counted at the mail server: every parent receives Letter 1 (none lost), no parent receives two
// different letters (no duplicates). A letter the mail server had accepted when its worker died,
// before the outbox recorded it sent, goes again with the same Message-ID (docs/letters-and-messaging.md):
// those redeliveries are counted and reported, not hidden.
//
// The sweep itself runs on a worker of its own that is not killed: a sweep whose worker dies is
// retried once its heartbeat stops for 2 minutes (workflows/schoolSweep.ts), and killing it every few
// seconds would make this a test of waiting. The school's clock runs at real speed, so nothing but Letter 1 falls due.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SweepResult } from '../../activities/caseData';
import { importSchool, SCHOOL_ID, startTestCluster, waitUntil, type TestCluster } from '../cluster/support';
import {
  buildWorkflowBundle,
  caseSettings,
  loadAverage,
  median,
  report,
  seconds,
  spawnCaseWorker,
  startInProcessWorker,
  tallyMail,
  type InProcessWorker,
  type SchoolClock,
  type WorkerProcess,
} from './support';

const PUPILS = 1_000;
const START = '2025-11-17';
const POLICY = 'three-letter-system';
/** A send attempt lost with its worker is presumed dead after this (2 minutes in production)... */
const SEND_ATTEMPT_TIMEOUT = '30 seconds';
/** ...and its outbox lease has run out by then (2 minutes in production), so the retry delivers. */
const OUTBOX_LEASE_SECONDS = 25;
/** A kill comes at a random moment this long after both workers are polling. */
const PAUSE_MS = { min: 2_000, max: 8_000 };

const parentOf = (i: number) => `parent.${String(i).padStart(4, '0')}@example.org`;
const GIVEN = ['Maya', 'Noah', 'Amira', 'Ben', 'Cleo', 'Dan', 'Evie', 'Finn', 'Grace', 'Hari'];
const FAMILY = ['Lane', 'Grant', 'Khan', 'Lewis', 'Morris', 'Price', 'Shaw', 'Turner', 'Walsh', 'Young'];

describe('a thousand Letter 1s go out while the case workers are killed again and again', () => {
  let t: TestCluster;
  let bundlePath: string;
  let logDir: string;
  let importMs = 0;
  const workers: WorkerProcess[] = [];
  const everyWorker: WorkerProcess[] = [];
  let sweepWorker: InProcessWorker | undefined;

  beforeAll(async () => {
    t = await startTestCluster();
    const began = Date.now();
    await importSchool(
      t.db,
      Array.from({ length: PUPILS }, (_, i) => ({
        givenName: GIVEN[i % GIVEN.length]!,
        familyName: FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length]!,
        email: parentOf(i),
        // Away, unauthorised, one day in five: 80% attendance all year.
        mark: (_d, session, day) => (day % 5 === 0 ? 'O' : session === 'AM' ? '/' : '\\'),
      })),
    );
    importMs = Date.now() - began;
    logDir = join(t.dir, 'workers');
    await mkdir(logDir, { recursive: true });
    bundlePath = await buildWorkflowBundle(t.dir);
  }, 900_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await sweepWorker?.stop();
    await t?.stop();
  }, 180_000);

  it(
    'every parent receives Letter 1 once: none lost, none twice with a different Message-ID',
    async () => {
      const clock: SchoolClock = { simStart: START, realStartMs: Date.now(), rate: 1 };
      const settings = caseSettings(clock, { sendAttemptTimeout: SEND_ATTEMPT_TIMEOUT });
      const casesQueue = `cases-${randomUUID()}`;
      let started = 0;
      const spawnOne = () => {
        const w = spawnCaseWorker({
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
        everyWorker.push(w);
        return w;
      };
      workers.push(spawnOne(), spawnOne());
      await Promise.all(workers.map((w) => w.ready));
      sweepWorker = await startInProcessWorker(t, {
        pollQueue: `sweep-${randomUUID()}`,
        casesQueue,
        policy: POLICY,
        settings,
        bundlePath,
        outboxLeaseSeconds: OUTBOX_LEASE_SECONDS,
      });

      const began = Date.now();
      const sweep = await t.client.workflow.start('schoolSweep', {
        taskQueue: sweepWorker.taskQueue,
        workflowId: `sweep-${randomUUID()}`,
        args: [{ schoolId: SCHOOL_ID, asOf: START }],
      });

      const sent = async () => {
        const { rows } = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM outbox WHERE channel = 'email' AND status = 'sent'`,
        );
        return rows[0]!.n;
      };
      // Kill a random worker at a random moment, start its replacement, until every send is done.
      const kills: { at: number; sentBefore: number }[] = [];
      const deadline = Date.now() + 60 * 60_000;
      for (;;) {
        if ((await sent()) >= PUPILS) break;
        if (Date.now() > deadline)
          throw new Error(`after ${kills.length} kills only ${await sent()} of ${PUPILS} letters were sent`);
        await Promise.all(workers.map((w) => w.ready));
        await new Promise((r) => setTimeout(r, PAUSE_MS.min + Math.random() * (PAUSE_MS.max - PAUSE_MS.min)));
        const sentBefore = await sent();
        if (sentBefore >= PUPILS) break;
        const victim = Math.floor(Math.random() * workers.length);
        await workers[victim]!.kill();
        kills.push({ at: Date.now() - began, sentBefore });
        workers[victim] = spawnOne();
      }
      const allSentMs = Date.now() - began;

      const result: SweepResult = await sweep.result();
      expect(result.opened).toBe(PUPILS);
      expect(result.failed).toEqual([]);

      // Every case has recorded its Letter 1 as sent: no send attempt is still under way.
      await waitUntil(
        'every case to record Letter 1 as sent',
        async () => {
          const { rows } = await t.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM cases
             WHERE view->'timeline' @> '[{"type": "letterSent", "stepId": "letter-1"}]'`,
          );
          return rows[0]!.n === PUPILS;
        },
        600_000,
      );
      // The workers finish what they are doing and stop: nothing more can reach the mail server.
      await Promise.all(workers.map((w) => w.stop()));
      await sweepWorker.stop();
      sweepWorker = undefined;

      const tally = tallyMail(
        t.smtp.messages,
        Array.from({ length: PUPILS }, (_, i) => parentOf(i)),
      );
      const { rows: outbox } = await t.db.query<{ rows: number; claims: number; letters: number }>(
        `SELECT count(*)::int AS rows, sum(attempts)::int AS claims,
                (SELECT count(*)::int FROM letters WHERE step_id = 'letter-1') AS letters
         FROM outbox WHERE channel = 'email'`,
      );
      report('Worker crashes during 1,000 Letter 1 sends', {
        'pupils / cases opened': `${PUPILS} / ${result.opened}`,
        'marks imported': `${PUPILS} pupils x 2 sessions x every school day, in ${seconds(importMs)}`,
        'case worker processes': `2 at a time, ${started} started in all, polling ${seconds(
          median(everyWorker.flatMap((w) => w.startupMs() ?? [])),
        )} after spawn (median)`,
        'kills (SIGKILL)': `${kills.length}, at ${kills.map((k) => `${Math.round(k.at / 1000)} s (${k.sentBefore} sent)`).join(', ')}`,
        'letters on record': outbox[0]!.letters,
        'outbox rows / delivery claims': `${outbox[0]!.rows} / ${outbox[0]!.claims}`,
        'deliveries at the mail server': tally.deliveries,
        'distinct Message-IDs': tally.distinctMessages,
        'redeliveries (same Message-ID again)': tally.redeliveries,
        'lost (parent got nothing)': tally.lost.length,
        'duplicates (parent got two different letters)': tally.duplicates.length,
        'all sent after': seconds(allSentMs),
        'load average': await loadAverage(),
      });

      expect(kills.length).toBeGreaterThan(0);
      expect(outbox[0]!.letters).toBe(PUPILS);
      expect(tally.strays).toEqual([]);
      expect(tally.lost).toEqual([]);
      expect(tally.duplicates).toEqual([]);
      expect(tally.parents).toBe(PUPILS);
      expect(tally.distinctMessages).toBe(PUPILS);
    },
    90 * 60_000,
  );
});
