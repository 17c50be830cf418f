// Two schools with a few pupils each, and case projections written straight into `cases` (as the
// projectCase activity would), so API tests of lists, scope and roles need no workflows.
import type { SchoolCalendarFile } from '../../domain/types';
import type { Db } from '../../store/db';
import { rowsFromObjects, runImport } from '../../store/imports';
import { upnCheckLetter } from '../../store/validate';
import type { CaseView, PendingProposal } from '../../workflows/caseMessages';

export const SCHOOL_A = '100001';
export const SCHOOL_B = '200002';

export function calendarFor(school: string, name: string): SchoolCalendarFile {
  return {
    school,
    name,
    lessonsPerDay: 5,
    terms: [
      {
        name: 'Autumn 2026',
        start: '2026-09-07',
        end: '2026-12-18',
        halfTerm: { start: '2026-10-26', end: '2026-10-30' },
      },
      {
        name: 'Spring 2027',
        start: '2027-01-04',
        end: '2027-03-26',
        halfTerm: { start: '2027-02-15', end: '2027-02-19' },
      },
    ],
    closures: [],
  };
}

export function upn(n: number, school: string): string {
  const digits = `8${school.slice(0, 5)}${String(n).padStart(6, '0')}`;
  return upnCheckLetter(digits) + digits;
}

const ROSTER_COLS = [
  'upn',
  'given_name',
  'family_name',
  'year_group',
  'date_of_birth',
  'contact1_name',
  'contact1_email',
  'contact1_phone',
  'contact2_name',
  'contact2_email',
  'contact2_phone',
  'flags',
];

export async function seedSchool(
  db: Db,
  school: string,
  name: string,
  pupils: { given: string; family: string; year: number; flags?: string }[],
): Promise<Map<string, string>> {
  const roster = pupils.map((p, i) =>
    Object.fromEntries(
      ROSTER_COLS.map((c) => [
        c,
        {
          upn: upn(i + 1, school),
          given_name: p.given,
          family_name: p.family,
          year_group: String(p.year),
          date_of_birth: '2015-05-05',
          contact1_name: `Parent ${p.family}`,
          contact1_email: `parent.${p.family.toLowerCase()}@example.org`,
          flags: p.flags ?? '',
        }[c] ?? '',
      ]),
    ),
  );
  // Marks: every pupil present except pupil 1 (absent every Monday and Tuesday, unauthorised).
  const marks: Record<string, string>[] = [];
  const days = [
    '2026-09-07',
    '2026-09-08',
    '2026-09-09',
    '2026-09-10',
    '2026-09-11',
    '2026-09-14',
    '2026-09-15',
    '2026-09-16',
  ];
  pupils.forEach((_, i) => {
    for (const d of days) {
      const dow = new Date(`${d}T00:00:00Z`).getUTCDay();
      const absent = i === 0 && (dow === 1 || dow === 2);
      marks.push({ upn: upn(i + 1, school), date: d, session: 'AM', code: absent ? 'O' : '/' });
      marks.push({ upn: upn(i + 1, school), date: d, session: 'PM', code: absent ? 'O' : '\\' });
    }
  });
  await runImport(db, {
    schoolId: school,
    calendar: calendarFor(school, name),
    roster: rowsFromObjects(roster),
    marks: rowsFromObjects(marks),
  });
  const { rows } = await db.query<{ id: string; upn: string }>(
    'SELECT id::text AS id, upn FROM pupils WHERE school_id = $1',
    [school],
  );
  return new Map(rows.map((r) => [r.upn, r.id]));
}

export function proposal(
  id: string,
  approver: 'team' | 'manager',
  proposedOn = '2026-09-15',
): PendingProposal {
  return {
    proposalId: id,
    approver,
    proposedAt: `${proposedOn}T16:30:00.000Z`,
    proposedOn,
    step: {
      stageId: 'stage-one',
      stepId: approver === 'team' ? 'warning-letter' : 'panel-meeting',
      kind: approver === 'team' ? 'letter' : 'meeting',
      title: approver === 'team' ? 'Warning letter 1' : 'Panel meeting',
      template: approver === 'team' ? 'stage-one-letter' : undefined,
      channel: approver === 'team' ? 'letter' : 'inPerson',
      approval: approver,
      waitAfterSchoolDays: 0,
      reasons: [{ rule: 'stage-one.entry', text: 'Attendance 60% over the last 2 school weeks, below 90%.' }],
    },
  };
}

