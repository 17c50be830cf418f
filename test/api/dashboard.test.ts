// The dashboard a head teacher and a senior attendance lead read on a Friday afternoon: a small
// secondary school (Years 7 and 8, six pupils) imported with its characteristics and nine school
// weeks of marks, two cases written to the read model as their workflows would, tasks and meetings
// in the diary, and this week's letters, some held because no mail server is set up. Every figure
// below is worked out by hand from the marks (docs/dashboard.md has the definitions).
//
// The marks, 7 September to Friday 13 November 2026 (9 school weeks, 90 sessions each; half term
// 26-30 October is not a school week). Everyone attends every session except:
//   Amira (Y7, girl, SEN support, pupil premium): absent (O) Mon-Wed 14-16 Sep and Mon-Tue 28-29
//     Sep, ill (I) Mon 12 Oct. 78/90. A case opened and its first letter sent Mon 5 Oct.
//   Bea (Y7, girl, SEN support): ill Fri 11 Sep. 88/90.
//   Cal (Y7, boy, pupil premium): 90/90.
//   Dev (Y8, boy, EHC plan): N both sessions today, the first day of absence. 88/90.
//   Eli (Y8, sex not recorded): late (L) now and then, which counts as present. 90/90.
//   Fay (Y8, girl, child protection): G Mon-Wed 19-21 Oct, O Thu 5 Nov AM, O Mon-Tue 9-10 Nov.
//     79/90: persistently absent from this week. A case opened and a letter sent Mon 9 Nov.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCalendar } from '../../domain/calendar';
import { NATIONAL_FIGURES } from '../../domain/nationalFigures';
import type { IsoDate } from '../../domain/types';
import {
  insertLetter,
  insertMeeting,
  insertOutbox,
  markOutboxHeld,
  markOutboxSent,
} from '../../store/caseServices';
import { projectCase } from '../../store/cases';
import type { CaseTask, CaseView } from '../../workflows/caseMessages';
import { DEMO_SCHOOL_ID, demoSchoolData } from '../../api/demo/demoSchool';
import { rowsFromObjects, runImport } from '../../store/imports';
import { calendarFor, caseView, proposal, upn } from './fixtures';
import { makeTestApp, makeUser, signIn, type Agent, type TestApp } from './helpers';

const SCHOOL = '300003';
const TODAY = '2026-11-13';

let t: TestApp;
let manager: Agent;
let officer: Agent;
const ids = new Map<string, string>();

const header =
  'upn,given_name,family_name,year_group,date_of_birth,contact1_name,contact1_email,contact1_phone,contact2_name,contact2_email,contact2_phone,flags,sex,sen,pupil_premium';
// Each pupil: [n, given, family, year, flags, sex, sen, pupil_premium], written as schools write them.
const PUPILS = [
  [1, 'Amira', 'Khan', '7', '', 'F', 'K', 'Y'],
  [2, 'Bea', 'Lewis', '7', '', 'female', 'k', 'no'],
  [3, 'Cal', 'Morris', '7', '', 'M', 'N', '1'],
  [4, 'Dev', 'Novak', '8', '', 'm', 'E', 'false'],
  [5, 'Eli', 'Owen', '8', '', '', '', ''],
  [6, 'Fay', 'Price', '8', 'cp', 'F', 'N', 'N'],
] as const;

/** Every mark that is not a plain attendance: pupil number -> date -> [AM, PM]. */
const ABSENCES: Record<number, Record<IsoDate, [string, string]>> = {
  1: {
    '2026-09-14': ['O', 'O'],
    '2026-09-15': ['O', 'O'],
    '2026-09-16': ['O', 'O'],
    '2026-09-28': ['O', 'O'],
    '2026-09-29': ['O', 'O'],
    '2026-10-12': ['I', 'I'],
  },
  2: { '2026-09-11': ['I', 'I'] },
  4: { '2026-11-13': ['N', 'N'] },
  5: { '2026-09-09': ['L', '\\'], '2026-10-14': ['L', '\\'] },
  6: {
    '2026-10-19': ['G', 'G'],
    '2026-10-20': ['G', 'G'],
    '2026-10-21': ['G', 'G'],
    '2026-11-05': ['O', '\\'],
    '2026-11-09': ['O', 'O'],
    '2026-11-10': ['O', 'O'],
  },
};

