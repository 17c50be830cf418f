// The returns and worklists the law asks a school for, as tables a manager can read and export:
// each row a pupil, each column said plainly, dates in long form. Figures come from
// domain/returns.ts over the register; what the office recorded (first-day calls, enquiries) from
// store/returns.ts. docs/returns.md says what each list counts and why.
import { stringify } from 'csv-stringify/sync';
import { addDays } from '../../domain/calendar';
import { pupilReturnFacts, type AbsenceRun, type PupilReturnFacts } from '../../domain/returns';
import type { IsoDate } from '../../domain/types';
import { formatLongDate } from '../../letters/format';
import type { Db } from '../../store/db';
import { loadSchoolSnapshot } from '../../store/marks';
import type { Pupil } from '../../store/pupils';
import {
  ENQUIRY_METHODS,
  FIRST_DAY_CALL_OUTCOMES,
  firstDayCallsOn,
  rollEnquiries,
} from '../../store/returns';
import { displayNamesOf } from '../auth/users';

export const RETURN_KINDS = [
  'unauthorised-10-days',
  'sickness',
  'removal-from-roll',
  'first-day-calls',
  'termly-awards',
] as const;
export type ReturnKind = (typeof RETURN_KINDS)[number];

/** The thresholds, in school days (DOMAIN.md, "Returns to the council"). */
export const LA_RETURN_DAYS = 10;
export const REMOVAL_FROM_ROLL_DAYS = 20;
export const SICKNESS_RETURN_DAYS = 15;
/** An illness spell this long (still going) is listed as one that may reach the sickness return. */
export const SICKNESS_SPELL_WATCH_DAYS = 5;
export const AWARD_PCT = 95;

export interface ReturnColumn {
  key: string;
  label: string;
}

export type ReturnCell = string | number | null;

export interface ReturnRow {
  pupilId: string;
  cells: Record<string, ReturnCell>;
}

export interface ReturnList {
  kind: ReturnKind;
  title: string;
  /** What the list counts, said plainly (shown above the table and as the CSV's file name's subject). */
  description: string;
  schoolId: string;
  asOf: IsoDate;
  /** The period a return covers (the 10-day return); absent for lists as of a day. */
  period?: { from: IsoDate; to: IsoDate };
  columns: ReturnColumn[];
  rows: ReturnRow[];
  /** What to do when the list is empty, or what it is for. */
  emptyText: string;
}

const PUPIL_COLUMNS: ReturnColumn[] = [
  { key: 'upn', label: 'UPN' },
  { key: 'name', label: 'Pupil' },
  { key: 'yearGroup', label: 'Year' },
];

function pupilCells(p: Pupil): Record<string, ReturnCell> {
  return { upn: p.upn, name: `${p.givenName} ${p.familyName}`, yearGroup: p.yearGroup };
}

const byName = (a: ReturnRow, b: ReturnRow) =>
  String(a.cells.name).localeCompare(String(b.cells.name), 'en-GB');

/** The same day a month earlier (the last day of that month when it is shorter). */
export function monthBefore(d: IsoDate): IsoDate {
  const [y, m, day] = d.split('-').map(Number) as [number, number, number];
  const py = m === 1 ? y - 1 : y;
  const pm = m === 1 ? 12 : m - 1;
  const last = new Date(Date.UTC(py, pm, 0)).getUTCDate();
  return `${py}-${String(pm).padStart(2, '0')}-${String(Math.min(day, last)).padStart(2, '0')}`;
}

/** Runs of at least `days` school days that touch the period. */
function runsIn(f: PupilReturnFacts, days: number, from: IsoDate, to: IsoDate): AbsenceRun[] {
  return f.unauthorisedRuns.filter((r) => r.schoolDays >= days && r.to >= from && r.from <= to);
}

