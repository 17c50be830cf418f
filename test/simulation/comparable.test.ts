// How check:what-if counts differing events: a family's timeline read from PostgreSQL (whose jsonb
// puts keys in its own order) and the same timeline from the store in memory are the same timeline;
// one word changed in a letter is a difference.
import { describe, expect, it } from 'vitest';
import { differingEvents, type Comparable } from '../../scripts/simulation/whatIf/comparable';

const opened = { date: '2025-11-24', type: 'opened', stageId: 'letter-one', text: 'Case opened' };
const letter = {
  date: '2025-11-24',
  type: 'letterSent',
  stageId: 'letter-one',
  text: 'Letter 1 sent',
  letter: { subject: 'Attendance of Ava', text: 'Dear Ms Brown, ...', recipients: [] },
};

function run(events: Record<string, unknown>[]): Comparable {
  return [{ upn: 'A820100000005', caseId: 'c1', status: 'open', stage: 'letter-one', events }] as Comparable;
}

describe('counting the events two runs of a school disagree on', () => {
  it('finds none when the only difference is the order of the keys', () => {
    const fromPostgres = run([
      { date: opened.date, text: opened.text, type: opened.type, stageId: opened.stageId },
      {
        letter: letter.letter,
        date: letter.date,
        type: letter.type,
        text: letter.text,
        stageId: letter.stageId,
      },
    ]);
    expect(differingEvents(fromPostgres, run([opened, letter]))).toBe(0);
  });

  it('finds the letter whose words differ', () => {
    const reworded = { ...letter, letter: { ...letter.letter, text: 'Dear Mr Brown, ...' } };
    expect(differingEvents(run([opened, letter]), run([opened, reworded]))).toBe(1);
  });
});