function marks(): { upn: string; date: string; session: string; code: string }[] {
  const days = buildCalendar(calendarFor(SCHOOL, 'Hillside Academy')).schoolDaysBetween('2026-09-07', TODAY);
  expect(days).toHaveLength(45);
  return PUPILS.flatMap(([n]) =>
    days.flatMap((date) => {
      const [am, pm] = ABSENCES[n]?.[date] ?? ['/', '\\'];
      return [
        { upn: upn(n, SCHOOL), date, session: 'AM', code: am },
        { upn: upn(n, SCHOOL), date, session: 'PM', code: pm },
      ];
    }),
  );
}

function task(id: string, kind: string, dueOn: IsoDate, status: 'open' | 'done' = 'open'): CaseTask {
  return {
    taskId: id,
    stageId: 'stage-one',
    stepId: 'school-letter-1',
    kind,
    title: `${kind} for the family`,
    dueOn,
    createdOn: '2026-11-09',
    owner: 'team',
    purpose: 'step',
    outcomes: [],
    status,
  };
}

/** A case's view as its workflow projects it: opened on a day, with its first letter done that day. */
function view(caseId: string, pupil: string, openedOn: IsoDate, extra: Partial<CaseView>): CaseView {
  const base = caseView(caseId, SCHOOL, pupil, []);
  return {
    ...base,
    stageName: 'Stage One (advisory)',
    openedOn,
    today: TODAY,
    engine: 2,
    caseState: {
      ...base.caseState,
      stageEnteredOn: openedOn,
      completedSteps: [{ stageId: 'stage-one', stepId: 'school-letter-1', on: openedOn, result: 'done' }],
    },
    timeline: [
      {
        at: `${openedOn}T16:30:00.000Z`,
        date: openedOn,
        type: 'opened',
        stageId: 'stage-one',
        text: 'Opened',
      },
      {
        at: `${openedOn}T16:31:00.000Z`,
        date: openedOn,
        type: 'letterHeld',
        stageId: 'stage-one',
        text: 'School letter 1 held in the outbox',
        stepId: 'school-letter-1',
      },
    ],
    ...extra,
  };
}

