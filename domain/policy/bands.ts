// Attendance bands as intervals on the 0..100 scale, with their edges made explicit
// (conditions/attendance.ts turns an attendance condition into one).

export interface Interval {
  lo: number;
  hi: number;
  loInc: boolean;
  hiInc: boolean;
}

export function isEmpty(i: Interval): boolean {
  return i.lo > i.hi || (i.lo === i.hi && !(i.loInc && i.hiInc));
}

export function contains(i: Interval, pct: number): boolean {
  const aboveLo = i.loInc ? pct >= i.lo : pct > i.lo;
  const belowHi = i.hiInc ? pct <= i.hi : pct < i.hi;
  return aboveLo && belowHi;
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
