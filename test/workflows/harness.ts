// A school on a real time-skipping Temporal server, a real embedded PostgreSQL and a real SMTP
// server, with the real case workflows and activities. Tests move the school day by day.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
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
import type { CaseView, PendingProposal, StepDecision } from '../../workflows/caseMessages';
import { decideStep, getCaseView, recordEvent, type HumanEvent } from '../../workflows/caseMessages';
import type { CaseSettings } from '../../workflows/attendanceCase';
import type { Mailer } from '../../messaging/types';
import { within } from '../../scripts/simulation/runSimulation';
import { startTimeSkippingServer } from '../support/temporal';
import { startTestSmtp, type TestSmtp } from '../support/smtp';

export const SCHOOL_ID = 'TS1001';

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
  contacts?: { name: string; email?: string; phone?: string }[];
  /** The register code for a session; return null for no mark. */
  mark: (date: IsoDate, session: 'AM' | 'PM', dayIndex: number) => string | null;
}

export interface Harness {
  env: TestWorkflowEnvironment;
  db: Db;
  smtp: TestSmtp;
  calendar: SchoolCalendar;
  policy: Policy;
  pupilIds: Map<string, string>;
  /** The simulated school date now. */
  today(): IsoDate;
  /** Runs the daily sweep for today and returns its result. */
  sweep(): Promise<{ opened: number; updated: number; evaluated: number }>;
  /** Moves to the next school day (or n school days), letting timers fire. */
  advanceSchoolDays(n?: number): Promise<void>;
  caseIdOf(pupilKey: string): Promise<string | null>;
  view(pupilKey: string): Promise<CaseView>;
  /** The case's view once `until` holds (activities take real time even when timers do not). */
  viewWhen(pupilKey: string, until: (v: CaseView) => boolean, timeoutMs?: number): Promise<CaseView>;
  pending(pupilKey: string): Promise<PendingProposal[]>;
  decide(
    pupilKey: string,
    d: Omit<StepDecision, 'actor'> & { actor?: StepDecision['actor'] },
  ): Promise<unknown>;
  record(pupilKey: string, e: Omit<HumanEvent, 'actor'>): Promise<unknown>;
  /** Approves everything pending on every open case (officer, or manager for manager steps). */
  approveAll(): Promise<number>;
  /** Stops the worker (abandoning in-flight activities, as a crash would) and starts a new one. */
  restartWorker(mailer?: Mailer): Promise<void>;
  shutdown(): Promise<void>;
}

export const OFFICER = { userId: 'user-officer-1', role: 'officer' as const };
export const MANAGER = { userId: 'user-manager-1', role: 'manager' as const };