beforeAll(async () => {
  t = await makeTestApp({ now: () => Date.parse(`${TODAY}T14:00:00Z`) });
  manager = await signIn(t.app, (await makeUser(t.db, 'manager', [SCHOOL])).email);
  officer = await signIn(t.app, (await makeUser(t.db, 'officer', [SCHOOL])).email);
  const roster = [
    header,
    ...PUPILS.map(
      ([n, given, family, year, flags, sex, sen, pp]) =>
        `${upn(n, SCHOOL)},${given},${family},${year},2013-05-05,Parent ${family},parent.${family.toLowerCase()}@example.org,,,,,${flags},${sex},${sen},${pp}`,
    ),
  ].join('\n');
  const res = await manager.post('/api/imports?wait=true', {
    schoolId: SCHOOL,
    calendar: JSON.stringify(calendarFor(SCHOOL, 'Hillside Academy')),
    roster,
    marks: marks(),
  });
  expect(res.statusCode, res.body).toBe(201);
  const { rows } = await t.db.query<{ id: string; given_name: string }>(
    'SELECT id::text AS id, given_name FROM pupils WHERE school_id = $1',
    [SCHOOL],
  );
  for (const r of rows) ids.set(r.given_name, r.id);
  const amira = ids.get('Amira')!;
  const fay = ids.get('Fay')!;

  // Amira's case: opened 5 October, a letter waiting for approval since Monday, and tasks.
  await projectCase(t.db, {
    view: view('case-amira', amira, '2026-10-05', {
      pending: [proposal('p-amira', 'team', '2026-11-09')],
      next: { on: '2026-11-20', action: 'End of the monitoring window', reasons: [] },
      tasks: [
        task('t-overdue-call', 'phoneCall', '2026-11-10'),
        task('t-post', 'postLetter', '2026-11-13'),
        task('t-call', 'phoneCall', '2026-11-17'),
        task('t-visit', 'homeVisit', '2026-11-18'),
        task('t-done', 'phoneCall', '2026-11-20', 'done'),
      ],
    }),
    searchable: { stageRank: 1, pendingApprovals: 1, oldestPendingAt: null, nextActionOn: '2026-11-20' },
    version: 1,
  });
  // Fay's case: opened on Monday; its next step is due today.
  await projectCase(t.db, {
    view: view('case-fay', fay, '2026-11-09', {
      next: { on: TODAY, action: 'Check attendance this week', reasons: [] },
      tasks: [task('t-plan', 'attendancePlan', '2026-12-01')],
    }),
    searchable: { stageRank: 1, pendingApprovals: 0, oldestPendingAt: null, nextActionOn: TODAY },
    version: 1,
  });

  // The diary: a meeting with Amira's family on 24 November; her home visit (counted as its task)
  // and a cancelled meeting are not counted as meetings.
  const meeting = (id: string, kind: 'meeting' | 'homeVisit', startsAt: string) => ({
    id,
    caseId: 'case-amira',
    schoolId: SCHOOL,
    pupilId: amira,
    stageId: 'stage-one',
    stepId: 'attendance-support-meeting',
    kind,
    title: kind === 'meeting' ? 'Attendance support meeting' : 'Home visit',
    startsAt,
    endsAt: startsAt.replace('T10:00', 'T10:30'),
    staffName: 'Ms Head',
    location: 'School office',
  });
  await insertMeeting(t.db, meeting('m-1', 'meeting', '2026-11-24T10:00:00.000Z'));
  await insertMeeting(t.db, meeting('m-2', 'homeVisit', '2026-11-18T10:00:00.000Z'));
  await insertMeeting(t.db, meeting('m-3', 'meeting', '2026-12-02T10:00:00.000Z'));
  await t.db.query(`UPDATE meetings SET status = 'cancelled' WHERE id = 'm-3'`);

  // This week's mail: Amira's letter emailed but held (no mail server); Fay's on paper only; a
  // message to a family that went; an automatic email to staff, held.
  const letter = (
    id: string,
    caseId: string,
    pupilId: string,
    sentOn: IsoDate,
    channel: 'email' | 'none',
  ) => ({
    id,
    caseId,
    schoolId: SCHOOL,
    pupilId,
    stageId: 'stage-one',
    stepId: 'school-letter-1',
    templateId: 'school-letter-1',
    requestedTemplateId: 'school-letter-1',
    channel: 'letter',
    subject: 'Attendance',
    bodyText: 'Dear parent',
    html: '<p>Dear parent</p>',
    amended: false,
    sentOn,
    recipients: [
      {
        contactIndex: 0,
        name: 'Parent',
        channel,
        address: channel === 'email' ? 'parent@example.org' : null,
        outboxKey: null,
      },
    ],
    pdf: Buffer.from('%PDF-1.4'),
  });
  await insertLetter(t.db, letter('l-amira', 'case-amira', amira, '2026-11-09', 'email'));
  await insertLetter(t.db, letter('l-fay', 'case-fay', fay, '2026-11-10', 'none'));
  const out = (key: string, ref: string, caseId: string | null, to: string | null) =>
    insertOutbox(t.db, {
      idempotencyKey: key,
      schoolId: SCHOOL,
      caseId,
      channel: 'email',
      to,
      text: 'x',
      ref,
    });
  await out('l-amira:0', 'l-amira', 'case-amira', 'parent.khan@example.org');
  await markOutboxHeld(t.db, 'l-amira:0', 'no SMTP server configured');
  await out('msg-1:0', 'msg-1', 'case-fay', 'parent.price@example.org');
  await markOutboxSent(t.db, 'msg-1:0');
  await out('notify:n-1', 'n-1', 'case-amira', 'office@example.org');
  await markOutboxHeld(t.db, 'notify:n-1', 'no SMTP server configured');
  await t.db.query(`UPDATE outbox SET created_at = '2026-11-10T09:00:00Z' WHERE school_id = $1`, [SCHOOL]);
}, 120_000);
afterAll(async () => t?.close());

