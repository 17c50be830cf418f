// A school on a real time-skipping Temporal server, a real embedded PostgreSQL and a real SMTP
// server, with the real case workflows and activities. Tests move the school day by day.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import proto, { type temporal } from '@temporalio/proto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { buildCalendar, type SchoolCalendar } from '../../domain/calendar';
import type { Policy } from '../../domain/policy/schema';
import type { IsoDate, SchoolCalendarFile } from '../../domain/types';
import { loadPolicyFile } from '../../policies';
import { openDb, type Db } from '../../store/db';
import { runImport } from '../../store/imports';
import { rowsFromObjects } from '../../store/rows';
import { upnCheckLetter } from '../../store/validate';
import { buildActivities } from '../../worker/activityDeps';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import { signingClient, testActorKeys } from '../support/actorKeys';
import type { CaseView, PendingProposal, StepDecision } from '../../workflows/caseMessages';
import {
  completeTask,
  decideStep,
  recordEvent,
  type Actor,
  type HumanEvent,
} from '../../workflows/caseMessages';
import { amendLetterPlan } from '../../letters/plan';
import { doOpenTasks } from '../../scripts/simulation/team';
import type { LetterPlan } from '../../domain/stepPlan';
import type { CaseSettings } from '../../workflows/attendanceCase';
import { schoolSweep } from '../../workflows/schoolSweep';
import type { Mailer } from '../../messaging/types';
import type { IntegrationServices } from '../../integrations/services';
import type { WondeClientOptions } from '../../integrations/wonde/client';
import type { SweepResult } from '../../activities/caseData';
import { instantOfSchoolTime, schoolDateAt } from '../../domain/time';
import { waitUntilQuiet, withDeadline } from '../../temporal/quiescence';
import { startTimeSkippingServer } from '../support/temporal';
import { startTestSmtp, type TestSmtp } from '../support/smtp';

export const SCHOOL_ID = 'TS1001';

export type History = temporal.api.history.v1.IHistory;
export const HistoryProto = proto.temporal.api.history.v1.History;
/** The replay corpus: recorded histories that every later version of the workflow must replay. */
export const HISTORIES_DIR = fileURLToPath(new URL('./histories/', import.meta.url));

/** 2025-26 at a primary school: half terms, an INSET day and a bank holiday. */
export const CALENDAR: SchoolCalendarFile = {
  school: SCHOOL_ID,
  name: 'Harbour Lane Primary',
  lessonsPerDay: 5,
  terms: [
    {
      name: 'Autumn',
      start: '2025-09-03',
      end: '2025-12-19',
      halfTerm: { start: '2025-10-27', end: '2025-10-31' },
    },
    {
      name: 'Spring',
      start: '2026-01-05',
      end: '2026-03-27',
      halfTerm: { start: '2026-02-16', end: '2026-02-20' },
    },
    {
      name: 'Summer',
      start: '2026-04-13',
      end: '2026-07-22',
      halfTerm: { start: '2026-05-25', end: '2026-05-29' },
    },
  ],
  closures: ['2025-11-14', '2026-05-04'],
};

export interface PupilSpec {
  key: string;
  givenName: string;
  familyName: string;
  flags?: string[];
  /** `address`: lines separated by | (the roster's form), with `postcode`. */
  contacts?: { name: string; email?: string; phone?: string; address?: string; postcode?: string }[];
  /** The register code for a session; return null for no mark. */
  mark: (date: IsoDate, session: 'AM' | 'PM', dayIndex: number) => string | null;
}

