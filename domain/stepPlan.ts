// A step's plan: the exact action a proposed step will take, built once when it is proposed
// (activities/planning.ts) and stored on the proposal. The preview shows it, the approval approves
// it (an amendment replaces it), and the activity performs exactly it: a letter is sent byte for
// byte as the officer saw it, checked by its hash at send time. Plain JSON: it lives in workflow
// history and in the read model.
import type { OutcomeKind, StepKind } from './caseTypes';
import type { LetterFiguresInput } from './letterFigures';
import type { LetterStory } from './letterStory';
import type { PostalAddress } from './postalAddress';
import type { IsoDate } from './types';

/** How one parent/carer receives a letter or message. `post`: printed and posted by the office. */
export type PlannedChannel = 'email' | 'sms' | 'app' | 'post';

export interface PlannedRecipient {
  /** Position in the pupil's contacts: part of each message's idempotency key. */
  contactIndex: number;
  name: string;
  channel: PlannedChannel;
  /** The email address or phone number it goes to; for post, the phone told it is on its way, or null. */
  address: string | null;
  /**
   * Post: the name and address printed in the envelope window, from the roster when the plan was
   * made. Absent when the roster has none: the office is asked to find it, never given a guess.
   */
  postal?: PostalAddress;
}

/** What a letter or message was composed from: enough to render it again with amended text. */
export interface ComposeRecipe {
  template: string;
  /** The date the letter carries: the school day it was written (proposed). */
  date: IsoDate;
  figures: LetterFiguresInput;
  /** The engine's reasons: staff-facing, never merged into a letter (engine 2 passes `[]`). */
  reasons: string[];
  meeting?: { startsAt: string; location?: string };
  /** What the letter may tell the family: its route, earlier contacts with dates, the kind of absence. */
  story?: LetterStory;
}

/** The rendered words, exactly as they go out. */
export interface PlannedContent {
  subject: string;
  /** The whole letter or message as plain text. */
  text: string;
  /** Letters: the whole letter as an HTML document. Messages: null. */
  html: string | null;
  /** The editable body (what an amendment starts from). */
  body: string;
  templateId: string;
  templateSource: 'school' | 'default' | 'fallback';
  amended: boolean;
  /** Letters: the parts the printed (PDF) copy is laid out from, so it matches the words above. */
  layout?: {
    schoolName: string;
    salutation: string;
    blocks: ({ type: 'paragraph'; text: string } | { type: 'list'; items: string[] })[];
    signOff: string;
    signature: string[];
  };
}

export interface LetterPlan {
  kind: 'letter' | 'message';
  recipe: ComposeRecipe;
  content: PlannedContent;
  recipients: PlannedRecipient[];
  /** sha256 of the content and recipients (letters/plan.ts `planHash`). */
  hash: string;
}

/** A choice the team records when a task is done, and what it means for the case. */
export interface TaskOutcomeChoice {
  id: string;
  label: string;
  /** Whether this outcome completes the step (a call with no answer does not). */
  completesStep: boolean;
  /** The outcome the policy can react to (a home visit with no access, a contract signed). */
  records?: OutcomeKind;
}

/** Work for a person: a phone call (with its script), a home visit, a contract, a referral... */
export interface TaskPlan {
  kind: 'task';
  taskKind: StepKind | 'phoneCall';
  title: string;
  dueOn: IsoDate;
  /** The script of a call, or what the person needs to know. */
  notes?: string;
  /** For a call: who to ring. */
  toCall?: { contactIndex: number; name: string; phone: string | null }[];
  outcomes: TaskOutcomeChoice[];
  hash: string;
}

export interface MeetingPlan {
  kind: 'meeting';
  meetingKind: 'meeting' | 'homeVisit';
  title: string;
  template?: string;
  /** The first school day it may be held (the policy's notice from the day it was proposed). */
  earliestDate: IsoDate;
  /** The figures the invitation quotes. */
  recipe: ComposeRecipe;
  /** Who is invited, and how. */
  recipients: PlannedRecipient[];
  hash: string;
}

export type StepPlan = LetterPlan | TaskPlan | MeetingPlan;
