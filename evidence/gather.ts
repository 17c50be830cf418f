// What a council asks for with a referral (DOMAIN.md, "What councils ask for"), gathered for one case
// from the store: the school and pupil, every person with parental responsibility and how to reach
// them, the chronology (every letter, meeting, visit, task outcome, decision and note, with its day
// and who), each letter as it was sent (its stored PDF, recipients and delivery), the register for
// the school year to date with its key and figures, the plans, contracts and support recorded, and
// the penalty notices for this child, per parent.
// The evidence is read, never recomputed into something new: what the case recorded is what it shows.
import { buildCalendar } from '../domain/calendar';
import { OUTCOME_WORDS } from '../domain/penaltyNotices';
import { lookupCode, REGISTER_CODES } from '../domain/registerCodes';
import { computeWindowStats } from '../domain/stats';
import { outcomeChoicesFor } from '../domain/taskOutcomes';
import type { IsoDate, WindowStats } from '../domain/types';
import {
  getLetterPdf,
  listLettersForCase,
  listMeetingsForCase,
  listOutbox,
  listStaffTasks,
  type MeetingRecord,
} from '../store/caseServices';
import { getCaseRow } from '../store/cases';
import type { Db } from '../store/db';
import { loadMarkGrid } from '../store/marks';
import { penaltyNoticesForPupil } from '../store/penaltyNotices';
import { getPupil } from '../store/pupils';
import { getSchool } from '../store/schools';
import type { CaseView } from '../workflows/caseMessages';

export interface EvidenceLetter {
  id: string;
  sentOn: IsoDate;
  subject: string;
  templateId: string;
  recipients: { name: string; how: string; delivery: string }[];
  pdf: Buffer;
}

export interface RegisterDay {
  date: IsoDate;
  am: string;
  pm: string;
}

export interface Evidence {
  asOf: IsoDate;
  school: { id: string; name: string; localAuthority: string | null };
  pupil: {
    upn: string;
    name: string;
    dateOfBirth: IsoDate | null;
    yearGroup: number | null;
    startDate: IsoDate | null;
    plans: string[];
  };
  parents: { name: string; email: string | null; phone: string | null }[];
  case: {
    caseId: string;
    policy: string;
    stageName: string | null;
    openedOn: IsoDate;
    status: string;
    /** Why the case is at its stage: the reasons of the last stage change (staff-facing). */
    reasons: string[];
  };
  chronology: { date: IsoDate; what: string; who: string | null }[];
  letters: EvidenceLetter[];
  meetings: Pick<MeetingRecord, 'kind' | 'title' | 'startsAt' | 'staffName' | 'location' | 'status'>[];
  /** Penalty notices for this child, per parent: which notice, its days and what came of it. */
  penaltyNotices: {
    parent: string;
    which: string;
    requestedOn: IsoDate;
    issuedOn: IsoDate | null;
    outcome: string;
    outcomeOn: IsoDate;
  }[];
  /** Plans, contracts, visits, calls and referrals: every task done, with its outcome. */
  work: { title: string; outcome: string; note: string | null; on: IsoDate | null; who: string | null }[];
  register: {
    from: IsoDate;
    to: IsoDate;
    days: RegisterDay[];
    figures: Pick<
      WindowStats,
      'possible' | 'present' | 'approvedActivity' | 'authorised' | 'unauthorised' | 'attendancePct'
    >;
    key: { code: string; meaning: string }[];
  };
}

const PLAN_WORDS: Record<string, string> = {
  cin: 'Child in Need plan',
  cp: 'Child Protection plan',
  lac: 'Looked after child',
  send: 'Special educational needs support',
  ehcp: 'Education, health and care plan',
  young_carer: 'Young carer',
};