async function dashboard(agent: Agent = manager) {
  const res = await agent.get(`/api/dashboard?schoolId=${SCHOOL}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('the dashboard', () => {
  it('breaks the year so far down by year group, SEN, pupil premium and sex, with the open cases in each', async () => {
    const d = await dashboard();
    const group = (dimension: string, label: string) =>
      d.breakdowns.dimensions
        .find((x: { dimension: string }) => x.dimension === dimension)
        .groups.find((g: { label: string }) => g.label === label);
    // Year 7 girls on SEN support are Amira and Bea: (78 + 88) / 180 sessions.
    expect(group('sen', 'SEN support')).toEqual({
      key: 'K',
      label: 'SEN support',
      pupils: 2,
      attendancePct: 92.2,
      persistent: 1,
      persistentPct: 50,
      openCases: 1,
    });
    expect(group('sen', 'EHC plan')).toMatchObject({ pupils: 1, attendancePct: 97.8, persistent: 0 });
    expect(group('sen', 'No SEN')).toMatchObject({ pupils: 3, attendancePct: 95.9, persistentPct: 33.3 });
    expect(group('yearGroup', 'Year 7')).toMatchObject({ pupils: 3, attendancePct: 94.8, openCases: 1 });
    expect(group('yearGroup', 'Year 8')).toMatchObject({ pupils: 3, attendancePct: 95.2, openCases: 1 });
    expect(group('pupilPremium', 'Pupil premium')).toMatchObject({
      pupils: 2,
      attendancePct: 93.3,
      persistentPct: 50,
    });
    expect(group('pupilPremium', 'Not pupil premium')).toMatchObject({
      pupils: 4,
      attendancePct: 95.8,
      persistentPct: 25,
    });
    expect(group('sex', 'Girls')).toMatchObject({
      pupils: 3,
      attendancePct: 90.7,
      persistent: 2,
      persistentPct: 66.7,
      openCases: 2,
    });
    expect(group('sex', 'Boys')).toMatchObject({ pupils: 2, attendancePct: 98.9, persistent: 0 });
    expect(group('sex', 'Not recorded')).toMatchObject({ pupils: 1, attendancePct: 100 });
    expect(d.breakdowns.dimensions.every((x: { recorded: boolean }) => x.recorded)).toBe(true);
  });

  it('draws the year week by week, year to date, and counts exactly 10% absence as persistent', async () => {
    const d = await dashboard();
    expect(d.trend.weeks).toHaveLength(9);
    // End of the second week: 112 of 120 sessions; Amira (6 of 20 missed) and Bea (2 of 20: exactly
    // 10%) are persistently absent, 2 of 6 pupils.
    expect(d.trend.weeks[1]).toEqual({
      weekStart: '2026-09-14',
      to: '2026-09-18',
      complete: true,
      pupils: 6,
      attendancePct: 93.3,
      persistent: 2,
      persistentPct: 33.3,
    });
    // Today: 513 of 540 sessions; Amira and Fay.
    expect(d.trend.weeks.at(-1)).toMatchObject({
      weekStart: '2026-11-09',
      attendancePct: 95,
      persistentPct: 33.3,
    });
    // Half term is not a school week.
    expect(d.trend.weeks.map((w: { weekStart: string }) => w.weekStart)).not.toContain('2026-10-26');
    expect(d.absence.ytd).toMatchObject({ persistent: 2, persistentPct: 33.3, attendancePct: 95 });
  });

  it('compares with England’s published figures for secondary schools, with their source and year, and says what it cannot vouch for', async () => {
    const d = await dashboard();
    expect(d.national.phase).toBe('secondary');
    expect(d.national.source).toMatchObject({
      publication: 'Pupil absence in schools in England',
      academicYear: NATIONAL_FIGURES.academicYear,
      url: expect.stringMatching(
        /^https:\/\/explore-education-statistics\.service\.gov\.uk\/find-statistics\/pupil-absence-in-schools-in-england\//,
      ),
    });
    // Secondary overall absence 8.9%: attendance 91.1%; this school 95.0%, 3.9 points above.
    expect(d.national.attendancePct).toBe(91.1);
    expect(d.national.difference.attendancePts).toBe(3.9);
    // Secondary persistent absence could not be read from the release: null, and a note says so.
    expect(d.national.persistentAbsencePct).toBeNull();
    expect(d.national.figure.note).toMatch(/could not read/);
    for (const f of d.national.figures) expect(f.sources.overallAbsencePct).toMatch(/^https:\/\//);
  });

  it('lists who needs attention today, safeguarding-flagged pupils first for a manager, and never shows an officer the flag', async () => {
    const views = async () =>
      (
        await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM audit_log WHERE action = 'safeguarding.view' AND details->>'where' = '/api/dashboard'`,
        )
      ).rows[0]!.n;
    const before = await views();
    const d = await dashboard();
    // The manager saw Fay's flag, and that is recorded.
    expect(await views()).toBe(before + 1);
    const names = d.attention.items.map((i: { givenName: string }) => i.givenName);
    expect(names).toEqual(['Fay', 'Dev', 'Amira']);
    const [fay, dev, amira] = d.attention.items;
    expect(fay.flags).toEqual(['cp']);
    expect(fay.caseId).toBe('case-fay');
    expect(fay.reasons.map((r: { kind: string }) => r.kind).sort()).toEqual(['actionDue', 'nowPersistent']);
    expect(fay.reasons.find((r: { kind: string }) => r.kind === 'nowPersistent').detail).toBe(
      '87.8% attendance this year',
    );
    expect(dev.reasons).toEqual([
      {
        kind: 'absentToday',
        label: 'First day of absence, no reason given',
        detail: 'marked N both sessions',
        on: TODAY,
      },
    ]);
    expect(dev.caseId).toBeNull();
    expect(amira.reasons.map((r: { kind: string }) => r.kind).sort()).toEqual([
      'approvalOverdue',
      'overdueTask',
    ]);
    expect(d.attention.total).toBe(3);

    // An officer (not shown safeguarding flags by default) gets the same pupils, in an order that
    // does not give Fay's flag away, and without it.
    const o = await dashboard(officer);
    expect(o.attention.items.map((i: { givenName: string }) => i.givenName)).toEqual(['Dev', 'Amira', 'Fay']);
    expect(o.attention.items[2].flags).toEqual([]);
    expect(await views()).toBe(before + 1);
  });

  it('counts the work booked for the next six school weeks, by kind, from the read model', async () => {
    const d = await dashboard();
    const weeks = d.workload.weeks.map(
      (w: { weekStart: string; counts: Record<string, number>; total: number }) => [
        w.weekStart,
        w.counts,
        w.total,
      ],
    );
    expect(weeks).toEqual([
      ['2026-11-09', { 'task:postLetter': 1 }, 1],
      ['2026-11-16', { 'task:phoneCall': 1, 'task:homeVisit': 1 }, 2],
      ['2026-11-23', { meeting: 1 }, 1],
      ['2026-11-30', { 'task:attendancePlan': 1 }, 1],
      ['2026-12-07', {}, 0],
      ['2026-12-14', {}, 0],
    ]);
    expect(d.workload.overdueTasks).toBe(1);
    expect(d.workload.series.map((s: { label: string }) => s.label)).toEqual([
      'Meetings with families',
      'Attendance plans',
      'Home visits',
      'Letters to post',
      'Phone calls',
    ]);
  });

  it('compares attendance in the 4 school weeks before and after a step, from the case’s timeline, and leaves out steps too recent to judge', async () => {
    const d = await dashboard();
    expect(d.interventions.weeksEachSide).toBe(4);
    // Amira's letter on Monday 5 October: 30/40 sessions in the 4 weeks before (14 Sep-2 Oct), 38/40
    // in the 4 after (12 Oct-13 Nov, half term skipped). Fay's, on Monday, is too recent.
    const letter = d.interventions.rows.find((r: { kind: string }) => r.kind === 'letter');
    expect(letter).toEqual({
      kind: 'letter',
      kindLabel: 'Letters',
      stageId: 'stage-one',
      stageName: 'Stage One (advisory)',
      stageRank: 2,
      pupils: 1,
      beforePct: 75,
      afterPct: 95,
      changePts: 20,
      improved: 1,
      tooRecent: 1,
    });
    const entering = d.interventions.rows.find((r: { kind: string }) => r.kind === 'stage');
    expect(entering).toMatchObject({
      kindLabel: 'Entering Stage One (advisory)',
      pupils: 1,
      beforePct: 75,
      afterPct: 95,
    });
    expect(d.interventions.tooRecent).toBe(2);
  });

  it('counts this week’s letters and messages honestly, and says mail is only being held with no mail server', async () => {
    const d = await dashboard();
    expect(d.mail).toMatchObject({
      weekStart: '2026-11-09',
      transport: 'none',
      letters: { written: 2, sent: 0, held: 1, failed: 0, paperOnly: 1, withPaperCopy: 1 },
      messages: {
        letter: { sent: 0, held: 1, failed: 0, queued: 0 },
        message: { sent: 1, held: 0, failed: 0, queued: 0 },
        staff: { sent: 0, held: 1, failed: 0, queued: 0 },
      },
      heldBecause: { noMailServer: 2, noAddress: 0, noGateway: 0 },
      heldForNoServer: 2,
      showHeldBanner: true,
    });
  });
});

