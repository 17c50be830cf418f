// Letters read as a parent reads them: the sentences, the figures and the dates a family sees, for
// each route a case can take. Rendered with the real merge and render functions from the default
// templates, for the made-up pupil of letters/examples.ts.
import { describe, expect, it } from 'vitest';
import { letterFigures } from '../../domain/letterFigures';
import type { EarlierContact, LetterStory } from '../../domain/letterStory';
import { exampleFacts, mergeInputFor, type PatternId } from '../../letters/examples';
import { formatDays, formatLessons, formatPercent } from '../../letters/format';
import { buildLetterMerge } from '../../letters/merge';
import { renderLetter, renderMessage } from '../../letters/render';
import { listDefaultTemplateIds, loadDefaultTemplate } from '../../letters/templates';

function read(
  templateId: string,
  pattern: PatternId,
  story?: { route: LetterStory['route']; earlier: EarlierContact[] },
  meeting?: { startsAt: string; location: string },
): { subject: string; text: string } {
  const template = loadDefaultTemplate(templateId)!;
  const merge = buildLetterMerge(
    mergeInputFor({
      id: 't',
      title: 't',
      pattern,
      ...(story ? { story } : {}),
      ...(meeting ? { meeting } : {}),
    }),
  );
  const out =
    template.kind === 'message' ? renderMessage({ template, merge }) : renderLetter({ template, merge });
  return { subject: out.subject, text: out.text };
}

const opened = { route: 'opened' as const, earlier: [] };
const PENALTY_WORDS = /penalty|a fine|legal action|prosecut|\bcourt\b|warning/i;

describe('a family whose every absence is illness', () => {
  it.each(listDefaultTemplateIds())('%s says nothing of penalty notices, fines or warnings', (id) => {
    for (const route of ['opened', 'escalated', 'continuing'] as const) {
      const letter = read(id, 'stageTwoIllness', {
        route,
        earlier: route === 'opened' ? [] : [{ kind: 'letter', title: 'a letter', date: '2025-10-06' }],
      });
      expect(`${letter.subject}\n${letter.text}`).not.toMatch(PENALTY_WORDS);
    }
  });

  it('reads about health in Warning Letter 1 (Stage Two), not a warning', () => {
    const { subject, text } = read('bradford/warning-letter-1', 'stageTwoIllness', opened);
    expect(subject).toBe("Sam Rivers's attendance and health at Oakwood Primary School");
    expect(text).toContain('We know Sam has been unwell, and we hope Sam is feeling better.');
    expect(text).toContain('All of these absences were for illness or medical appointments.');
    expect(text).toContain(
      'If you have any medical evidence, such as an appointment card or a letter from a doctor',
    );
  });
});

describe('a case opened at Stage Two', () => {
  it('never says it has been working with the family, in any letter', () => {
    for (const id of listDefaultTemplateIds()) {
      const { text } = read(id, 'stageTwo', opened);
      expect(text).not.toMatch(
        /we have been working with you|been in touch|we wrote to you|since then|writing again|still very concerned/i,
      );
    }
  });

  it('opens Warning Letter 1 with the concern, the figures and then the first formal warning', () => {
    const { subject, text } = read('bradford/warning-letter-1', 'stageTwo', opened);
    expect(subject).toBe("Sam Rivers's attendance at Oakwood Primary School: Warning Letter 1");
    expect(text).toContain(
      'We are writing because we are now very concerned about the attendance of Sam Rivers.\n\nIn the',
    );
    expect(text).toContain(
      "This is Warning Letter 1. It is the first formal warning about Sam's attendance.",
    );
    expect(text).not.toMatch(/Stages? One|Bradford/);
  });
});

describe('an escalated case', () => {
  const earlier: EarlierContact[] = [
    { kind: 'call', title: 'a phone call', date: '2025-10-20' },
    { kind: 'letter', title: 'a letter', date: '2025-11-04' },
    { kind: 'meeting', title: 'an Attendance Support Meeting', date: '2025-11-12', attended: true },
  ];

  it('names each earlier letter and meeting with its long date', () => {
    const { text } = read('bradford/warning-letter-1', 'stageTwo', { route: 'escalated', earlier });
    expect(text).toContain(
      'We have already been in touch with you about it:\n\n' +
        '- a phone call on 20 October 2025\n' +
        '- a letter dated 4 November 2025\n' +
        '- an Attendance Support Meeting on 12 November 2025, which you came to\n\n' +
        "Sadly, Sam's attendance has not improved enough since then.",
    );
  });

  it('refers back to the last letter by its date', () => {
    const { text } = read('bradford/school-letter-2', 'stageOne', { route: 'continuing', earlier });
    expect(text).toContain('We wrote to you on 4 November 2025 about the attendance of Sam Rivers.');
  });

  it('claims no history in the Final Warning Letter when the case has none on record (engine 1)', () => {
    const { text } = read('bradford/final-warning-letter', 'stageThree');
    expect(text).not.toMatch(/in touch|Stages One and Two|we have written|met with you/i);
    expect(text).toContain('This is a Final Warning Letter.');
  });
});

