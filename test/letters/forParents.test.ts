// The parent-readable check: what the old letters printed is caught, one problem each.
import { describe, expect, it } from 'vitest';
import { MIN_READING_EASE, problemsForParents, readingEase } from '../../letters/forParents';

const NOTE = 'A school day has two sessions, morning and afternoon.';
const clean = `In the 10 school weeks from 8 September to 21 November 2025, Sam's attendance was 87.9%. Sam was absent for 13 sessions. ${NOTE}`;

describe('problemsForParents', () => {
  it('passes a letter written for parents', () => {
    expect(problemsForParents(clean)).toEqual([]);
  });

  it.each([
    ['Stage Two (mandatory): step 1 of 6', /step N of M/],
    ['Stage Two (mandatory) is where we are.', /stage qualifier/],
    ['It met stage-two.entry[0] today.', /rule path/],
    ['Attendance fell (−0.50 points; improvement needs +1 point).', /points/],
    ['Attendance to 2025-11-23 was low.', /ISO date/],
    ['Attendance was 87.90%.', /two decimals/],
    ['She was away on Monday (N, no reason given).', /register code|register-code/],
    ['Codes counted: (G/N/O/U).', /register code/],
    ['That is about 32.5 lessons.', /decimal count/],
    ['Dear {{carerNames}},', /unmerged/],
    ['The reason was undefined.', /missing value/],
    ['She was absent for  two days.', /gap/],
    ['Sam missed 4 sessions .', /gap/],
    ['The noImprovement rule applied.', /camelCase/],
  ])('flags engine text and leftovers: %s', (text, problem) => {
    expect(problemsForParents(text).join('\n')).toMatch(problem);
  });

  it('catches a number and noun that disagree', () => {
    expect(problemsForParents(`There was 1 unauthorised sessions. ${NOTE}`)).toEqual([
      'a plural after one: "1 unauthorised sessions"',
    ]);
    expect(problemsForParents('Sam was late one times.')).toEqual(['a plural after one: "one times"']);
    expect(problemsForParents(`Sam missed 3 session. ${NOTE}`)).toEqual([
      'a singular after a number: "3 session"',
    ]);
    expect(
      problemsForParents(`Sam missed 1 unauthorised session and 10 school weeks passed. ${NOTE}`),
    ).toEqual([]);
  });

  it('asks for "sessions" to be explained once', () => {
    expect(problemsForParents('Sam missed 13 sessions.')).toEqual([
      `"sessions" is not explained (say once: "${NOTE}")`,
    ]);
    expect(problemsForParents(`${clean} ${NOTE}`)).toEqual([
      '"sessions" is explained 2 times (once is enough)',
    ]);
  });

  it('finds penalty notices in a letter to a family for whom none is possible', () => {
    const text = 'Unauthorised absence can lead to a penalty notice.';
    expect(problemsForParents(text, { penaltyPossible: true })).toEqual([]);
    expect(problemsForParents(text, { penaltyPossible: false })).toEqual([
      'mentions "penalty" though no penalty notice is possible for this family',
    ]);
    expect(problemsForParents('That is fine.', { penaltyPossible: false })).toEqual([]);
  });

  it("finds a council that is not the school's", () => {
    const text = "This is Stage Two of Bradford Council's staged intervention.";
    expect(problemsForParents(text, { localAuthority: 'Northshire Council' })).toEqual([
      'names a council that is not the school\'s: "Bradford Council"',
    ]);
  });
});

describe('readingEase', () => {
  it('scores plain English above the threshold and officialese below it', () => {
    expect(readingEase('We are worried about Sam. Please call us. We want to help.')).toBeGreaterThan(90);
    const officialese =
      'Notwithstanding the aforementioned considerations, the authority will institute proceedings pursuant to section 444 of the Education Act 1996 should unauthorised absences persist in contravention of statutory obligations.';
    expect(readingEase(officialese)).toBeLessThan(MIN_READING_EASE);
    const letter = `${clean} If something is making it hard for Sam to come to school, please tell us. We can help.`;
    expect(readingEase(letter)).toBeGreaterThanOrEqual(MIN_READING_EASE);
  });
});