function upnFor(i: number): string {
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
  const launchWorker = async (mailer?: Mailer) => {
    let activities = buildActivities({
      db,
      temporal: env.client,
      taskQueue,
      caseSettings: settings,
      policyForSchool: async () => policy,
      now: () => new Date(0), // the workflow's (simulated) date already sets the earliest meeting day
      smtpUrl: opts.mailer === 'outbox' ? undefined : smtp.url,
      mailFrom: 'Harbour Lane Attendance <attendance@harbour.example>',
      mailer,
      outboxLeaseSeconds: 2,
    });
    if (opts.wrapActivities) activities = opts.wrapActivities(activities) as typeof activities;
    const w = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities,
      // A worker told to stop gives in-flight activities a moment, then stops regardless: the
      // crash test relies on this to abandon a send that hangs.
      shutdownGraceTime: '200ms',
      shutdownForceTime: '3s',
      // Without a workflow cache there is no sticky queue pointing at a dead worker: the time-
      // skipping server, unlike a real one, would hold queries for it instead of timing out.
      ...(opts.noStickyCache ? { maxCachedWorkflows: 0 } : {}),
    });
    return { worker: w, running: w.run() };
  };
  let current = await launchWorker(opts.workerMailer);

  const simNow = async () => {
    const { instantOfSchoolTime, schoolDateAt } = await import('../../domain/time');
    const ms =
      instantOfSchoolTime(opts.start, settings.checkTime, settings.timeZone) +
      ((await env.currentTimeMs()) - realStartMs);
    return schoolDateAt(ms, settings.timeZone);
  };
  let todayCache = opts.start;

  const caseIdOf = async (key: string) => {
    const { rows } = await db.query<{ case_id: string }>(
      `SELECT case_id FROM cases WHERE pupil_id = $1 ORDER BY opened_on DESC LIMIT 1`,
      [pupilIds.get(key)],
    );
    return rows[0]?.case_id ?? null;
  };
  const handleOf = async (key: string) => {
    // A case projects itself moments after it opens; give it a little real time.
    for (let i = 0; i < 100; i++) {
      const id = await caseIdOf(key);
      if (id) return env.client.workflow.getHandle(id);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no case for ${key}`);
  };
  // Let workflow tasks and activities settle: time-skipping only moves when everything is idle.
  const settle = () => env.sleep(1);

  const h: Harness = {
    env,
    db,
    smtp,
    calendar,
    policy,
    pupilIds,
    today: () => todayCache,
    async sweep() {
      const res = await env.client.workflow.execute('schoolSweep', {
        taskQueue,
        workflowId: `sweep-${SCHOOL_ID}-${randomUUID()}`,
        args: [{ schoolId: SCHOOL_ID, asOf: todayCache }],
      });
      await settle();
      return res as { opened: number; updated: number; evaluated: number };
    },
    async advanceSchoolDays(n = 1) {
      const target = calendar.addSchoolDays(todayCache, n);
      const { instantOfSchoolTime } = await import('../../domain/time');
      const targetMs = instantOfSchoolTime(target, settings.checkTime, settings.timeZone) + 60_000;
      const nowMs =
        instantOfSchoolTime(opts.start, settings.checkTime, settings.timeZone) +
        ((await env.currentTimeMs()) - realStartMs);
      if (targetMs > nowMs) await env.sleep(targetMs - nowMs);
      todayCache = await simNow();
      await settle();
    },
    caseIdOf,
    async view(key) {
      return (await handleOf(key)).query(getCaseView);
    },
    async viewWhen(key, until, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let v = await h.view(key);
      while (!until(v) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        v = await h.view(key);
      }
      return v;
    },
    async pending(key) {
      return (await h.view(key)).pending;
    },
    // After a decision the case may act and continue-as-new; let it settle before the next call,
    // as a person would (the time-skipping server does not redirect an Update to the new run).
    async decide(key, d) {
      const res = await (await handleOf(key)).executeUpdate(decideStep, { args: [{ actor: OFFICER, ...d }] });
      await settle();
      return res;
    },
    async record(key, e) {
      const res = await (
        await handleOf(key)
      ).executeUpdate(recordEvent, { args: [{ actor: OFFICER, ...e }] });
      await settle();
      return res;
    },
    async approveAll() {
      let n = 0;
      const { rows } = await db.query<{ case_id: string }>(
        `SELECT case_id FROM cases WHERE status <> 'closed' AND pending_approvals > 0`,
      );
      for (const { case_id } of rows) {
        const handle = env.client.workflow.getHandle(case_id);
        // The projection can lag a case that has just moved on (and continued-as-new); the
        // time-skipping server may then never answer a call aimed at the finished run. Such a
        // case is simply looked at again on the next day.
        const view = await within(handle.query(getCaseView), 10_000);
        for (const p of view?.pending ?? []) {
          const done = await within(
            handle.executeUpdate(decideStep, {
              args: [
                {
                  proposalId: p.proposalId,
                  decision: 'approve',
                  actor: p.approver === 'manager' ? MANAGER : OFFICER,
                },
              ],
            }),
            10_000,
          );
          if (done) n++;
        }
      }
      if (n) await settle();
      return n;
    },
    async restartWorker(mailer) {
      current.worker.shutdown();
      await current.running.catch(() => undefined);
      current = await launchWorker(mailer);
    },
    async shutdown() {
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
