// The story a letter may tell (domain/letterStory.ts), built from what this case actually did: the
// contacts the family has had with their dates, how the case reached its stage, the meeting the
// letter invites to, and the nature of the pupil's absence. Engine reasons never go into it.
import type { EarlierContact, LetterStory } from '../../domain/letterStory';
import type { IsoDate, PupilFacts } from '../../domain/types';
import type { CaseRecord } from './record';

/** How the case came to its current stage, from its own timeline. */
function routeOf(r: CaseRecord): LetterStory['route'] {
  const stageId = r.caseState.stageId;
  const entered = [...r.timeline].reverse().find((t) => t.type === 'opened' || t.type === 'stageChanged');
  const contactsAtStage = r.contacts.some(
    (c) => c.stageId === stageId && c.date >= (r.caseState.stageEnteredOn ?? ''),
  );
  if (contactsAtStage) return 'continuing';
  if (!entered || entered.type === 'opened') return 'opened';
  return entered.text.startsWith('Stepped down') ? 'steppedDown' : 'escalated';
}

export function letterStory(
  r: CaseRecord,
  facts: PupilFacts,
  now: { today: IsoDate; nowIso: string },
  localAuthority: string | null,
): LetterStory {
  const w = facts.windows.rolling10;
  const illness = facts.illness.illnessSessions;
  const absent = w.authorised + w.unauthorised;
  const meeting = [...r.contacts]
    .reverse()
    .find(
      (c) =>
        (c.kind === 'meeting' || c.kind === 'homeVisit') &&
        c.stageId === r.caseState.stageId &&
        c.startsAt !== undefined &&
        c.startsAt > now.nowIso &&
        c.attended === undefined,
    );
  return {
    route: routeOf(r),
    earlier: r.contacts
      .filter((c) => !(c.startsAt !== undefined && c.startsAt > now.nowIso))
      .map(({ kind, title, date, attended }) => ({
        kind,
        title,
        date,
        ...(attended === undefined ? {} : { attended }),
      })),
    ...(meeting?.startsAt
      ? { meeting: { startsAt: meeting.startsAt, location: meeting.location ?? '' } }
      : {}),
    absence: {
      illnessOnly: absent > 0 && w.unauthorised === 0 && illness >= absent,
      illnessSessions: illness,
      unauthorisedSessions: w.unauthorised,
      unexplainedSessions: w.unexplained,
      penaltyPossible: facts.penaltyThreshold.sessions > 0,
    },
    localAuthority,
  };
}

/** A contact the case has had with the family, kept so later letters can name it with its date. */
export interface CaseContact extends EarlierContact {
  stageId: string | null;
  stepId: string;
  /** Meetings and visits: when they are, where, and their record in the store. */
  startsAt?: string;
  location?: string;
  ref?: string;
}
