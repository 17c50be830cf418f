// Attendance conditions as intervals on the 0..100 scale, with their edges made explicit.
import type { AttendanceCondition } from './schema';

export interface Interval {
  lo: number;
  hi: number;
  loInc: boolean;
  hiInc: boolean;
}

export function toInterval(a: AttendanceCondition): Interval {
  if (a.band)
    return { lo: a.band.from, hi: a.band.to, loInc: a.band.fromInclusive, hiInc: a.band.toInclusive };
  if (a.below !== undefined) return { lo: 0, hi: a.below, loInc: true, hiInc: a.inclusive === true };
  return { lo: a.above ?? 0, hi: 100, loInc: a.inclusive === true, hiInc: true };
}

export function isEmpty(i: Interval): boolean {
  return i.lo > i.hi || (i.lo === i.hi && !(i.loInc && i.hiInc));
}

export function contains(i: Interval, pct: number): boolean {
  const aboveLo = i.loInc ? pct >= i.lo : pct > i.lo;
  const belowHi = i.hiInc ? pct <= i.hi : pct < i.hi;
  return aboveLo && belowHi;
}

/** "below 90%", "96% or above", "at least 93% and below 96%". */
export function describeAttendanceCondition(a: AttendanceCondition): string {
  if (a.below !== undefined) return a.inclusive ? `${a.below}% or below` : `below ${a.below}%`;
  if (a.above !== undefined) return a.inclusive ? `${a.above}% or above` : `above ${a.above}%`;
  return describeInterval(toInterval(a));
}

export function describeInterval(i: Interval): string {
  if (i.lo === 0 && i.loInc) return i.hiInc ? `${i.hi}% or below` : `below ${i.hi}%`;
  if (i.hi === 100 && i.hiInc) return i.loInc ? `${i.lo}% or above` : `above ${i.lo}%`;
  return `${i.loInc ? 'at least' : 'above'} ${i.lo}% and ${i.hiInc ? 'at most' : 'below'} ${i.hi}%`;
}

/** An edge value in words for messages about gaps/overlaps: "exactly 95%", "between 95% and 96%". */
export function describeSpan(lo: number, hi: number, loInc: boolean, hiInc: boolean): string {
  if (lo === hi) return `exactly ${lo}%`;
  return describeInterval({ lo, hi, loInc, hiInc });
}

/** True when pct is above the whole interval (e.g. "back above the stage's band"). */
export function isAbove(i: Interval, pct: number): boolean {
  return i.hiInc ? pct > i.hi : pct >= i.hi;
}