export async function buildReturnList(
  db: Db,
  kind: ReturnKind,
  schoolId: string,
  asOf: IsoDate,
  period?: { from: IsoDate; to: IsoDate },
): Promise<ReturnList | null> {
  const snap = await loadSchoolSnapshot(db, schoolId);
  if (!snap) return null;
  const { calendar } = snap;
  // Figures are for a school day inside the calendar (the last one in a holiday or after the year).
  const day =
    asOf > calendar.lastSchoolDay
      ? calendar.lastSchoolDay
      : asOf < calendar.firstSchoolDay
        ? calendar.firstSchoolDay
        : asOf;
  const facts = snap.pupils
    .filter((p) => !p.leftOn || p.leftOn >= calendar.yearToDate(day).from)
    .map((p) => ({
      pupil: p,
      f: pupilReturnFacts(snap.grids.get(p.id)!, calendar, day, {
        startDate: p.startDate,
        leftOn: p.leftOn,
      }),
    }));
  const base = { kind, schoolId, asOf: day };
  switch (kind) {
    case 'unauthorised-10-days': {
      // By default the month to today: the return is made at least monthly.
      const from = period?.from ?? addDays(monthBefore(day), 1);
      const to = period?.to ?? day;
      const rows: ReturnRow[] = [];
      for (const { pupil, f } of facts)
        for (const r of runsIn(f, LA_RETURN_DAYS, from, to))
          rows.push({
            pupilId: pupil.id,
            cells: {
              ...pupilCells(pupil),
              from: r.from,
              to: r.ongoing ? null : r.to,
              schoolDays: r.schoolDays,
              ongoing: r.ongoing ? 'yes' : 'no',
            },
          });
      return {
        ...base,
        title: 'Return: 10 continuous school days of unauthorised absence',
        description: `Pupils with ${LA_RETURN_DAYS} or more continuous school days of unauthorised absence in the period, for the return to the local authority (at least monthly). Weekends, holidays and INSET days do not break a run.`,
        period: { from, to },
        columns: [
          ...PUPIL_COLUMNS,
          { key: 'from', label: 'First day' },
          { key: 'to', label: 'Last day' },
          { key: 'schoolDays', label: 'School days' },
          { key: 'ongoing', label: 'Still absent' },
        ],
        rows: rows.sort(byName),
        emptyText: 'No pupil had 10 continuous school days of unauthorised absence in this period.',
      };
    }
    case 'sickness': {
      const rows = facts
        .filter(
          ({ f }) =>
            f.illnessDays >= SICKNESS_RETURN_DAYS ||
            (f.currentIllnessSpell?.schoolDays ?? 0) >= SICKNESS_SPELL_WATCH_DAYS,
        )
        .map(({ pupil, f }) => ({
          pupilId: pupil.id,
          cells: {
            ...pupilCells(pupil),
            illnessDays: f.illnessDays,
            reached: f.illnessReached15On,
            spellFrom: f.currentIllnessSpell?.from ?? null,
            spellDays: f.currentIllnessSpell?.schoolDays ?? null,
          },
        }));
      return {
        ...base,
        title: 'Return: pupils missing 15 days through illness',
        description: `Pupils whose illness (code I) this school year has reached ${SICKNESS_RETURN_DAYS} days, and pupils off ill now for ${SICKNESS_SPELL_WATCH_DAYS} or more continuous school days, who are expected to reach it: the local authority arranges education for them.`,
        columns: [
          ...PUPIL_COLUMNS,
          { key: 'illnessDays', label: 'Days of illness this year' },
          { key: 'reached', label: 'Reached 15 days on' },
          { key: 'spellFrom', label: 'Off ill since' },
          { key: 'spellDays', label: 'School days off ill now' },
        ],
        rows: rows.sort(byName),
        emptyText:
          'No pupil has missed 15 days through illness this year, and none is off ill for a week or more.',
      };
    }
    case 'removal-from-roll': {
      const enquiries = await rollEnquiries(db, schoolId);
      const names = await displayNamesOf(
        db,
        [...enquiries.values()].flat().map((e) => e.recordedBy),
      );
      const rows = facts.flatMap(({ pupil, f }) => {
        const run = f.unauthorisedRuns.at(-1);
        if (!run?.ongoing || run.schoolDays < REMOVAL_FROM_ROLL_DAYS) return [];
        const made = enquiries.get(pupil.id) ?? [];
        return [
          {
            pupilId: pupil.id,
            cells: {
              ...pupilCells(pupil),
              from: run.from,
              schoolDays: run.schoolDays,
              enquiries: made.length,
              lastEnquiry: made.length
                ? made
                    .map(
                      (e) =>
                        `${formatLongDate(e.madeOn)}: ${ENQUIRY_METHODS[e.method]}, ${e.note} (${names.get(e.recordedBy) ?? 'a former member of staff'})`,
                    )
                    .join('; ')
                : null,
            },
          },
        ];
      });
      return {
        ...base,
        title: 'Removal from roll: 20 continuous school days of unauthorised absence',
        description: `Pupils absent without authorisation for ${REMOVAL_FROM_ROLL_DAYS} or more continuous school days up to today. A pupil may be removed from roll only after the school and the local authority have made reasonable enquiries; record each one here.`,
        columns: [
          ...PUPIL_COLUMNS,
          { key: 'from', label: 'Absent since' },
          { key: 'schoolDays', label: 'School days' },
          { key: 'enquiries', label: 'Enquiries made' },
          { key: 'lastEnquiry', label: 'Enquiries (date, how, what was found, by whom)' },
        ],
        rows: rows.sort(byName),
        emptyText: 'No pupil has been absent without authorisation for 20 continuous school days.',
      };
    }
    case 'first-day-calls': {
      const calls = day === asOf ? await firstDayCallsOn(db, schoolId, day) : new Map();
      const rows = facts
        .filter(({ f }) => day === asOf && f.unexplainedToday.length > 0)
        .map(({ pupil, f }) => {
          const call = calls.get(pupil.id);
          return {
            pupilId: pupil.id,
            cells: {
              ...pupilCells(pupil),
              sessions: f.unexplainedToday.join(' and '),
              contacts:
                pupil.contacts
                  .map((c) => [c.name, c.phone].filter(Boolean).join(' '))
                  .filter(Boolean)
                  .join('; ') || null,
              outcome: call
                ? FIRST_DAY_CALL_OUTCOMES[call.outcome as keyof typeof FIRST_DAY_CALL_OUTCOMES]
                : null,
              note: call?.note ?? null,
            },
          };
        });
      return {
        ...base,
        title: "First-day calls: today's unexplained absences",
        description:
          'Pupils marked N (no reason yet) today. Call home, record what came of it, and re-code the mark in the register once the reason is known: an N still unresolved after 5 school days counts as an unexplained absence.',
        columns: [
          ...PUPIL_COLUMNS,
          { key: 'sessions', label: 'Sessions' },
          { key: 'contacts', label: 'Parents/carers to call' },
          { key: 'outcome', label: 'Call outcome' },
          { key: 'note', label: 'Note' },
        ],
        rows: rows.sort(byName),
        emptyText:
          day === asOf
            ? 'No unexplained absence today (or today’s marks are not imported yet).'
            : 'Today is not a school day.',
      };
    }
    case 'termly-awards': {
      const term = facts.find(({ f }) => f.term)?.f.term ?? null;
      const rows = facts
        .filter(({ f }) => f.term && f.term.possible > 0 && (f.term.attendancePct ?? 0) >= AWARD_PCT)
        .map(({ pupil, f }) => ({
          pupilId: pupil.id,
          cells: {
            ...pupilCells(pupil),
            attendancePct: f.term!.attendancePct,
            attended: f.term!.attended,
            possible: f.term!.possible,
          },
        }));
      return {
        ...base,
        title: `Termly attendance awards${term ? `: ${term.name} term` : ''}`,
        description: `Pupils with attendance of ${AWARD_PCT}% or above over the term${term ? ` so far (${formatLongDate(term.from)} to ${formatLongDate(term.to)})` : ''}: the universal recognition of seed 003's Stage One.`,
        ...(term ? { period: { from: term.from, to: term.to } } : {}),
        columns: [
          ...PUPIL_COLUMNS,
          { key: 'attendancePct', label: 'Attendance %' },
          { key: 'attended', label: 'Sessions attended' },
          { key: 'possible', label: 'Possible sessions' },
        ],
        rows: rows.sort(byName),
        emptyText: 'No pupil has 95% or above this term yet.',
      };
    }
  }
}

/** The list as CSV: a header row of the column labels, then a row a pupil, in the list's order. */
export function returnCsv(list: ReturnList): string {
  return stringify([
    list.columns.map((c) => c.label),
    ...list.rows.map((r) => list.columns.map((c) => r.cells[c.key] ?? '')),
  ]);
}
