// attendance: the attendance % over a window is below X, above X, or within a band whose edges are
// both stated. Standalone attendance triggers are also a stage's band: validate.ts checks that the
// bands tile the scale, and decide.ts judges "back above the stage's band" with toInterval.
import { z } from 'zod';
import { percent2 } from '../../percent';
import type { WindowStats } from '../../types';
import { contains, describeInterval, type Interval } from '../bands';
import { pct, windowKind } from '../fields';
import { defineCondition } from './kind';
import { missed, percent, WINDOW_PHRASES, windowPhrase } from './words';

export const bandSchema = z
  .strictObject({
    from: pct,
    to: pct,
    fromInclusive: z.boolean(),
    toInclusive: z.boolean(),
  })
  .describe(
    'An attendance band with both edges stated: e.g. 93 <= a < 96 is {from: 93, to: 96, fromInclusive: true, toInclusive: false}.',
  );

export const attendanceConditionSchema = z
  .strictObject({
    window: windowKind,
    below: pct.optional(),
    above: pct.optional(),
    inclusive: z
      .boolean()
      .optional()
      .describe('With below/above: whether the edge itself belongs (required).'),
    band: bandSchema.optional(),
  })
  .superRefine((a, ctx) => {
    const given = [a.below, a.above, a.band].filter((v) => v !== undefined).length;
    if (given !== 1) ctx.addIssue({ code: 'custom', message: 'give exactly one of below, above or band' });
    if ((a.below !== undefined || a.above !== undefined) && a.inclusive === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['inclusive'],
        message: 'state whether the edge is inclusive (inclusive: true) or exclusive (inclusive: false)',
      });
    if (a.band !== undefined && a.inclusive !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['inclusive'],
        message: 'a band states fromInclusive/toInclusive instead',
      });
  })
  .describe('Attendance % over a window: below X, above X, or within an explicit band.');

export type AttendanceCondition = z.output<typeof attendanceConditionSchema>;
export type Band = z.output<typeof bandSchema>;

export function toInterval(a: AttendanceCondition): Interval {
  if (a.band)
    return { lo: a.band.from, hi: a.band.to, loInc: a.band.fromInclusive, hiInc: a.band.toInclusive };
  if (a.below !== undefined) return { lo: 0, hi: a.below, loInc: true, hiInc: a.inclusive === true };
  return { lo: a.above ?? 0, hi: 100, loInc: a.inclusive === true, hiInc: true };
}

/** "below 90%", "96% or above", "at least 93% and below 96%". */
export function describeAttendanceCondition(a: AttendanceCondition): string {
  if (a.below !== undefined) return a.inclusive ? `${a.below}% or below` : `below ${a.below}%`;
  if (a.above !== undefined) return a.inclusive ? `${a.above}% or above` : `above ${a.above}%`;
  return describeInterval(toInterval(a));
}

/**
 * Engine 2, medical evidence recorded: attendance with the illness and medical sessions (I, M) left
 * out of the possible sessions, so they are not held against the family. Undefined when the window
 * has none (or the figures predate the count): the register's own figure stands. Null when every
 * possible session was illness.
 */
export function attendanceWithoutIllness(w: WindowStats): number | null | undefined {
  if (w.illness === undefined || w.illness === 0) return undefined;
  return percent2(w.present + w.approvedActivity, w.possible - w.illness);
}

export const attendance = defineCondition({
  schema: attendanceConditionSchema.optional(),
  holds(a, { facts, illnessExcused }) {
    const w = facts.windows[a.window];
    const excused = illnessExcused ? attendanceWithoutIllness(w) : undefined;
    if (excused !== undefined) {
      if (excused === null || !contains(toInterval(a), excused)) return null;
      return (
        `attendance ${percent(excused)} ${windowPhrase(w)} with its ${w.illness} illness/medical sessions set aside ` +
        `(medical evidence received) is ${describeAttendanceCondition(a)} (${missed(w)} in all)`
      );
    }
    if (w.attendancePct === null || !contains(toInterval(a), w.attendancePct)) return null;
    return `attendance ${percent(w.attendancePct)} ${windowPhrase(w)} is ${describeAttendanceCondition(a)} (${missed(w)})`;
  },
  describe: (a) => `attendance ${WINDOW_PHRASES[a.window]} is ${describeAttendanceCondition(a)}`,
});