describe('a school of 600', () => {
  it('answers well within a second, figures computed afresh', async () => {
    // The demo school: 600 pupils, this term's marks (and last year in its calendar).
    const demo = demoSchoolData(TODAY);
    await runImport(t.db, {
      schoolId: DEMO_SCHOOL_ID,
      calendar: demo.calendar,
      roster: rowsFromObjects(demo.roster),
      marks: rowsFromObjects(demo.marks),
    });
    const admin = await signIn(t.app, (await makeUser(t.db, 'manager', [DEMO_SCHOOL_ID])).email);
    const warm = await admin.get(`/api/dashboard?schoolId=${DEMO_SCHOOL_ID}&today=2026-11-12`);
    expect(warm.statusCode).toBe(200);
    // Another day is not in the cache: the roll's figures are computed again.
    const started = performance.now();
    const res = await admin.get(`/api/dashboard?schoolId=${DEMO_SCHOOL_ID}`);
    const took = performance.now() - started;
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.absence.pupils).toBe(600);
    expect(d.trend.weeks.at(-1).pupils).toBe(600);
    // The demo's characteristics: about 15% SEN support, 3% EHC plans, a quarter pupil premium.
    const sen = d.breakdowns.dimensions.find((x: { dimension: string }) => x.dimension === 'sen').groups;
    const share = (label: string) => sen.find((g: { label: string }) => g.label === label).pupils / 600;
    expect(share('SEN support')).toBeGreaterThan(0.1);
    expect(share('SEN support')).toBeLessThan(0.2);
    expect(share('EHC plan')).toBeLessThan(0.06);
    expect(took).toBeLessThan(1_000);
  }, 120_000);
});