export function caseView(
  caseId: string,
  school: string,
  pupilId: string,
  pending: PendingProposal[],
  stage = 'stage-one',
): CaseView {
  return {
    caseId,
    schoolId: school,
    pupilId,
    policyId: 'bradford-staged-intervention',
    policyVersion: '1',
    status: 'open',
    stageId: stage,
    stageName: stage === 'stage-one' ? 'Stage One' : 'Stage Two',
    openedOn: '2026-09-15',
    today: '2026-09-16',
    monitoringUntil: '2026-09-29',
    pending,
    next: { on: '2026-09-29', action: 'End of the monitoring window', reasons: [] },
    latestFacts: { asOf: '2026-09-16', attendancePct: 60, unauthorised: 8, unexplained: 0, lates: 0 },
    caseState: {
      stageId: stage,
      stageEnteredOn: '2026-09-15',
      baseline: null,
      completedSteps: [],
      monitoringUntil: '2026-09-29',
      outcomes: [],
      highestStageId: stage,
    },
    timeline: [
      {
        at: '2026-09-15T16:30:00.000Z',
        date: '2026-09-15',
        type: 'opened',
        stageId: stage,
        text: 'Case opened at Stage One',
      },
      {
        at: '2026-09-15T16:30:01.000Z',
        date: '2026-09-15',
        type: 'proposed',
        stageId: stage,
        text: 'Warning letter 1 proposed',
      },
    ],
  };
}

export async function insertCase(db: Db, view: CaseView, yearStageRank = 1): Promise<void> {
  await db.query(
    `INSERT INTO cases (case_id, school_id, pupil_id, policy_id, policy_version, status, stage_id, stage_name, stage_rank, opened_on,
       pending_approvals, oldest_pending_at, next_action_on, next_action, attendance_pct, view)
     VALUES ($1,$2,$3::uuid,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16::text::jsonb)`,
    [
      view.caseId,
      view.schoolId,
      view.pupilId,
      view.policyId,
      view.policyVersion,
      view.status,
      view.stageId,
      view.stageName,
      yearStageRank,
      view.openedOn,
      view.pending.length,
      view.pending[0]?.proposedAt ?? null,
      view.next.on,
      view.next.action,
      view.latestFacts?.attendancePct ?? null,
      JSON.stringify(view),
    ],
  );
  for (const [seq, e] of view.timeline.entries()) {
    await db.query(
      `INSERT INTO case_events (case_id, seq, school_id, at, date, type, stage_id, text) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [view.caseId, seq, view.schoolId, e.at, e.date, e.type, e.stageId, e.text],
    );
  }
}

/** Schools A and B, three pupils each, one case per school with a team and a manager proposal. */
export async function seedTwoSchools(db: Db) {
  const a = await seedSchool(db, SCHOOL_A, 'Alder Primary', [
    { given: 'Amira', family: 'Khan', year: 4, flags: 'cp' },
    { given: 'Ben', family: 'Lewis', year: 5 },
    { given: 'Cleo', family: 'Morris', year: 6, flags: 'send' },
  ]);
  const b = await seedSchool(db, SCHOOL_B, 'Birch Academy', [
    { given: 'Dan', family: 'Novak', year: 7 },
    { given: 'Eve', family: 'Owen', year: 8 },
    { given: 'Finn', family: 'Price', year: 9 },
  ]);
  const pupilA = a.get(upn(1, SCHOOL_A))!;
  const pupilB = b.get(upn(1, SCHOOL_B))!;
  const caseA = `case-${SCHOOL_A}-${pupilA}-20260915`;
  const caseB = `case-${SCHOOL_B}-${pupilB}-20260915`;
  await insertCase(
    db,
    caseView(caseA, SCHOOL_A, pupilA, [proposal('pa-team', 'team'), proposal('pa-manager', 'manager')]),
  );
  await insertCase(db, caseView(caseB, SCHOOL_B, pupilB, [proposal('pb-team', 'team')]));
  return { pupilA, pupilB, caseA, caseB, pupilsA: a, pupilsB: b };
}