describe('the figures', () => {
  it("are letterFigures' figures, in the family's format", () => {
    const f = letterFigures(exampleFacts('stageTwo'));
    expect(f).toMatchObject({ attendancePct: 87, sessionsMissed: 13, daysMissed: 6.5, lessonsMissed: 32.5 });
    const { text } = read('bradford/warning-letter-1', 'stageTwo', opened);
    expect(formatPercent(f.attendancePct!)).toBe('87%');
    expect(text).toContain(
      `In the 10 school weeks from 8 September to 21 November 2025, Sam's attendance was ${formatPercent(f.attendancePct!)}. ` +
        `Sam was absent for ${f.sessionsMissed} sessions. That is ${formatDays(f.daysMissed)} of school, or ${formatLessons(f.lessonsMissed)}. ` +
        'A school day has two sessions, morning and afternoon.',
    );
    expect(text).toContain('six and a half days of school, or about 32 lessons');
    expect(text).toContain(`- ${f.illnessSessions} sessions of illness or medical appointments`);
    expect(text).toContain(`- ${f.unexplained} sessions we do not have a reason for yet`);
    expect(text).toContain(
      `- ${f.unauthorised - f.unexplained} unauthorised sessions: absence the school did not agree to`,
    );
  });

  it('say "1 unauthorised session"', () => {
    const { text } = read('bradford/school-letter-1', 'oneUnauthorised', opened);
    expect(text).toContain('- 1 unauthorised session: absence the school did not agree to');
    expect(text).not.toMatch(/\b1 \w* ?sessions\b/);
  });
});

describe('a family in serious difficulty (attendance below half, a home visit, a plan)', () => {
  it('is written to person to person, with help first, in Warning Letter 1', () => {
    const { text } = read('bradford/warning-letter-1', 'severe', opened);
    expect(text).toMatch(
      /^21 November 2025\n\nDear Jordan Rivers and Alex Rivers,\n\nWe are very worried about the attendance of Sam Rivers, and we want to help your family as soon as we can\./,
    );
    expect(text).toContain('This means Sam has missed at least half of the school days in this time.');
    const help = text.indexOf('We would like to visit you at home soon');
    expect(help).toBeGreaterThan(0);
    expect(help).toBeLessThan(text.indexOf('This is Warning Letter 1'));
    expect(text).toContain('We would only think about one after talking with you');
    expect(text).not.toContain('the school must consider asking');
  });

  it('gets no formal penalty warning in the third letter', () => {
    const { subject, text } = read('three-letter/letter-3', 'severe', {
      route: 'escalated',
      earlier: [{ kind: 'letter', title: 'a letter', date: '2025-10-06' }],
    });
    expect(subject).toBe("Sam Rivers's attendance at Oakwood Primary School: our third letter");
    expect(text).not.toContain('This letter is a warning');
    expect(text).toContain('We would like to see you as soon as possible, at school or at home.');
  });

  it('is told who will visit, and that any professional already working with them is asked too', () => {
    const { text } = read(
      'bradford/announced-home-visit',
      'stageTwo',
      { route: 'continuing', earlier: [{ kind: 'letter', title: 'a letter', date: '2025-11-17' }] },
      { startsAt: '2025-11-27T10:00:00Z', location: "At the family's home" },
    );
    expect(text).toContain('When: Thursday 27 November 2025 at 10:00am');
    expect(text).toContain(
      'If another professional already works with your family, we will ask them to come too.',
    );
    expect(text).toContain('It is not an inspection of your home.');
  });
});

describe('a case that stepped down', () => {
  it('thanks the family for the improvement; no other route claims one', () => {
    const down = read('generic-letter', 'improved', { route: 'steppedDown', earlier: [] });
    expect(down.text).toContain("Thank you for your help: Sam's attendance has improved.");
    for (const id of listDefaultTemplateIds()) {
      expect(read(id, 'stageTwo', opened).text).not.toMatch(
        /thank you for your help|(?<!if [\w' ]+)has improved/i,
      );
    }
  });
});
