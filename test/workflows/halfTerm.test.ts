// Monitoring windows are counted in school weeks from the school's calendar: a two-week window
// that starts on the Friday before half term ends two school weeks later, not fourteen days later.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markPattern, startHarness, type Harness } from './harness';

// Thursday 23 October 2025; half term is 27–31 October; Friday 14 November is an INSET day.
const START = '2025-10-23';
const stageOne = markPattern((_date, s, i) => (i % 6 === 0 && s === 'AM' ? 'O' : null));

describe('a monitoring window across half term', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      scenario: 'half-term',
      policy: 'bradford-staged-intervention',
      start: START,
      pupils: [{ key: 'sam', givenName: 'Sam', familyName: 'Ray', mark: stageOne }],
    });
    await h.sweep();
  }, 120_000);
  afterAll(async () => {
    await h?.shutdown();
  });

  it('ends two school weeks after the Friday before half term, on the last school day of that week', async () => {
    const [proposal] = await h.pending('sam');
    expect(proposal?.step.stepId).toBe('make-parents-aware');
    await h.advanceSchoolDays(1); // Friday 24 October, the last day before half term
    expect(h.today()).toBe('2025-10-24');
    await h.decide('sam', { proposalId: proposal!.proposalId, decision: 'approve' });
    await h.completeTask('sam', 'make-parents-aware', 'spoke'); // the call made that afternoon
    const v = await h.view('sam');
    // School weeks after 24 Oct: 3–7 Nov, then 10–14 Nov whose Friday is an INSET day.
    expect(v.monitoringUntil).toBe('2025-11-13');
    expect(v.monitoringUntil).not.toBe('2025-11-07'); // what fourteen calendar days would give
  });

  it('does nothing during half term, and acts when the window ends', async () => {
    await h.advanceSchoolDays(1); // Monday 3 November: half term has passed with no school day
    expect(h.today()).toBe('2025-11-03');
    let v = await h.view('sam');
    expect(v.timeline.some((t) => t.date > '2025-10-24' && t.date < '2025-11-03')).toBe(false);
    expect(v.timeline.some((t) => t.stepId === 'school-letter-1')).toBe(false);

    // The day before the window ends, still nothing; on its last day (Thursday 13 November, at the
    // evening check) School letter 1 goes.
    while (h.today() < '2025-11-12') await h.advanceSchoolDays(1);
    expect(h.today()).toBe('2025-11-12');
    v = await h.view('sam');
    expect(v.timeline.some((t) => t.stepId === 'school-letter-1')).toBe(false);
    await h.advanceSchoolDays(1);
    expect(h.today()).toBe('2025-11-13');
    v = await h.view('sam');
    const letter = v.timeline.find((t) => t.stepId === 'school-letter-1');
    expect(letter).toMatchObject({ type: 'letterSent', date: '2025-11-13' });
  });
});