export interface Harness {
  env: TestWorkflowEnvironment;
  /** A plain client of the server (what the API uses to talk to cases). */
  client: Client;
  db: Db;
  smtp: TestSmtp;
  calendar: SchoolCalendar;
  policy: Policy;
  pupilIds: Map<string, string>;
  /** The case settings the sweep starts cases with, and the cases' task queue. */
  settings: CaseSettings;
  taskQueue: string;
  /** The simulated school date now. */
  today(): IsoDate;
  /** Runs the daily sweep for today, then waits until every case has acted on it. */
  sweep(): Promise<SweepResult>;
  /**
   * Moves on one school day at a time, as production does: the clock passes the day's check time
   * (cases wake on their own timers), every case finishes what it is doing, then the day's sweep
   * runs and every case acts on it.
   */
  advanceSchoolDays(n?: number): Promise<void>;
  caseIdOf(pupilKey: string): Promise<string | null>;
  /** The case as the read model holds it, once the case is quiet (what a manager's page shows). */
  view(pupilKey: string): Promise<CaseView>;
  pending(pupilKey: string): Promise<PendingProposal[]>;
  decide(
    pupilKey: string,
    d: Omit<StepDecision, 'actor'> & { actor?: StepDecision['actor'] },
    opts?: { waitForQuiet?: boolean },
  ): Promise<unknown>;
  record(pupilKey: string, e: Omit<HumanEvent, 'actor'>): Promise<unknown>;
  /** Amends a proposed letter's wording, as the API does: the amended plan, rendered and sealed. */
  amend(pupilKey: string, proposalId: string, text: string): Promise<LetterPlan>;
  /** Records the outcome of one of the case's tasks (by its step id, the open one). */
  completeTask(
    pupilKey: string,
    stepId: string,
    outcome: string,
    opts?: { on?: IsoDate; note?: string; actor?: Actor },
  ): Promise<unknown>;
  /** Approves everything pending on every open case (officer, or manager for manager steps). */
  approveAll(): Promise<number>;
  /** Does every open task with the outcome it has when it goes to plan (the call made, ...). */
  doTasks(): Promise<number>;
  /** Every run of the pupil's case, oldest first (a case continues-as-new at each stage). */
  histories(pupilKey: string): Promise<History[]>;
  /** Waits until every case the school has is quiet (see temporal/quiescence.ts). */
  waitForQuietCases(): Promise<void>;
  /** Stops the worker (abandoning in-flight activities, as a crash would) and starts a new one. */
  restartWorker(mailer?: Mailer): Promise<void>;
  shutdown(): Promise<void>;
}

export const OFFICER = { userId: 'user-officer-1', role: 'officer' as const };
export const MANAGER = { userId: 'user-manager-1', role: 'manager' as const };

/**
 * Bounds on waiting for a case. They are generous because a loaded machine is slow; a wait returns
 * as soon as its condition holds, and a bound that is reached fails the test naming what it awaited.
 */
export const QUIET_TIMEOUT_MS = 60_000;
const CALL_TIMEOUT_MS = 60_000;
/** For a test that moves through many school days: each day may wait up to the bounds above. */
export const SCENARIO_TIMEOUT_MS = 300_000;

/** The UPN the harness gives its i-th pupil (1-based). */
export function upnFor(i: number): string {
  const digits = `8202001${String(i).padStart(5, '0')}`;
  return upnCheckLetter(digits) + digits;
}

