// On the dev server (the same server `npm start` runs): the daily sweep's schedule, typed search
// attributes for listing cases, and no personal data in workflow ids or search attributes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { loadPolicyFile } from '../../policies';
import { openDb, type Db } from '../../store/db';
import { runImport } from '../../store/imports';
import { rowsFromObjects } from '../../store/rows';
import { upnCheckLetter } from '../../store/validate';
import { ensureSweepSchedule, sweepScheduleId } from '../../temporal/schedules';
import { buildActivities } from '../../worker/activityDeps';
import { WORKFLOWS_PATH } from '../../worker/createWorker';
import { buildCalendar } from '../../domain/calendar';
import { startDevServer } from '../support/temporal';
import { CALENDAR, SCHOOL_ID } from './harness';

const START = '2025-11-17';
const UPN = upnCheckLetter('820200199999') + '820200199999';

describe('cases on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `dev-${randomUUID()}`;

  beforeAll(async () => {
    env = await startDevServer();
    db = await openDb({ inMemory: true });
    const calendar = buildCalendar(CALENDAR);
    const marks = calendar.schoolDaysBetween(calendar.firstSchoolDay, START).flatMap((date, i) =>
      (['AM', 'PM'] as const).map((session) => ({
        upn: UPN,
        date,
        session,
        code: i % 5 === 0 ? 'O' : session === 'AM' ? '/' : '\\',
      })),
    );
    await runImport(db, {
      schoolId: SCHOOL_ID,
      calendar: CALENDAR,
      roster: rowsFromObjects([
        {
          upn: UPN,
          given_name: 'Zara',
          family_name: 'Quinn',
          year_group: '6',
          date_of_birth: '2014-09-09',
          contact1_name: 'Mo Quinn',
          contact1_email: 'mo.quinn@example.org',
          contact1_phone: '',
          contact2_name: '',
          contact2_email: '',
          contact2_phone: '',
          flags: 'cp',
        },
      ]),
      marks: rowsFromObjects(marks),
    });
    const policy = loadPolicyFile('bradford-staged-intervention');
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: buildActivities({
        db,
        temporal: env.client,
        taskQueue,
        caseSettings: {
          timeZone: 'Europe/London',
          checkTime: '16:30',
          remindAfterSchoolDays: 2,
          escalateAfterSchoolDays: 3,
          searchAttributes: true,
          simulation: { realStartMs: Date.now(), simStart: START },
        },
        policyForSchool: async () => policy,
        smtpUrl: undefined,
        mailFrom: 'attendance@school.invalid',
      }),
    });
    running = worker.run();
    await env.client.workflow.execute('schoolSweep', {
      taskQueue,
      workflowId: `sweep-${randomUUID()}`,
      args: [{ schoolId: SCHOOL_ID, asOf: START }],
    });
  }, 120_000);

  afterAll(async () => {
    worker?.shutdown();
    await running?.catch(() => undefined);
    await db?.close();
    await env?.teardown();
  });

  it('lists the case by school, stage and pending approvals; ids and attributes carry no personal data', async () => {
    const query = `SchoolId = '${SCHOOL_ID}' AND CaseStage = 'stage-two' AND PendingApprovals > 0`;
    let found: { workflowId: string; searchAttributes: Record<string, unknown> }[] = [];
    for (let i = 0; i < 100 && found.length === 0; i++) {
      found = [];
      for await (const wf of env.client.workflow.list({ query })) {
        found.push({
          workflowId: wf.workflowId,
          searchAttributes: wf.typedSearchAttributes as unknown as Record<string, unknown>,
        });
      }
      if (!found.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(found).toHaveLength(1);
    const [c] = found;
    expect(c!.workflowId).toMatch(/^case-TS1001-[0-9a-f-]{36}-20251117$/);
    const exposed = JSON.stringify(found);
    for (const secret of [UPN, 'Zara', 'Quinn', 'mo.quinn', 'cp']) expect(exposed).not.toContain(secret);

    const desc = await env.client.workflow.getHandle(c!.workflowId).describe();
    const names = desc.typedSearchAttributes
      .getAll()
      .map((p) => p.key.name)
      .sort();
    expect(names).toEqual(
      expect.arrayContaining(['CaseStage', 'NextActionDate', 'PendingApprovals', 'SchoolId']),
    );
  });

  it('creates the daily sweep schedule once, after the registers close, on weekdays only, in school time', async () => {
    const opts = { schoolId: SCHOOL_ID, time: '16:45', timeZone: 'Europe/London', taskQueue };
    await ensureSweepSchedule(env.client, opts);
    await ensureSweepSchedule(env.client, { ...opts, time: '17:00' }); // again: updates, no duplicate
    const desc = await env.client.schedule.getHandle(sweepScheduleId(SCHOOL_ID)).describe();
    const cal = desc.spec.calendars?.[0];
    expect(cal?.hour).toEqual([{ start: 17, end: 17, step: 1 }]);
    expect(cal?.minute).toEqual([{ start: 0, end: 0, step: 1 }]);
    expect(desc.spec.timezone).toBe('Europe/London');
    // School days only: the next runs the server has planned all fall Monday to Friday, at 17:00
    // in London (BST or GMT alike), and a whole week of them skips the weekend.
    const next = desc.info.nextActionTimes.map((d) => ({
      weekday: new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'long' }).format(d),
      time: new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeStyle: 'short' }).format(d),
    }));
    expect(next.length).toBeGreaterThanOrEqual(7);
    expect(new Set(next.map((n) => n.weekday))).toEqual(
      new Set(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']),
    );
    expect(new Set(next.map((n) => n.time))).toEqual(new Set(['17:00']));
    expect(desc.action.type).toBe('startWorkflow');
    const ids: string[] = [];
    for await (const s of env.client.schedule.list()) ids.push(s.scheduleId);
    expect(ids.filter((id) => id === sweepScheduleId(SCHOOL_ID))).toHaveLength(1);
  });
});
