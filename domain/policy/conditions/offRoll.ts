// offRoll: the pupil is (true) or is not (false) off roll.
import { z } from 'zod';
import { defineCondition } from './kind';

const inWords = (offRoll: boolean) => (offRoll ? 'the pupil is off roll' : 'the pupil is on roll');

export const offRoll = defineCondition({
  schema: z.boolean().optional().describe('The pupil is (true) or is not (false) off roll.'),
  holds: (wanted, { facts }) => (facts.onRoll === wanted ? null : inWords(wanted)),
  describe: inWords,
  // A pupil who has left need not wait for a window's end.
  opensExit: (wanted) => wanted === true,
});
