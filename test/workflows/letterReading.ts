// Reading a family's letters as they arrived (the test SMTP server's parsed mail), and checking them
// against what the case and the register say: whose letters these are, the date a letter carries,
// the figures it should quote, and every date it names.
import type { ParsedMail } from 'mailparser';
import { buildCalendar } from '../../domain/calendar';
import { noticeToImproveFor } from '../../domain/noticeToImprove';
import { figureOptionsFor } from '../../domain/policy/figureOptions';
import { computePupilFacts } from '../../domain/stats';
import type { IsoDate, PupilFacts } from '../../domain/types';
import { formatLongDate, MONTHS } from '../../letters/format';
import { listLettersForPupil } from '../../store/caseServices';
import { loadMarkGrid } from '../../store/marks';
import { getPupil } from '../../store/pupils';
import { getSchool } from '../../store/schools';
import { schoolDateAt } from '../../domain/time';
import { SCHOOL_ID, type Harness } from './harness';

const LONG_DATE = new RegExp(`\\b(\\d{1,2}) (${MONTHS.join('|')})(?: (\\d{4}))?\\b`, 'g');

/** The address a harness pupil's first parent/carer has by default. */
export const parentOf = (key: string): string => `parent.${key}@example.org`;

export function recipientOf(m: ParsedMail): string | undefined {
  return m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : undefined;
}

/** Every letter and message that reached this address, in the order they arrived. */
export function mailTo(h: Harness, address: string): ParsedMail[] {
  return h.smtp.messages.filter((m) => recipientOf(m) === address);
}

/** The date a letter carries: the first long date in it ("17 November 2025"), as an ISO date. */
export function letterDate(text: string): IsoDate {
  const m = new RegExp(LONG_DATE.source).exec(text);
  if (!m?.[3]) throw new Error(`the letter carries no date: ${text.slice(0, 120)}`);
  return isoOf(m[1]!, m[2]!, m[3]);
}

function isoOf(day: string, month: string, year: string): IsoDate {
  return `${year}-${String(MONTHS.indexOf(month) + 1).padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/** The long dates a letter names, as written (a period's first date may leave out its year). */
export function datesNamed(text: string): { day: string; month: string; year?: string; said: string }[] {
  return [...text.matchAll(LONG_DATE)].map((m) => ({
    day: m[1]!,
    month: m[2]!,
    ...(m[3] ? { year: m[3] } : {}),
    said: m[0],
  }));
}

/** The pupil's figures on a day, computed from the register as the case computes them. */
export async function figuresOn(h: Harness, key: string, asOf: IsoDate): Promise<PupilFacts> {
  const pupilId = h.pupilIds.get(key)!;
  const [school, pupil, grid] = await Promise.all([
    getSchool(h.db, SCHOOL_ID),
    getPupil(h.db, pupilId),
    loadMarkGrid(h.db, pupilId),
  ]);
  return computePupilFacts({
    pupil: {
      pupilId,
      upn: pupil!.upn,
      yearGroup: pupil!.yearGroup,
      flags: pupil!.flags,
      startDate: pupil!.startDate,
      leftOn: pupil!.leftOn,
    },
    grid,
    calendar: buildCalendar(school!.calendar),
    asOf,
    ...figureOptionsFor(h.policy),
  });
}

/**
 * The dates a letter to this pupil's family may name on `date`: its own date, the period its figures
 * cover, the dates of the letters the case sent before it (kept as evidence, or the dates on the
 * letters and invitations that reached the family before this one), the dates of the case's
 * meetings and visits (held, missed, or booked ahead), and a notice to improve's period. Anything else is a date the family cannot place.
 */
export async function datesALetterMayName(
  h: Harness,
  key: string,
  date: IsoDate,
  receivedBefore: ParsedMail[] = [],
): Promise<Set<IsoDate>> {
  const pupilId = h.pupilIds.get(key)!;
  const facts = await figuresOn(h, key, date);
  const w = facts.windows.rolling10;
  const letters = await listLettersForPupil(h.db, pupilId);
  const { rows: meetings } = await h.db.query<{ ms: number }>(
    'SELECT (extract(epoch FROM starts_at) * 1000)::float8 AS ms FROM meetings WHERE pupil_id = $1',
    [pupilId],
  );
  // A notice to improve dated `date` names its improvement period (its exact dates are checked by
  // test/workflows/noticeToImprove.test.ts).
  const notices = h.policy.stages.flatMap((stage) =>
    stage.steps
      .filter((step) => step.kind === 'noticeToImprove')
      .map((step) => noticeToImproveFor(h.policy, stage, step, date, h.calendar)),
  );
  return new Set<IsoDate>([
    date,
    w.from,
    w.to,
    ...notices.flatMap((n) => [n.from, n.to]),
    ...letters.filter((l) => l.sentOn <= date).map((l) => l.sentOn),
    ...receivedBefore.map((m) => letterDate(m.text ?? '')),
    ...meetings.map((m) => schoolDateAt(Number(m.ms), 'Europe/London')),
  ]);
}

/** The dates named in a letter that are none of the dates it may name (see datesALetterMayName). */
export function unplaceableDates(text: string, allowed: Set<IsoDate>): string[] {
  const isos = [...allowed];
  return datesNamed(text)
    .filter((d) =>
      d.year
        ? !allowed.has(isoOf(d.day, d.month, d.year))
        : !isos.some((iso) =>
            iso.endsWith(
              `-${String(MONTHS.indexOf(d.month) + 1).padStart(2, '0')}-${d.day.padStart(2, '0')}`,
            ),
          ),
    )
    .map((d) => d.said);
}

export { formatLongDate };
