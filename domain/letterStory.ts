// What a letter may tell a family, as structured facts: never the engine's own reasons. The case
// builds it from its own record (what actually happened, with dates) and the pupil's figures; the
// letter's template says it in plain English. Every sentence of a letter comes from its template and
// is true for this case's route: a case opened at Stage Two never reads "we have been working with
// you", and a family whose absences are all authorised illness never reads about penalty notices.
import type { NoticeToImprove } from './noticeToImprove';
import type { IsoDate } from './types';

/** Something the family has already had from the school on this case, with its date. */
export interface EarlierContact {
  kind: 'letter' | 'message' | 'meeting' | 'call' | 'homeVisit';
  /** Said as a family would recognise it: "a letter", "an Attendance Support Meeting". */
  title: string;
  date: IsoDate;
  /** Meetings and visits: whether the family came (or let us in), when recorded. */
  attended?: boolean;
}

export interface LetterStory {
  /**
   * How the case came to the stage this letter is written at: `opened` (the school's first contact
   * on this case), `escalated` (after earlier steps did not help), `steppedDown` (attendance has
   * improved), or `continuing` (a later step of the same stage).
   */
  route: 'opened' | 'escalated' | 'steppedDown' | 'continuing';
  /** What the family has already had on this case, oldest first. */
  earlier: EarlierContact[];
  /** The meeting this letter invites the family to: booked for this step, and in the future. */
  meeting?: { startsAt: string; location: string };
  absence: {
    /** Every absence in the period was authorised illness or a medical appointment (I, M). */
    illnessOnly: boolean;
    illnessSessions: number;
    unauthorisedSessions: number;
    /** Sessions still without a reason (N) after the policy's grace period. */
    unexplainedSessions: number;
    /**
     * The pupil's unauthorised absence (the codes the policy counts) makes a penalty notice possible
     * under the national framework: only then may a letter mention penalty notices or legal action.
     */
    penaltyPossible: boolean;
  };
  /** The local authority's name, from the school's settings (a letter never names the seed's council). */
  localAuthority: string | null;
  /** A notice to improve: its improvement period and what sufficient improvement means. */
  noticeToImprove?: NoticeToImprove;
}
