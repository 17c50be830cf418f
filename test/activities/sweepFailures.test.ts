// The evening sweep when one pupil's case cannot be reached. Harbour Lane's sweep opened Joanna's
// case; an operator then stopped its workflow in Temporal (terminated), so the read model still
// shows it open but nothing can take her new figures. Two pupils join the roster and Joanna's
// register is corrected, and the sweep runs again: Bilal and Carys still get their cases, Joanna
// is reported by her opaque id (no name), and, her figures not being recorded as sent, the next
// sweep tries her case again. A real time-skipping Temporal server (whose clock moves only when
// told, so the cases wait where they are), the real workflows and activities, PGlite in memory.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { SweepResult } from '../../activities/caseData';
import { buildCalendar } from '../../domain/calendar';
import type { IsoDate } from '../../domain/types';
import { loadPolicyFile } from '../../policies';
import { getCaseRow } from '../../store/cases';
import { openDb, type Db } from '../../store/db';
import { rowsFromObjects, runImport } from '../../store/imports';
import { upnCheckLetter } from '../../store/validate';
import { waitUntilQuiet } from '../../temporal/quiescence';
import { buildActivities } from '../../worker/activityDeps';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import { schoolSweep } from '../../workflows/schoolSweep';
import { startTimeSkippingServer } from '../support/temporal';
import { CALENDAR, SCHOOL_ID, markPattern } from '../workflows/harness';

const START: IsoDate = '2025-11-17'; // a Monday
/** Bound for a sweep or a case to finish what it is doing (well under a second when idle). */
const WAIT_MS = 60_000;

type Mark = ReturnType<typeof markPattern>;
/** About 92% all year, an unauthorised absence every sixth morning: Stage One. */
const stageOne: Mark = markPattern((_d, s, i) => (i % 6 === 0 && s === 'AM' ? 'O' : null));
/** The same, with the first absence of the year re-coded as illness once the note came in. */
const stageOneCorrected: Mark = markPattern((_d, s, i) =>
  i % 6 === 0 && s === 'AM' ? (i === 0 ? 'I' : 'O') : null,
);
const alwaysThere: Mark = markPattern(() => null);

const PUPILS = {
  joanna: { n: 1, given: 'Joanna', family: 'Pryce' },
  olu: { n: 2, given: 'Olumide', family: 'Adeyemi' },
  bilal: { n: 3, given: 'Bilal', family: 'Hussain' },
  carys: { n: 4, given: 'Carys', family: 'Vaughan' },
};
type PupilKey = keyof typeof PUPILS;
const NAMES = /Joanna|Pryce|Olumide|Adeyemi|Bilal|Hussain|Carys|Vaughan/;

function upnFor(n: number): string {
  const digits = `8202004${String(n).padStart(5, '0')}`;
  return upnCheckLetter(digits) + digits;
}

const calendar = buildCalendar(CALENDAR);
const DAYS = calendar.schoolDaysBetween(calendar.firstSchoolDay, START);

/** The school's roster (these pupils) and their registers up to START, through the real import. */
async function importPupils(db: Db, marks: Partial<Record<PupilKey, Mark>>): Promise<void> {
  const keys = Object.keys(marks) as PupilKey[];
  await runImport(db, {
    schoolId: SCHOOL_ID,
    calendar: CALENDAR,
    roster: rowsFromObjects(
      keys.map((k) => ({
        upn: upnFor(PUPILS[k].n),
        given_name: PUPILS[k].given,
        family_name: PUPILS[k].family,
        year_group: '5',
        date_of_birth: '2015-05-01',
        contact1_name: `Parent ${PUPILS[k].family}`,
        contact1_email: `parent.${k}@example.org`,
        contact1_phone: '',
        contact2_name: '',
        contact2_email: '',
        contact2_phone: '',
        flags: '',
      })),
    ),
    marks: rowsFromObjects(
      keys.flatMap((k) =>
        DAYS.flatMap((date, i) =>
          (['AM', 'PM'] as const).map((session) => ({
            upn: upnFor(PUPILS[k].n),
            date,
            session,
            code: marks[k]!(date, session, i),
          })),
        ),
      ),
    ),
  });
}

let env: TestWorkflowEnvironment;
let client: Client;
let db: Db;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `sweep-failures-${randomUUID()}`;
const pupilIds = {} as Record<PupilKey, string>;
/** How many times the sweep has tried to signal each case (workflow id -> attempts). */
const signalsTried = new Map<string, number>();

/** Counts the sweep's signals on their way to the server; every call goes through unchanged. */
const countSignals: WorkflowClientInterceptor = {
  async signal(input, next) {
    const id = input.workflowExecution.workflowId;
    signalsTried.set(id, (signalsTried.get(id) ?? 0) + 1);
    return next(input);
  },
};

