// flag: the pupil has any of these flags (a Child Protection plan, Child in Need, SEND, ...).
import { z } from 'zod';
import { PUPIL_FLAGS } from '../../types';
import { defineCondition } from './kind';

const FLAG_NAMES: Record<string, string> = {
  cp: 'a Child Protection plan (cp)',
  cin: 'a Child in Need plan (cin)',
  send: 'special educational needs (send)',
  ehcp: 'an EHC plan (ehcp)',
  lac: 'looked-after status (lac)',
  young_carer: 'young carer status',
};

export function flagName(flag: string): string {
  return FLAG_NAMES[flag] ?? flag;
}

export const flag = defineCondition({
  schema: z
    .array(z.enum(PUPIL_FLAGS))
    .min(1)
    .optional()
    .describe('The pupil has any of these flags (e.g. cp, cin).'),
  holds(flags, { facts }) {
    const has = flags.filter((f) => facts.flags.includes(f));
    if (has.length === 0) return null;
    return `the pupil has ${has.map(flagName).join(' and ')}`;
  },
  describe: (flags) => `the pupil has ${flags.map(flagName).join(' or ')}`,
});