export async function startHarness(opts: {
  policy: string | Policy;
  pupils: PupilSpec[];
  start: IsoDate;
  marksUntil?: IsoDate;
  settings?: Partial<CaseSettings>;
  mailer?: 'smtp' | 'outbox';
  wrapActivities?: (acts: Record<string, unknown>) => Record<string, unknown>;
  /** The first worker's mailer (default: SMTP to the test server). */
  workerMailer?: Mailer;
  noStickyCache?: boolean;
  /**
   * Names the scenario's histories when RECORD_HISTORIES=<folder> is set: at shutdown every run of
   * every case is written to test/workflows/histories/<folder>/ for the replay corpus.
   */
  scenario?: string;
  /**
   * The school's MIS and GOV.UK Notify for each worker started (0 the first, 1 after a restart...),
   * given the harness's store. Absent: neither (SMTP and the office's printer, as before).
   */
  integrations?: (db: Db, worker: number) => IntegrationServices;
  /** The MIS client's settings (a short backoff in tests). */
  misClient?: Partial<WondeClientOptions>;
}): Promise<Harness> {
  const env = await startTimeSkippingServer();
  const db = await openDb({ inMemory: true });
  const smtp = await startTestSmtp();
  const calendar = buildCalendar(CALENDAR);
  const policy = typeof opts.policy === 'string' ? loadPolicyFile(opts.policy) : opts.policy;

  // Roster and a year of marks, imported through the real import path.
  const roster = opts.pupils.map((p, i) => ({
    upn: upnFor(i + 1),
    given_name: p.givenName,
    family_name: p.familyName,
    year_group: '5',
    date_of_birth: '2015-05-01',
    contact1_name: p.contacts?.[0]?.name ?? `${p.givenName}'s parent`,
    contact1_email: p.contacts?.[0]?.email ?? `parent.${p.key}@example.org`,
    contact1_phone: p.contacts?.[0]?.phone ?? '',
    contact2_name: p.contacts?.[1]?.name ?? '',
    contact2_email: p.contacts?.[1]?.email ?? '',
    contact2_phone: p.contacts?.[1]?.phone ?? '',
    flags: (p.flags ?? []).join(';'),
    contact1_address: p.contacts?.[0]?.address ?? '',
    contact1_postcode: p.contacts?.[0]?.postcode ?? '',
    contact2_address: p.contacts?.[1]?.address ?? '',
    contact2_postcode: p.contacts?.[1]?.postcode ?? '',
  }));
  const marks: Record<string, string>[] = [];
  const days = calendar.schoolDaysBetween(calendar.firstSchoolDay, opts.marksUntil ?? calendar.lastSchoolDay);
  opts.pupils.forEach((p, i) => {
    days.forEach((date, dayIndex) => {
      for (const session of ['AM', 'PM'] as const) {
        const code = p.mark(date, session, dayIndex);
        if (code) marks.push({ upn: upnFor(i + 1), date, session, code });
      }
    });
  });
  await runImport(db, {
    schoolId: SCHOOL_ID,
    calendar: CALENDAR,
    roster: rowsFromObjects(roster),
    marks: rowsFromObjects(marks),
  });
  const pupilIds = new Map<string, string>();
  for (const [i, p] of opts.pupils.entries()) {
    const { rows } = await db.query<{ id: string }>('SELECT id::text AS id FROM pupils WHERE upn = $1', [
      upnFor(i + 1),
    ]);
    pupilIds.set(p.key, rows[0]!.id);
  }

  // A plain client, not the environment's time-skipping one: awaiting a result through that one
  // unlocks time skipping, and while the sweep runs the clock could then jump to the next timer of
  // any quiet case. Here the clock moves only in advanceSchoolDays.
  const client = signingClient({ connection: env.connection, namespace: env.namespace });
  const realStartMs = await env.currentTimeMs();
  const settings: CaseSettings = {
    timeZone: 'Europe/London',
    checkTime: '16:30',
    remindAfterSchoolDays: 2,
    escalateAfterSchoolDays: 3,
    searchAttributes: false,
    simulation: { realStartMs, simStart: opts.start },
    ...opts.settings,
  };
  const taskQueue = `cases-${randomUUID()}`;
  let workers = 0;
  const launchWorker = async (mailer?: Mailer) => {
    const integrations = opts.integrations?.(db, workers++);
    let activities = buildActivities({
      db,
      temporal: client,
      taskQueue,
      caseSettings: settings,
      policyForSchool: async () => policy,
      smtpUrl: opts.mailer === 'outbox' ? undefined : smtp.url,
      mailFrom: 'Harbour Lane Attendance <attendance@harbour.example>',
      mailer,
      outboxLeaseSeconds: 2,
      actorKeys: testActorKeys,
      ...(integrations ? { integrations } : {}),
      ...(opts.misClient ? { misClient: opts.misClient } : {}),
    });
    if (opts.wrapActivities) activities = opts.wrapActivities(activities) as typeof activities;
    const w = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities,
      // A worker told to stop gives in-flight activities a moment, then stops regardless: the
      // crash tests rely on this to abandon a send that hangs.
      shutdownGraceTime: '200ms',
      shutdownForceTime: '3s',
      // Without a workflow cache there is no sticky queue pointing at a dead worker: the time-
      // skipping server, unlike a real one, would hold queries for it instead of timing out.
      ...(opts.noStickyCache ? { maxCachedWorkflows: 0 } : {}),
    });
    return { worker: w, running: w.run() };
  };
  let current = await launchWorker(opts.workerMailer);

  const simNowMs = async () =>
    instantOfSchoolTime(opts.start, settings.checkTime, settings.timeZone) +
    ((await env.currentTimeMs()) - realStartMs);
  let todayCache = opts.start;

  // Every case the school has had, from the sweeps that opened them: none goes unwatched, even
  // before it has projected itself into the read model.
  const knownCases = new Set<string>();
  const waitForQuietCase = (caseId: string) =>
    waitUntilQuiet(client, caseId, { timeoutMs: QUIET_TIMEOUT_MS });
  const waitForQuietCases = async () => {
    for (const id of knownCases) await waitForQuietCase(id);
  };

  const caseIdOf = async (key: string) => {
    const pupilId = pupilIds.get(key);
    if (!pupilId) throw new Error(`no pupil "${key}" in this school`);
    const { rows } = await db.query<{ case_id: string }>(
      `SELECT case_id FROM cases WHERE pupil_id = $1 ORDER BY opened_on DESC LIMIT 1`,
      [pupilId],
    );
    return rows[0]?.case_id ?? null;
  };
  const requireCase = async (key: string) => {
    const id = await caseIdOf(key);
    if (!id) throw new Error(`${key} has no case in the read model on ${todayCache}`);
    return id;
  };
  const readView = async (caseId: string): Promise<CaseView> => {
    const { rows } = await db.query<{ view: CaseView }>('SELECT view FROM cases WHERE case_id = $1', [
      caseId,
    ]);
    if (!rows[0]) throw new Error(`case ${caseId} is not in the read model`);
    return rows[0].view;
  };
  /** An Update sent to a quiet case; by default it returns once the case has acted on it. */
  const update = async <R>(
    caseId: string,
    what: string,
    call: () => Promise<R>,
    waitAfter = true,
  ): Promise<R> => {
    await waitForQuietCase(caseId);
    const res = await withDeadline(call(), CALL_TIMEOUT_MS, `${what} on ${caseId}`);
    if (waitAfter) await waitForQuietCase(caseId);
    return res;
  };

  /** Writes every run of every case to the replay corpus (see `scenario`). */
  /** The sweeps run so far, by workflow id (for recording). */
  const sweepIds: string[] = [];
  let handleOfLastSweep = '';
  const recordHistories = async (folder: string) => {
    if (!opts.scenario) throw new Error('RECORD_HISTORIES needs the harness to be given a scenario name');
    const dir = join(HISTORIES_DIR, folder);
    mkdirSync(dir, { recursive: true });
    // The scenario's first sweep too: the school sweep workflow has versions of its own.
    if (sweepIds[0]) {
      const sweep = await client.workflow.getHandle(sweepIds[0]).fetchHistory();
      const file = `${opts.scenario}-school-sweep.binpb.gz`;
      writeFileSync(join(dir, file), gzipSync(HistoryProto.encode(sweep).finish(), { level: 9 }));
    }
    const keyOf = new Map([...pupilIds].map(([key, id]) => [id, key]));
    for (const caseId of [...knownCases].sort()) {
      await waitForQuietCase(caseId);
      const pupilKey = keyOf.get(caseId.split('-').slice(2, 7).join('-')) ?? 'pupil';
      const opened = caseId.slice(-8);
      const runs = await historiesOf(caseId);
      runs.forEach((history, i) => {
        const file = `${opts.scenario}-${pupilKey}-${opened}-run${String(i + 1).padStart(2, '0')}.binpb.gz`;
        writeFileSync(join(dir, file), gzipSync(HistoryProto.encode(history).finish(), { level: 9 }));
      });
    }
  };
  const historiesOf = async (caseId: string) => {
    const runs: History[] = [];
    let runId: string | undefined = undefined;
    do {
      const history: History = await client.workflow.getHandle(caseId, runId).fetchHistory();
      runs.unshift(history);
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      runId = started?.continuedExecutionRunId || undefined;
    } while (runId);
    return runs;
  };

  const h: Harness = {
    settings,
    taskQueue,
    env,
    client,
    db,
    smtp,
    calendar,
    policy,
    pupilIds,
    today: () => todayCache,
    async sweep() {
      await waitForQuietCases();
      const res = await withDeadline(
        client.workflow.execute(schoolSweep, {
          taskQueue,
          workflowId: (handleOfLastSweep = `sweep-${SCHOOL_ID}-${todayCache}-${randomUUID()}`),
          args: [{ schoolId: SCHOOL_ID, asOf: todayCache }],
        }),
        CALL_TIMEOUT_MS,
        `the sweep of ${todayCache}`,
      );
      for (const id of res.openedCaseIds) knownCases.add(id);
      sweepIds.push(handleOfLastSweep);
      await waitForQuietCases();
      return res;
    },
    async advanceSchoolDays(n = 1) {
      for (let i = 0; i < n; i++) {
        const target = calendar.addSchoolDays(todayCache, 1);
        const targetMs = instantOfSchoolTime(target, settings.checkTime, settings.timeZone) + 60_000;
        const nowMs = await simNowMs();
        if (targetMs > nowMs) await env.sleep(targetMs - nowMs);
        todayCache = schoolDateAt(await simNowMs(), settings.timeZone);
        if (todayCache !== target)
          throw new Error(`expected to reach ${target}, the clock says ${todayCache}`);
        await h.sweep();
      }
    },
    caseIdOf,
    async view(key) {
      const id = await requireCase(key);
      await waitForQuietCase(id);
      return readView(id);
    },
    async pending(key) {
      return (await h.view(key)).pending;
    },
    async decide(key, d, opts) {
      const id = await requireCase(key);
      return update(
        id,
        `decision on ${d.proposalId}`,
        () => client.workflow.getHandle(id).executeUpdate(decideStep, { args: [{ actor: OFFICER, ...d }] }),
        opts?.waitForQuiet ?? true,
      );
    },
    async record(key, e) {
      const id = await requireCase(key);
      return update(id, `recording ${e.event.type}`, () =>
        client.workflow.getHandle(id).executeUpdate(recordEvent, { args: [{ actor: OFFICER, ...e }] }),
      );
    },
    async amend(key, proposalId, text) {
      const v = await h.view(key);
      const proposal = v.pending.find((p) => p.proposalId === proposalId);
      if (proposal?.plan?.kind !== 'letter' && proposal?.plan?.kind !== 'message') {
        throw new Error(`${key} has no letter or message waiting as ${proposalId}`);
      }
      const amended = await amendLetterPlan(
        db,
        proposal.plan,
        { schoolId: SCHOOL_ID, pupilId: v.pupilId, channel: proposal.step.channel },
        text,
      );
      await h.decide(key, { proposalId, decision: 'amend', amendedPlan: amended, planHash: amended.hash });
      return amended;
    },
    async completeTask(key, stepId, outcome, opts = {}) {
      const id = await requireCase(key);
      const v = await h.view(key);
      const task = v.tasks?.find((t) => t.stepId === stepId && t.status === 'open');
      if (!task) throw new Error(`${key}'s case has no open task for ${stepId}`);
      return update(id, `the outcome of "${task.title}"`, () =>
        client.workflow.getHandle(id).executeUpdate(completeTask, {
          args: [
            {
              actor: opts.actor ?? OFFICER,
              taskId: task.taskId,
              outcome,
              ...(opts.on ? { on: opts.on } : {}),
              ...(opts.note ? { note: opts.note } : {}),
            },
          ],
        }),
      );
    },
    async approveAll() {
      await waitForQuietCases();
      let n = 0;
      const { rows } = await db.query<{ case_id: string; view: CaseView }>(
        `SELECT case_id, view FROM cases WHERE status <> 'closed' AND pending_approvals > 0 ORDER BY case_id`,
      );
      for (const { case_id, view } of rows) {
        for (const p of view.pending) {
          await update(case_id, `approval of "${p.step.title}"`, () =>
            client.workflow.getHandle(case_id).executeUpdate(decideStep, {
              args: [
                {
                  proposalId: p.proposalId,
                  decision: 'approve',
                  actor: p.approver === 'manager' ? MANAGER : OFFICER,
                  ...(p.plan ? { planHash: p.plan.hash } : {}),
                },
              ],
            }),
          );
          n++;
        }
      }
      return n;
    },
    async doTasks() {
      await waitForQuietCases();
      return doOpenTasks(db, client, { schoolIds: [SCHOOL_ID], actor: MANAGER, timeoutMs: QUIET_TIMEOUT_MS });
    },
    waitForQuietCases,
    async histories(key) {
      return historiesOf(await requireCase(key));
    },
    async restartWorker(mailer) {
      current.worker.shutdown();
      await current.running.catch(() => undefined); // the abandoned worker's own end is not the test
      current = await launchWorker(mailer);
    },
    async shutdown() {
      const folder = process.env.RECORD_HISTORIES;
      if (folder) await recordHistories(folder);
      if (current.worker.getState() === 'RUNNING') current.worker.shutdown();
      await current.running.catch(() => undefined);
      await smtp.close();
      await db.close();
      await env.teardown();
    },
  };
  return h;
}

/** Every school day present, except where `absent(date)` says which code to use. */
export function markPattern(
  absent: (date: IsoDate, session: 'AM' | 'PM', dayIndex: number) => string | null,
) {
  return (date: IsoDate, session: 'AM' | 'PM', dayIndex: number): string =>
    absent(date, session, dayIndex) ?? (session === 'AM' ? '/' : '\\');
}

/** The attempt on which each `sendPlannedLetter` activity of the case finally ran. */
export function sendAttempts(histories: History[]): number[] {
  const attempts: number[] = [];
  for (const h of histories) {
    const sends = new Set(
      (h.events ?? [])
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendPlannedLetter')
        .map((e) => String(e.eventId)),
    );
    for (const e of h.events ?? []) {
      const started = e.activityTaskStartedEventAttributes;
      if (started && sends.has(String(started.scheduledEventId))) attempts.push(started.attempt ?? 0);
    }
  }
  return attempts;
}