describe('roster characteristics', () => {
  it('refuses a roster with a bad sex, SEN or pupil premium value, naming every bad row, and writes nothing', async () => {
    const bad = [
      header,
      `${upn(7, SCHOOL)},Gus,Quinn,7,2013-05-05,,,,,,,,X,N,N`,
      `${upn(8, SCHOOL)},Hal,Reid,7,2013-05-05,,,,,,,,M,S,N`,
      `${upn(9, SCHOOL)},Ivy,Shaw,7,2013-05-05,,,,,,,,F,K,maybe`,
    ].join('\n');
    const res = await manager.post('/api/imports?wait=true', { schoolId: SCHOOL, roster: bad });
    expect(res.statusCode).toBe(400);
    const rows = res.json().rows as { line: number; column: string; value: string; reason: string }[];
    expect(rows.map((r) => `${r.line}:${r.column}:${r.value}`)).toEqual([
      '2:sex:X',
      '3:sen:S',
      '4:pupil_premium:maybe',
    ]);
    expect(rows[0]!.reason).toMatch(/F or M/);
    expect(rows[1]!.reason).toMatch(/N \(no SEN\), K \(SEN support\) or E \(EHC plan\)/);
    expect(rows[2]!.reason).toMatch(/Y or N/);
    const { rows: written } = await t.db.query(`SELECT 1 FROM pupils WHERE upn = ANY($1::text[])`, [
      [upn(7, SCHOOL), upn(8, SCHOOL), upn(9, SCHOOL)],
    ]);
    expect(written).toEqual([]);
  });

  it('keeps what an earlier roster said when a later file has no such column', async () => {
    const res = await manager.post('/api/imports?wait=true', {
      schoolId: SCHOOL,
      roster: `upn,given_name,family_name,year_group,date_of_birth,contact1_name,contact1_email,contact1_phone,contact2_name,contact2_email,contact2_phone,flags\n${upn(1, SCHOOL)},Amira,Khan,7,2013-05-05,Parent Khan,parent.khan@example.org,,,,,`,
    });
    expect(res.statusCode, res.body).toBe(201);
    const { rows } = await t.db.query<{ sex: string; sen: string; pupil_premium: boolean }>(
      'SELECT sex, sen, pupil_premium FROM pupils WHERE upn = $1',
      [upn(1, SCHOOL)],
    );
    expect(rows[0]).toEqual({ sex: 'F', sen: 'K', pupil_premium: true });
  });
});