/** The case's evidence as of a day; null when the case, its pupil or school is not in the store. */
export async function gatherEvidence(
  db: Db,
  caseId: string,
  asOf: IsoDate,
  namesOf: (ids: string[]) => Promise<Map<string, string>>,
): Promise<Evidence | null> {
  const row = await getCaseRow(db, caseId);
  if (!row) return null;
  const [pupil, school] = await Promise.all([getPupil(db, row.pupilId), getSchool(db, row.schoolId)]);
  if (!pupil || !school) return null;
  const view: CaseView = row.view;
  const [letters, meetings, tasks, outbox, grid, notices] = await Promise.all([
    listLettersForCase(db, caseId),
    listMeetingsForCase(db, caseId),
    listStaffTasks(db, school.id, { caseId }),
    listOutbox(db, school.id, { caseId, limit: 10_000 }),
    loadMarkGrid(db, pupil.id),
    penaltyNoticesForPupil(db, pupil.id),
  ]);
  const actors = [...view.timeline.map((t) => t.actor?.userId), ...tasks.map((t) => t.completedBy)].filter(
    (x): x is string => Boolean(x),
  );
  const names = await namesOf(actors);
  const who = (id: string | null | undefined) => (id ? (names.get(id) ?? 'a former member of staff') : null);

  const calendar = buildCalendar(school.calendar);
  const to = asOf > calendar.lastSchoolDay ? calendar.lastSchoolDay : asOf;
  const from = calendar.yearToDate(to).from;
  const stats = computeWindowStats(grid, calendar, from, to, 'ytd', {
    startDate: pupil.startDate,
    leftOn: pupil.leftOn,
  });
  const days = calendar
    .schoolDaysBetween(from, to)
    .filter((d) => (!pupil.startDate || d >= pupil.startDate) && (!pupil.leftOn || d <= pupil.leftOn))
    .map((date) => ({ date, am: grid.get(date, 'AM') ?? '', pm: grid.get(date, 'PM') ?? '' }));
  const used = new Set(days.flatMap((d) => [d.am, d.pm]).filter(Boolean));

  const lastChange = [...view.timeline]
    .reverse()
    .find((t) => t.type === 'opened' || t.type === 'stageChanged');
  return {
    asOf: to,
    school: { id: school.id, name: school.name, localAuthority: school.calendar.localAuthority ?? null },
    pupil: {
      upn: pupil.upn,
      name: `${pupil.givenName} ${pupil.familyName}`,
      dateOfBirth: pupil.dateOfBirth,
      yearGroup: pupil.yearGroup,
      startDate: pupil.startDate,
      plans: pupil.flags.map((f) => PLAN_WORDS[f] ?? f),
    },
    parents: pupil.contacts
      .filter((c) => c.name.trim())
      .map((c) => ({ name: c.name, email: c.email, phone: c.phone })),
    case: {
      caseId,
      policy: `${row.policyId} (version ${row.policyVersion})`,
      stageName: view.stageName,
      openedOn: view.openedOn,
      status: view.status,
      reasons: (lastChange?.reasons ?? []).map((r) => r.text),
    },
    chronology: view.timeline.map((t) => ({ date: t.date, what: t.text, who: who(t.actor?.userId) })),
    letters: await Promise.all(
      letters.map(async (l) => ({
        id: l.id,
        sentOn: l.sentOn,
        subject: l.subject,
        templateId: l.templateId,
        recipients: l.recipients.map((r) => {
          const sent = outbox.find((o) => o.idempotencyKey === r.outboxKey);
          return {
            name: r.name,
            how: r.channel === 'none' ? 'by post' : `${r.channel} to ${r.address ?? 'no address'}`,
            delivery: r.channel === 'none' ? 'printed to post' : (sent?.status ?? 'not recorded'),
          };
        }),
        pdf: (await getLetterPdf(db, l.id)) ?? Buffer.alloc(0),
      })),
    ),
    meetings: meetings.map(({ kind, title, startsAt, staffName, location, status }) => ({
      kind,
      title,
      startsAt,
      staffName,
      location,
      status,
    })),
    penaltyNotices: notices.map((n) => ({
      parent: n.parentName,
      which:
        n.ordinal === 1
          ? 'first notice (£80 within 21 days, £160 within 28)'
          : 'second notice within 3 years (£160)',
      requestedOn: n.requestedOn,
      issuedOn: n.issuedOn,
      outcome: OUTCOME_WORDS[n.outcome],
      outcomeOn: n.outcomeOn,
    })),
    work: tasks
      .filter((t) => t.status === 'done')
      .map((t) => ({
        title: t.title,
        outcome:
          outcomeChoicesFor(t.kind as Parameters<typeof outcomeChoicesFor>[0]).find((o) => o.id === t.outcome)
            ?.label ??
          t.outcome ??
          'done',
        note: t.outcomeNote,
        on: t.completedOn,
        who: who(t.completedBy),
      })),
    register: {
      from,
      to,
      days,
      figures: {
        possible: stats.possible,
        present: stats.present,
        approvedActivity: stats.approvedActivity,
        authorised: stats.authorised,
        unauthorised: stats.unauthorised,
        attendancePct: stats.attendancePct,
      },
      key: REGISTER_CODES.filter((c) => used.has(c.code)).map((c) => ({
        code: c.code,
        meaning: lookupCode(c.code)?.meaning ?? c.meaning,
      })),
    },
  };
}
