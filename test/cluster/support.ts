// The production shape for tests: Temporal's four services as separate processes on a PostgreSQL
// server of the test's own (temporal/cluster), the app's store on the same server, a real SMTP server,
// and the real case workflows and activities. The school's clock may run fast (simulation.rate): a
// real server cannot skip time, so a school day passes in about a second, on the same durable timers.
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, type Client } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { buildCalendar } from '../../domain/calendar';
import type { Policy } from '../../domain/policy/schema';
import type { IsoDate } from '../../domain/types';
import { loadPolicyFile } from '../../policies';
import { openDb, type Db } from '../../store/db';
import { runImport } from '../../store/imports';
import { rowsFromObjects } from '../../store/rows';
import { upnCheckLetter } from '../../store/validate';
import { startLocalCluster, type LocalCluster } from '../../temporal/cluster/cluster';
import { freeClusterPorts } from '../../temporal/cluster/services';
import { freePort } from '../../temporal/provision';
import { buildActivities } from '../../worker/activityDeps';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import type { CaseSettings } from '../../workflows/caseInput';
import { signingClient, testActorKeys } from '../support/actorKeys';
import { startTestSmtp, type TestSmtp } from '../support/smtp';
import { CALENDAR, SCHOOL_ID } from '../workflows/harness';

export { SCHOOL_ID };
export type History = temporal.api.history.v1.IHistory;
export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * One school day per 3 real seconds. With the check at 01:00 a case that wakes up to 2.9 s late
 * (a loaded machine) still acts on the right school date.
 */
export const FAST_SCHOOL_CLOCK = (24 * 3600) / 3;

export interface TestCluster {
  cluster: LocalCluster;
  client: Client;
  db: Db;
  smtp: TestSmtp;
  dir: string;
  stop(): Promise<void>;
}

export async function startTestCluster(): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'cluster-'));
  // As root, PostgreSQL runs as `postgres`, which must be able to reach its data directory.
  await chmod(dir, 0o755);
  const cluster = await startLocalCluster({
    dataDir: dir,
    ports: await freeClusterPorts(),
    postgresPort: await freePort(),
    logLevel: 'error',
  });
  const connection = await Connection.connect({ address: cluster.address });
  const client = signingClient({ connection, namespace: cluster.namespace });
  const db = await openDb({ databaseUrl: cluster.appDatabaseUrl });
  const smtp = await startTestSmtp();
  return {
    cluster,
    client,
    db,
    smtp,
    dir,
    stop: async () => {
      await smtp.close();
      await db.close();
      await connection.close();
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface PupilMarks {
  givenName: string;
  familyName: string;
  email: string;
  /** The register code for a session (every school day of the year is marked). */
  mark: (date: IsoDate, session: 'AM' | 'PM', dayIndex: number) => string;
}

/** Imports the school (Harbour Lane's calendar) and its pupils through the real import; returns pupil ids by UPN order. */
export async function importSchool(db: Db, pupils: PupilMarks[]): Promise<string[]> {
  const calendar = buildCalendar(CALENDAR);
  const upn = (i: number) => {
    const body = `8201${String(i).padStart(8, '0')}`;
    return upnCheckLetter(body) + body;
  };
  const days = calendar.schoolDaysBetween(calendar.firstSchoolDay, calendar.lastSchoolDay);
  await runImport(db, {
    schoolId: SCHOOL_ID,
    calendar: CALENDAR,
    roster: rowsFromObjects(
      pupils.map((p, i) => ({
        upn: upn(i + 1),
        given_name: p.givenName,
        family_name: p.familyName,
        year_group: '5',
        date_of_birth: '2015-05-01',
        contact1_name: `${p.givenName}'s parent`,
        contact1_email: p.email,
        contact1_phone: '',
        contact2_name: '',
        contact2_email: '',
        contact2_phone: '',
        flags: '',
      })),
    ),
    marks: rowsFromObjects(
      pupils.flatMap((p, i) =>
        days.flatMap((date, dayIndex) =>
          (['AM', 'PM'] as const).map((session) => ({
            upn: upn(i + 1),
            date,
            session,
            code: p.mark(date, session, dayIndex),
          })),
        ),
      ),
    ),
  });
  const ids: string[] = [];
  for (let i = 0; i < pupils.length; i++) {
    const { rows } = await db.query<{ id: string }>('SELECT id::text AS id FROM pupils WHERE upn = $1', [
      upn(i + 1),
    ]);
    ids.push(rows[0]!.id);
  }
  return ids;
}

export interface CaseWorker {
  worker: Worker;
  running: Promise<void>;
  taskQueue: string;
  settings: CaseSettings;
  /** Sets the school's clock to `simStart` at 01:00 now (the activities and new cases share the settings). */
  startClock(): void;
  stop(): Promise<void>;
}

/** A worker for the school's cases, its clock starting at `simStart` (fast by default). */
export async function startCaseWorker(
  t: TestCluster,
  opts: { policy: string | Policy; simStart: IsoDate; rate?: number; taskQueue?: string },
): Promise<CaseWorker> {
  const policy = typeof opts.policy === 'string' ? loadPolicyFile(opts.policy) : opts.policy;
  const taskQueue = opts.taskQueue ?? `cases-${randomUUID()}`;
  const settings: CaseSettings = {
    timeZone: 'Europe/London',
    checkTime: '01:00',
    remindAfterSchoolDays: 2,
    escalateAfterSchoolDays: 3,
    searchAttributes: true,
    simulation: { realStartMs: Date.now(), simStart: opts.simStart, rate: opts.rate ?? FAST_SCHOOL_CLOCK },
  };
  const connection = await NativeConnection.connect({ address: t.cluster.address });
  const worker = await Worker.create({
    connection,
    namespace: t.cluster.namespace,
    taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: buildActivities({
      db: t.db,
      temporal: t.client,
      taskQueue,
      caseSettings: settings,
      policyForSchool: async () => policy,
      smtpUrl: t.smtp.url,
      mailFrom: 'Harbour Lane Attendance <attendance@harbour.example>',
      actorKeys: testActorKeys,
    }),
  });
  const running = worker.run();
  return {
    worker,
    running,
    taskQueue,
    settings,
    startClock: () => {
      settings.simulation!.realStartMs = Date.now();
    },
    stop: async () => {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    },
  };
}

/** Each run's timers: how many times each timer id was started, and how many times it fired. */
export function timers(histories: History[]) {
  return histories.map((h) => {
    const started = new Map<string, number>();
    const fired = new Map<string, number>();
    for (const e of h.events ?? []) {
      const s = e.timerStartedEventAttributes?.timerId;
      if (s) started.set(s, (started.get(s) ?? 0) + 1);
      const f = e.timerFiredEventAttributes?.timerId;
      if (f) fired.set(f, (fired.get(f) ?? 0) + 1);
    }
    return { started, fired };
  });
}

/**
 * Every run of a workflow (a case continues-as-new at each stage), oldest first: from the latest run
 * back along each run's "continued from" link, so none is missed while visibility catches up.
 */
export async function historiesOf(client: Client, workflowId: string): Promise<History[]> {
  const out: History[] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    out.unshift(history);
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    runId = started?.continuedExecutionRunId || undefined;
    if (!runId) return out;
  }
}

export const eventName = (e: HistoryEvent) =>
  proto.temporal.api.enums.v1.EventType[e.eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? String(e.eventType);

/** Polls `check` until it returns a value, or throws naming what was awaited. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
