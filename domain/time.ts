// School dates and instants. Workflows have a deterministic clock (Date.now() is the task time)
// but no time zone of their own; schools live in Europe/London, where the offset changes twice a
// year. These helpers convert with Intl, which is deterministic for a given instant and zone.
import type { IsoDate } from './types';

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Recent answers: a case asks the same instants again and again (its clock's today, its check
 * times), and Intl's formatting is slow. The same input always gives the same parts, so a cache
 * changes no answer. Cleared when full rather than kept in order: the reuse is close together.
 */
const recentParts = new Map<string, Readonly<Record<string, number>>>();
const RECENT_PARTS_MAX = 10_000;

function parts(instantMs: number, timeZone: string): Readonly<Record<string, number>> {
  const key = `${instantMs} ${timeZone}`;
  const known = recentParts.get(key);
  if (known) return known;
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  if (recentParts.size >= RECENT_PARTS_MAX) recentParts.clear();
  recentParts.set(key, Object.freeze(out));
  return out;
}

/** The school's calendar date at an instant. */
export function schoolDateAt(instantMs: number, timeZone: string): IsoDate {
  const p = parts(instantMs, timeZone);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** The instant (ms since epoch) of a local wall-clock time on a school date, e.g. 16:30 on 2026-11-20. */
export function instantOfSchoolTime(date: IsoDate, hhmm: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = hhmm.split(':').map(Number) as [number, number];
  const asUtc = Date.UTC(y, m - 1, d, hh, mm);
  // The zone's offset at that moment; two passes settle the rare case near a clock change.
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const p = parts(guess, timeZone);
    const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    guess = asUtc - (local - guess);
  }
  return guess;
}
