// The merge: structured figures and the case's story in, plain-English fields and section booleans
// out. No engine text goes in, so none can come out.
import { describe, expect, it } from 'vitest';
import { parseCalendarFile } from '../../domain/calendar';
import { letterFigures } from '../../domain/letterFigures';
import type { LetterStory } from '../../domain/letterStory';
import { buildLetterMerge, type LetterMergeInput } from '../../letters/merge';
import { CALENDAR, factsWith, FIGURES, OLD_FIGURES } from '../activities/support';

const base: LetterMergeInput = {
  pupil: { givenName: 'Amira', familyName: 'Khan', yearGroup: 4 },
  carers: [{ name: 'Sara Khan' }],
  schoolName: 'Oakfield Primary',
  date: '2024-10-14',
  figures: FIGURES,
  signature: { name: 'Mrs Patel', role: 'Attendance Officer' },
};

const story = (over: Partial<LetterStory> = {}): LetterStory => ({
  route: 'opened',
  earlier: [],
  absence: {
    illnessOnly: false,
    illnessSessions: 2,
    unauthorisedSessions: 5,
    unexplainedSessions: 2,
    penaltyPossible: true,
  },
  localAuthority: 'Northshire Council',
  ...over,
});

describe('buildLetterMerge', () => {
  it("says the figures letterFigures computed, in the family's words", () => {
    const a = buildLetterMerge(base).attendance!;
    expect(a).toMatchObject({
      pct: '88.3%',
      window: 'the 6 school weeks from 2 September to 11 October 2024',
      period: 'from 2 September to 11 October 2024',
      from: '2 September 2024',
      to: '11 October 2024',
      weeks: '6 school weeks',
      possible: '60 sessions',
      missed: '7 sessions',
      days: 'three and a half days',
      lessons: 'about 17 lessons',
      unauthorisedSessions: '3 unauthorised sessions',
      noReasonSessions: '2 sessions',
      illnessSessions: '2 sessions',
      hasOtherAbsence: false,
      hasBreakdown: true,
      persistent: true,
      severe: false,
    });
  });

  it('says "1 unauthorised session"', () => {
    const figures = letterFigures(factsWith([{ code: 'O', days: [4] }]));
    expect(buildLetterMerge({ ...base, figures }).attendance).toMatchObject({
      unauthorisedSessions: '1 unauthorised session',
      missed: '1 session',
      days: 'half a day',
      hasNoReason: false,
    });
  });

  it('keeps the first fields for schools that wrote their own templates with them', () => {
    const a = buildLetterMerge({ ...base, figures: OLD_FIGURES }).attendance!;
    expect(a).toMatchObject({
      pct: '88.4%',
      window: 'the 10 school weeks to 11 October 2024',
      period: '',
      daysMissed: '5.5',
      sessionsMissed: '11',
      lessonsMissed: '27',
      unauthorised: '6',
      unexplained: '3',
      hasBreakdown: false,
    });
  });

  it('tells the routes apart, and claims no route without a story', () => {
    expect(buildLetterMerge(base).route).toEqual({
      opened: false,
      escalated: false,
      steppedDown: false,
      continuing: false,
      unknown: true,
    });
    expect(buildLetterMerge({ ...base, story: story({ route: 'escalated' }) }).route).toMatchObject({
      escalated: true,
      unknown: false,
    });
  });

  it('lists the earlier contacts with their long dates, in the words a family knows', () => {
    const m = buildLetterMerge({
      ...base,
      story: story({
        route: 'escalated',
        earlier: [
          {
            kind: 'call',
            title: 'Make parents aware and work with them to address missing marks',
            date: '2024-09-16',
          },
          { kind: 'letter', title: "Amira's attendance: School letter 1", date: '2024-09-23' },
          {
            kind: 'meeting',
            title: 'Attendance Support Meeting with parents/carers',
            date: '2024-10-01',
            attended: false,
          },
          { kind: 'homeVisit', title: 'a home visit', date: '2024-10-08', attended: true },
        ],
      }),
    });
    expect(m.earlier.map((e) => e.text)).toEqual([
      'a phone call on 16 September 2024',
      'a letter dated 23 September 2024',
      'an Attendance Support Meeting on 1 October 2024, which you were not able to come to',
      'a home visit on 8 October 2024, when we met you at home',
    ]);
    expect(m.hasEarlier).toBe(true);
    expect(m.lastLetter).toEqual({ date: '23 September 2024' });
    expect(m.missedMeeting).toEqual({
      name: 'an Attendance Support Meeting',
      the: 'the Attendance Support Meeting',
      date: '1 October 2024',
    });
    expect(m.lastMeeting).toMatchObject({ name: 'a home visit', came: true, missed: false });
    // A home visit on the case: not a routine case.
    expect(m.seriousConcern).toBe(true);
    expect(m.penaltyWarning).toBe(false);
  });

  it('takes illness and penalty notices from the story, or from the figures without one', () => {
    const illness = letterFigures(factsWith([{ code: 'I', days: [3, 4], both: true }]));
    expect(buildLetterMerge({ ...base, figures: illness }).absence).toEqual({
      illnessOnly: true,
      penaltyPossible: false,
    });
    expect(buildLetterMerge(base).absence).toEqual({ illnessOnly: false, penaltyPossible: true });
    const noPenalty = story({ absence: { ...story().absence, penaltyPossible: false } });
    expect(buildLetterMerge({ ...base, story: noPenalty }).absence.penaltyPossible).toBe(false);
  });

  it('treats attendance at half or below as a serious concern, with no formal penalty warning', () => {
    const days = Array.from({ length: 20 }, (_, i) => i);
    const severe = letterFigures(factsWith([{ code: 'O', days, both: true }]));
    const m = buildLetterMerge({ ...base, figures: severe, story: story() });
    expect(m.attendance).toMatchObject({ pct: '33.3%', severe: true });
    expect(m.seriousConcern).toBe(true);
    expect(m.absence.penaltyPossible).toBe(true);
    expect(m.penaltyWarning).toBe(false);
  });

  it('names the local authority from the story, then the school, else "the local authority"', () => {
    expect(buildLetterMerge({ ...base, story: story() }).localAuthority).toBe('Northshire Council');
    expect(
      buildLetterMerge({
        ...base,
        story: story({ localAuthority: null }),
        localAuthority: 'Eastshire Council',
      }).localAuthority,
    ).toBe('Eastshire Council');
    expect(buildLetterMerge(base).localAuthority).toBe('the local authority');
  });

  it("invites only to a meeting still to come; a home visit is at the family's home", () => {
    const past = buildLetterMerge({
      ...base,
      meeting: { startsAt: '2024-10-01T09:00:00Z', location: 'Oakfield Primary' },
    });
    expect(past.meeting).toBeUndefined();
    const visit = buildLetterMerge({
      ...base,
      story: story({ meeting: { startsAt: '2024-10-17T09:00:00Z', location: "At the family's home" } }),
    });
    expect(visit.meeting).toMatchObject({
      when: 'Thursday 17 October 2024 at 10:00am',
      location: 'your home',
      where: 'at your home',
      atHome: true,
    });
    expect(visit.seriousConcern).toBe(true);
  });

  it('never carries the engine its reasons', () => {
    const m = buildLetterMerge({ ...base, story: story() });
    expect(Object.keys(m)).not.toContain('reasons');
    expect(Object.keys(m)).not.toContain('reasonsText');
  });
});

describe('the school calendar file', () => {
  it('may name the local authority', () => {
    const ok = parseCalendarFile({ ...CALENDAR, localAuthority: ' Northshire Council ' });
    expect(ok).toMatchObject({ ok: true, file: { localAuthority: 'Northshire Council' } });
    expect(parseCalendarFile(CALENDAR)).toMatchObject({ ok: true });
    const empty = parseCalendarFile({ ...CALENDAR, localAuthority: '' });
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.issues.join(' ')).toMatch(/localAuthority is empty/);
  });
});
