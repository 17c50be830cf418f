// Penalty notices under the national framework (from 19 August 2024; DOMAIN.md, "Thresholds"),
// counted per parent, per child: each parent with parental responsibility gets their own notice, and
// the 3-year rules look only at that parent's notices for that child.
// - A first notice: £80 if paid within 21 days, £160 if paid within 28.
// - A second notice within 3 years of the first: a flat £160, no reduction.
// - No third notice within 3 years of the first: the school considers the next legal option instead
//   (the local authority's education supervision order, or prosecution).
// A notice counts once it is issued; one withdrawn by the local authority, or only requested and
// never issued, does not. Decisions are in docs/penalty-notices.md.
import { addDays, type SchoolCalendar } from './calendar';
import type { MarkGrid } from './marks';
import type { IsoDate } from './types';

export const PENALTY_NOTICE_OUTCOMES = [
  'requested',
  'issued',
  'paid80',
  'paid160',
  'unpaid',
  'withdrawn',
] as const;
export type PenaltyNoticeOutcome = (typeof PENALTY_NOTICE_OUTCOMES)[number];

/** How each outcome is said on the case page and in the evidence pack. */
export const OUTCOME_WORDS = {
  requested: 'requested from the local authority',
  issued: 'issued',
  paid80: 'paid at £80 (within 21 days)',
  paid160: 'paid at £160',
  unpaid: 'not paid',
  withdrawn: 'withdrawn',
} as const satisfies Record<PenaltyNoticeOutcome, string>;

/** One parent's notice for one child, as the store keeps it. */
export interface PenaltyNoticeHistoryItem {
  outcome: PenaltyNoticeOutcome;
  requestedOn: IsoDate;
  /** The day the local authority issued it (absent while only requested, or withdrawn before). */
  issuedOn?: IsoDate | null;
}

export type NoticeTerms =
  | { allowed: true; ordinal: 1; amounts: { within21Days: 80; within28Days: 160 }; words: string }
  | { allowed: true; ordinal: 2; amounts: { flat: 160 }; firstIssuedOn: IsoDate; words: string }
  | { allowed: false; firstIssuedOn: IsoDate; reason: string };

/** The same calendar day three years later (29 February: 1 March, as a year without it has none). */
export function threeYearsAfter(d: IsoDate): IsoDate {
  const y = Number(d.slice(0, 4)) + 3;
  const md = d.slice(5);
  if (md === '02-29') return `${y}-03-01`;
  return `${y}-${md}`;
}

/** Issued notices (not withdrawn) whose 3 years have not run out by `on`, oldest first. */
function countingNotices(history: readonly PenaltyNoticeHistoryItem[], on: IsoDate): IsoDate[] {
  return history
    .filter((n) => n.outcome !== 'withdrawn' && n.issuedOn && n.issuedOn <= on)
    .map((n) => n.issuedOn!)
    .filter((issued) => on < threeYearsAfter(issued))
    .sort();
}

/**
 * What a new notice to this parent for this child would be on `on`, from their notices so far: a
 * first (£80/£160), a second (£160 flat), or refused with the reason and the next legal option.
 */
export function noticeTermsFor(history: readonly PenaltyNoticeHistoryItem[], on: IsoDate): NoticeTerms {
  const issued = countingNotices(history, on);
  if (issued.length === 0)
    return {
      allowed: true,
      ordinal: 1,
      amounts: { within21Days: 80, within28Days: 160 },
      words: 'a first notice: £80 if paid within 21 days, £160 if paid within 28 days',
    };
  const first = issued[0]!;
  if (issued.length === 1)
    return {
      allowed: true,
      ordinal: 2,
      amounts: { flat: 160 },
      firstIssuedOn: first,
      words: `a second notice within 3 years of the first (issued ${first}): £160, with no reduction for early payment`,
    };
  return {
    allowed: false,
    firstIssuedOn: first,
    reason:
      `no third penalty notice may be issued to the same parent for the same child within 3 years of the first ` +
      `(issued ${first}; the 3 years end on ${addDays(threeYearsAfter(first), -1)}): consider the next legal ` +
      `option instead, an education supervision order or prosecution (the local authority's decision)`,
  };
}

/** One session counted towards the penalty-notice threshold. */
export interface CountedSession {
  date: IsoDate;
  session: 'AM' | 'PM';
  code: string;
}

/**
 * The sessions of the policy's counting codes in the rolling 10 school weeks ending on `asOf`, oldest
 * first: what a manager considering a penalty notice reads (and the council's evidence lists). Days
 * before the pupil joined or after they left are not looked at.
 */
export function countedSessions(
  grid: MarkGrid,
  calendar: SchoolCalendar,
  asOf: IsoDate,
  countingCodes: readonly string[],
  pupil: { startDate?: IsoDate | null; leftOn?: IsoDate | null } = {},
): { from: IsoDate; to: IsoDate; sessions: CountedSession[] } {
  const window = calendar.schoolWeeksEndingOn(asOf, 10);
  const codes = new Set(countingCodes);
  const sessions: CountedSession[] = [];
  for (const date of calendar.schoolDaysBetween(window.from, window.to)) {
    if ((pupil.startDate && date < pupil.startDate) || (pupil.leftOn && date > pupil.leftOn)) continue;
    for (const session of ['AM', 'PM'] as const) {
      const code = grid.get(date, session);
      if (code && codes.has(code)) sessions.push({ date, session, code });
    }
  }
  return { from: window.from, to: window.to, sessions };
}

/** What may follow each outcome. */
const NEXT: Record<PenaltyNoticeOutcome, readonly PenaltyNoticeOutcome[]> = {
  requested: ['issued', 'withdrawn'],
  issued: ['paid80', 'paid160', 'unpaid', 'withdrawn'],
  paid80: [],
  paid160: [],
  unpaid: ['paid160', 'withdrawn'],
  withdrawn: [],
};

/**
 * Why this outcome cannot be recorded now for this notice, or null when it can: outcomes follow one
 * another (requested, issued, then paid, unpaid or withdrawn), never on a day before the last one,
 * and a payment is at the notice's amount in its time (£80 only for a first notice, within 21 days
 * of issue; £160 within 28 days).
 */
export function outcomeProblem(
  notice: { ordinal: 1 | 2; outcome: PenaltyNoticeOutcome; outcomeOn: IsoDate; issuedOn: IsoDate | null },
  outcome: PenaltyNoticeOutcome,
  on: IsoDate,
): string | null {
  if (!NEXT[notice.outcome].includes(outcome))
    return NEXT[notice.outcome].length === 0
      ? `this notice is already ${OUTCOME_WORDS[notice.outcome]}: nothing can follow`
      : `a notice ${OUTCOME_WORDS[notice.outcome]} can next be ${NEXT[notice.outcome].map((o) => OUTCOME_WORDS[o]).join(', or ')}`;
  if (on < notice.outcomeOn)
    return `the day is before the notice was ${OUTCOME_WORDS[notice.outcome]} (${notice.outcomeOn})`;
  if (outcome === 'paid80') {
    if (notice.ordinal !== 1)
      return 'a second notice within 3 years is £160, with no reduction for early payment';
    if (on > addDays(notice.issuedOn!, 21))
      return `£80 is for payment within 21 days of issue (by ${addDays(notice.issuedOn!, 21)})`;
  }
  if (outcome === 'paid160' && on > addDays(notice.issuedOn!, 28))
    return `payment is due within 28 days of issue (by ${addDays(notice.issuedOn!, 28)}); after that the notice is unpaid and the local authority decides whether to prosecute`;
  return null;
}