/** Runs the school's sweep for START as the daily Schedule would, and waits for its result. */
async function sweep(): Promise<SweepResult> {
  const handle = await client.workflow.start(schoolSweep, {
    taskQueue,
    workflowId: `sweep-${SCHOOL_ID}-${START}-${randomUUID()}`,
    args: [{ schoolId: SCHOOL_ID, asOf: START }],
  });
  // A sweep whose activity fails is retried, not finished: this names the failure if so.
  await waitUntilQuiet(client, handle.workflowId, { timeoutMs: WAIT_MS });
  return handle.result();
}

/** The pupil's case once it has done what it does on opening and is in the read model. */
async function caseInReadModel(caseId: string) {
  await waitUntilQuiet(client, caseId, { timeoutMs: WAIT_MS });
  const row = await getCaseRow(db, caseId);
  if (!row) throw new Error(`case ${caseId} is quiet but not in the read model`);
  return row;
}

async function pupilIdOf(key: PupilKey): Promise<string> {
  const { rows } = await db.query<{ id: string }>('SELECT id::text AS id FROM pupils WHERE upn = $1', [
    upnFor(PUPILS[key].n),
  ]);
  return rows[0]!.id;
}

const caseIdOf = (key: PupilKey) => `case-${SCHOOL_ID}-${pupilIds[key]}-${START.replaceAll('-', '')}`;

let second: SweepResult;

beforeAll(async () => {
  env = await startTimeSkippingServer();
  db = await openDb({ inMemory: true });
  await importPupils(db, { joanna: stageOne, olu: alwaysThere });
  pupilIds.joanna = await pupilIdOf('joanna');

  // A plain client, not the environment's time-skipping one: the clock stays where it is, so the
  // cases opened here wait for their next check.
  client = new Client({
    connection: env.connection,
    namespace: env.namespace,
    interceptors: { workflow: [countSignals] },
  });
  const policy = loadPolicyFile('bradford-staged-intervention');
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: buildActivities({
      db,
      temporal: client,
      taskQueue,
      caseSettings: {
        timeZone: 'Europe/London',
        checkTime: '16:30',
        remindAfterSchoolDays: 2,
        escalateAfterSchoolDays: 3,
        searchAttributes: false,
        simulation: { realStartMs: await env.currentTimeMs(), simStart: START },
      },
      policyForSchool: async () => policy,
      smtpUrl: undefined,
      mailFrom: 'attendance@harbour.example',
    }),
  });
  running = worker.run();

  // Monday evening: the sweep opens Joanna's case.
  expect(await sweep()).toMatchObject({ opened: 1, openedCaseIds: [caseIdOf('joanna')], failed: [] });
  expect((await caseInReadModel(caseIdOf('joanna'))).status).toBe('open');
  // An operator stops her case's workflow; the read model still shows it open.
  await client.workflow.getHandle(caseIdOf('joanna')).terminate('stopped by an operator');

  // Bilal and Carys join the roster, and one of Joanna's absences is re-coded as illness: her
  // figures have changed, so the sweep has something to send her case.
  await importPupils(db, {
    joanna: stageOneCorrected,
    olu: alwaysThere,
    bilal: stageOne,
    carys: stageOne,
  });
  pupilIds.bilal = await pupilIdOf('bilal');
  pupilIds.carys = await pupilIdOf('carys');
  signalsTried.clear();
  second = await sweep();
}, 240_000);

afterAll(async () => {
  worker?.shutdown();
  await running?.catch(() => undefined);
  await db?.close();
  await env?.teardown();
});

describe('the evening sweep when one pupil’s case cannot be reached', { timeout: 2 * WAIT_MS }, () => {
  it('still opens the cases of the rest of the school', async () => {
    expect(second).toMatchObject({ evaluated: 4, opened: 2, updated: 0, unchanged: 0 });
    expect([...second.openedCaseIds].sort()).toEqual([caseIdOf('bilal'), caseIdOf('carys')].sort());
    for (const key of ['bilal', 'carys'] as const) {
      const row = await caseInReadModel(caseIdOf(key));
      expect(row, `${PUPILS[key].given}'s case`).toMatchObject({ status: 'open', stageId: 'stage-one' });
    }
  });

  it('reports the pupil whose case it could not reach, by id and reason, with no names', () => {
    expect(second.failed).toEqual([
      { pupilId: pupilIds.joanna, error: expect.stringMatching(/^WorkflowNotFoundError: /) },
    ]);
    expect(JSON.stringify(second)).not.toMatch(NAMES);
  });

  it('tries the case once more after the rest of the school before giving up', () => {
    expect(signalsTried.get(caseIdOf('joanna'))).toBe(2);
  });

  it('tries her case again at the next sweep, the others having nothing new', async () => {
    for (const key of ['bilal', 'carys'] as const) await caseInReadModel(caseIdOf(key));
    signalsTried.clear();
    const next = await sweep();
    expect(next).toMatchObject({ evaluated: 4, opened: 0, updated: 0, unchanged: 2 });
    expect(next.failed.map((f) => f.pupilId)).toEqual([pupilIds.joanna]);
    expect(signalsTried.get(caseIdOf('joanna'))).toBe(2);
  });
});
