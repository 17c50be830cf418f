// A letter held for a person never lets the case run on without it. Dan has a child-protection plan
// and his attendance is about 86%. Under the three-letter system his case opens and Letter 1 waits
// for the team: nothing goes to a family with a safeguarding flag without a person's approval. Nobody
// approves it for over four school weeks. His case must stay at Letter 1: moving on would propose a
// Letter 2 that tells his mother there has been "no improvement since Letter 1", a letter she never
// had. When a manager approves it, Letter 1 goes that day, and the 20 school days of monitoring are
// counted from it: Letter 2's meeting is proposed on the twentieth school day after the letter, not
// after the day the case opened (policies/three-letter-system.yaml, version 3; docs/policies.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGER, markPattern, SCENARIO_TIMEOUT_MS, startHarness, type Harness } from './harness';
import { mailTo, parentOf } from './letterReading';

const START = '2025-11-17'; // ten school weeks into the year: rolling figures are meaningful

/** About 86%, all unauthorised (O). */
const belowNinety = markPattern((_date, s, i) =>
  i % 7 === 0 ? 'O' : i % 11 === 0 && s === 'PM' ? 'O' : null,
);

describe('a Letter 1 held for a child-protection flag', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      scenario: 'held-letter',
      policy: 'three-letter-system',
      start: START,
      pupils: [{ key: 'dan', givenName: 'Dan', familyName: 'Price', flags: ['cp'], mark: belowNinety }],
    });
  }, SCENARIO_TIMEOUT_MS);
  afterAll(async () => {
    await h?.shutdown();
  });

  it(
    'keeps the case at Letter 1 while nobody approves it, and counts the 20 school days from the day it goes',
    async () => {
      await h.sweep();
      const opened = await h.view('dan');
      expect(opened.stageId).toBe('letter-one');
      const held = opened.pending.find((p) => p.step.stepId === 'letter-1')!;
      expect(held).toBeDefined();

      // Twenty-two school days with nobody approving: past the 20 days the case would once have
      // counted from the day it opened.
      await h.advanceSchoolDays(22);
      const waiting = await h.view('dan');
      expect(waiting.stageId).toBe('letter-one');
      expect(waiting.pending.map((p) => p.step.stepId)).toEqual(['letter-1']);
      expect(waiting.timeline.filter((e) => e.type === 'letterSent')).toEqual([]);
      expect(mailTo(h, parentOf('dan'))).toEqual([]);

      // A safeguarding hold is a manager's to lift: the manager reads it and approves it, and it
      // goes to Dan's mother today.
      const p = waiting.pending[0]!;
      expect(p.approver).toBe('manager');
      await h.decide('dan', {
        proposalId: p.proposalId,
        decision: 'approve',
        actor: MANAGER,
        ...(p.plan ? { planHash: p.plan.hash } : {}),
      });
      const sentOn = h.today();
      const sent = await h.view('dan');
      expect(sent.timeline.filter((e) => e.type === 'letterSent').map((e) => e.date)).toEqual([sentOn]);
      expect(mailTo(h, parentOf('dan'))).toHaveLength(1);
      expect(mailTo(h, parentOf('dan'))[0]!.text).toContain('Dan');

      // Nineteen school days on, the window is still running: no Letter 2 yet.
      const windowEnds = h.calendar.addSchoolDays(sentOn, 20);
      await h.advanceSchoolDays(19);
      expect(h.today()).toBe(h.calendar.addSchoolDays(sentOn, 19));
      const during = await h.view('dan');
      expect(during.stageId).toBe('letter-one');
      expect(during.pending).toEqual([]);

      // The twentieth school day after the letter: no improvement, so Letter 2's meeting is
      // proposed to the team (and, with Dan's flag, nothing goes to his mother without them).
      await h.advanceSchoolDays(1);
      const after = await h.view('dan');
      expect(after.stageId).toBe('letter-two');
      const letter2 = after.pending.find((x) => x.step.stepId === 'letter-2');
      expect(letter2?.proposedOn).toBe(windowEnds);
      expect(mailTo(h, parentOf('dan'))).toHaveLength(1);
    },
    SCENARIO_TIMEOUT_MS * 3,
  );
});
